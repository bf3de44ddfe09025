"""Won or lost: ask why (buttons for the usual reasons, or free text), then record it."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button
from conversations.base import Flow, flow_payload, flow_value
from handlers.approvals import notices
from handlers.common.labels import stage_label
from handlers.deals.views import deal_card
from store.approvals import ApprovalRequired
from store.deals import move_stage
from store.models import Deal

NAME = "deal_reason"
VERSION = 1
REASONS = {
    "won": ("price", "relationship", "product", "other"),
    "lost": ("price", "competitor", "timing", "no_budget", "other"),
}


def ask_reason(ctx: Context, deal: Deal, stage: str, *, move: bool) -> None:
    """Start the question; ``move`` False when the deal already moved (reason only)."""
    assert ctx.flow is not None
    ctx.flow.start(NAME, VERSION, "reason", {"deal_id": deal.id, "stage": stage, "move": move})
    buttons = [
        Button(ctx.t(f"deal.reasons.{key}"), flow_payload(NAME, key)) for key in REASONS[stage]
    ]
    buttons.append(Button(ctx.t("common.skip"), flow_payload(NAME, "skip")))
    ctx.ask(ctx.t(f"deal.reason_ask_{stage}", title=deal.title), buttons)


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    data = ctx.flow.data
    stage: str = data["stage"]
    choice = flow_value(ctx, NAME)
    if choice == "skip":
        reason = None
    elif choice in REASONS[stage]:
        reason = ctx.t(f"deal.reasons.{choice}")
        if choice == "other":
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
            await move_stage(ctx.records, pipeline, deal, stage, reason=reason)
        except ApprovalRequired as required:
            ctx.flow.end()
            await notices.request(ctx, required)
            return
    elif reason is not None:
        await ctx.records.update(deal, close_reason=reason)
    ctx.flow.end()
    ctx.say(f"deal.closed_{stage}", title=deal.title, stage=stage_label(ctx, stage))
    ctx.reply(await deal_card(ctx, deal))


FLOW = Flow(name=NAME, version=VERSION, states={"reason": on_reason})
