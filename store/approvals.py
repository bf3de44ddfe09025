"""Who must approve a big deal before it is won, and the approval rows themselves.

The gate is :func:`store.deals.move_stage` (and :func:`store.deals.create_deal`): every path
to ``won`` — the Won button, "Acme deal won" typed in chat, the reason flow — ends there, so
none can skip it. The rule holds on the deal's state, not only on the move: an amount
change goes through :func:`store.deals.change_amount`, which asks again when it leaves a won
(or waiting) deal at or above the threshold, and voids a waiting request whose amount the
approvers did not see. They call :func:`approvers` and raise :class:`ApprovalRequired` *before*
changing anything; the chat layer turns that into a request and pushes.

Who approves whom (kept simple on purpose):

* a rep's deal: the managers of the rep's teams; a rep with no manager goes to the admins;
* a manager's own deal: the admins (no admin: no approval — there is nobody above them);
* a manager moving a team member's deal, or any admin: no approval, they are the approvers.

Nobody to ask means no approval: a one-person installation is never stuck.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Principal
from store.fx import load_rates
from store.models import Deal, DealApproval, Role, TeamMember, User
from store.pipeline import WON, Pipeline

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
SUPERSEDED = "superseded"
"""The amount or currency the approvers saw changed: the request is void (a new one is
asked for when the new amount still needs a yes)."""
CANCELLED = "cancelled"
"""The deal was moved to another stage while its request waited (by its rep, or by someone
who may not approve it): there is nothing left to decide."""
MOVED = "stage moved"
"""The note on a request closed by a stage move rather than by a button."""


@dataclass
class ApprovalRequired(Exception):
    """Nothing moved: ``deal`` may enter ``to_stage`` only once one of ``approvers`` says yes.

    ``reason`` is the close reason the requester gave, kept for when it is approved.
    """

    deal: Deal
    to_stage: str
    reason: str | None
    approvers: tuple[int, ...]

    def __str__(self) -> str:
        return f"deal {self.deal.id} to {self.to_stage} needs approval"


async def _active(session: AsyncSession, role: Role, among: set[int] | None = None) -> list[int]:
    stmt = select(User.id).where(User.active, User.role == role).order_by(User.id)
    if among is not None:
        stmt = stmt.where(User.id.in_(among))
    return list(await session.scalars(stmt))


async def team_managers(session: AsyncSession, user_id: int) -> list[int]:
    """Active managers who share a team with ``user_id`` (not the user themself)."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    mates = set(
        await session.scalars(select(TeamMember.user_id).where(TeamMember.team_id.in_(teams)))
    )
    mates.discard(user_id)
    return await _active(session, Role.MANAGER, mates) if mates else []


async def approvers(
    session: AsyncSession,
    pipeline: Pipeline,
    principal: Principal,
    *,
    owner_id: int,
    amount_cents: int,
    currency: str,
    to_stage: str,
) -> tuple[int, ...]:
    """Who must approve ``principal`` putting a deal of ``owner_id`` with this amount into
    ``to_stage``; empty: nobody, go ahead. The amount is converted at the admin's exchange
    rates (``crmbot fx``) where set, as the reports do."""
    if to_stage != WON:
        return ()
    fx = await load_rates(session, pipeline.approval.fx_base)
    if not pipeline.approval.needs_approval(amount_cents, currency, fx):
        return ()
    if principal.role is Role.ADMIN:
        return ()
    if principal.role is Role.MANAGER and owner_id != principal.user_id:
        return ()
    found: list[int] = []
    if principal.role is Role.REP:
        found = await team_managers(session, owner_id)
    if not found:
        found = await _active(session, Role.ADMIN)
    return tuple(uid for uid in found if uid != principal.user_id)


def may_decide(principal: Principal, deal: Deal) -> bool:
    """Admins decide anything; a manager decides the deals of their team, not their own.
    (The caller has already loaded ``deal`` through the principal's record rules.)"""
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.MANAGER and deal.owner_id != principal.user_id


async def pending_for(session: AsyncSession, deal_id: int) -> DealApproval | None:
    return await session.scalar(
        select(DealApproval)
        .where(DealApproval.deal_id == deal_id, DealApproval.state == PENDING)
        .order_by(DealApproval.id)
        .limit(1)
    )


async def open_request(
    session: AsyncSession, required: ApprovalRequired, *, requested_by: int, now: datetime
) -> tuple[DealApproval, bool]:
    """The pending request for this deal — a new one, or the one already waiting (``False``)."""
    existing = await pending_for(session, required.deal.id)
    if existing is not None:
        return existing, False
    row = DealApproval(
        deal_id=required.deal.id,
        to_stage=required.to_stage,
        reason=required.reason,
        amount_cents=required.deal.amount_cents,
        currency=required.deal.currency,
        state=PENDING,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(row)
    await session.flush()
    return row, True


async def close_by_move(
    session: AsyncSession, principal: Principal, deal: Deal, to_stage: str, now: datetime
) -> DealApproval | None:
    """The deal is about to move to ``to_stage`` while a request waits: that move decides it.

    Moved to the requested stage by someone who may approve it (the rep's manager pressing
    Won, an admin typing "Acme deal won") at the amount the request was made for, the move
    *is* the approval; any other move (back to proposal, lost, or by the rep) leaves nothing
    to approve, so the request is cancelled. Either way it never stays pending beside a deal
    that has moved on, and a later Reject can't contradict the move. Returns the closed row
    (the chat layer tells the requester), or None when nothing was waiting.
    """
    row = await pending_for(session, deal.id)
    if row is None:
        return None
    same_amount = (row.amount_cents, row.currency) == (deal.amount_cents, deal.currency)
    approved = to_stage == row.to_stage and same_amount and may_decide(principal, deal)
    await decide(
        session,
        row,
        state=APPROVED if approved else CANCELLED,
        by=principal.user_id,
        now=now,
        note=MOVED,
    )
    return row


async def closed_by_move_now(
    session: AsyncSession, deal_id: int, by: int, now: datetime
) -> DealApproval | None:
    """The request :func:`close_by_move` closed for this deal in this event (same person,
    same instant): what the chat layer announces after a move."""
    return await session.scalar(
        select(DealApproval)
        .where(
            DealApproval.deal_id == deal_id,
            DealApproval.decided_by == by,
            DealApproval.decided_at == now,
            DealApproval.note == MOVED,
        )
        .order_by(DealApproval.id.desc())
        .limit(1)
    )


async def lock(session: AsyncSession, approval_id: int) -> DealApproval | None:
    """The row, locked: two managers clicking at once are decided one after the other."""
    return await session.scalar(
        select(DealApproval).where(DealApproval.id == approval_id).with_for_update()
    )


async def decide(
    session: AsyncSession,
    row: DealApproval,
    *,
    state: str,
    by: int,
    now: datetime,
    note: str | None = None,
) -> None:
    row.state = state
    row.decided_by = by
    row.decided_at = now
    row.note = note
    await session.flush()
