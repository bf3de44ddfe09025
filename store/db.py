"""Engine and sessions: SQLite tuned for a single process, PostgreSQL for many workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from store import sealing, sqlite_driver
from store.audit import install_audit_hooks
from store.blind_index import install_blind_index_hooks
from store.bulk import BULK_CLEANER, BULK_CLOCK
from store.hygiene import TextCleaner, install_text_hygiene
from store.kept_connections import KeptConnections
from store.sealing import Keyring
from store.search import PLAN_COUNTS, PlanCounts, install_search_key_hooks
from store.search_words import install_search_word_hooks
from store.types import Clock

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
POOL_SIZE = 20
"""PostgreSQL connections kept open by default (``Settings.database_pool_size``)."""
POOL_OVERFLOW = 10
"""Connections opened beyond the pool for a burst, closed when returned to a full pool."""
PING_IDLE_AFTER = 10.0
"""Seconds a PostgreSQL connection may sit in the pool before it is pinged at checkout."""


def is_sqlite_url(url: str) -> bool:
    """Whether a database URL names SQLite (one file, one writer) rather than PostgreSQL:
    asked before anything is opened, as well as by the open :class:`Database`."""
    return url.startswith("sqlite")


class Database:
    """One per process: owns the engine and hands out sessions that audit what they change."""

    def __init__(
        self,
        url: str,
        clock: Clock,
        *,
        clean_text: TextCleaner | None = None,
        keyring: Keyring | None = None,
        ping_idle_after: float = PING_IDLE_AFTER,
        pool_size: int = POOL_SIZE,
    ) -> None:
        """``clean_text``: how text fields are cleaned before they are stored
        (:mod:`store.hygiene`); the application passes its own. ``keyring``: the keys
        phones and e-mails are encrypted at rest with (:mod:`store.sealing`); None keeps
        them in plaintext. ``ping_idle_after``: see :func:`_ping_when_idle`. ``pool_size``:
        the PostgreSQL connections kept open (see ``Settings.database_pool_size``); SQLite
        keeps SQLAlchemy's default, its connections are files opened in microseconds."""
        self.url = url
        self.clock = clock
        self.is_sqlite = is_sqlite_url(url)
        # A failed statement's values stay out of its error, which is logged: they may be a
        # customer's details, in plaintext without an encryption key (SECURITY.md).
        kwargs: dict[str, Any] = {"hide_parameters": True}
        engine_url: str | URL = url
        if self.is_sqlite:
            _ensure_parent_dir(url)
            # Statements run on the event loop's thread, and in a worker thread when
            # offloaded or locked out (store/sqlite_driver.py): not pinned to one thread.
            sqlite_driver.register()
            engine_url = make_url(url).set(drivername=sqlite_driver.DRIVERNAME)
            kwargs["connect_args"] = {
                "timeout": sqlite_driver.BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
            }
        else:
            # PostgreSQL keeps its default plan cache: a statement is planned once per
            # connection, not at every run (store/planner.py says why that is safe).
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = POOL_OVERFLOW
        self.engine: AsyncEngine = create_async_engine(engine_url, **kwargs)
        self.keyring = keyring
        sealing.bind(self.engine.sync_engine.dialect, keyring)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            _ping_when_idle(self.engine, ping_idle_after)
        self._writer = _TaskGate() if self.is_sqlite else None
        # PostgreSQL's units begin and end their transactions on connections kept between
        # them (store/kept_connections.py), as many as the pool keeps open at most.
        self._kept = (
            None
            if self.is_sqlite
            else KeptConnections(
                self.autocommit_connection, keep=pool_size, ping_idle_after=ping_idle_after
            )
        )
        self._sync_session_class = type("AuditedSession", (Session,), {})
        if clean_text is not None:  # first: the search key and the audit see the clean text
            install_text_hygiene(self._sync_session_class, clean_text)
        install_audit_hooks(self._sync_session_class, clock)
        install_search_key_hooks(self._sync_session_class)
        install_search_word_hooks(self._sync_session_class)
        install_blind_index_hooks(self._sync_session_class)
        self._sessions = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            sync_session_class=self._sync_session_class,
            # What the hooks apply, for writers that bypass the flush (store/bulk.py).
            info={BULK_CLOCK: clock, BULK_CLEANER: clean_text, PLAN_COUNTS: PlanCounts()},
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
        if self._kept is None:
            async with self._sessions() as session, session.begin():
                _audit_as(session, user_id, platform)
                yield session
            return
        # The transaction is asyncpg's (store/kept_connections.py). The session's own, on a
        # connection in autocommit, would be bookkeeping only, so it is not begun for the
        # unit (each begin and commit is a crossing into SQLAlchemy's synchronous core);
        # what the session holds unsent is flushed before asyncpg commits.
        async with self._kept.transaction() as connection:
            session = self._sessions(bind=connection)
            try:
                _audit_as(session, user_id, platform)
                yield session
                if session.new or session.dirty or session.deleted:
                    await session.flush()
            finally:
                await session.close()

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[AsyncConnection]:
        """A unit of work that is one statement, atomic by itself: PostgreSQL runs it
        without ``BEGIN`` and ``COMMIT``, two round trips fewer. SQLite takes it through the
        write gate, in a transaction, as any other unit. No session: nothing here is
        audited, so write only tables the audit trail leaves out. (The outbox sender's
        claims and records, one for every reply sent on its own, keep one connection for a
        run of them instead: ``store.lane``.)"""
        if self._writer is not None:
            async with self._writer.held(), self.engine.begin() as connection:
                yield connection
            return
        connection = await self.autocommit_connection()
        try:
            yield connection
        finally:
            await connection.close()

    async def autocommit_connection(self) -> AsyncConnection:
        """A PostgreSQL connection out of the pool, each statement on it committed by
        itself; the caller closes it (which gives it back). See ``store.lane``."""
        connection = await self.engine.connect()
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            await connection.close()
            raise
        return connection

    @property
    def kept_idle(self) -> int:
        """PostgreSQL connections kept between units and unused now (store/kept_connections.py);
        they count as checked out of the pool."""
        return 0 if self._kept is None else self._kept.idle

    def session(self) -> AsyncSession:
        """A bare session for callers that manage their own transactions (tests, tools)."""
        return self._sessions()

    async def dispose(self) -> None:
        if self._kept is not None:
            await self._kept.close()
        await self.engine.dispose()


def _audit_as(session: AsyncSession, user_id: int | None, platform: str) -> None:
    """Whom the unit's audit entries name (``store.audit``)."""
    session.info["audit_user_id"] = user_id
    session.info["audit_platform"] = platform


def _ping_when_idle(engine: AsyncEngine, idle_after: float) -> None:
    """Check a PostgreSQL connection at checkout only when it has sat idle a while.

    SQLAlchemy's ``pool_pre_ping`` checks at every checkout, and with asyncpg a check is
    three round-trips (BEGIN, an empty query, ROLLBACK): about four of a logged message's
    twenty. A connection that was in use a moment ago is alive unless the server went away
    in that moment; then its first statement fails with the connection invalidated, the
    pool drops every connection made before the failure (SQLAlchemy's disconnect
    handling), and the engine hands the error to the platform, which delivers the message
    again (:func:`store.errors.is_transient`). A connection idle longer than
    ``idle_after`` seconds — long enough for the server to restart or a firewall to drop
    it — is checked first, and replaced if it is dead, as ``pool_pre_ping`` would."""
    sync_engine = engine.sync_engine

    def checked_in(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_after:
            return  # just connected, or in use a moment ago
        try:
            sync_engine.dialect.do_ping(dbapi)
        except Exception as error:
            # The pool discards this connection and checks out another (a new one).
            raise DisconnectionError(f"connection found dead after {idle_after} s idle") from error

    event.listen(sync_engine, "checkin", checked_in)
    event.listen(sync_engine, "checkout", checked_out)


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
    """Make the SQLite file private before SQLite opens it: the directory we create is
    ``0700``, the file ``0600`` (created empty here, which SQLite takes as a new
    database; its ``-wal`` and ``-shm`` files take the same mode). A file left readable by
    others (an older crmbot, a copy) is narrowed to ``0600`` if it is ours. The database
    holds customers' phone numbers and the team's deals: nobody else on the machine reads
    it."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            status = file.stat()
            if status.st_uid == os.getuid() and status.st_mode & 0o077:
                log.warning("%s was readable by others; narrowed to 0600", file)
                file.chmod(PRIVATE_FILE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
