"""A record created in bulk leaves the audit trail a record created through the ORM leaves:
one entry a record, holding the same fields in the same order, the same values, author,
platform and time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from store.access import Principal, Records
from store.bulk import create_many
from store.db import Database
from store.models import Activity, ActivityKind, AuditEntry, Company, Contact, Deal, Role, User
from tests.audit_trail import field_changes
from tests.clocks import FROZEN_AT
from tests.sql_trace import executed


@contextmanager
def audit_inserts() -> Iterator[list[int]]:
    """The number of parameter sets of each INSERT into the audit log (filled when the
    block ends)."""
    sent: list[int] = []
    with executed() as calls:
        yield sent
    sent += [
        call.parameter_sets
        for call in calls
        if re.match(r"\s*INSERT INTO audit_log", call.statement, re.IGNORECASE)
    ]


async def admin(db: Database) -> Principal:
    async with db.transaction() as session:
        user = User(name="ada", display_name="Ada", role=Role.ADMIN, created_at=FROZEN_AT)
        session.add(user)
        await session.flush()
        return Principal(user.id, Role.ADMIN, None)


async def entries(db: Database, table: str, record_id: int) -> list[AuditEntry]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == table, AuditEntry.record_id == record_id)
            .order_by(AuditEntry.id)
        )
        return list(found)


async def trail(db: Database, table: str, record_id: int) -> list[tuple[Any, ...]]:
    return [
        (e.at, e.user_id, e.platform, e.action, e.field, e.old_value, e.new_value)
        for e in await entries(db, table, record_id)
    ]


async def both_ways(
    db: Database, principal: Principal, model: type[Any], rows: list[dict[str, Any]]
) -> tuple[list[int], list[int], list[int]]:
    """The rows created one by one through the ORM, then in bulk; and the parameter sets
    the bulk write sent to the audit log."""
    async with db.transaction(user_id=principal.user_id, platform="cli") as session:
        records = Records(session, principal, FROZEN_AT)
        singly = [(await records.create(model, **dict(row))).id for row in rows]
    with audit_inserts() as sent:
        async with db.transaction(user_id=principal.user_id, platform="cli") as session:
            records = Records(session, principal, FROZEN_AT)
            bulk = await create_many(records, model, [dict(row) for row in rows])
    return singly, bulk, sent


async def company_ids(db: Database, principal: Principal) -> list[int]:
    async with db.transaction(user_id=principal.user_id) as session:
        records = Records(session, principal, FROZEN_AT)
        return [(await records.create(Company, name=f"公司{n}")).id for n in range(3)]


def cases(companies: list[int]) -> list[tuple[type[Any], list[dict[str, Any]]]]:
    """(model, rows): text, numbers, dates, times, floats, Chinese and line breaks."""
    first, second, _ = companies
    when = FROZEN_AT - timedelta(days=2)
    return [
        (
            Company,
            [
                {"name": "星辰科技有限公司", "industry": "软件", "tags": "VIP, 华东"},
                {"name": "Acme Ltd", "phone": "+862161234567", "website": "acme.example"},
                {"name": "Globex", "address": "1 Main St\nSpringfield"},
            ],
        ),
        (
            Contact,
            [
                {"name": "张伟", "mobile": "+8613800138000", "company_id": first},
                {"name": "Wang Lei", "email": "wl@example.cn", "title": "CTO"},
                {"name": "李娜", "company_id": second, "birthday": date(1990, 5, 1)},
            ],
        ),
        (
            Contact,
            [
                {"name": "赵敏", "birthday": date(1991, 1, 2)},
                {"name": "钱静", "birthday": date(1985, 12, 30)},
            ],
        ),
        (
            Deal,
            [
                {
                    "title": "ERP升级",
                    "company_id": first,
                    "stage": "proposal",
                    "amount_cents": 50_000_000,
                    "currency": "CNY",
                    "probability": 40,
                },
                {"title": "Renewal", "company_id": second, "stage": "lead", "amount_cents": 0},
            ],
        ),
        (
            Activity,
            [
                {"kind": ActivityKind.NOTE, "summary": "展会", "occurred_at": when},
                {
                    "kind": ActivityKind.VISIT,
                    "summary": "visited",
                    "company_id": second,
                    "occurred_at": when,
                    "latitude": 31.2304,
                    "longitude": 121.4737,
                },
            ],
        ),
        (
            Activity,
            [
                {"kind": ActivityKind.CALL, "summary": "a", "occurred_at": when},
                {"kind": ActivityKind.CALL, "summary": "b", "occurred_at": FROZEN_AT},
            ],
        ),
    ]


@pytest.mark.parametrize("case", range(6))
async def test_bulk_records_leave_the_trail_the_orm_leaves(db: Database, case: int) -> None:
    principal = await admin(db)
    model, rows = cases(await company_ids(db, principal))[case]
    singly, bulk, sent = await both_ways(db, principal, model, rows)
    assert sent == [len(rows)]  # one statement, an entry a record
    table = model.__tablename__
    for one, many, row in zip(singly, bulk, rows, strict=True):
        expected = await trail(db, table, one)
        assert len(expected) == 1, "the ORM hook wrote an entry per record"
        assert await trail(db, table, many) == expected
        assert {f for _, f, _, _ in field_changes(await entries(db, table, many))} >= set(row)


async def test_a_record_created_is_one_entry_that_reads_back_field_by_field(db: Database) -> None:
    principal = await admin(db)
    rows = [{"name": "Solo Ltd", "industry": "软件", "address": "1 Main St\n上海"}]
    _, bulk, sent = await both_ways(db, principal, Company, rows)
    assert sent == [1]
    (entry,) = await entries(db, "companies", bulk[0])
    assert (entry.action, entry.field, entry.old_value) == ("create", None, None)
    assert field_changes([entry]) == [
        ("create", "name", None, "Solo Ltd"),
        ("create", "industry", None, "软件"),
        ("create", "address", None, "1 Main St\n上海"),
        ("create", "owner_id", None, str(principal.user_id)),
    ]
