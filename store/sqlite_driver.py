"""SQLite for SQLAlchemy's asyncio API with statements on the event loop's thread.

Why a dialect of our own: an indexed statement costs SQLite ~10 µs, while a trip to
another thread costs ~150 µs of event-loop CPU (queue, future, wake-up), and the stock
``sqlite+aiosqlite`` adapter makes four such trips a statement (cursor, execute, fetch,
close). A "log a call" message runs ~16 statements, so the trips were most of its database
time (BENCHMARKS.md, webhook rounds 1 and 2). Here every statement runs synchronously on
the thread that asks for it, through Python's own ``sqlite3``, except where waiting would
stall every chat at once:

- statements inside :func:`store.offload.offloaded` (reports, lookups, the reminder
  worker's sweeps) run in a worker thread while the loop serves others;
- a statement that meets another process's write lock: on the loop's thread SQLite never
  waits (``busy_timeout`` 0), and a busy statement, which had no effect, is run again in a
  worker thread with the usual 15 s timeout.

Built only from SQLAlchemy's supported extension points: a dialect registered by name
(:data:`DRIVERNAME`, ``sqlalchemy.dialects.registry``) that subclasses the documented
``pysqlite`` dialect, declares itself ``is_async`` and hands out PEP 249 connections; the
one wait for a worker thread goes through :meth:`sqlalchemy.engine.AdaptedConnection.run_async`,
the documented way for synchronous code under the asyncio extension to await. Nothing of
aiosqlite (no longer used) and no private SQLAlchemy attribute is read or written; the
cursor answers one hook the asyncio extension calls by a private name
(:meth:`InlineSQLiteCursor._async_soft_close`, a no-op).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, AdaptedConnection
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool, StaticPool

from store.offload import is_offloaded

DRIVERNAME = "sqlite+crmbot_inline"
BUSY_TIMEOUT_MS = 15_000
_SQLITE_BUSY = 5

_T = TypeVar("_T")


def register() -> None:
    """Make :data:`DRIVERNAME` known to ``create_async_engine`` (idempotent)."""
    registry.register("sqlite.crmbot_inline", __name__, InlineSQLiteDialect.__name__)


class InlineSQLiteConnection(AdaptedConnection):
    """A PEP 249 connection over one ``sqlite3`` connection, statements run where asked.

    ``driver_connection`` is the ``sqlite3.Connection`` (for ``create_function``,
    ``set_trace_callback``...)."""

    __slots__ = ("_in_thread",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        # Held while a worker thread runs a statement on this connection: closing a
        # sqlite3 connection another thread is using crashes the process (it did, when a
        # task waiting for another process's lock was cancelled and SQLAlchemy closed the
        # connection it had invalidated).
        self._in_thread = threading.Lock()
        # AdaptedConnection's contract: the driver's connection, which its public
        # ``driver_connection`` returns and ``run_async`` passes on (typed there for an
        # asyncio driver; ours is the synchronous one).
        self._connection = cast(Any, connection)
        connection.execute("PRAGMA busy_timeout=0")

    @property
    def sqlite(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = self.driver_connection
        return connection

    def run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """``work`` on the event loop's thread, unless offloaded or the database is locked
        by another process: then in a worker thread, the loop serving others meanwhile.

        Always through ``run_async``, even inline: SQLAlchemy's ``AsyncConnection.execute``
        insists that a statement awaited something (``AwaitRequired`` otherwise). Inline,
        that is one switch to the task's greenlet and back, a few microseconds."""
        in_thread = self._in_thread
        result: _T = self.run_async(lambda connection: _run(connection, work, in_thread))
        return result

    def cursor(self) -> InlineSQLiteCursor:
        return InlineSQLiteCursor(self)

    async def rows(self, operation: str, parameters: Sequence[Any]) -> list[Any]:
        """One statement's rows, run as :class:`InlineSQLiteCursor` runs it but awaited
        from async code, with no greenlet (:mod:`store.sqlite_direct`)."""

        def statement(connection: sqlite3.Connection) -> list[Any]:
            cursor = connection.cursor()
            try:
                cursor.execute(operation, parameters)
                return cursor.fetchall() if cursor.description else []
            finally:
                cursor.close()

        return await _run(self.sqlite, statement, self._in_thread)

    def commit(self) -> None:
        self.run(lambda connection: connection.commit())

    def rollback(self) -> None:
        self.run(lambda connection: connection.rollback())

    def close(self) -> None:
        """Close, unless a worker thread still runs a statement here (its task was
        cancelled, or failed, while it waited for another process's lock): then stop that
        statement (``interrupt`` is sqlite3's thread-safe way) and close once the thread
        lets go, from a thread of its own, so the event loop never waits for it."""
        if self._in_thread.acquire(blocking=False):
            try:
                self.sqlite.close()
            finally:
                self._in_thread.release()
            return
        self.sqlite.interrupt()
        threading.Thread(target=self._close_when_free, name="sqlite-close", daemon=True).start()

    def _close_when_free(self) -> None:
        with self._in_thread:
            self.sqlite.close()

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.sqlite.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self.sqlite.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # SQLAlchemy sets "" (sqlite3's legacy default), which typeshed's Literal omits.
        self.sqlite.isolation_level = cast(Any, value)

    @property
    def in_transaction(self) -> bool:
        return self.sqlite.in_transaction


async def _run(
    connection: sqlite3.Connection,
    work: Callable[[sqlite3.Connection], _T],
    in_thread: threading.Lock,
) -> _T:
    if not is_offloaded():
        try:
            return work(connection)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != _SQLITE_BUSY:
                raise
    return await asyncio.to_thread(_waiting_for_locks, connection, work, in_thread)


def _waiting_for_locks(
    connection: sqlite3.Connection,
    work: Callable[[sqlite3.Connection], _T],
    in_thread: threading.Lock,
) -> _T:
    with in_thread:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return work(connection)
        finally:
            connection.execute("PRAGMA busy_timeout=0")


_Outcome = tuple[Any, list[Any], int, Any]


class InlineSQLiteCursor:
    """Opens, runs, fetches and closes a ``sqlite3`` cursor in one go per statement (one
    hand-off when the statement goes to a worker thread); keeps what SQLAlchemy reads."""

    arraysize = 1

    def __init__(self, connection: InlineSQLiteConnection) -> None:
        self.connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: Any = None
        self._rows: deque[Any] = deque()

    def execute(self, operation: str, parameters: Any = None) -> InlineSQLiteCursor:
        self._round(lambda cursor: cursor.execute(operation, parameters or ()))
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> InlineSQLiteCursor:
        self._round(lambda cursor: cursor.executemany(operation, seq_of_parameters))
        return self

    def _round(self, call: Callable[[sqlite3.Cursor], object]) -> None:
        def statement(connection: sqlite3.Connection) -> _Outcome:
            cursor = connection.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []  # SELECT, RETURNING
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, rows, self.rowcount, self.lastrowid = self.connection.run(statement)
        self._rows = deque(rows)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio extension on every result of an ``is_async``
        dialect, to close the driver's cursor early (``sqlalchemy/ext/asyncio/result.py``);
        the one hook of that extension without a public name. Nothing stays open between
        statements here, so there is nothing to do: were it renamed, nothing would change;
        were more demanded, every SQLite test would fail at once."""
        return

    def setinputsizes(self, *sizes: Any) -> None:
        return None

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        return None


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """``pysqlite`` with :class:`InlineSQLiteConnection` connections, for ``AsyncEngine``."""

    driver = "crmbot_inline"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[Pool]:
        # An asyncio-aware pool (it waits for a free connection without blocking the loop);
        # one shared connection for an in-memory database, as SQLite's own dialects do.
        if url.database and url.database != ":memory:":
            return AsyncAdaptedQueuePool
        return StaticPool

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        return InlineSQLiteConnection(cast(sqlite3.Connection, super().connect(*cargs, **cparams)))

    def get_driver_connection(self, connection: Any) -> Any:
        return connection.driver_connection
