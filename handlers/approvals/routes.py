"""The Approve / Reject buttons of an approval push (:mod:`handlers.approvals.actions`), and
``/approvals``: what is waiting, for a manager who missed the push (or has no push chat).

Approve moves the deal to won through the same :func:`store.deals.move_stage` as any other
move (stage history and audit included), with the rep's close reason. Reject asks why first
(:mod:`handlers.approvals.rejection`). The clicked message is edited to show the choice by
the engine, as for every button.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.router import Router, action, command
from bot.voice import Voice
from handlers.approvals import rejection
from handlers.approvals.actions import Approve, Reject
from handlers.approvals.notices import announce, approval_card, money, request, today
from handlers.approvals.pending import decidable
from store import approvals
from store.access import principal_for
from store.approvals import ApprovalRequired
from store.deals import move_stage
from store.models import Deal, DealApproval, User

MAX_LISTED = 10


async def approve(ctx: Context) -> None:
    assert ctx.user is not None
    found = await decidable(ctx, ctx.pressed(Approve).approval)
    if found is None:
        return
    row, deal = found
    if (row.amount_cents, row.currency) != (deal.amount_cents, deal.currency):
        await _ask_again(ctx, row, deal)
        return
    await move_stage(
        ctx.records,
        ctx.settings.pipeline,
        deal,
        row.to_stage,
        reason=row.reason,
        approved=True,
        today=today(ctx),
    )
    await approvals.decide(ctx.session, row, state=approvals.APPROVED, by=ctx.user.id, now=ctx.now)
    await announce(ctx, row, deal)
    ctx.say("approvals.approved", title=deal.title, amount=money(deal, ctx.lang))


async def _ask_again(ctx: Context, row: DealApproval, deal: Deal) -> None:
    """The approver saw another amount than the deal has now: approving would win it at a
    figure nobody approved. The request is void, and a new one at today's amount goes out
    (to this approver too) when that amount still needs a yes."""
    assert ctx.user is not None
    asked = money(row, ctx.lang)
    await approvals.decide(
        ctx.session, row, state=approvals.SUPERSEDED, by=ctx.user.id, now=ctx.now, note="amount"
    )
    ctx.say("approvals.amount_changed", title=deal.title, asked=asked, now=money(deal, ctx.lang))
    requester = await ctx.session.get(User, row.requested_by)
    if requester is None or deal.stage == row.to_stage:
        return
    needed = await approvals.approvers(
        ctx.session,
        ctx.settings.pipeline,
        await principal_for(ctx.session, requester),
        owner_id=deal.owner_id,
        amount_cents=deal.amount_cents,
        currency=deal.currency,
        to_stage=row.to_stage,
    )
    if needed:
        required = ApprovalRequired(deal, row.to_stage, row.reason, needed)
        await request(ctx, required, requested_by=requester.id)


async def reject(ctx: Context) -> None:
    found = await decidable(ctx, ctx.pressed(Reject).approval)
    if found is not None:
        row, deal = found
        rejection.start(ctx, row.id, deal.title)


async def waiting(ctx: Context) -> None:
    """``/approvals``: requests this user may decide, each with its buttons; a rep sees the
    requests of theirs that are still waiting. Only deals in the user's record rules."""
    if not await list_deal_requests(ctx):
        ctx.say("approvals.none")


async def list_deal_requests(ctx: Context) -> bool:
    """The deal part of ``/approvals`` (other features list theirs after it); whether
    anything was shown."""
    assert ctx.user is not None
    assert ctx.principal is not None
    rows = (
        await ctx.session.execute(
            select(DealApproval, Deal)
            .join(Deal, Deal.id == DealApproval.deal_id)
            .where(
                DealApproval.state == approvals.PENDING,
                Deal.id.in_(ctx.records.select(Deal).with_only_columns(Deal.id)),
            )
            .order_by(DealApproval.requested_at, DealApproval.id)
        )
    ).all()
    mine = [(row, deal) for row, deal in rows if approvals.may_decide(ctx.principal, deal)]
    asked = [deal for row, deal in rows if row.requested_by == ctx.user.id]
    if not mine and not asked:
        return False
    voice = Voice(ctx.translator, ctx.lang, ctx.tz, ctx.now)
    if mine:
        ctx.say("approvals.list_title", count=len(mine))
        for row, deal in mine[:MAX_LISTED]:
            ctx.reply((await approval_card(ctx, row, deal))(voice))
        if len(mine) > MAX_LISTED:
            ctx.say("approvals.list_more", count=len(mine) - MAX_LISTED)
    if asked:
        titles = ", ".join(f"{deal.title} ({money(deal, ctx.lang)})" for deal in asked)
        ctx.say("approvals.yours_waiting", titles=titles)
    return True


def routes() -> Router:
    router = Router()
    router.add(command("approvals"), waiting)
    router.add(action(Approve), approve)
    router.add(action(Reject), reject)
    return router
