"""What a customer card shows of the book of business: its tags, its custom fields' values,
and the 🏷 Tags / 🧩 Fields buttons (answered by :mod:`handlers.book`)."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button
from handlers.common.actions import FieldsFor, TagsFor
from handlers.common.field_values import field_name, show_value
from handlers.common.tier_text import reason_text, tier_name
from store import fields, tags, tiers


async def book_lines(ctx: Context, entity: str, record_id: int) -> list[str]:
    """``🏷 VIP · 制造业`` and one ``🧩 name: value`` line per field that has a value."""
    lines: list[str] = []
    if entity == "company":
        on = await tags.company_tags(ctx.session, record_id)
        names = [name for _, name in on]
        rules = ctx.settings.tier_rules
        decision = await tiers.tier_of(ctx.session, rules, record_id, ctx.now, names)
        why = reason_text(ctx.t, ctx.lang, decision.reason, ctx.currency)
        lines.append(ctx.t("tiers.card", tier=tier_name(ctx.t, decision.tier), reason=why))
        if on:
            lines.append("🏷 " + " · ".join(tags.label(name, ctx.lang) for _, name in on))
    for field, values in await fields.values_of(ctx.session, entity, record_id):
        lines.append(f"🧩 {field_name(field, ctx.lang)}: {show_value(field, values, ctx.lang)}")
    return lines


async def book_buttons(ctx: Context, entity: str, record_id: int) -> list[Button]:
    buttons: list[Button] = []
    if entity == "company":
        buttons.append(Button(ctx.t("book.tags.btn_tags"), TagsFor(record_id)))
    if await fields.fields_for(ctx.session, entity):
        buttons.append(Button(ctx.t("book.fields.btn_fields"), FieldsFor(entity, record_id)))
    return buttons
