"""Segments: customers (companies) filtered by fields, tags, activity and deal history.

Each filter is a SQL condition on ``companies``; the page and the count run inside the
principal's record rules (:class:`store.access.Records`), so two people running one saved
segment each see their own part of it. Subqueries look at all of a visible customer's
activities and deals (a customer's history is the customer's, whoever logged it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Records
from store.models import Activity, Company, CompanyTag, Deal, Role, Segment, Tag
from store.pipeline import WON
from store.tags import canonical

PAGE_SIZE = 10


@dataclass(frozen=True)
class Builtin:
    """A segment every workspace has; its query is typed like anyone's."""

    key: str
    name_en: str
    name_zh: str
    query: str


BUILTINS: tuple[Builtin, ...] = (
    Builtin("dormant", "High-value dormant", "高价值沉睡客户", "dormant high value"),
    Builtin("norepeat", "No repurchase in 3 months", "3个月未复购", "no repurchase in 3 months"),
    Builtin("quiet", "No activity in 30 days", "30天无活动", "no activity in 30 days"),
    Builtin("stuck", "Deals stuck in a stage", "商机停滞", "stuck deals"),
)


def no_activity(start: datetime, end: datetime | None, kind: str | None) -> ColumnElement[bool]:
    """No activity (of ``kind``) in ``[start, end)``."""
    cond = [Activity.company_id == Company.id, Activity.occurred_at >= start]
    if end is not None:
        cond.append(Activity.occurred_at < end)
    if kind is not None:
        cond.append(Activity.kind == kind)
    return ~exists().where(*cond)


def high_value(threshold_cents: int, *, everyone: bool = False) -> ColumnElement[bool]:
    """Won deals adding up to at least the threshold (amounts as recorded, any currency).
    For a viewer who sees some owners' customers, correlated: their customers' deals only
    (by the ``(company_id, stage, …)`` index). For one who sees ``everyone``, the won deals
    added up once per customer and matched by id: cheaper than 100k correlated sums
    (benchmarks/segments.py)."""
    if everyone:
        grouped = (
            select(Deal.company_id)
            .where(Deal.stage == WON)
            .group_by(Deal.company_id)
            .having(func.sum(Deal.amount_cents) >= threshold_cents)
        )
        return Company.id.in_(grouped)
    won = (
        select(func.coalesce(func.sum(Deal.amount_cents), 0))
        .where(Deal.company_id == Company.id, Deal.stage == WON)
        .scalar_subquery()
    )
    return won >= threshold_cents


def no_order(since: datetime, *, repurchase: bool) -> ColumnElement[bool]:
    """No deal won since ``since``; ``repurchase``: and at least one won before it."""
    recent = ~exists().where(
        Deal.company_id == Company.id, Deal.stage == WON, Deal.stage_changed_at >= since
    )
    if not repurchase:
        return recent
    before = exists().where(
        Deal.company_id == Company.id, Deal.stage == WON, Deal.stage_changed_at < since
    )
    return recent & before


def stuck(before: datetime, closed_stages: Sequence[str]) -> ColumnElement[bool]:
    """An open deal that has been in its stage since before ``before``.

    Written as ``stage NOT IN (closed)``, not ``stage IN (open)``: SQLite 3.40 answered the
    latter wrongly (true for a customer whose only deal moved after ``before``) when it
    used ``IN`` on the middle column of the ``(company_id, stage, stage_changed_at)`` index
    with the range on the last one — 65,680 instead of 52,623 of 100k in
    benchmarks/segments.py; PostgreSQL was right."""
    return exists().where(
        Deal.company_id == Company.id,
        Deal.stage.not_in(closed_stages),
        Deal.stage_changed_at < before,
    )


def in_city(name: str) -> ColumnElement[bool]:
    return func.lower(Company.city) == name.casefold()


def tagged(name: str) -> ColumnElement[bool]:
    """A tag by its stored or (preset) English name. Correlated on the customer (a seek in
    the ``(company_id, tag_id)`` unique index), so the scope's
    customers drive the query, not every customer with the tag."""
    wanted = {name.casefold(), canonical(name).casefold()}
    ids = select(Tag.id).where(func.lower(Tag.name).in_(wanted))
    return exists().where(CompanyTag.company_id == Company.id, CompanyTag.tag_id.in_(ids))


async def run(
    records: Records,
    conditions: Sequence[ColumnElement[bool]],
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[int, Sequence[Company]]:
    """How many visible customers match, and one page of them by name."""
    scope = records.scope(Company)
    total = await records.session.scalar(select(func.count(Company.id)).where(scope, *conditions))
    page = await records.session.scalars(
        select(Company)
        .where(scope, *conditions)
        .order_by(Company.name, Company.id)
        .offset(offset)
        .limit(limit)
    )
    return int(total or 0), page.all()


async def remember(
    session: AsyncSession, owner_id: int, query: str, filters: list[dict[str, Any]], now: datetime
) -> Segment:
    """The owner's last segment (the row without a name), replaced by this one."""
    row = await session.scalar(
        select(Segment).where(Segment.owner_id == owner_id, Segment.name.is_(None)).limit(1)
    )
    if row is None:
        row = Segment(owner_id=owner_id, created_at=now)
        session.add(row)
    row.query = query
    row.filters = filters
    row.updated_at = now
    await session.flush()
    return row


class SegmentExists(Exception):
    pass


async def save(
    session: AsyncSession,
    owner_id: int,
    name: str,
    query: str,
    filters: list[dict[str, Any]],
    now: datetime,
) -> Segment:
    """A named, shared segment; :class:`SegmentExists` when the name is taken (a built-in
    segment's names count)."""
    await _check_free(session, name, None)
    row = Segment(
        name=name.strip()[:80],
        owner_id=owner_id,
        query=query,
        filters=filters,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def _check_free(session: AsyncSession, name: str, other_than: int | None) -> None:
    """:class:`SegmentExists` when a built-in or another saved segment has the name."""
    folded = name.strip().casefold()
    if any(folded in (b.name_en.casefold(), b.name_zh.casefold()) for b in BUILTINS):
        raise SegmentExists(name)
    stmt = select(Segment.id).where(func.lower(Segment.name) == folded)
    if other_than is not None:
        stmt = stmt.where(Segment.id != other_than)
    if await session.scalar(stmt.limit(1)) is not None:
        raise SegmentExists(name)


def may_manage(user_id: int, role: Role, segment: Segment) -> bool:
    """Who renames or deletes a saved segment: its creator or an admin (built-ins are
    nobody's: they are not rows)."""
    return segment.name is not None and (segment.owner_id == user_id or role is Role.ADMIN)


async def rename(session: AsyncSession, segment: Segment, name: str, now: datetime) -> str:
    """A saved segment's new name (audited: the row's update); the old one is returned."""
    await _check_free(session, name, segment.id)
    old, segment.name = segment.name or "", name.strip()[:80]
    segment.updated_at = now
    await session.flush()
    return old


async def remove(session: AsyncSession, segment: Segment) -> None:
    """Delete a saved segment (audited); the customers it found are untouched."""
    await session.delete(segment)
    await session.flush()


async def named(session: AsyncSession) -> Sequence[Segment]:
    return (
        await session.scalars(select(Segment).where(Segment.name.is_not(None)).order_by(Segment.id))
    ).all()


async def find(session: AsyncSession, segment_id: int, owner_id: int) -> Segment | None:
    """A named segment, or the asker's own last one (another's draft is not theirs)."""
    row = await session.get(Segment, segment_id)
    if row is None or (row.name is None and row.owner_id != owner_id):
        return None
    return row


async def find_named(session: AsyncSession, name: str) -> Segment | None:
    return await session.scalar(
        select(Segment).where(func.lower(Segment.name) == name.strip().casefold()).limit(1)
    )


async def draft(session: AsyncSession, owner_id: int) -> Segment | None:
    return await session.scalar(
        select(Segment).where(Segment.owner_id == owner_id, Segment.name.is_(None)).limit(1)
    )
