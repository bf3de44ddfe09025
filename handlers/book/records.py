"""Which customer (contact, deal) a typed sentence starts with: "星辰科技 产品型号 X200",
"tag Acme Ltd VIP". Only an exact name (ignoring case) among the records the user sees
counts, ended by a space: a sentence that does not start with one is not about a record,
and is left to the other features (a one-message log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

from bot.context import Context
from store.models import Company, Contact, Deal

MAX_NAME_WORDS = 6


def prefixes(text: str) -> list[str]:
    """The text's first 1…6 space-separated words, longest first."""
    words = text.split()
    return [" ".join(words[:n]) for n in range(min(len(words), MAX_NAME_WORDS), 0, -1)]


async def record_at_start(ctx: Context, entity: str, text: str) -> tuple[Any, str] | None:
    """The record of ``entity`` whose name starts ``text``, and the rest of the text."""
    model: Any = {"company": Company, "contact": Contact, "deal": Deal}[entity]
    column = model.title if entity == "deal" else model.name
    candidates = prefixes(text)
    if not candidates:
        return None
    rows = (
        await ctx.session.scalars(
            ctx.records.select(model)
            .where(func.lower(column).in_([c.casefold() for c in candidates]))
            .order_by(model.id)
            .limit(20)
        )
    ).all()
    by_name = {getattr(r, "title" if entity == "deal" else "name").casefold(): r for r in rows}
    for candidate in candidates:  # the longest name wins ("Acme Ltd" over "Acme")
        found = by_name.get(candidate.casefold())
        if found is not None:
            return found, text.strip()[len(candidate) :].strip()
    return None
