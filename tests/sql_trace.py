"""What a block of code sent to the database, for tests and benchmarks that count
statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from store.sqlite_driver import InlineSQLiteConnection


@dataclass(frozen=True)
class Executed:
    statement: str
    parameter_sets: int  # an executemany's sets; 1 for a single execution


@contextmanager
def driver_sends(record: Callable[[str], None]) -> Iterator[None]:
    """``record`` called with each statement asyncpg or SQLite's connection runs by
    itself while the block runs (store/asyncpg_direct.py, store/sqlite_direct.py), which
    SQLAlchemy's statement events do not see."""
    driver_fetch = asyncpg.Connection.fetch
    sqlite_rows = InlineSQLiteConnection.rows

    async def fetch(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        record(query)
        return await driver_fetch(self, query, *args, **kwargs)

    async def rows(self: InlineSQLiteConnection, query: str, parameters: Any) -> Any:
        record(query)
        return await sqlite_rows(self, query, parameters)

    with (
        mock.patch.object(asyncpg.Connection, "fetch", fetch),
        mock.patch.object(InlineSQLiteConnection, "rows", rows),
    ):
        yield


@contextmanager
def sqlalchemy_sends(record: Callable[[Executed], None]) -> Iterator[None]:
    """``record`` called with each statement any engine's SQLAlchemy sends while the block
    runs (its statement event)."""

    def sent(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        record(Executed(statement, len(params) if many else 1))

    event.listen(Engine, "before_cursor_execute", sent)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", sent)


@contextmanager
def executed() -> Iterator[list[Executed]]:
    """Every statement any engine runs while the block runs, in order: those SQLAlchemy
    sends and those asyncpg sends for it."""
    seen: list[Executed] = []
    with (
        sqlalchemy_sends(seen.append),
        driver_sends(lambda statement: seen.append(Executed(statement, 1))),
    ):
        yield seen
