"""Won or lost: ask why (buttons for the usual reasons, or free text), then record it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.context import Context, FlowKey
from bot.replies import Button
from conversations.base import Answer, Flow
from handlers.approvals import notices
from handlers.common.labels import stage_label
from handlers.deals.views import deal_card
from store.approvals import ApprovalRequired
from store.deals import move_stage
from store.models import Deal


class State(StrEnum):
    REASON = "reason"


class Reason(StrEnum):
    PRICE = "price"
    RELATIONSHIP = "relationship"
    PRODUCT = "product"
    COMPETITOR = "competitor"
    TIMING = "timing"
    NO_BUDGET = "no_budget"
    OTHER = "other"
    SKIP = "skip"


KEY = FlowKey("deal_reason", 1, State)
REASONS = {
    "won": (Reason.PRICE, Reason.RELATIONSHIP, Reason.PRODUCT, Reason.OTHER),
    "lost": (Reason.PRICE, Reason.COMPETITOR, Reason.TIMING, Reason.NO_BUDGET, Reason.OTHER),
}


@dataclass(frozen=True)
class PickReason(Answer, tag="dr"):
    reason: Reason


def ask_reason(ctx: Context, deal: Deal, stage: str, *, move: bool) -> None:
    """Start the question; ``move`` False when the deal already moved (reason only)."""
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.REASON, {"deal_id": deal.id, "stage": stage, "move": move})
    buttons = [Button(ctx.t(f"deal.reasons.{key}"), PickReason(key)) for key in REASONS[stage]]
    buttons.append(Button(ctx.t("common.skip"), PickReason(Reason.SKIP)))
    ctx.ask(ctx.t(f"deal.reason_ask_{stage}", title=deal.title), buttons)


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    data = ctx.flow.data
    stage: str = data["stage"]
    choice = ctx.action.reason if isinstance(ctx.action, PickReason) else None
    if choice is Reason.SKIP:
        reason = None
    elif choice in REASONS[stage]:
        reason = ctx.t(f"deal.reasons.{choice}")
        if choice is Reason.OTHER:
            ctx.say("deal.reason_type")
            return
    elif ctx.text:
        reason = ctx.text[:500]
    else:
        ctx.say("deal.reason_type")
        return
    deal = await ctx.records.get(Deal, data["deal_id"], for_update=True)
    pipeline = ctx.settings.pipeline
    if data["move"]:
        try:
            await move_stage(
                ctx.records, pipeline, deal, stage, reason=reason, today=notices.today(ctx)
            )
        except ApprovalRequired as required:
            ctx.flow.end()
            await notices.request(ctx, required)
            return
        await notices.after_move(ctx, deal)
    elif reason is not None:
        await ctx.records.update(deal, close_reason=reason)
    ctx.flow.end()
    ctx.say(f"deal.closed_{stage}", title=deal.title, stage=stage_label(ctx, stage))
    ctx.reply(await deal_card(ctx, deal))


FLOW = Flow(KEY, {State.REASON: on_reason}, answers=(PickReason,))
