"""Writes that go out inside the next statement on PostgreSQL: one round trip, not two.

PostgreSQL runs an INSERT or UPDATE as a part of another statement (a data-modifying
CTE: ``WITH rider_0 AS (UPDATE …) INSERT … RETURNING id``). Every statement on
PostgreSQL is a trip through the network and, through SQLAlchemy and asyncpg, about half
a millisecond of our CPU (issue 20, ``benchmarks/statement_floor.py``), so a write whose
result nobody needs at once can wait for the next statement and ride in it.

That is right only when the statement carrying it neither reads nor writes the rows the
rider writes: all parts of one statement see the database as it was before the statement,
and two changes to one row in one statement are undefined. So a write waits only where
the code knows what is sent next — a :class:`Riders` lives for a few lines, it is not a
queue on the session: a log's audit rows and the customer's touch ride on the log's next
INSERT, the conversation's buttons on the replies' INSERT. Whoever makes one sends what is
left with :meth:`Riders.flush` before the transaction commits.

The statements are built once per shape (which table, which columns, how many rows, which
riders) with named parameters, and the values go with the execution: a statement built
anew for each message cost SQLAlchemy more to build and to key than the round trip saved
(a multi-row ``VALUES`` is not even cached; measured, a known-customer log's CPU rose by
half). Each part's parameters are prefixed (``c_`` the carrier, ``r0_``… the riders), so
no value reaches another part: parameters named as columns would be added to every
INSERT and UPDATE in the statement.

SQLite cannot run a write inside a CTE; there a rider is sent at once, as before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Table,
    Update,
    bindparam,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store.prepared import run
from store.unit_connection import unit_connection

Row = dict[str, Any]


def _drawn(table: Table | None) -> list[ColumnElement[Any]]:
    """The next id of ``table``'s sequence, returned by a statement that does not write it:
    a row whose id must be known now (an undo button's) and can be written later, riding
    on a statement to come instead of being a round trip of its own (PostgreSQL)."""
    if table is None:
        return []
    # Literal SQL, not bound values: the statement is prepared once and run with only the
    # writes' parameters (store.prepared); the table's name is ours, not a user's.
    return [literal_column(f"nextval(pg_get_serial_sequence('{table.name}', 'id'))")]


@dataclass(frozen=True)
class Rows:
    """An INSERT of ``count`` rows of ``columns``, in their order (returning ``returning``)."""

    table: Table
    columns: tuple[str, ...]
    count: int = 1
    returning: tuple[str, ...] = ()
    draws: Table | None = None
    """A table whose next id the statement also returns, last (:func:`_drawn`)."""

    def build(self, prefix: str) -> Insert:
        table = self.table

        def value(n: int, column: str) -> Any:
            return bindparam(f"{prefix}{n}_{column}", type_=table.c[column].type)

        if self.count == 1:
            statement = insert(table).values({c: value(0, c) for c in self.columns})
        else:  # not a multi-row VALUES: SQLAlchemy does not cache those
            rows = (select(*(value(n, c) for c in self.columns)) for n in range(self.count))
            statement = insert(table).from_select(list(self.columns), union_all(*rows))
        returned = [*(table.c[c] for c in self.returning), *_drawn(self.draws)]
        return statement.returning(*returned) if returned else statement

    def params(self, prefix: str, values: list[Row]) -> Row:
        columns = self.columns
        return dict(
            zip(
                _names(prefix, columns, len(values)),
                [row[c] for row in values for c in columns],
                strict=True,
            )
        )


@functools.lru_cache(maxsize=1024)
def _names(prefix: str, columns: tuple[str, ...], count: int) -> tuple[str, ...]:
    """The parameters' names of ``count`` rows of ``columns``, row by row: named once per
    shape, not for every value of every message (an audit row alone has eight)."""
    return tuple(f"{prefix}{n}_{c}" for n in range(count) for c in columns)


@dataclass(frozen=True)
class RowUpdate:
    """An UPDATE of ``columns`` of the one row whose ``key`` column is given."""

    table: Table
    key: str
    columns: tuple[str, ...]

    def build(self, prefix: str) -> Update:
        table = self.table
        return (
            update(table)
            .where(table.c[self.key] == bindparam(f"{prefix}key"))
            .values({c: bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in self.columns})
        )

    def params(self, prefix: str, values: tuple[Any, Row]) -> Row:
        key, changed = values
        return {f"{prefix}key": key, **{f"{prefix}{c}": changed[c] for c in self.columns}}


@dataclass(frozen=True)
class Pointing:
    """One row of ``target`` and one of ``pointer`` whose ``link`` column holds the
    target's new id, read from the target's INSERT inside the pointer's."""

    target: Rows
    pointer: Rows
    link: str
    draws: Table | None = None
    """A table whose next id the statement also returns, last (:func:`_drawn`)."""

    def build(self, prefix: str) -> Insert:
        made = self.target.build(f"{prefix}t").cte("pointed_at")
        table, columns = self.pointer.table, self.pointer.columns
        row = select(
            *(bindparam(f"{prefix}p0_{c}", type_=table.c[c].type) for c in columns),
            made.c[self.target.returning[0]],
        )
        return (
            insert(table)
            .from_select([*columns, self.link], row)
            .returning(table.c.id, table.c[self.link], *_drawn(self.draws))
            .add_cte(made)
        )

    def params(self, prefix: str, values: tuple[Row, Row]) -> Row:
        target, pointer = values
        return {
            **self.target.params(f"{prefix}t", [target]),
            **self.pointer.params(f"{prefix}p", [pointer]),
        }


Shape = Rows | RowUpdate | Pointing
"""A write's statement, built once for a parameter prefix, and its parameters."""


@functools.lru_cache(maxsize=512)
def _carrying(carrier: Shape, riders: tuple[Shape, ...]) -> Insert | Update:
    """The carrier with the riders inside, built once per combination of shapes."""
    statement = carrier.build("c_")
    ctes = [rider.build(f"r{n}_").cte(f"rider_{n}") for n, rider in enumerate(riders)]
    return statement.add_cte(*ctes) if ctes else statement


@functools.lru_cache(maxsize=256)
def plain_insert(table: Table, columns: tuple[str, ...], returning: tuple[str, ...] = ()) -> Insert:
    """One row of ``columns``, parameters named as the columns (executed once per row)."""
    statement = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    return statement.returning(*(table.c[c] for c in returning)) if returning else statement


@functools.lru_cache(maxsize=256)
def plain_update(table: Table, key: str, columns: tuple[str, ...]) -> Update:
    """One row's ``columns`` by its ``key`` column, parameters named as the columns and
    ``_row_key``: built once, as a statement costs more to build than to run on SQLite."""
    return (
        update(table)
        .where(table.c[key] == bindparam("_row_key"))
        .values({name: bindparam(name, type_=table.c[name].type) for name in columns})
    )


class Riders:
    """Writes waiting for the next INSERT sent through :meth:`send` (PostgreSQL)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._waiting: list[tuple[Shape, Any]] = []
        self.carried = session.get_bind().dialect.name == "postgresql"

    async def insert(self, table: Table, rows: list[Row]) -> None:
        """Rows (all with the same columns) to insert: now on SQLite; on PostgreSQL
        inside the next statement sent. Nothing that statement reads may depend on them."""
        if not rows:
            return
        if self.carried:
            self._waiting.append((Rows(table, tuple(rows[0]), len(rows)), rows))
        else:
            await self._execute(plain_insert(table, tuple(rows[0])), rows)

    async def update(self, table: Table, key: str, row_key: Any, changed: Row) -> None:
        """One row's ``changed`` columns, the row found by its ``key`` column: now on
        SQLite; on PostgreSQL inside the next statement sent, which must not touch it."""
        columns = tuple(sorted(changed))
        if self.carried:
            await self._wait(RowUpdate(table, key, columns), (row_key, changed))
        else:
            await self._execute(plain_update(table, key, columns), {"_row_key": row_key, **changed})

    async def send(
        self,
        table: Table,
        rows: list[Row],
        returning: tuple[str, ...] = (),
        draws: Table | None = None,
    ) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (in their order) now, carrying every waiting write; the
        ``returning`` columns of one row, then ``draws``' next id (PostgreSQL only)."""
        if not self._waiting and draws is None:
            return await self._execute(plain_insert(table, tuple(rows[0]), returning), rows)
        return await self._carry(Rows(table, tuple(rows[0]), len(rows), returning, draws), rows)

    async def send_pointing(
        self,
        target: tuple[Table, Row],
        pointer: tuple[Table, Row],
        link: str,
        draws: Table | None = None,
    ) -> tuple[int, ...]:
        """PostgreSQL only: the target's row and the pointer's, in one statement with
        whatever waits; the pointer's new id and the target's, then ``draws``' next id."""
        (target_table, target_row), (pointer_table, pointer_row) = target, pointer
        shape = Pointing(
            Rows(target_table, tuple(target_row), returning=("id",)),
            Rows(pointer_table, tuple(c for c in pointer_row if c != link)),
            link,
            draws,
        )
        ((*ids,),) = await self._carry(shape, (target_row, pointer_row))
        return tuple(int(i) for i in ids)

    async def hand_to(self, later: Riders) -> None:
        """What waits here, to wait in ``later`` instead (the engine's, which the replies'
        INSERT carries) rather than be a statement of its own now; on SQLite nothing waits."""
        waiting, self._waiting = self._waiting, []
        for shape, values in waiting:
            await later._wait(shape, values)

    def mark(self) -> int:
        """Where the waiting writes end now, for :meth:`drop_since`."""
        return len(self._waiting)

    def drop_since(self, mark: int) -> None:
        """Forget the writes that began to wait after ``mark``: a handler refused and its
        savepoint rolled back what they went with (``bot.running``)."""
        del self._waiting[mark:]

    async def flush(self) -> None:
        """Whatever still waits, in one statement (the first carries the rest)."""
        if self._waiting:
            shape, values = self._waiting.pop(0)
            await self._carry(shape, values)

    async def _wait(self, shape: Shape, values: Any) -> None:
        """``shape`` to go out with the next statement; what waits is sent first when both
        would change one row, as two changes to one row may not share a statement."""
        if isinstance(shape, RowUpdate) and any(
            isinstance(waiting, RowUpdate) and waiting.table is shape.table and held[0] == values[0]
            for waiting, held in self._waiting
        ):
            await self.flush()
        self._waiting.append((shape, values))

    async def _carry(self, carrier: Shape, values: Any) -> list[tuple[Any, ...]]:
        riders, self._waiting = self._waiting, []
        statement = _carrying(carrier, tuple(shape for shape, _ in riders))
        params = carrier.params("c_", values)
        for n, (shape, rider_values) in enumerate(riders):
            params.update(shape.params(f"r{n}_", rider_values))
        return await self._execute(statement, params)

    async def _execute(
        self, statement: Insert | Update, params: Row | list[Row]
    ) -> list[tuple[Any, ...]]:
        # On the connection: the session's execute would autoflush and build ORM state.
        connection = await unit_connection(self._session)
        if isinstance(params, list) and len(params) == 1:
            params = params[0]  # one row: an execution, not an executemany
        return await run(connection, statement, params)
