"""Statements compiled once per connection and sent as the driver's own SQL.

Through ``Connection.execute``, a statement built once and found in SQLAlchemy's cache
still pays on every run: its cache key (a walk of the whole statement), its parameters
gathered by name and sent through their types, an execution context and the result's
metadata. For a small read that is about half of what the statement costs our process
(PostgreSQL 372 µs through Core, 205 µs as driver SQL; SQLite 181 and 70;
``benchmarks/statement_floor.py``), and more for an INSERT of many rows, whose
parameters are counted in hundreds. The hot path's writes have a fixed shape: compiled
once, a run needs only the values put in order through their types' processors, and
``exec_driver_sql`` sends them; on PostgreSQL, once the transaction has begun on the
server, asyncpg sends them itself (:mod:`store.asyncpg_direct`). SQLAlchemy's transaction
and the types' processing (a sealed column is sealed, a UTC time stays UTC) are the same
as through ``execute``.

The compiled form lives with the engine's dialect, as the engine's keyring does
(:mod:`store.sealing`): every connection of the engine shares it. It is keyed by the
statement object, for statements built once per shape or per viewer
(``functools.lru_cache``), not per call. Kept per connection, a card built for each of 50
reps was compiled again on most of a pool's 20 connections: measured, a ``/find`` spent
more compiling than the ORM's execution had cost.

What SQLAlchemy completes only when it executes cannot be compiled once — a column's
Python-side default or ``onupdate`` filled in, an ``IN`` list given with the values — so
such a statement is refused when first compiled: give every column a value. An ``IN`` list
fixed when the statement is built (a manager's team, the open stages) is rendered then.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.asyncpg_direct import driver_for, fetch
from store.sqlite_direct import fetch_inline, inline_for
from store.unit_connection import unit_connection

Statement = Insert | Update | Delete | Select[Any] | CompoundSelect[Any]
Processor = Callable[[Any], Any]

_DIALECT_ATTRIBUTE = "crmbot_prepared"
KEPT = 4096
"""Compiled statements an engine keeps (a millisecond or two to compile one again)."""


class NotPreparable(ValueError):
    """A statement whose SQL or values SQLAlchemy completes only at execution."""


@dataclass(frozen=True)
class Prepared:
    """One statement's SQL for one dialect, its parameters' order and processors."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor | None, ...]
    fixed: dict[str, Any]
    """The values written into the statement (``values(state="sent")``)."""
    results: tuple[Processor | None, ...] | None
    """Per returned column; ``None`` when no column needs one (ids, text)."""

    @classmethod
    def compile(cls, statement: Statement, dialect: Dialect) -> Prepared:
        compiled = statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:
            missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise NotPreparable(f"no value given for {missing} (filled in by a default)")
        if compiled.literal_execute_params or any(
            bind.required for bind in compiled.post_compile_params
        ):
            raise NotPreparable("an expanding or literal parameter is rendered at execution")
        # An IN list fixed when the statement was built (a manager's team as an owner
        # scope, the open stages) is rendered now, once, as SQLAlchemy would at every run.
        given = {name for name, bind in compiled.binds.items() if bind.required}
        rendered = compiled.construct_expanded_state(dict.fromkeys(given))
        names = tuple(rendered.positiontup or ())
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )
        return cls(
            sql=rendered.statement,
            names=names,
            binds=tuple(
                # A name not among the binds is a rendered list's item: its processor is
                # its list's, which the rendering gives.
                _processor(compiled.binds[name], dialect)
                if name in compiled.binds
                else rendered.processors.get(name)
                for name in names
            ),
            fixed={name: rendered.parameters[name] for name in names if name not in given},
            results=results if any(results) else None,
        )

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters in the SQL's order, each as its column's type sends it."""
        if self.fixed:
            params = {**self.fixed, **params}
        if not self.names:
            return ()
        # All taken in one call, then only the few values with a processor sent through
        # it: a known log's one INSERT carries over a hundred values, most of them plain.
        taken = self._take(params)
        values = taken if len(self.names) > 1 else (taken,)
        if not self._processed:
            return values
        out = list(values)
        for at, process in self._processed:
            out[at] = process(out[at])
        return tuple(out)

    @functools.cached_property
    def _take(self) -> Callable[[Mapping[str, Any]], Any]:
        return operator.itemgetter(*self.names)

    @functools.cached_property
    def _processed(self) -> tuple[tuple[int, Processor], ...]:
        return tuple((at, p) for at, p in enumerate(self.binds) if p is not None)

    def rows(self, raw: Sequence[Iterable[Any]]) -> list[tuple[Any, ...]]:
        """Returned rows, each value as its column's type reads it."""
        if self.results is None:
            return [tuple(row) for row in raw]
        processors = self.results
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, processors, strict=True)
            )
            for row in raw
        ]


def _processor(bind: BindParameter[Any], dialect: Dialect) -> Processor | None:
    return bind.type.dialect_impl(dialect).bind_processor(dialect)


def prepared(connection: AsyncConnection, statement: Statement) -> Prepared:
    """``statement`` compiled for this connection's engine, once while it is among the
    last :data:`KEPT` compiled (statements built per viewer come and go with the viewers)."""
    dialect = connection.dialect
    cache: dict[Statement, Prepared] | None = getattr(dialect, _DIALECT_ATTRIBUTE, None)
    if cache is None:
        cache = {}
        setattr(dialect, _DIALECT_ATTRIBUTE, cache)
    found = cache.get(statement)
    if found is None:
        if len(cache) >= KEPT:
            del cache[next(iter(cache))]  # the longest kept
        found = cache[statement] = Prepared.compile(statement, dialect)
    return found


async def run(
    connection: AsyncConnection,
    statement: Statement,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[tuple[Any, ...]]:
    """Run ``statement`` with ``params`` (a list: once for each, no rows returned); the
    rows it returns."""
    if not isinstance(params, Mapping) and len(params) == 1:
        # One row (a reply's outcome, recorded on its own): sent as one statement, by
        # asyncpg itself where it can, not through the driver's executemany.
        await run(connection, statement, params[0])
        return []
    ready = prepared(connection, statement)
    if isinstance(params, Mapping):
        driver = driver_for(connection)
        if driver is not None:
            return ready.rows(await fetch(connection, driver, ready.sql, ready.values(params)))
        inline = inline_for(connection)
        if inline is not None:
            return ready.rows(
                await fetch_inline(connection, inline, ready.sql, ready.values(params))
            )
        result = await connection.exec_driver_sql(ready.sql, ready.values(params))
        return ready.rows(result.all()) if result.returns_rows else []
    if params:
        await connection.exec_driver_sql(ready.sql, [ready.values(p) for p in params])
    return []


async def read(
    session: AsyncSession, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a read of columns, through :func:`run`. The session's ``execute`` would
    add only what rows of plain columns do not need (the ORM's execution and result), and
    its autoflush, which this does too: changes not yet sent are, first, so the read sees
    them."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()
    return await run(await unit_connection(session), statement, params)
