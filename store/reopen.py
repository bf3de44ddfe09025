"""Reopening a won or lost deal: back to the stage it was closed from, with the reason kept.

A deal marked won or lost by mistake (or a customer who comes back) must not be recreated
as a twin: its history and stage moves belong to it. The move is a stage change like any
other (history row, audited deal fields), and the reason is a note on the customer's
history, so whoever reads the deal later sees why it is open again.
"""

from __future__ import annotations

from sqlalchemy import select

from store.access import Records
from store.models import Activity, ActivityKind, Deal, DealStageChange
from store.pipeline import Pipeline


class NotClosed(Exception):
    """The deal is open already: there is nothing to reopen."""


async def reopen_stage(records: Records, pipeline: Pipeline, deal: Deal) -> str:
    """The open stage the deal was closed from (the last open stage if that is unknown)."""
    came_from = await records.session.scalar(
        select(DealStageChange.from_stage)
        .where(DealStageChange.deal_id == deal.id, DealStageChange.to_stage == deal.stage)
        .order_by(DealStageChange.id.desc())
        .limit(1)
    )
    return came_from if came_from in pipeline.open_stages else pipeline.open_stages[-1]


async def reopen_deal(
    records: Records, pipeline: Pipeline, deal: Deal, *, reason: str, note: str
) -> str:
    """Move a closed ``deal`` back to an open stage and write ``note`` (which quotes the
    reason) on its customer's history; the stage it is in now. :class:`NotClosed` for an
    open deal (nothing changed)."""
    if not pipeline.is_closed(deal.stage):
        raise NotClosed(deal.stage)
    stage = await reopen_stage(records, pipeline, deal)
    records.session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage=deal.stage,
            to_stage=stage,
            changed_at=records.now,
            changed_by=records.principal.user_id,
        )
    )
    await records.update(
        deal,
        stage=stage,
        probability=pipeline.probability(stage),
        stage_changed_at=records.now,
        close_reason=None,
    )
    await records.create(
        Activity,
        company_id=deal.company_id,
        deal_id=deal.id,
        kind=ActivityKind.NOTE.value,
        summary=note,
        outcome=reason,
        occurred_at=records.now,
        owner_id=deal.owner_id,
    )
    return stage
