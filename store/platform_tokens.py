"""The one shared access token per platform (WeChat, WeCom), kept in the database.

Fetching a new token invalidates the previous one after a few minutes, so workers must not
each fetch their own: they read this row, and the one that finds it about to expire
refreshes it while holding a transaction-scoped advisory lock (PostgreSQL); the others wait
for the lock and then read the fresh token instead of fetching again.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PlatformToken


async def lock_refresh(session: AsyncSession, platform: str) -> None:
    """Hold the platform's refresh lock until this transaction ends (no-op on SQLite, where
    one process serves and the caller's own lock is enough)."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return
    key = zlib.crc32(f"token:{platform}".encode()) - 2**31
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def current(session: AsyncSession, platform: str) -> PlatformToken | None:
    return await session.scalar(select(PlatformToken).where(PlatformToken.platform == platform))


async def save(
    session: AsyncSession, platform: str, token: str, *, expires_at: datetime, now: datetime
) -> None:
    row = await current(session, platform)
    if row is None:
        session.add(
            PlatformToken(platform=platform, token=token, expires_at=expires_at, refreshed_at=now)
        )
    else:
        row.token, row.expires_at, row.refreshed_at = token, expires_at, now
    await session.flush()
