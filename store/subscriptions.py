"""Report subscriptions: one row per user, report and frequency (``/subscribe weekly funnel``).

The scheduler turns each into one push per local day or week (see
:mod:`scheduler.manager_reports`); these functions only keep the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ReportSubscription
from store.upsert import insert_ignore

EVERY = ("weekly", "daily", "monthly")


async def of_user(session: AsyncSession, user_id: int) -> Sequence[ReportSubscription]:
    return (
        await session.scalars(
            select(ReportSubscription)
            .where(ReportSubscription.user_id == user_id)
            .order_by(ReportSubscription.every.desc(), ReportSubscription.report)
        )
    ).all()


async def add(
    session: AsyncSession, user_id: int, *, report: str, every: str, now: datetime
) -> bool:
    """Subscribe; ``False`` if the user already had this one (nothing changes)."""
    result = await session.execute(
        insert_ignore(session, ReportSubscription)
        .values(user_id=user_id, report=report, every=every, created_at=now)
        .returning(ReportSubscription.id)
    )
    return result.scalar() is not None


async def remove(
    session: AsyncSession,
    user_id: int,
    *,
    report: str | None = None,
    every: str | None = None,
    subscription_id: int | None = None,
) -> list[ReportSubscription]:
    """Drop the user's subscriptions matching what is given; the ones dropped."""
    stmt = select(ReportSubscription).where(ReportSubscription.user_id == user_id)
    if report is not None:
        stmt = stmt.where(ReportSubscription.report == report)
    if every is not None:
        stmt = stmt.where(ReportSubscription.every == every)
    if subscription_id is not None:
        stmt = stmt.where(ReportSubscription.id == subscription_id)
    gone = list((await session.scalars(stmt.order_by(ReportSubscription.id))).all())
    if gone:
        await session.execute(
            delete(ReportSubscription).where(ReportSubscription.id.in_([s.id for s in gone]))
        )
    return gone


async def get(session: AsyncSession, subscription_id: int) -> ReportSubscription | None:
    return await session.get(ReportSubscription, subscription_id)
