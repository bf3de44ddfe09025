"""How many wrong invite codes a chat has sent lately: ``/start`` is throttled per chat.

A code has 40 bits, so guessing is hopeless at any speed a chat allows — but not free: each
guess is a transaction, and without a limit a script can send them as fast as the platform
delivers. After :data:`MAX_FAILURES` wrong codes in :data:`WINDOW`, a chat's ``/start`` is
refused (even with a right code) until the window has passed. Kept in the database, so the
limit holds across workers and restarts. The platforms give no client address for a
message (the webhook's caller is the platform), so there is no per-IP limit to add.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import StartAttempt
from store.upsert import insert_ignore

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


async def blocked_until(
    session: AsyncSession, platform: str, chat_id: str, now: datetime
) -> datetime | None:
    """When this chat may try again, or None if it may now."""
    row = await session.get(StartAttempt, (platform, chat_id))
    if row is None or row.failures < MAX_FAILURES:
        return None
    until = row.window_started_at + WINDOW
    return until if until > now else None


async def note_failure(session: AsyncSession, platform: str, chat_id: str, now: datetime) -> None:
    """Count one wrong code (a new window if the last one has passed)."""
    await session.execute(
        insert_ignore(session, StartAttempt).values(
            platform=platform, chat_id=chat_id, failures=0, window_started_at=now
        )
    )
    row = await session.scalar(
        select(StartAttempt)
        .where(StartAttempt.platform == platform, StartAttempt.chat_id == chat_id)
        .with_for_update()
    )
    assert row is not None
    if row.window_started_at + WINDOW <= now:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    await session.flush()


async def forget(session: AsyncSession, platform: str, chat_id: str) -> None:
    """A chat that got in has nothing left to count."""
    await session.execute(
        delete(StartAttempt).where(
            StartAttempt.platform == platform, StartAttempt.chat_id == chat_id
        )
    )


__all__ = ["MAX_FAILURES", "WINDOW", "blocked_until", "forget", "note_failure"]
