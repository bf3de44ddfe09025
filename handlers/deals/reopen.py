"""Reopen a won or lost deal from its card: ask why, then move it back (store/reopen.py).

The reason is required: a closed deal that opens again changes the numbers a manager has
seen, so the history says who reopened it and why.
"""

from __future__ import annotations

from enum import StrEnum

from bot.context import Context, FlowKey
from conversations.base import Flow, Step
from handlers.common.labels import stage_label
from handlers.deals.actions import ReopenDeal
from handlers.deals.views import deal_card
from store.models import Deal
from store.reopen import NotClosed, reopen_deal


class State(StrEnum):
    REASON = "reason"


KEY = FlowKey("deal_reopen", 1, State)
MAX_REASON = 500


async def start(ctx: Context) -> None:
    deal = await ctx.records.get(Deal, ctx.pressed(ReopenDeal).deal)
    if not ctx.settings.pipeline.is_closed(deal.stage):
        ctx.reply(await deal_card(ctx, deal))
        return
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.REASON, {"deal_id": deal.id})
    ctx.say("corrections.reopen_ask", title=deal.title, stage=stage_label(ctx, deal.stage))


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    reason = ctx.text.strip()[:MAX_REASON]
    if not reason:
        ctx.say("corrections.reopen_ask_again")
        return
    deal = await ctx.records.get(Deal, ctx.flow.data["deal_id"], for_update=True)
    ctx.flow.end()
    was = stage_label(ctx, deal.stage)
    note = ctx.t("corrections.reopen_note", was=was, reason=reason)
    try:
        stage = await reopen_deal(
            ctx.records, ctx.settings.pipeline, deal, reason=reason, note=note
        )
    except NotClosed:  # reopened meanwhile (another button, another person)
        ctx.reply(await deal_card(ctx, deal))
        return
    ctx.say("corrections.reopened", title=deal.title, stage=stage_label(ctx, stage))
    ctx.reply(await deal_card(ctx, deal))


FLOW = Flow(KEY, {State.REASON: Step(on_reason)})
