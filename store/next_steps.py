"""Suggested next steps for a rep's morning digest, by rules anyone can read:

* a follow-up that slipped twice (it came due twice — snoozed or left overdue — and is
  still open);
* a contract of theirs that ends soon (active, ending within ``contract_days``);
* a deal of theirs in the same stage for ``stuck_days`` or more (the ``/rules`` stale-deal
  setting, so the digest and the reminder rule agree on what "stuck" means);
* a VIP customer of theirs (the tier rules, :mod:`store.tiers`) with no visit this month.

Each comes with what makes it urgent (times slipped, days left, days in the stage), most
urgent first and capped, so the digest stays a short list a rep can act on from a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select

from store.access import Records
from store.contracts import ACTIVE
from store.models import Company, Contract, Deal, Reminder, Task
from store.pipeline import Pipeline
from store.segments import no_activity
from store.tier_rules import TierRule
from store.tiers import in_tier

Kind = Literal["slipped", "contract", "stuck", "vip"]
LIMIT = 5
STUCK_DAYS = 14
CONTRACT_DAYS = 30
SLIPPED_TIMES = 2
VIP = "vip"


@dataclass(frozen=True)
class NextStep:
    kind: Kind
    target: int
    """The task, contract, deal or customer to act on."""
    title: str
    count: int
    """Times slipped, days left, days in the stage; 0 for a VIP."""
    detail: str = ""
    """The customer's name, or the deal's stage."""


async def next_steps(
    records: Records,
    user_id: int,
    *,
    today: date,
    month_start: datetime,
    pipeline: Pipeline,
    rules: Sequence[TierRule],
    limit: int = LIMIT,
    stuck_days: int = STUCK_DAYS,
) -> list[NextStep]:
    """The user's suggestions, most urgent first: the kinds in the order above, each by
    its own urgency; at most ``limit``."""
    session, now = records.session, records.now
    found: list[NextStep] = []
    came_due = (
        select(Reminder.task_id, func.count(Reminder.id).label("times"))
        .where(Reminder.kind == "task", Reminder.due_at <= now)
        .group_by(Reminder.task_id)
        .subquery()
    )
    slipped = await session.execute(
        records.select(Task)
        .add_columns(came_due.c.times)
        .join(came_due, came_due.c.task_id == Task.id)
        .where(
            Task.owner_id == user_id,
            Task.done_at.is_(None),
            came_due.c.times >= SLIPPED_TIMES,
        )
        .order_by(came_due.c.times.desc(), Task.due_at)
        .limit(limit)
    )
    found += [NextStep("slipped", t.id, t.title, int(n)) for t, n in slipped.all()]
    ending = await session.scalars(
        records.select(Contract)
        .where(
            Contract.owner_id == user_id,
            Contract.status == ACTIVE,
            Contract.ends_on >= today,
            Contract.ends_on <= today + timedelta(days=CONTRACT_DAYS),
        )
        .order_by(Contract.ends_on, Contract.id)
        .limit(limit)
    )
    found += [NextStep("contract", c.id, c.number, (c.ends_on - today).days) for c in ending]
    stuck = await session.scalars(
        records.select(Deal)
        .where(
            Deal.owner_id == user_id,
            Deal.stage.in_(pipeline.open_stages),
            Deal.stage_changed_at <= now - timedelta(days=stuck_days),
        )
        .order_by(Deal.stage_changed_at, Deal.id)
        .limit(limit)
    )
    found += [
        NextStep("stuck", d.id, d.title, (now - d.stage_changed_at).days, d.stage) for d in stuck
    ]
    if any(r.tier == VIP for r in rules):
        quiet = await session.scalars(
            records.select(Company)
            .where(
                Company.owner_id == user_id,
                in_tier(rules, VIP, now),
                no_activity(month_start, None, "visit"),
            )
            .order_by(Company.name, Company.id)
            .limit(limit)
        )
        found += [NextStep("vip", c.id, c.name, 0) for c in quiet]
    return found[:limit]
