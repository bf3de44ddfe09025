"""Statements compiled once per connection and sent as the driver's own SQL.

Through ``Connection.execute``, a statement built once and found in SQLAlchemy's cache
still pays on every run: its cache key (a walk of the whole statement), its parameters
gathered by name and sent through their types, an execution context and the result's
metadata. For a small read that is about half of what the statement costs our process
(PostgreSQL 372 µs through Core, 205 µs as driver SQL; SQLite 181 and 70;
``benchmarks/statement_floor.py``), and more for an INSERT of many rows, whose
parameters are counted in hundreds. The hot path's writes have a fixed shape: compiled
once, a run needs only the values put in order through their types' processors, and
``exec_driver_sql`` sends them. SQLAlchemy's transaction, its events (the statement counts
the tests and benchmarks read) and the types' processing (a sealed column is sealed, a UTC
time stays UTC) are the same as through ``execute``.

The compiled form lives in the connection's ``info`` (a driver connection has one dialect,
and the dialect carries the engine's keyring, :mod:`store.sealing`), keyed by the statement
object: for statements built once per shape (``functools.lru_cache``), not per call.

What SQLAlchemy completes only when it executes cannot be compiled once — a column's
Python-side default or ``onupdate`` filled in, an expanding ``IN`` — so such a statement is
refused when first compiled: give every column a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

Statement = Insert | Update | Delete | Select[Any]
Processor = Callable[[Any], Any]

_INFO_KEY = "crmbot.prepared"


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
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise NotPreparable("an expanding or literal parameter is rendered at execution")
        names = tuple(compiled.positiontup or ())
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        fixed = {
            name: compiled.binds[name].effective_value
            for name in names
            if not compiled.binds[name].required
        }
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )
        return cls(
            sql=compiled.string,
            names=names,
            binds=binds,
            fixed=fixed,
            results=results if any(results) else None,
        )

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters in the SQL's order, each as its column's type sends it."""
        if self.fixed:
            params = {**self.fixed, **params}
        return tuple(
            params[name] if process is None else process(params[name])
            for name, process in zip(self.names, self.binds, strict=True)
        )

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
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


def prepared(connection: AsyncConnection, statement: Statement) -> Prepared:
    """``statement`` compiled for this connection, once."""
    cache: dict[Statement, Prepared] = connection.info.setdefault(_INFO_KEY, {})
    found = cache.get(statement)
    if found is None:
        found = cache[statement] = Prepared.compile(statement, connection.dialect)
    return found


async def run(
    connection: AsyncConnection,
    statement: Statement,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[tuple[Any, ...]]:
    """Run ``statement`` with ``params`` (a list: once for each, no rows returned); the
    rows it returns."""
    ready = prepared(connection, statement)
    if isinstance(params, Mapping):
        result = await connection.exec_driver_sql(ready.sql, ready.values(params))
        return ready.rows(result.all()) if result.returns_rows else []
    if params:
        await connection.exec_driver_sql(ready.sql, [ready.values(p) for p in params])
    return []
