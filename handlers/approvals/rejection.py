"""Rejecting a deal's approval: ask the manager why (a button for the usual ones, or text),
then record it and tell the rep — the reason travels with the "no"."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button
from conversations.base import Flow, flow_payload, flow_value
from handlers.approvals.notices import announce
from handlers.approvals.pending import decidable
from store import approvals

NAME = "approval_reject"
VERSION = 1
REASONS = ("discount", "details", "timing")


def start(ctx: Context, approval_id: int, title: str) -> None:
    assert ctx.flow is not None
    ctx.flow.start(NAME, VERSION, "reason", {"approval_id": approval_id})
    ctx.ask(
        ctx.t("approvals.reject_ask", title=title),
        [Button(ctx.t(f"approvals.reasons.{key}"), flow_payload(NAME, key)) for key in REASONS],
    )


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    assert ctx.user is not None
    choice = flow_value(ctx, NAME)
    if choice in REASONS:
        reason = ctx.t(f"approvals.reasons.{choice}")
    elif ctx.text and choice is None:
        reason = ctx.text[:500]
    else:
        ctx.say("approvals.reject_type")
        return
    approval_id = int(ctx.flow.data.get("approval_id") or 0)
    ctx.flow.end()
    found = await decidable(ctx, approval_id)
    if found is None:
        return
    row, deal = found
    await approvals.decide(
        ctx.session, row, state=approvals.REJECTED, by=ctx.user.id, now=ctx.now, note=reason
    )
    await announce(ctx, row, deal)
    ctx.say("approvals.rejected", title=deal.title, reason=reason)


FLOW = Flow(name=NAME, version=VERSION, states={"reason": on_reason})
