"""Fixtures: a real database per test (SQLite file, or PostgreSQL when
``CRMBOT_TEST_DATABASE_URL`` is set), a frozen clock and the conversational harness."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import open_app
from bot.clock import FrozenClock
from bot.config import Settings
from scheduler.service import ReminderService
from store import migrate
from store.db import Database
from store.models import Base
from tests import workspace
from tests.clocks import FROZEN_AT
from tests.harness import BotHarness
from tests.reminders_support import service

PG_URL = os.environ.get("CRMBOT_TEST_DATABASE_URL")
#: Under pytest-xdist (``dev.py test`` runs the suite in worker processes), this worker's
#: name ("gw0", "gw1", ...); empty in a plain, one-process run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test of one database's own machinery is reported as skipped on the other one's
    run, not counted as a pass (it used to return early)."""
    running = "postgresql" if PG_URL else "sqlite"
    for item in items:
        for marker in ("sqlite_only", "postgresql_only"):
            if item.get_closest_marker(marker) and not marker.startswith(running):
                item.add_marker(pytest.mark.skip(reason=f"{marker}: this run is on {running}"))


def _normalise(url: str) -> str:
    return Settings(database_url=url).database_url


async def _migrate(url: str) -> None:
    db = Database(url, FrozenClock(FROZEN_AT))
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the Alembic migrations once per session; tests start from a copy or a truncate.
    On PostgreSQL each xdist worker has a database of its own beside the given one
    (``crmbot_gw0``...), made afresh; a one-process run uses the given database."""
    if PG_URL:
        url = _normalise(PG_URL)
        if WORKER:
            url = asyncio.run(_fresh_database(url, worker_database(url, WORKER)))
        else:
            asyncio.run(_reset_postgres(url))
        asyncio.run(_migrate(url))
        yield url
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


def worker_database(url: str, name: str) -> str:
    """A database name for this worker, from the given URL's: crmbot -> crmbot_gw0."""
    return f"{make_url(url).database}_{name}"


async def _fresh_database(url: str, name: str) -> str:
    """Drop and create database NAME on URL's server; its URL."""
    server = Database(url, FrozenClock(FROZEN_AT))
    try:
        async with server.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await server.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _reset_postgres(url: str) -> None:
    db = Database(url, FrozenClock(FROZEN_AT))
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.dispose()


async def _truncate_postgres(url: str) -> None:
    db = Database(url, FrozenClock(FROZEN_AT))
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        await _truncate_postgres(migrated_template)
        return migrated_template
    target = tmp_path / "crmbot.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data directory in the test's own folder: on PostgreSQL the server's key file
    (bot.secret_key) goes there, never into the home directory of whoever runs the tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Slow work in a thread: the tests replace card reading with recorded results, which a
    # worker process would not see (tests/test_workers_pool.py covers the processes).
    return Settings(
        database_url=database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
    )


@pytest.fixture
async def another_database(database_url: str) -> AsyncIterator[Database]:
    """A second ``Database`` on the test's database: its own pool and kept connections, as
    another worker process would have."""
    database = Database(database_url, FrozenClock(FROZEN_AT))
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def db(settings: Settings, clock: FrozenClock) -> AsyncIterator[Database]:
    database = Database(settings.database_url, clock)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Database]:
    """Always SQLite, also in the PostgreSQL run: for tests of SQLite's own machinery
    (store/sqlite_driver.py, store/sqlite_direct.py)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'sqlite.db'}", clock)
    await migrate.upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
async def bot(settings: Settings, clock: FrozenClock) -> AsyncIterator[BotHarness]:
    app = await open_app(settings, clock)
    harness = BotHarness(app, clock, settings)
    yield harness
    await harness.app.close()


@pytest.fixture
async def ws(bot: BotHarness) -> workspace.Workspace:
    """The rep-workflow workspace (tests/workspace.py) in the default bot."""
    return await workspace.build(bot)


@pytest.fixture
def worker(bot: BotHarness, clock: FrozenClock, settings: Settings) -> ReminderService:
    """A reminder worker on the default bot's database, its jobs called by hand."""
    return service(bot.db, clock, settings, bot.app)
