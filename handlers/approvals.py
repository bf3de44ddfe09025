"""The Approve / Reject buttons of an approval push (``ap.ok:<id>``, ``ap.no:<id>``).

Approve moves the deal to won through the same :func:`store.deals.move_stage` as any other
move (stage history and audit included), with the rep's close reason. Reject asks why first
(:mod:`conversations.approval_reject`). The clicked message is edited to show the choice by
the engine, as for every button.
"""

from __future__ import annotations

from bot.context import Context
from bot.payloads import payload_id
from bot.router import Router, payload
from conversations import approval_reject
from handlers.approval_notices import money, tell_requester
from handlers.approval_rows import decidable
from store import approvals
from store.deals import move_stage


async def approve(ctx: Context) -> None:
    assert ctx.user is not None
    found = await decidable(ctx, payload_id(ctx))
    if found is None:
        return
    row, deal = found
    await move_stage(
        ctx.records, ctx.settings.pipeline, deal, row.to_stage, reason=row.reason, approved=True
    )
    await approvals.decide(ctx.session, row, state=approvals.APPROVED, by=ctx.user.id, now=ctx.now)
    await tell_requester(ctx, row, deal)
    ctx.say("approvals.approved", title=deal.title, amount=money(deal, ctx.lang))


async def reject(ctx: Context) -> None:
    found = await decidable(ctx, payload_id(ctx))
    if found is not None:
        row, deal = found
        approval_reject.start(ctx, row.id, deal.title)


def routes() -> Router:
    router = Router()
    router.add(payload("ap.ok"), approve)
    router.add(payload("ap.no"), reject)
    return router
