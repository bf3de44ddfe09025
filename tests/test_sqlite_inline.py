"""SQLite statements run on the event loop's thread, except where waiting would stall it.

Short statements run right where they are asked for (store/sqlite_driver.py); a database
locked by another process, and statements inside ``offloaded()``, go to a worker thread
instead, so the loop keeps serving other chats meanwhile. Each test records, with sqlite3's
own trace callback, on which thread SQLite really ran each statement.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy import literal, make_url, select

from bot.clock import FrozenClock
from store import search as store_search
from store.access import Principal, Records
from store.db import Database
from store.models import Company, Role
from store.offload import offloaded
from store.users import create_user
from tests.clocks import FROZEN_AT


def _path(db: Database) -> str:
    database = make_url(db.url).database
    assert database
    return database


async def _trace(db: Database) -> list[tuple[int, str]]:
    """(thread id, SQL) of every statement SQLite runs on the pool's one connection."""
    seen: list[tuple[int, str]] = []
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.set_trace_callback(lambda sql: seen.append((threading.get_ident(), sql)))
    return seen


def _threads(seen: list[tuple[int, str]], marker: str) -> set[int]:
    return {thread for thread, sql in seen if marker in sql}


async def _select(db: Database, marker: str) -> None:
    async with db.transaction() as session:
        assert (await session.execute(select(literal(marker)))).scalar_one() == marker


async def test_statements_run_on_the_loop_thread_unless_offloaded(sqlite_db: Database) -> None:
    seen = await _trace(sqlite_db)
    loop_thread = threading.get_ident()
    await _select(sqlite_db, "first inline")
    with offloaded():
        await _select(sqlite_db, "offloaded")
    await _select(sqlite_db, "inline again")
    assert _threads(seen, "first inline") == {loop_thread}
    assert _threads(seen, "inline again") == {loop_thread}
    offloaded_threads = _threads(seen, "offloaded")
    assert offloaded_threads
    assert loop_thread not in offloaded_threads


async def waited_out_in_a_worker(
    db: Database, write: Callable[[], Coroutine[Any, Any, None]], insert: str
) -> None:
    """Runs ``write`` while another process holds the write lock, then checks that its
    ``insert`` was tried once on the loop's thread (no waiting there) and waited out in a
    worker thread, the loop serving meanwhile."""
    seen = await _trace(db)
    other = sqlite3.connect(_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    writer = asyncio.create_task(write())
    # Were the write waiting on the loop's thread, the first turn would block for ever (the
    # lock is released below, by this same task): reaching the assertion is the proof.
    for _ in range(200):
        await asyncio.sleep(0)
    assert not writer.done()
    other.execute("COMMIT")
    other.close()
    await writer
    inserts = [thread for thread, sql in seen if sql.startswith(insert)]
    first, *retries = inserts  # SQLite traces a statement again each time it retries
    assert first == threading.get_ident()
    assert retries
    assert first not in retries


async def test_a_write_waits_for_another_process_lock_without_stalling_the_loop(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    async with sqlite_db.transaction() as session:
        owner = await create_user(session, "owner", role=Role.REP, now=clock.now())

    async def write() -> None:
        async with sqlite_db.transaction() as session:
            now = clock.now()
            session.add(
                Company(name="Locked Out Ltd", owner_id=owner.id, created_at=now, updated_at=now)
            )

    await waited_out_in_a_worker(sqlite_db, write, "INSERT INTO companies")
    async with sqlite_db.transaction() as session:
        names = (await session.scalars(select(Company.name))).all()
    assert "Locked Out Ltd" in names


async def test_a_lookup_runs_off_the_loop_thread(sqlite_db: Database) -> None:
    """At a million contacts a lookup takes tens of milliseconds: not on the loop."""
    seen = await _trace(sqlite_db)
    async with sqlite_db.transaction() as session:
        records = Records(session, Principal(1, Role.ADMIN, None), FROZEN_AT)
        assert await store_search.search(records, "acme") == []
        await session.execute(select(literal("after the lookup")))
    loop_thread = threading.get_ident()
    lookup = {thread for thread, sql in seen if "acme" in sql.casefold()}
    assert lookup
    assert loop_thread not in lookup
    assert _threads(seen, "after the lookup") == {loop_thread}


@pytest.mark.sqlite_only
async def test_a_cancelled_wait_for_another_process_lock_closes_safely(sqlite_db, monkeypatch):
    """A statement waiting in a worker thread for another process's write lock, whose task
    is cancelled: SQLAlchemy then closes the connection it invalidated. Closing a sqlite3
    connection that another thread is using crashed the whole process (CI saw the
    segfault); the close now interrupts that statement and waits for the thread first."""
    from store import sqlite_driver

    monkeypatch.setattr(sqlite_driver, "BUSY_TIMEOUT_MS", 10_000)
    other = sqlite3.connect(_path(sqlite_db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:

        async def write() -> None:
            async with sqlite_db.transaction(platform="test") as session:
                await session.execute(select(literal(1)))
                session.add(Company(name="Waits", owner_id=None))
                await session.flush()

        task = asyncio.ensure_future(write())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(task, timeout=0.3)  # it is waiting in the thread now
        await sqlite_db.dispose()  # closes every connection: must not crash
    finally:
        other.execute("ROLLBACK")
        other.close()
    fresh = Database(sqlite_db.url, sqlite_db.clock)
    try:
        async with fresh.transaction(platform="test") as session:
            assert (await session.execute(select(literal(1)))).scalar() == 1
    finally:
        await fresh.dispose()
