"""Deal changes that must always happen together: a stage move and its history row.

Also the one gate on ``won``: a deal that needs approval (see :mod:`store.approvals`) is not
moved; :class:`~store.approvals.ApprovalRequired` is raised before anything changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, select

from store import approvals
from store.access import Records
from store.approvals import ApprovalRequired, approvers
from store.models import Activity, Company, Deal, DealStageChange
from store.pipeline import WON, Pipeline


class StageError(Exception):
    """Not a stage of the configured pipeline."""


async def create_deal(
    records: Records,
    pipeline: Pipeline,
    company: Company,
    *,
    title: str,
    amount_cents: int = 0,
    currency: str,
    stage: str | None = None,
    expected_close: date | None = None,
) -> Deal:
    stage = stage or pipeline.first
    if stage not in pipeline.stages:
        raise StageError(stage)
    owner_id = company.owner_id if records.principal.can_see_owner(company.owner_id) else None
    needed = await approvers(
        records.session,
        pipeline,
        records.principal,
        owner_id=owner_id or records.principal.user_id,
        amount_cents=amount_cents,
        currency=currency,
        to_stage=stage,
    )
    if needed:
        # Recorded straight as won, but too big to be won unasked: it starts at the last
        # open stage and waits for the yes, like a deal moved there.
        stage = pipeline.open_stages[-1]
    deal = await records.create(
        Deal,
        company_id=company.id,
        title=title,
        stage=stage,
        amount_cents=amount_cents,
        currency=currency,
        expected_close=expected_close,
        probability=pipeline.probability(stage),
        owner_id=owner_id,
    )
    records.session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage=None,
            to_stage=stage,
            changed_at=records.now,
            changed_by=records.principal.user_id,
        )
    )
    await records.session.flush()
    if needed:
        raise ApprovalRequired(deal, WON, None, needed)
    return deal


async def move_stage(
    records: Records,
    pipeline: Pipeline,
    deal: Deal,
    to_stage: str,
    *,
    reason: str | None = None,
    approved: bool = False,
    today: date | None = None,
) -> bool:
    """Move ``deal`` and record when; ``False`` if it already was there (nothing recorded).

    Raises :class:`ApprovalRequired` (nothing changed) when the move needs a manager's yes;
    ``approved`` is passed only by the approval itself. A request still waiting for this
    deal is decided by the move (:func:`store.approvals.close_by_move`). A deal won takes
    its won date (``today``, the mover's local date; UTC's without it) as its expected
    close date, so the forecast and the close-date reminders see when it really closed.
    """
    if to_stage not in pipeline.stages:
        raise StageError(to_stage)
    if not approved and deal.stage != to_stage:
        needed = await approvers(
            records.session,
            pipeline,
            records.principal,
            owner_id=deal.owner_id,
            amount_cents=deal.amount_cents,
            currency=deal.currency,
            to_stage=to_stage,
        )
        if needed:
            raise ApprovalRequired(deal, to_stage, reason, needed)
    if deal.stage == to_stage:
        if reason is not None and pipeline.is_closed(to_stage):
            await records.update(deal, close_reason=reason)
        return False
    if not approved:
        await approvals.close_by_move(
            records.session, records.principal, deal, to_stage, records.now
        )
    records.session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage=deal.stage,
            to_stage=to_stage,
            changed_at=records.now,
            changed_by=records.principal.user_id,
        )
    )
    await records.update(
        deal,
        stage=to_stage,
        probability=pipeline.probability(to_stage),
        stage_changed_at=records.now,
        close_reason=reason if pipeline.is_closed(to_stage) else None,
    )
    if to_stage == WON:
        await records.update(deal, expected_close=today or records.now.date())
    return True


async def change_amount(
    records: Records, pipeline: Pipeline, deal: Deal, cents: int, currency: str
) -> bool:
    """Set the deal's amount and currency; True when a waiting approval was withdrawn by it
    (and none is needed at the new amount).

    Approval holds on the state: lowering a deal, winning it and raising it again, or saying
    "Acme deal 1 yuan" then "won" then the real figure, must not end with a big won deal
    nobody approved. So a request the approvers saw at another amount is void, and when the
    change leaves a won or waiting deal at or above the threshold, :class:`ApprovalRequired`
    is raised *after* the change (the caller sends the request); a won deal goes back to the
    last open stage until the yes.
    """
    if (deal.amount_cents, deal.currency) == (cents, currency):
        return False
    session = records.session
    await records.update(deal, amount_cents=cents, currency=currency)
    waiting = await approvals.pending_for(session, deal.id)
    if waiting is not None:
        await approvals.decide(
            session,
            waiting,
            state=approvals.SUPERSEDED,
            by=records.principal.user_id,
            now=records.now,
            note="amount changed",
        )
    if deal.stage != WON and waiting is None:
        return False
    needed = await approvers(
        session,
        pipeline,
        records.principal,
        owner_id=deal.owner_id,
        amount_cents=cents,
        currency=currency,
        to_stage=WON,
    )
    if not needed:
        return waiting is not None
    reason = deal.close_reason if deal.stage == WON else waiting.reason if waiting else None
    if deal.stage == WON:
        back = pipeline.open_stages[-1]
        session.add(
            DealStageChange(
                deal_id=deal.id,
                from_stage=WON,
                to_stage=back,
                changed_at=records.now,
                changed_by=records.principal.user_id,
            )
        )
        await records.update(
            deal,
            stage=back,
            probability=pipeline.probability(back),
            stage_changed_at=records.now,
            close_reason=None,
        )
    raise ApprovalRequired(deal, WON, reason, needed)


async def open_deals(records: Records, pipeline: Pipeline, company_id: int) -> list[Deal]:
    rows = await records.session.scalars(
        records.select(Deal)
        .where(Deal.company_id == company_id, Deal.stage.in_(pipeline.open_stages))
        .order_by(Deal.updated_at.desc())
    )
    return list(rows)


async def latest_stage_change(records: Records, deal: Deal) -> DealStageChange | None:
    return await records.session.scalar(
        select(DealStageChange)
        .where(DealStageChange.deal_id == deal.id)
        .order_by(DealStageChange.id.desc())
        .limit(1)
    )


def untouched_since(cutoff: datetime, pipeline: Pipeline) -> ColumnElement[bool]:
    """Open deals with no stage move, no edit and no logged activity after ``cutoff``."""
    return and_(
        Deal.stage.in_(pipeline.open_stages),
        Deal.stage_changed_at <= cutoff,
        Deal.updated_at <= cutoff,
        ~exists().where(Activity.deal_id == Deal.id, Activity.occurred_at > cutoff),
    )
