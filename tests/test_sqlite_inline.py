"""SQLite statements run on the event loop's thread, except where waiting would stall it.

Short statements skip aiosqlite's thread (store/db.py, ``_InlineCursor``); a database locked
by another process, and statements inside ``offloaded()``, go to the thread instead, so the
loop keeps serving other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, make_url, select

from bot.clock import FrozenClock
from store import migrate
from store import search as store_search
from store.access import Principal, Records
from store.db import Database
from store.models import Company, Role
from store.offload import is_offloaded, offloaded
from store.users import create_user
from tests.clocks import FROZEN_AT


@pytest.fixture
async def sqlite_db(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Database]:
    """Always SQLite, also in the PostgreSQL run: this is SQLite's own machinery."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}", clock)
    await migrate.upgrade(db)
    yield db
    await db.dispose()


def _path(db: Database) -> str:
    database = make_url(db.url).database
    assert database
    return database


async def _thread_of_statements(db: Database) -> int:
    """The id of the thread SQLite runs this task's next statement on."""
    async with db.transaction() as session:
        conn = await session.connection()
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        raw._conn.create_function("thread_id", 0, threading.get_ident)  # the sqlite3 connection
        return int((await session.execute(select(func.thread_id()))).scalar_one())


async def test_statements_run_on_the_loop_thread_unless_offloaded(sqlite_db: Database) -> None:
    loop_thread = threading.get_ident()
    assert await _thread_of_statements(sqlite_db) == loop_thread
    with offloaded():
        assert await _thread_of_statements(sqlite_db) != loop_thread
    assert await _thread_of_statements(sqlite_db) == loop_thread


async def test_a_write_waits_for_another_process_lock_without_stalling_the_loop(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    async with sqlite_db.transaction() as session:
        owner = await create_user(session, "owner", role=Role.REP, now=clock.now())
    other = sqlite3.connect(_path(sqlite_db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

    async def write() -> None:
        async with sqlite_db.transaction() as session:
            now = clock.now()
            session.add(
                Company(name="Locked Out Ltd", owner_id=owner.id, created_at=now, updated_at=now)
            )

    writer = asyncio.create_task(write())
    # Were the write waiting on the loop's thread, the first turn would block for ever (the
    # lock is released below, by this same task): reaching the assertion is the proof.
    for _ in range(200):
        await asyncio.sleep(0)
    assert not writer.done()
    other.execute("COMMIT")
    other.close()
    await writer
    async with sqlite_db.transaction() as session:
        names = (await session.scalars(select(Company.name))).all()
    assert "Locked Out Ltd" in names


async def test_a_lookup_runs_off_the_loop_thread(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million contacts a lookup takes tens of milliseconds: not on the loop."""
    seen: list[bool] = []
    real_stage_one = store_search._stage_one

    async def stage_one(*args: Any, **kwargs: Any) -> Any:
        seen.append(is_offloaded())
        return await real_stage_one(*args, **kwargs)

    monkeypatch.setattr(store_search, "_stage_one", stage_one)
    async with sqlite_db.transaction() as session:
        records = Records(session, Principal(1, Role.ADMIN, None), FROZEN_AT)
        assert await store_search.search(records, "acme") == []
    assert seen == [True]
    assert not is_offloaded()
