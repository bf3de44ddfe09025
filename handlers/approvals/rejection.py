"""Rejecting a deal's approval: ask the manager why (a button for the usual ones, or text),
then record it and tell the rep — the reason travels with the "no"."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from bot.context import Context, FlowKey
from bot.replies import Button
from conversations.base import Answer, Flow
from handlers.approvals.notices import announce
from handlers.approvals.pending import decidable
from handlers.common.labels import stage_label
from store import approvals
from store.deals import move_stage


class State(StrEnum):
    REASON = "reason"


Reason = Literal["discount", "details", "timing"]
REASONS: tuple[Reason, ...] = get_args(Reason)
KEY = FlowKey("approval_reject", 1, State)


@dataclass(frozen=True)
class PickReason(Answer, tag="ar"):
    reason: Reason


def start(ctx: Context, approval_id: int, title: str) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.REASON, {"approval_id": approval_id})
    ctx.ask(
        ctx.t("approvals.reject_ask", title=title),
        [Button(ctx.t(f"approvals.reasons.{key}"), PickReason(key)) for key in REASONS],
    )


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    assert ctx.user is not None
    if isinstance(ctx.action, PickReason):
        reason = ctx.t(f"approvals.reasons.{ctx.action.reason}")
    elif ctx.text and ctx.action is None:
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
    pipeline = ctx.settings.pipeline
    if deal.stage == row.to_stage:
        # Won while the request waited (a path that skipped the gate, or a row older than
        # the rule that closes requests on a move): a "no" must not leave it won.
        await move_stage(ctx.records, pipeline, deal, pipeline.open_stages[-1], approved=True)
    await announce(ctx, row, deal)
    ctx.say(
        "approvals.rejected", title=deal.title, reason=reason, stage=stage_label(ctx, deal.stage)
    )


FLOW = Flow(KEY, {State.REASON: on_reason}, answers=(PickReason,))
