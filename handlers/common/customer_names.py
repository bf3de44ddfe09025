"""The customer names a message is matched against, read at most once per message."""

from __future__ import annotations

from bot.context import Context
from store.known_names import known_names


async def customer_names(ctx: Context) -> list[str]:
    """The names the sender sees: a rep's come with the sender's row (``bot.engine``);
    anyone else's are read on first use. Several handlers may look ("received … from",
    a log, a reminder) before one takes the message; they share one read."""
    if ctx.customer_names is None:
        ctx.customer_names = await known_names(ctx.records)
    return ctx.customer_names
