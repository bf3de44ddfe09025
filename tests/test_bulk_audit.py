"""A record created in bulk leaves the audit trail a record created through the ORM leaves:
the same fields in the same order, the same values, author, platform and time, whether the
database copies the values (store/bulk_audit.py: one INSERT … SELECT) or Python sends them
(the fallback, for values the database cannot render as Python does)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from store import bulk as bulk_module
from store.access import Principal, Records
from store.bulk import create_many
from store.db import Database
from store.models import Activity, ActivityKind, AuditEntry, Company, Contact, Deal, Role, User
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


async def trail(db: Database, table: str, record_id: int) -> list[tuple[Any, ...]]:
    async with db.transaction() as session:
        entries = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == table, AuditEntry.record_id == record_id)
            .order_by(AuditEntry.id)
        )
        return [
            (e.at, e.user_id, e.platform, e.action, e.field, e.old_value, e.new_value)
            for e in entries
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


def cases(companies: list[int]) -> list[tuple[type[Any], list[dict[str, Any]], bool]]:
    """(model, rows, whether the database can copy the trail)."""
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
            True,
        ),
        (
            Contact,
            [
                {"name": "张伟", "mobile": "+8613800138000", "company_id": first},
                {"name": "Wang Lei", "email": "wl@example.cn", "title": "CTO"},
                {"name": "李娜", "company_id": second, "birthday": date(1990, 5, 1)},
            ],
            True,  # one birthday: the same string for every record that has one
        ),
        (
            Contact,
            [
                {"name": "赵敏", "birthday": date(1991, 1, 2)},
                {"name": "钱静", "birthday": date(1985, 12, 30)},
            ],
            False,  # two dates: Python writes them
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
            True,
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
            True,
        ),
        (
            Activity,
            [
                {"kind": ActivityKind.CALL, "summary": "a", "occurred_at": when},
                {"kind": ActivityKind.CALL, "summary": "b", "occurred_at": FROZEN_AT},
            ],
            False,  # two instants
        ),
    ]


@pytest.mark.parametrize("case", range(6))
async def test_bulk_records_leave_the_trail_the_orm_leaves(
    db: Database, case: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The copy is kept for batches of DB_AUDIT_MIN_ROWS; these cases are smaller, to read.
    monkeypatch.setattr(bulk_module, "DB_AUDIT_MIN_ROWS", 1)
    principal = await admin(db)
    model, rows, copied = cases(await company_ids(db, principal))[case]
    singly, bulk, sent = await both_ways(db, principal, model, rows)
    # Copied by the database: one statement, its values bound once, not a set per field.
    if copied:
        assert sent == [1]
    else:
        assert len(sent) == 1
        assert sent[0] > len(rows)  # a parameter set per field
    table = model.__tablename__
    for one, many in zip(singly, bulk, strict=True):
        expected = await trail(db, table, one)
        assert expected, "the ORM hook wrote nothing"
        assert await trail(db, table, many) == expected


async def test_a_few_records_send_their_audit_rows_rather_than_build_a_copy(db: Database) -> None:
    """Building and compiling the copying statement costs more than sending a few rows:
    a one-message log's activity gets the plain insert (the same trail either way)."""
    principal = await admin(db)
    rows = [{"name": "Solo Ltd", "industry": "软件"}]
    singly, bulk, sent = await both_ways(db, principal, Company, rows)
    assert sent == [3]  # a parameter set per field set: name, industry, owner_id
    assert await trail(db, "companies", bulk[0]) == await trail(db, "companies", singly[0])
