"""What a customer card shows of the book of business: its tags, its custom fields' values,
and the 🏷 Tags / 🧩 Fields buttons (answered by :mod:`handlers.book`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.replies import Button
from handlers.common.actions import FieldsFor, TagsFor
from handlers.common.field_values import field_name, show_value
from handlers.common.tier_text import reason_text, tier_name
from store import fields, tags, tiers


@dataclass(frozen=True)
class Book:
    lines: list[str]
    buttons: list[Button]


async def book_of(ctx: Context, entity: str, record_id: int) -> Book:
    """What a card shows of the book: ``⭐`` the tier (a customer), ``🏷 VIP · 制造业``, a
    ``🧩 name: value`` line per field with a value; the 🏷 Tags button (a customer) and
    🧩 Fields when the entity has fields. Its tags and its fields are read once each."""
    lines: list[str] = []
    buttons: list[Button] = []
    if entity == "company":
        on = await tags.company_tags(ctx.session, record_id)
        names = [name for _, name in on]
        rules = ctx.settings.tier_rules
        decision = await tiers.tier_of(ctx.session, rules, record_id, ctx.now, names)
        why = reason_text(ctx.t, ctx.lang, decision.reason, ctx.currency)
        lines.append(ctx.t("tiers.card", tier=tier_name(ctx.t, decision.tier), reason=why))
        if on:
            lines.append("🏷 " + " · ".join(tags.label(name, ctx.lang) for _, name in on))
        buttons.append(Button(ctx.t("book.tags.btn_tags"), TagsFor(record_id)))
    found = await fields.fields_with_values(ctx.session, entity, record_id)
    for field, values in found:
        if values:
            shown = show_value(field, values, ctx.lang)
            lines.append(f"🧩 {field_name(field, ctx.lang)}: {shown}")
    if found:
        buttons.append(Button(ctx.t("book.fields.btn_fields"), FieldsFor(entity, record_id)))
    return Book(lines, buttons)
