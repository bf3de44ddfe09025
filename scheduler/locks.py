"""Once-per-period jobs across workers: PostgreSQL advisory locks, held for one transaction.

``pg_try_advisory_xact_lock`` never waits: the worker that gets it does the job, the others
skip this round, and the lock goes away with the transaction (commit, rollback or a dead
connection), so a killed worker cannot leave it behind. The lock only avoids duplicate work;
correctness comes from the unique occurrence keys the job writes. SQLite runs one worker,
which needs no lock.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (Python's ``hash`` differs per process)."""
    digest = hashlib.sha256(f"crmbot:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def try_singleton(session: AsyncSession, name: str) -> bool:
    """True when this transaction may run job ``name`` now."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return True
    got = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}
    )
    return bool(got)
