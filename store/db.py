"""Engine and sessions: SQLite tuned for a single process, PostgreSQL for many workers."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

from store.audit import install_audit_hooks
from store.offload import is_offloaded
from store.search import install_search_key_hooks
from store.types import Clock


class Database:
    """One per process: owns the engine and hands out sessions that audit what they change."""

    def __init__(self, url: str, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            _ensure_parent_dir(url)
            # Statements run on the event loop's thread (see _InlineCursor), so the
            # connection may not be pinned to the thread aiosqlite opened it on.
            kwargs["connect_args"] = {"timeout": 15, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            # asyncpg prepares every statement, and after five runs PostgreSQL may keep a
            # generic plan, one made without the parameters' values: for the lookup's
            # `LIKE '%…%'` that is a sequential scan instead of the trigram index
            # (1.2 s instead of 10-80 ms at a million contacts). Plan with the values.
            kwargs["connect_args"] = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "connect", _inline_cursors)
        self._writer = _TaskGate() if self.is_sqlite else None
        self._sync_session_class = type("AuditedSession", (Session,), {})
        install_audit_hooks(self._sync_session_class, clock)
        install_search_key_hooks(self._sync_session_class)
        self._sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._sync_session_class
        )

    @asynccontextmanager
    async def transaction(
        self, *, user_id: int | None = None, platform: str = "system"
    ) -> AsyncIterator[AsyncSession]:
        """One unit of work; commits on success, rolls back on any exception."""
        if self._writer is None:
            async with self._unit(user_id, platform) as session:
                yield session
            return
        async with self._writer.held(), self._unit(user_id, platform) as session:
            yield session

    @asynccontextmanager
    async def _unit(self, user_id: int | None, platform: str) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            session.info["audit_user_id"] = user_id
            session.info["audit_platform"] = platform
            yield session

    def session(self) -> AsyncSession:
        """A bare session for callers that manage their own transactions (tests, tools)."""
        return self._sessions()

    async def dispose(self) -> None:
        await self.engine.dispose()


class _TaskGate:
    """SQLite has one writer: queue transactions here instead of in SQLite's busy loop,
    whose sleeps grow to many milliseconds under load (p99 5.3 s -> 0.7 s in the webhook
    benchmark). Re-entrant per task, so a transaction opened inside another one (an audit
    lookup, a nested unit in a handler) does not wait for itself."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        async with self._lock:
            self._owner, self._depth = task, 1
            try:
                yield
            finally:
                self._owner, self._depth = None, 0


def _ensure_parent_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_BUSY_TIMEOUT_MS = 15_000
_SQLITE_BUSY = 5


class _InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """A statement runs right on the event loop's thread instead of aiosqlite's.

    An indexed statement costs SQLite ~10 µs, while each trip to aiosqlite's thread costs
    ~150 µs of event-loop CPU (queue, future, wake-up) and SQLAlchemy's adapter makes four
    trips a statement (cursor, execute, fetch, close). The webhook benchmark sends ~17
    statements a message, so the trips were most of a message's database time. Two cases
    still go to the thread, where waiting does not stall every chat at once:

    - a statement inside :func:`store.offload.offloaded` (reports, lookups, sweeps);
    - a statement that met another process's write lock: inline runs never wait for a lock
      (``busy_timeout`` is 0 there), and a busy one is retried in the thread with the usual
      15 s timeout. It had no effect, so running it again is safe.

    Same rows, errors, rowcount and lastrowid as SQLAlchemy's own cursor; relies on
    aiosqlite's ``Connection._execute`` (queue a callable on its thread; there since 0.17)
    and on SQLAlchemy's adapted-cursor attributes. Every SQLite test goes through it."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No cursor is opened here (the parent class awaits one): each statement opens its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._round(lambda cursor: cursor.execute(operation, parameters or ()))

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        await self._round(lambda cursor: cursor.executemany(operation, seq_of_parameters))

    async def _round(self, call: Callable[[sqlite3.Cursor], object]) -> None:
        """Open, run, fetch and close in one go; keep what SQLAlchemy reads."""

        def statement(conn: sqlite3.Connection) -> None:
            cursor = conn.cursor()
            try:
                call(cursor)
                self._description = cursor.description
                if cursor.description:  # a SELECT, or RETURNING
                    self._rows = collections.deque(cursor.fetchall())
                self._rowcount, self._lastrowid = cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        await _run(self._adapt_connection, statement)

    async def _async_soft_close(self) -> None:
        return  # nothing stays open between statements

    def close(self) -> None:
        self._rows.clear()


async def _run(adapt_connection: Any, work: Callable[[sqlite3.Connection], None]) -> None:
    """``work`` inline unless offloaded or the database is locked by another process."""
    connection: Any = adapt_connection._connection
    conn: sqlite3.Connection = connection._conn
    if not is_offloaded():
        try:
            work(conn)
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != _SQLITE_BUSY:
                raise
    async with adapt_connection._execute_mutex:
        await connection._execute(_waiting_for_locks, conn, work)


def _waiting_for_locks(
    conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], None]
) -> None:
    conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    try:
        work(conn)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


class _InlineConnection(AsyncAdapt_aiosqlite_connection):
    """Commits and rollbacks inline too, under the same rules as statements."""

    __slots__ = ()
    _cursor_cls = _InlineCursor

    def commit(self) -> None:
        if self._connection._connection:
            self._finish(lambda conn: conn.commit())

    def rollback(self) -> None:
        if self._connection._connection:
            self._finish(lambda conn: conn.rollback())

    def _finish(self, work: Callable[[sqlite3.Connection], None]) -> None:
        try:
            await_(_run(self, work))
        except Exception as error:
            self._handle_exception(error)


def _inline_cursors(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = _InlineConnection
        dbapi_connection._connection._conn.execute("PRAGMA busy_timeout=0")
