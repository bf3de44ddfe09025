"""Statements compiled once per connection and sent as driver SQL (store/prepared.py, issue
20): the values go through their columns' types both ways, as through ``execute``, and a
statement SQLAlchemy would complete at execution is refused, not sent half-done."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, insert, select, update

from store.bulk import table_of
from store.models import AuditEntry, Company, OutboxMessage
from store.prepared import NotPreparable, prepared, run
from store.riders import plain_insert
from store.sealing import Keyring, bind
from tests.sql_trace import executed

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
