"""The book's phrases in free text, tried before a message is read as a log:
"tag 星辰科技 VIP", "星辰科技 产品型号 X200", "上个月没有拜访的深圳VIP客户", "save as 重点客户".

Each is taken only when it is exactly that: a tag phrase starts with its verb; a field
phrase names a record the user sees exactly, then a field of its kind; a segment phrase
speaks of customers as a group and every word of it is understood. Anything else is left
alone, so a one-message log is never taken for one of these.
"""

from __future__ import annotations

import re

from bot.context import Context
from bot.nlu.segments import looks_like_segment, parse_segment
from handlers.book import fields, segments, tags

SAVE_AS = re.compile(r"^(?:save\s+(?:it\s+)?as|保存为|存为|另存为)\s*[:：]?\s*(.+)$", re.I | re.S)


async def on_text(ctx: Context) -> bool:
    """True when the message was one of the book's phrases (and has been answered)."""
    text = ctx.text
    if (m := tags.TAG_PHRASE.match(text)) is not None:
        await tags.apply_text(ctx, m.group(1), remove=False)
        return True
    if (m := tags.UNTAG_PHRASE.match(text)) is not None:
        await tags.apply_text(ctx, m.group(1), remove=True)
        return True
    if (m := SAVE_AS.match(text)) is not None:
        await segments.save_as_typed(ctx, m.group(1))
        return True
    if looks_like_segment(text):
        parsed = parse_segment(text, await segments.vocabulary(ctx))
        if parsed.complete:
            await segments.run_text(ctx, text, parsed)
            return True
    return await fields.set_by_text(ctx, text)
