"""Changing a deal's amount from chat, with the approval rule kept on the new amount."""

from __future__ import annotations

from bot.context import Context
from handlers.approvals import notices
from store.approvals import ApprovalRequired
from store.deals import change_amount
from store.models import Deal


async def set_amount(ctx: Context, deal: Deal, cents: int, currency: str) -> None:
    """The change, and what it means for approval, said to the rep: a request sent again
    (the deal was won or waiting, and the new amount needs a yes), or one withdrawn (the
    approvers saw another amount, and the new one needs none)."""
    try:
        withdrawn = await change_amount(ctx.records, ctx.settings.pipeline, deal, cents, currency)
    except ApprovalRequired as required:
        await notices.request(ctx, required)
        return
    if withdrawn:
        ctx.say("approvals.withdrawn", title=deal.title, amount=notices.money(deal, ctx.lang))
