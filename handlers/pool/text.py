"""Assignments typed as free text, tried before a message is read as a log.

"assign …" (English) always is one; a Chinese phrase ("把星辰科技分配给张强", "转给张强")
only when it names a customer the user may assign exactly, or a segment, so that a log
such as "把报价转给张总" stays a log.
"""

from __future__ import annotations

from bot.context import Context
from handlers.pool import assign
from handlers.pool.phrases import read_phrase
from store import assign as store


async def on_text(ctx: Context) -> bool:
    """True when the message was an assignment (and has been answered)."""
    phrase = read_phrase(ctx.text)
    if phrase is None:
        return False
    if phrase.segment:
        await assign.assign_segment_typed(ctx, phrase.record, phrase.person)
        return True
    if not phrase.record:
        # "转给张强" names nobody's customer: taken (to ask which) only when it names a person.
        assert ctx.principal is not None
        found, _ = await store.people_named(ctx.session, ctx.principal, phrase.person)
        exact = [
            p for p in found if phrase.person.casefold() in (p.display_name.casefold(), p.name)
        ]
        if not phrase.english and not exact:
            return False
        ctx.say("pool.assign.which_customer_typed", person=phrase.person)
        return True
    return await assign.assign_typed(ctx, phrase.record, phrase.person, strict=not phrase.english)
