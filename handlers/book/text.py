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
from bot.nlu.segments import asks_for_customers, is_comparison, looks_like_segment, parse_segment
from handlers.book import fields, segments, tags

COMPARISON = re.compile(
    r"[<>≥≤＞＜]|大于|小于|超过|不少于|不低于|不超过|低于|高于|多于|少于|以上|以下"
)
"""A message with one of these may be a field comparison typed alone ("员工数>100")."""
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
    if await tags.apply_phrase(ctx, text):
        return True
    if (m := SAVE_AS.match(text)) is not None:
        await segments.save_as_typed(ctx, m.group(1))
        return True
    if looks_like_segment(text) or COMPARISON.search(text):
        parsed = parse_segment(text, await segments.vocabulary(ctx))
        if parsed.complete and (looks_like_segment(text) or is_comparison(parsed)):
            await segments.run_text(ctx, text, parsed)
            return True
        if asks_for_customers(text):
            segments.understood(ctx, text, parsed)  # says what it did not understand
    return await fields.set_by_text(ctx, text)
