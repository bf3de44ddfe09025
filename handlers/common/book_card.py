"""What a customer card shows of the book of business: its tags, its custom fields' values,
and the 🏷 Tags / 🧩 Fields buttons (answered by :mod:`handlers.book`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


async def book_of(
    ctx: Context,
    entity: str,
    record_id: int,
    standing: tuple[Any, Any, Any] | None = None,
) -> Book:
    """What a card shows of the book: ``⭐`` the tier (a customer), ``🏷 VIP · 制造业``, a
    ``🧩 name: value`` line per field with a value; the 🏷 Tags button (a customer) and
    🧩 Fields when the entity has fields. Its tags come with its tier (one statement), its
    fields' values with a second, when it has fields. ``standing``: a customer's
    :func:`store.tiers.standing_columns`, read by the caller with its own statement (the
    card's), so that the tier costs no statement of its own."""
    lines: list[str] = []
    buttons: list[Button] = []
    if entity == "company":
        rules = ctx.settings.tier_rules
        decision, on = (
            tiers.decided(rules, *standing)
            if standing is not None
            else await tiers.tier_and_tags(ctx.session, rules, record_id, ctx.now)
        )
        why = reason_text(ctx.t, ctx.lang, decision.reason, ctx.currency)
        lines.append(ctx.t("tiers.card", tier=tier_name(ctx.t, decision.tier), reason=why))
        if on:
            lines.append("🏷 " + " · ".join(tags.label(name, ctx.lang) for _, name in on))
        buttons.append(Button(ctx.t("book.tags.btn_tags"), TagsFor(record_id)))
    found = (
        await fields.fields_with_values(ctx.session, entity, record_id)
        if _has_fields(ctx, entity)
        else []
    )
    for field, values in found:
        if values:
            shown = show_value(field, values, ctx.lang)
            lines.append(f"🧩 {field_name(field, ctx.lang)}: {shown}")
    if found:
        buttons.append(Button(ctx.t("book.fields.btn_fields"), FieldsFor(entity, record_id)))
    return Book(lines, buttons)


def _has_fields(ctx: Context, entity: str) -> bool:
    """Whether the entity has custom fields, as the names read with the sender say (most
    workspaces have none for some entities: their cards then skip reading values). Not
    read with the sender: assume so, and read."""
    names = ctx.custom_fields
    return names is None or any(field.entity == entity for field in names)
