"""A request addressed to the bot ("把我团队今天的跟进建议发我一份", "show me …") is a question,
not a to-do: a trial turned "发我一份" into a personal task due 09:00, already past.

Such a message gets an answer pointing to what shows it, and nothing is saved.
"""

from __future__ import annotations

import re

from bot.context import Context

ASKS_THE_BOT = re.compile(
    r"(?:发|传)(?:给)?我(?:一份|一下|看看?)?\s*[。.!！?？~]*\s*$|给我看"
    r"|^\s*(?:(?:please|pls|can you|could you)\s+)?(?:send|show)\s+me\b",
    re.IGNORECASE,
)
"""The message asks the bot to send or show something."""


def on_request(ctx: Context) -> bool:
    """``True`` (and answered) when the text asks the bot to send or show something."""
    if not ASKS_THE_BOT.search(ctx.text):
        return False
    ctx.say("reminders.request.not_task")
    return True
