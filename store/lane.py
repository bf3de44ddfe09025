"""One PostgreSQL connection kept for a run of single statements.

Why: while replies go out, the outbox sender writes a statement for each one (what was
sent) and one for each claim, each a unit of its own (:meth:`Database.single_statement`).
Checking a connection out of the pool, switching it to autocommit, and giving it back
cost our process more than the statement itself: about 150 of 250 µs of CPU for a reply's
record (timed alone, 2,000 records each way; end to end ``benchmarks/reply_cost.py``,
BENCHMARKS.md per-message round 43). A lane checks one connection out for a run of such
statements and pays that once.

It gives the connection back:

- when :meth:`release` is called (the sender has nothing to serve);
- before a use, when it has not been used for :data:`KEEP` seconds, so that a connection
  that sat idle goes through the pool's check for a dead server again
  (``store.db._ping_when_idle``), as every other one does;
- after any error in a statement (the pool discards it when it is dead).

Its statements run one at a time (one connection). SQLite has no connection to spare
(statements take the write gate in a transaction), so there a lane is the plain
:meth:`Database.single_statement`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from store.db import Database
from store.kept_connections import KEEP as KEPT_UNUSED

# Seconds a lane keeps an unused connection before it gives it back at its next use: the
# same rule as for the units' kept connections.
KEEP = KEPT_UNUSED


class StatementLane:
    def __init__(self, db: Database, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._connection: AsyncConnection | None = None
        self._used_at = 0.0

    @property
    def holding(self) -> bool:
        """Whether a connection is checked out for the lane now."""
        return self._connection is not None

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit for one statement (SQLite: in a unit of its own)."""
        if self.db.is_sqlite:
            async with self.db.single_statement() as connection:
                yield connection
            return
        async with self._lock:
            connection = await self._fresh()
            try:
                yield connection
            except BaseException:
                await self._give_back()
                raise
            self._used_at = self._monotonic()

    async def release(self) -> None:
        """Give the connection back to the pool (after the statement under way, if any)."""
        async with self._lock:
            await self._give_back()

    async def _fresh(self) -> AsyncConnection:
        kept = self._connection
        if kept is not None and (
            kept.closed or kept.invalidated or self._monotonic() - self._used_at > KEEP
        ):
            await self._give_back()
            kept = None
        if kept is None:
            kept = self._connection = await self.db.autocommit_connection()
        return kept

    async def _give_back(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
