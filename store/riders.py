"""Writes that go out inside the next statement on PostgreSQL: one round trip, not two.

PostgreSQL runs an INSERT, UPDATE or DELETE as a part of another statement (a
data-modifying CTE: ``WITH rider_0 AS (UPDATE …) INSERT … RETURNING id``). Every statement
on PostgreSQL is a trip through the network and, through SQLAlchemy and asyncpg, about
half a millisecond of our CPU (issue 20, ``benchmarks/statement_floor.py``), so a write
whose result nobody needs at once can wait for the next statement and ride in it.

That is right only when the statement carrying it neither reads nor writes the rows the
rider writes: all parts of one statement see the database as it was before the statement,
and two changes to one row in one statement are undefined. So a write waits only where
the code knows what is sent next — a :class:`Riders` lives for a few lines, it is not a
queue on the session: a log's audit rows and the customer's touch ride on the log's next
INSERT, the conversation's buttons on the replies' INSERT. Whoever makes one sends what is
left with :meth:`Riders.flush` before the transaction commits.

SQLite cannot run a write inside a CTE; there a rider is sent at once, as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Delete, Insert, Update
from sqlalchemy.ext.asyncio import AsyncSession

Write = Insert | Update | Delete


class Riders:
    """Writes waiting for the next statement sent through :meth:`send` (PostgreSQL)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._waiting: list[Write] = []
        self.carried = session.get_bind().dialect.name == "postgresql"

    async def add(self, write: Write) -> None:
        """``write``, its values bound in it: now on SQLite; on PostgreSQL inside the next
        statement this sends. It must not touch the rows that statement reads or writes."""
        if self.carried:
            self._waiting.append(write)
        else:
            await self._execute(write)

    async def send(
        self, insert: Insert, values: dict[str, Any] | list[dict[str, Any]]
    ) -> CursorResult[Any]:
        """``insert`` of ``values`` (one row, or rows in their order) now, carrying every
        waiting write. Then the values are bound in the statement: parameters given to
        the execution would also be applied to the riders' columns."""
        if self._waiting:
            return await self._execute(self._carrying(insert.values(values)))
        return await self._execute(insert, values)

    async def flush(self) -> None:
        """Whatever still waits, in one statement (the first carries the rest)."""
        if self._waiting:
            first = self._waiting.pop(0)
            await self._execute(self._carrying(first))

    def _carrying(self, statement: Write) -> Write:
        riders = [w.cte(f"rider_{n}") for n, w in enumerate(self._waiting)]
        self._waiting = []
        return statement.add_cte(*riders) if riders else statement

    async def _execute(
        self, statement: Write, values: dict[str, Any] | list[dict[str, Any]] | None = None
    ) -> CursorResult[Any]:
        # On the connection: the session's execute would autoflush and build ORM state.
        connection = await self._session.connection()
        return await connection.execute(statement, values)
