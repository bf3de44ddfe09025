"""Statements compiled once per connection and sent as driver SQL (store/prepared.py, issue
20): the values go through their columns' types both ways, as through ``execute``, and a
statement SQLAlchemy would complete at execution is refused, not sent half-done."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select, update

from store.bulk import table_of
from store.models import AuditEntry, Company, OutboxMessage
from store.prepared import NotPreparable, prepared, read, run
from store.riders import plain_insert
from store.roles import Role
from store.sealing import Keyring, bind
from store.users import create_user
from tests.sql_trace import driver_sends, executed

AUDIT = table_of(AuditEntry)
OUTBOX = table_of(OutboxMessage)


def audit_row(at: datetime, new_value: str = "x") -> dict[str, object]:
    return {
        "at": at,
        "user_id": None,
        "platform": "test",
        "table_name": "companies",
        "record_id": 1,
        "action": "update",
        "field": "note",
        "old_value": None,
        "new_value": new_value,
    }


async def test_a_row_goes_in_and_comes_back_through_its_columns_types(db, clock):
    """A UTC time stays aware and UTC (SQLite stores it naive: its type converts both
    ways), the id comes back, and the statement is sent once as plain driver SQL."""
    at = clock.now()
    statement = plain_insert(AUDIT, tuple(audit_row(at)), returning=("id", "at"))
    async with db.transaction() as session:
        connection = await session.connection()
        with executed() as calls:
            ((audit_id, back),) = await run(connection, statement, audit_row(at))
        assert back == at
        assert back.tzinfo is not None
        assert len(calls) == 1
        assert prepared(connection, statement) is prepared(connection, statement)
    async with db.transaction() as session:
        stored = await session.get(AuditEntry, audit_id)
        assert stored is not None
        assert stored.at == at
        assert stored.new_value == "x"


async def test_many_rows_are_one_executemany_and_none_is_nothing(db, clock):
    at = clock.now()
    statement = plain_insert(AUDIT, tuple(audit_row(at)))
    async with db.transaction() as session:
        connection = await session.connection()
        with executed() as calls:
            assert await run(connection, statement, [audit_row(at, v) for v in "abc"]) == []
            assert await run(connection, statement, []) == []
        assert [c.parameter_sets for c in calls] == [3]
    async with db.transaction() as session:
        values = (await session.scalars(select(AuditEntry.new_value))).all()
    assert sorted(values) == ["a", "b", "c"]


async def test_one_row_in_a_list_is_sent_as_one_statement_not_an_executemany(db, clock):
    """The outbox sender records a reply sent on its own as a list of one: in its
    one-statement unit, asyncpg sends it itself on PostgreSQL (autocommit), and SQLite's
    connection runs it on SQLite (store/sqlite_direct.py)."""
    at = clock.now()
    statement = plain_insert(AUDIT, tuple(audit_row(at)))
    by_driver: list[str] = []
    async with db.single_statement() as connection:
        with executed() as calls, driver_sends(by_driver.append):
            assert await run(connection, statement, [audit_row(at, "one")]) == []
        assert [c.parameter_sets for c in calls] == [1]
        assert len(by_driver) == 1
    async with db.transaction() as session:
        values = (await session.scalars(select(AuditEntry.new_value))).all()
    assert values == ["one"]


async def test_values_written_into_the_statement_are_sent_with_the_given_ones(db, clock):
    """``values(state="sent")`` beside a parameter, as the outbox sender's outcome writes."""
    async with db.transaction() as session:
        await session.execute(
            insert(OUTBOX),
            {
                "platform": "telegram",
                "chat_id": "1",
                "body": {"text": "hi"},
                "next_attempt_at": clock.now(),
                "created_at": clock.now(),
            },
        )
    marked = update(OUTBOX).where(OUTBOX.c.id == bindparam("rid")).values(state="sent")
    async with db.transaction() as session:
        row_id = await session.scalar(select(OutboxMessage.id))
        await run(await session.connection(), marked, {"rid": row_id})
    async with db.transaction() as session:
        assert await session.scalar(select(OutboxMessage.state)) == "sent"


async def test_a_sealed_column_is_sealed_on_the_way_in_and_opened_on_the_way_out(db, clock):
    bind(db.engine.sync_engine.dialect, Keyring("a test key of enough length, 32+ chars"))
    row = {
        "platform": "telegram",
        "chat_id": "1",
        "body": {"text": "+86 138 0013 8000"},
        "next_attempt_at": clock.now(),
        "created_at": clock.now(),
        "is_private": True,
        "kind": "send",
        "state": "pending",
        "attempts": 0,
        "message_ids": [],
    }
    statement = plain_insert(OUTBOX, tuple(row), returning=("id", "body"))
    async with db.transaction() as session:
        ((row_id, body),) = await run(await session.connection(), statement, row)
        assert body == {"text": "+86 138 0013 8000"}
        raw = await session.scalar(select(OUTBOX.c.body.cast(AUDIT.c.new_value.type)))
    assert "138" not in str(raw), raw
    assert "enc1:" in str(raw), raw
    async with db.transaction() as session:
        stored = await session.get(OutboxMessage, row_id)
        assert stored is not None
        assert stored.body == {"text": "+86 138 0013 8000"}


async def test_a_value_left_to_a_default_is_refused_before_anything_is_sent(db, clock):
    """The outbox's ``state`` has a Python-side default, which SQLAlchemy fills in only when
    it executes: compiled once, the row would go without it. Refused, nothing sent."""
    statement = insert(OUTBOX).values(
        platform=bindparam("platform"),
        chat_id=bindparam("chat_id"),
        body=bindparam("body", type_=OUTBOX.c.body.type),
    )
    async with db.transaction() as session:
        connection = await session.connection()
        with executed() as calls, pytest.raises(NotPreparable, match="state"):
            await run(connection, statement, {"platform": "t", "chat_id": "1", "body": {}})
        assert calls == []


async def test_an_expanding_in_is_refused(db):
    statement = select(Company.id).where(Company.id.in_(bindparam("ids", expanding=True)))
    async with db.transaction() as session:
        with pytest.raises(NotPreparable):
            await run(await session.connection(), statement, {"ids": [1, 2]})


async def test_an_in_list_fixed_when_the_statement_is_built_is_rendered_once(db, clock):
    """A manager's team as an owner scope, the open stages: values known when the statement
    is built are rendered when it is compiled, each item through its column's type (a UTC
    time), and the statement runs as driver SQL like any other."""
    now = clock.now()
    async with db.transaction() as session:
        owner = await create_user(session, "owner", role=Role.REP, now=now)
        for n in range(3):
            at = now + timedelta(days=n)
            session.add(Company(name=f"C{n}", owner_id=owner.id, created_at=at, updated_at=at))
    statement = select(Company.name).where(
        Company.created_at.in_([now, now + timedelta(days=2)]),
        Company.owner_id.in_([owner.id, owner.id + 1000]),
        Company.name != bindparam("not_named"),
    )
    async with db.transaction() as session:
        connection = await session.connection()
        with executed() as calls:
            rows = await run(connection, statement, {"not_named": "C2"})
            again = await run(connection, statement, {"not_named": "nobody"})
        assert rows == [("C0",)]
        assert sorted(again) == [("C0",), ("C2",)]
        assert len(calls) == 2
        assert "POSTCOMPILE" not in prepared(connection, statement).sql


async def test_a_statement_is_compiled_once_for_all_of_an_engines_connections(db):
    """Kept per connection, a statement built for each viewer was compiled again on most of
    the pool's connections (a ``/find`` spent more compiling than it saved)."""
    statement = select(Company.name).where(Company.id == bindparam("company_id"))
    async with db.engine.connect() as first, db.engine.connect() as second:
        assert first.sync_connection is not second.sync_connection
        assert prepared(first, statement) is prepared(second, statement)


async def test_a_read_sees_the_transactions_changes_not_yet_sent(db, clock):
    """As the session's autoflush would: a record added and not yet flushed is found."""
    now = clock.now()
    statement = select(Company.name).where(Company.owner_id == bindparam("owner"))
    async with db.transaction() as session:
        owner = await create_user(session, "owner", role=Role.REP, now=now)
        session.add(Company(name="Pending", owner_id=owner.id, created_at=now, updated_at=now))
        with session.no_autoflush:
            assert await read(session, statement, {"owner": owner.id}) == []
        assert await read(session, statement, {"owner": owner.id}) == [("Pending",)]
