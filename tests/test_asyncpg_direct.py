"""The hot path's prepared statements sent by asyncpg itself inside SQLAlchemy's
transaction (store/asyncpg_direct.py, issue 20): the same rows, the same transaction, and
what SQLAlchemy does around a statement done too — a constraint is SQLAlchemy's
``IntegrityError`` and nothing of the unit is written, a connection the server dropped or a
statement cut off by a cancellation is never handed out again, and the platform is told to
deliver the message again when the database was unreachable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import Table, bindparam, column, func, select, text, update
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.clock import FrozenClock
from store.asyncpg_direct import driver_for, fetch
from store.bulk import table_of
from store.db import Database
from store.errors import is_transient
from store.models import AuditEntry, ProcessedEvent
from store.prepared import prepared, run
from store.riders import plain_insert
from tests.clocks import FROZEN_AT
from tests.sql_trace import Executed, executed, sqlalchemy_sends
from tests.test_db_liveness import backend_pid, terminate
from tests.test_prepared import audit_row

pytestmark = pytest.mark.postgresql_only

AUDIT = table_of(AuditEntry)
EVENTS = table_of(ProcessedEvent)
EVENT_INSERT = plain_insert(EVENTS, ("platform", "event_id", "processed_at"))
AUDIT_INSERT = plain_insert(AUDIT, tuple(audit_row(FROZEN_AT)))
AUDIT_RETURNING_ID = plain_insert(AUDIT, tuple(audit_row(FROZEN_AT)), returning=("id",))


def an_event(at: datetime, event_id: str = "1") -> dict[str, object]:
    return {"platform": "test", "event_id": event_id, "processed_at": at}


async def count(db: Database, table: Table) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_units_statements_are_sent_by_asyncpg_from_the_first_one(db, clock):
    """The unit's ``BEGIN`` is asyncpg's (store/kept_connections.py), so its statements go
    straight to asyncpg from the first one, counted all the same, and commit with the unit;
    SQLAlchemy sends none of them."""
    at = clock.now()
    async with db.transaction() as session:
        connection = await session.connection()
        assert driver_for(connection) is not None
        by_sqlalchemy: list[Executed] = []
        with executed() as sent, sqlalchemy_sends(by_sqlalchemy.append):
            await run(connection, EVENT_INSERT, an_event(at))
            ((audit_id,),) = await run(connection, AUDIT_RETURNING_ID, audit_row(at))
        assert by_sqlalchemy == []
        assert [s.statement for s in sent] == [
            prepared(connection, EVENT_INSERT).sql,
            prepared(connection, AUDIT_RETURNING_ID).sql,
        ]
    async with db.transaction() as session:
        assert (await session.get(AuditEntry, audit_id)) is not None
    assert await count(db, EVENTS) == 1


async def test_a_one_statement_unit_in_autocommit_is_sent_by_asyncpg(db, clock):
    async with db.single_statement() as connection:
        assert driver_for(connection) is not None
        by_sqlalchemy: list[Executed] = []
        with sqlalchemy_sends(by_sqlalchemy.append):
            await run(connection, EVENT_INSERT, an_event(clock.now()))
        assert by_sqlalchemy == []
    assert await count(db, EVENTS) == 1


async def test_a_constraint_is_sqlalchemys_integrity_error_and_the_unit_writes_nothing(db, clock):
    at = clock.now()

    async def the_same_key_twice() -> None:
        async with db.transaction() as session:
            connection = await session.connection()
            await run(connection, EVENT_INSERT, an_event(at))
            await run(connection, AUDIT_INSERT, audit_row(at))
            assert driver_for(connection) is not None
            await run(connection, EVENT_INSERT, an_event(at))

    with pytest.raises(IntegrityError) as failed:
        await the_same_key_twice()
    assert isinstance(failed.value.orig, asyncpg.UniqueViolationError)
    assert not failed.value.connection_invalidated
    assert not is_transient(failed.value)  # it would fail again: the apology, no redelivery
    assert "'test'" not in str(failed.value)  # the values are not in the message or a log
    assert await count(db, EVENTS) == 0
    assert await count(db, AUDIT) == 0
    async with db.transaction() as session:  # the connection went back usable
        await run(await session.connection(), EVENT_INSERT, an_event(at))
    assert await count(db, EVENTS) == 1


async def test_a_connection_the_server_dropped_is_invalidated_and_the_error_is_transient(
    database_url, clock
):
    db = Database(database_url, FrozenClock(FROZEN_AT), ping_idle_after=3600.0)
    try:
        first = await backend_pid(db)
        seen: dict[str, object] = {}

        async def dropped_under_the_unit() -> None:
            async with db.transaction() as session:
                connection = await session.connection()
                pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                seen["pid"] = pid
                driver = driver_for(connection)
                assert driver is not None
                await terminate(database_url, pid)
                ready = prepared(connection, EVENT_INSERT)
                try:
                    await fetch(connection, driver, ready.sql, ready.values(an_event(clock.now())))
                finally:
                    seen["invalidated"] = connection.invalidated

        with pytest.raises(DBAPIError) as failed:
            await dropped_under_the_unit()
        assert seen == {"pid": first, "invalidated": True}
        assert failed.value.connection_invalidated
        assert is_transient(failed.value)  # the platform delivers the message again
        assert await backend_pid(db) != first  # a new connection, not the dead one
        assert await count(db, EVENTS) == 0
    finally:
        await db.dispose()


async def test_a_statement_cut_off_by_a_cancellation_leaves_no_connection_behind(
    db, database_url, clock
):
    """A task cancelled while asyncpg waits for the server's answer: what the connection
    holds then is unknown, so it is invalidated, and the unit's write never lands."""
    async with db.transaction() as session:
        await run(await session.connection(), EVENT_INSERT, an_event(clock.now()))
    later = update(EVENTS).where(EVENTS.c.event_id == "1").values(processed_at=bindparam("at"))
    holder = Database(database_url, FrozenClock(FROZEN_AT))
    watcher = Database(database_url, FrozenClock(FROZEN_AT))
    seen: dict[str, object] = {}

    async def cancelled_while_waiting() -> None:
        async with db.transaction() as session:
            connection = await session.connection()
            seen["pid"] = pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar()
            blocked = asyncio.create_task(
                run(connection, later, {"at": datetime(2030, 1, 1, tzinfo=UTC)})
            )
            await waiting_for_a_lock(watcher, int(pid or 0))
            blocked.cancel()
            try:
                await blocked
            finally:
                seen["invalidated"] = connection.invalidated

    try:
        async with holder.transaction() as holding:
            await holding.execute(  # holds the row's lock until this unit ends
                text("SELECT event_id FROM processed_events FOR UPDATE")
            )
            with pytest.raises(asyncio.CancelledError):  # through the unit: it rolls back
                await cancelled_while_waiting()
        assert seen["invalidated"] is True
        async with db.transaction() as session:
            assert await session.scalar(select(ProcessedEvent.processed_at)) == clock.now()
        assert await backend_pid(db) != seen["pid"]
    finally:
        await holder.dispose()
        await watcher.dispose()


ACTIVITY = sql_table("pg_stat_activity", column("pid"), column("query"), column("wait_event_type"))


async def waiting_for_a_lock(watcher: Database, pid: int) -> None:
    await until_activity(watcher, pid, "wait_event_type", "Lock")


async def until_activity(watcher: Database, pid: int, column: str, expected: str) -> None:
    """Returns once the server says backend ``pid``'s ``column`` in ``pg_stat_activity`` is
    ``expected`` (each look is a round trip to the server, so this waits on the server, not
    on a timer)."""
    looked_at = ACTIVITY.c[column]
    for _ in range(10_000):
        async with watcher.single_statement() as connection:
            seen = await connection.scalar(select(looked_at).where(ACTIVITY.c.pid == pid))
        if seen == expected:
            return
    raise AssertionError(f"backend {pid}'s {column} never became {expected!r}")
