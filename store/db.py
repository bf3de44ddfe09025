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

from bot.clock import Clock
from store.audit import install_audit_hooks
from store.search import install_search_key_hooks


class Database:
    """One per process: owns the engine and hands out sessions that audit what they change."""

    def __init__(self, url: str, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            _ensure_parent_dir(url)
            kwargs["connect_args"] = {"timeout": 15}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "connect", _one_hop_cursors)
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
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A statement in one trip to aiosqlite's thread instead of four.

    SQLAlchemy's aiosqlite adapter awaits the worker thread to open a cursor, to execute, to
    fetch the rows and to close the cursor: four thread hand-offs of ~40-60 µs of event-loop
    CPU each, against ~10 µs for SQLite's own work on an indexed statement. Here the whole
    round runs in the thread at once (the webhook benchmark sends ~16 statements per
    message). Same rows, errors, rowcount and lastrowid: only the trips are fewer. Relies on
    aiosqlite's ``Connection._execute`` (queue a callable on its thread; there since 0.17)
    and on SQLAlchemy's adapted-cursor attributes; every SQLite test goes through it."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No cursor is opened here (the parent class awaits one): the thread opens its own.
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
        """Open, run, fetch and close in the worker thread; keep what SQLAlchemy reads."""

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

        connection: Any = self._connection
        async with self._adapt_connection._execute_mutex:
            await connection._execute(statement, connection._conn)

    async def _async_soft_close(self) -> None:
        return  # nothing open in the thread between statements

    def close(self) -> None:
        self._rows.clear()


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor


def _one_hop_cursors(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = _OneHopConnection
