"""Closing a ticket by saying so: "星辰科技那个单子修好了 关了吧", "ticket 7 fixed, close it".

The sender's open tickets they may close (the assignee, the customer's owner, a manager)
are narrowed by the number or the customer named; one left: the same question as the ✅
Close button (the resolution, then the survey). Several: a button each. None: said so —
when the message speaks of a ticket; "星辰科技的问题解决了" with no ticket open goes on as
an ordinary message.
"""

from __future__ import annotations

from bot.context import Context
from bot.nlu.tickets import read_close
from bot.replies import Button
from handlers.tickets import close
from handlers.tickets.actions import CloseTicket
from handlers.tickets.new_ticket import named_company
from locales.formatting import shorten
from store import tickets
from store.models import Ticket

MAX_OFFERED = 6


async def on_text(ctx: Context) -> bool:
    """``True``: the message was about closing a ticket and has been answered."""
    words = read_close(ctx.text)
    if not words.asked or ctx.principal is None:
        return False
    where: list[object] = [Ticket.status == tickets.OPEN]
    company = None
    if words.number is not None:
        where.append(Ticket.id == words.number)
    else:
        company = await named_company(ctx, ctx.text)
        if company is None:
            return False
        where.append(Ticket.company_id == company.id)
    where.append(close.closable(ctx))  # in the query: the newest few may be others'
    found = await tickets.visible(ctx.records, *where, limit=MAX_OFFERED + 1)
    if not found:
        if not words.about_ticket:
            return False
        if words.number is not None:
            ctx.say("tickets.close_none_number", id=words.number)
        else:
            assert company is not None
            ctx.say("tickets.close_none", company=company.name)
        return True
    if len(found) == 1:
        await close.start_close(ctx, found[0])
        return True
    if len(found) <= MAX_OFFERED:
        question = ctx.t("tickets.close_pick", count=len(found))
    else:  # say how many there are, and that these are the newest
        count = await tickets.count_visible(ctx.records, *where)
        question = ctx.t("tickets.close_pick_newest", count=count, shown=MAX_OFFERED)
    ctx.ask(
        question,
        [
            Button(f"✅ #{t.id} {shorten(t.summary, 30)}", CloseTicket(t.id))
            for t in found[:MAX_OFFERED]
        ],
    )
    return True
