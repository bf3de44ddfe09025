"""PostgreSQL connections kept between units of work, each unit's transaction begun and
ended by asyncpg itself.

Why: a unit of work sending three prepared reads, as a known log's unit does, cost our
process 533–647 µs of CPU through SQLAlchemy's session, pool and adapter, and 196–244 µs
through asyncpg alone (``benchmarks/statement_floor.py``, BENCHMARKS.md per-message round
45). Most of the difference was not the statements: it was checking a connection out of
the pool and back in, and the session's and the adapter's ``BEGIN`` and ``COMMIT``, each a
crossing into SQLAlchemy's synchronous core in a greenlet. A unit's first statement went
through SQLAlchemy too, because the adapter begins its transaction only at the first
statement it sends. On kept connections the same unit costs 268–304 µs.

How:

- A kept connection is checked out of the pool once and set to autocommit
  (:meth:`store.db.Database.autocommit_connection`), so neither the session nor the
  adapter begins or ends a transaction on it. The unit's ``BEGIN`` and its ``COMMIT`` or
  ``ROLLBACK`` are asyncpg's own ``Transaction``, on the same connection.
- Every statement of the unit runs on that connection inside that transaction: the session's
  reads and flushes, its savepoints (``begin_nested``), and the hot path's prepared
  statements, which :mod:`store.asyncpg_direct` now sends from the first one on.
- The session is bound to the connection. Its own transaction, on a connection in
  autocommit, would be bookkeeping only, so :class:`store.db.Database` does not begin it
  for a unit: what the session holds unsent is flushed, then asyncpg commits. On any error
  the session is closed, and asyncpg rolls back.
- A connection is kept again only after a unit that ended cleanly: alive, not invalidated,
  and in no transaction, on the server or in SQLAlchemy. Any other is invalidated, so a
  connection is never reused, nor returned to the pool, inside a transaction.
- One unused for :data:`KEEP` seconds (the pool's ``ping_idle_after``, if shorter) goes
  back to the pool at the next unit, where a connection that sat idle is checked for a dead
  server (``store.db._ping_when_idle``), as in :mod:`store.lane`. At most ``keep`` are
  kept; more go back to the pool.
- A kept connection whose socket asyncpg has seen closed (the server went away while it sat
  here) is replaced before use. One the server dropped unnoticed fails the unit's ``BEGIN``
  with the connection invalidated, which is transient (``store.errors.is_transient``): the
  platform delivers the message again, as when a pooled connection used a moment ago is.

SQLite keeps SQLAlchemy's own transactions: its statements run in the process, and its
write gate (``store.db._TaskGate``) orders the units.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy.ext.asyncio import AsyncConnection

from store.asyncpg_direct import sent

log = logging.getLogger(__name__)

KEEP = 2.0
"""Seconds a connection is kept unused before it goes back to the pool: well under the
pool's ``PING_IDLE_AFTER``, so no connection skips the check it would have had."""


@dataclass
class _Kept:
    connection: AsyncConnection
    driver: asyncpg.Connection
    used_at: float = 0.0

    async def begin(self) -> Transaction:
        transaction = self.driver.transaction()  # raises at once on a closed connection
        await transaction.start()
        return transaction


class KeptConnections:
    def __init__(
        self,
        connect: Callable[[], Awaitable[AsyncConnection]],
        *,
        keep: int,
        ping_idle_after: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect  # a pool's connection in autocommit, which the caller closes
        self._keep = keep
        self._unused_for = min(KEEP, ping_idle_after)
        self._monotonic = monotonic
        self._idle: deque[_Kept] = deque()  # the least recently used first
        self._closed = False

    @property
    def idle(self) -> int:
        """How many connections are kept unused now."""
        return len(self._idle)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction of its own, committed when the block ends and
        rolled back when it raises."""
        kept = await self._take()
        try:
            transaction = await sent(kept.connection, kept.driver, kept.begin, "BEGIN")
            try:
                yield kept.connection
                if kept.connection.in_transaction():  # begun by a statement on it: bookkeeping
                    await kept.connection.commit()  # in autocommit, nothing is sent
            except BaseException:
                await self._roll_back(kept, transaction)
                raise
            await sent(kept.connection, kept.driver, transaction.commit, "COMMIT")
        finally:
            await self._put_back(kept)

    async def close(self) -> None:
        """Give every idle connection back to the pool (before the engine is disposed), and
        from now on each as its unit ends (one still under way, in a task being stopped)."""
        self._closed = True
        while self._idle:
            await self._idle.popleft().connection.close()

    async def _take(self) -> _Kept:
        now = self._monotonic()
        while self._idle and now - self._idle[0].used_at > self._unused_for:
            await self._idle.popleft().connection.close()
        while self._idle:
            kept = self._idle.pop()  # the most recently used: the likeliest to be alive
            if not kept.driver.is_closed():
                return kept
            await self._invalidate(kept.connection)  # the server closed it while it sat here
        connection = await self._connect()
        try:
            driver = (await connection.get_raw_connection()).driver_connection
            if not isinstance(driver, asyncpg.Connection):
                raise TypeError(f"not an asyncpg connection: {type(driver).__name__}")
        except BaseException:
            await connection.close()
            raise
        return _Kept(connection, driver)

    async def _roll_back(self, kept: _Kept, transaction: Transaction) -> None:
        """Roll the unit back; if that fails, the connection is invalidated instead (the
        server rolls back a transaction whose connection closes), and the unit's own error
        is the one passed on."""
        if kept.connection.invalidated or kept.driver.is_closed():
            return
        try:
            if kept.connection.in_transaction():
                await kept.connection.rollback()  # SQLAlchemy's bookkeeping, nothing sent
            await sent(kept.connection, kept.driver, transaction.rollback, "ROLLBACK")
        except Exception as error:  # e.g. a statement still under way, cut off by a cancellation
            log.info("rollback failed (%s); the connection is discarded", type(error).__name__)
            if not kept.connection.invalidated:
                await kept.connection.invalidate(error)

    async def _put_back(self, kept: _Kept) -> None:
        connection, driver = kept.connection, kept.driver
        if (
            connection.closed
            or connection.invalidated
            or driver.is_closed()
            or driver.is_in_transaction()
            or connection.in_transaction()
        ):
            await self._invalidate(connection)
        elif self._closed:
            await connection.close()
        else:
            kept.used_at = self._monotonic()
            self._idle.append(kept)
            while len(self._idle) > self._keep:
                await self._idle.popleft().connection.close()

    @staticmethod
    async def _invalidate(connection: AsyncConnection) -> None:
        if not connection.closed:
            if not connection.invalidated:
                await connection.invalidate()
            await connection.close()
