"""The hot path's prepared statements run on SQLite's own connection inside SQLAlchemy's
transaction (store/sqlite_direct.py, issue 20): the same rows through the same column
types, the same transaction (committed or rolled back with the unit), counted as any
statement, SQLAlchemy's ``IntegrityError`` for a constraint with nothing of the unit
written, and the same hand-off to a worker thread when offloaded or locked out."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError

from store.bulk import table_of
from store.db import Database
from store.models import AuditEntry, ProcessedEvent
from store.offload import offloaded
from store.prepared import run
from store.riders import plain_insert
from store.sqlite_direct import inline_for
from tests.clocks import FROZEN_AT
from tests.sql_trace import Executed, driver_sends, executed, sqlalchemy_sends
from tests.test_prepared import audit_row
from tests.test_sqlite_inline import _trace, waited_out_in_a_worker

AUDIT = table_of(AuditEntry)
EVENTS = table_of(ProcessedEvent)
EVENT_INSERT = plain_insert(EVENTS, ("platform", "event_id", "processed_at"))
AUDIT_RETURNING = plain_insert(AUDIT, tuple(audit_row(FROZEN_AT)), returning=("id", "at"))


def an_event(event_id: str = "1") -> dict[str, object]:
    return {"platform": "test", "event_id": event_id, "processed_at": FROZEN_AT}


async def count(db: Database, table: Table) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_in_a_transaction_sqlite_runs_the_statements_and_the_unit_commits_them(
    sqlite_db: Database,
) -> None:
    """No statement goes through SQLAlchemy's execution; all are counted; the values come
    back through their columns' types (an aware UTC time from SQLite's text)."""
    async with sqlite_db.transaction() as session:
        connection = await session.connection()
        assert inline_for(connection) is not None
        by_sqlalchemy: list[Executed] = []
        by_sqlite: list[str] = []
        with (
            executed() as sent,
            sqlalchemy_sends(by_sqlalchemy.append),
            driver_sends(by_sqlite.append),
        ):
            await run(connection, EVENT_INSERT, an_event())
            ((audit_id, at),) = await run(connection, AUDIT_RETURNING, audit_row(FROZEN_AT))
        assert by_sqlalchemy == []
        assert len(by_sqlite) == 2
        assert len(sent) == 2
        assert at == FROZEN_AT
        assert at.tzinfo is not None
        assert audit_id > 0
    assert await count(sqlite_db, EVENTS) == 1
    assert await count(sqlite_db, AUDIT) == 1


async def test_outside_a_transaction_the_statement_goes_through_sqlalchemy(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.engine.connect() as connection:
        assert inline_for(connection) is None  # SQLAlchemy has not begun: it must, first


async def test_a_constraint_is_sqlalchemys_integrity_error_and_the_unit_writes_nothing(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.transaction() as session:
        await run(await session.connection(), EVENT_INSERT, an_event("seen"))

    async def seen_again() -> None:
        async with sqlite_db.transaction() as session:
            connection = await session.connection()
            await run(connection, AUDIT_RETURNING, audit_row(FROZEN_AT, "rolled back"))
            await run(connection, EVENT_INSERT, an_event("seen"))  # the same event again

    with pytest.raises(IntegrityError) as raised:
        await seen_again()
    assert isinstance(raised.value.orig, sqlite3.IntegrityError)
    assert "rolled back" not in str(raised.value)  # the values are left out of the message
    assert await count(sqlite_db, AUDIT) == 0
    assert await count(sqlite_db, EVENTS) == 1


async def test_offloaded_it_runs_in_a_worker_thread(sqlite_db: Database) -> None:
    seen = await _trace(sqlite_db)
    async with sqlite_db.transaction() as session:
        connection = await session.connection()
        await run(connection, EVENT_INSERT, an_event("on the loop"))
        with offloaded():
            await run(connection, EVENT_INSERT, an_event("offloaded"))
    loop_thread = threading.get_ident()
    inserts = [thread for thread, sql in seen if sql.startswith("INSERT INTO processed_events")]
    assert inserts[0] == loop_thread
    assert inserts[1] != loop_thread


async def test_locked_out_by_another_process_it_waits_in_a_worker_thread(
    sqlite_db: Database,
) -> None:
    async def write() -> None:
        async with sqlite_db.transaction() as session:
            await run(await session.connection(), EVENT_INSERT, an_event("locked out"))

    await waited_out_in_a_worker(sqlite_db, write, "INSERT INTO processed_events")
    assert await count(sqlite_db, EVENTS) == 1
