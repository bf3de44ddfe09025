"""Is this text clearly something new? Asked by the engine while a question is waiting.

A rep who was asked "which deal?" or "why was it lost?" and instead sends "visited 星辰科技,
follow up Friday" means a new log; filing it as the answer once moved another customer's
deal to a wrong amount. A text is new when it is an explicit reminder ("remind me …"), or
a log that names a customer together with something that happened or is to happen (an
activity, a stage, a date, an amount).
"""

from __future__ import annotations

from bot.context import Context
from bot.nlu.message import parse_log
from handlers.common.customer_names import customer_names
from handlers.reminders.routes import trigger_end


async def is_new_intent(ctx: Context) -> bool:
    text = ctx.text
    if trigger_end(text, ctx.sent_local) is not None:
        return True
    parsed = parse_log(
        text,
        ctx.sent_local,
        known_customers=await customer_names(ctx),
        default_time=ctx.settings.follow_up_time,
    )
    if not parsed.customer:
        return False
    return any(
        (parsed.activity, parsed.stage, parsed.follow_up is not None, parsed.amount is not None)
    )
