"""Leases: work only one worker may do at a time, on SQLite and PostgreSQL alike.

A lease is a row (name, holder, expiry). Taking it is one conditional UPDATE — it succeeds
when the row is free (expired) or already ours — so two workers can never both hold it, and
a worker that dies simply stops renewing: its lease runs out and another takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Lease
from store.upsert import insert_ignore


async def take(
    session: AsyncSession, name: str, holder: str, *, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; False if another
    worker holds it."""
    await session.execute(
        insert_ignore(session, Lease).values(name=name, holder=holder, expires_at=now)
    )
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def release(session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so another worker need not wait."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def claim_period(session: AsyncSession, name: str, period: str, *, now: datetime) -> bool:
    """Once-per-period work (``period``: a day, ``2026-11-18``): True for the one caller that
    moves row ``name`` to this period, False when it is there already. A compare-and-set,
    so two workers never both get True."""
    await session.execute(
        insert_ignore(session, Lease).values(name=name, holder="", expires_at=now)
    )
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder != period)
        .values(holder=period, expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
