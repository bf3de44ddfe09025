"""A big sheet is written in a few statements a table, not one per row, and each record it
creates is still cleaned, findable and audited with every field, as one typed in chat is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from bot.events import Attachment
from store.models import AuditEntry, Company, Contact, Deal, DealStageChange
from store.search import search_key
from tests.audit_trail import field_changes
from tests.sheets import xlsx
from tests.sql_trace import executed

ROWS = 240


@contextmanager
def inserts_into() -> Iterator[dict[str, int]]:
    """Count the INSERT statements sent to the database, by table (filled when the block
    ends)."""
    seen: dict[str, int] = {}
    with executed() as calls:
        yield seen
    for call in calls:
        found = re.match(r"\s*INSERT INTO (\w+)", call.statement, re.IGNORECASE)
        if found:
            seen[found.group(1)] = seen.get(found.group(1), 0) + 1


def big_sheet(tmp_path: Any) -> Any:
    rows: list[list[Any]] = [["公司名称", "联系人", "手机", "邮箱", "商机名称", "金额", "阶段"]]
    for n in range(ROWS):
        deal = [f"项目{n}", "10000", "方案"] if n % 10 == 0 else ["", "", ""]
        rows.append([f"星辰{n // 2}有限公司", f"赵敏{n}", f"1370000{n:04d}", f"u{n}@jq.cn", *deal])
    rows.append(["金桥物流", "陈\u202e静", "13922223333", "", "", "", ""])  # a bidi override
    return xlsx(tmp_path / "客户.xlsx", rows)


async def test_a_big_import_is_written_in_bulk_and_fully_audited(bot, ws, tmp_path):
    path = big_sheet(tmp_path)
    attachment = Attachment("file", path.read_bytes(), path.name, "application/octet-stream")
    r = await ws.wang.deliver(ws.wang.event(attachments=(attachment,)))
    with inserts_into() as inserts:
        r = await ws.wang.click(r.button("导入"))
    assert f"新建公司 {ROWS // 2 + 1} 个、联系人 {ROWS + 1} 个、商机 {ROWS // 10} 个" in r.text
    # A handful of statements a table, however many rows: not one per record.
    for table in ("companies", "contacts", "deals", "deal_stage_changes", "audit_log"):
        assert 1 <= inserts.get(table, 0) <= 3, inserts

    contacts = list(await bot.all(select(Contact).order_by(Contact.id)))
    assert len(contacts) >= ROWS + 1
    cleaned = next(c for c in contacts if c.mobile == "+8613922223333")
    assert cleaned.name == "陈静"  # the text hygiene applied, as at a flush
    audit = list(await bot.all(select(AuditEntry).where(AuditEntry.action == "create")))
    by_record: dict[tuple[str, int], dict[str | None, str | None]] = {}
    authors: dict[tuple[str, int], set[tuple[int | None, str]]] = {}
    for entry in audit:
        key = (entry.table_name, entry.record_id)
        assert key not in by_record, "a record created is one entry"
        by_record[key] = {field: new for _, field, _, new in field_changes([entry])}
        authors.setdefault((entry.table_name, entry.record_id), set()).add(
            (entry.user_id, entry.platform)
        )
    for contact in contacts:
        if not contact.name.startswith(("赵敏", "陈")):
            continue
        assert contact.search_key == search_key(
            contact.name, contact.mobile, contact.phone, contact.email
        )
        fields = by_record[("contacts", contact.id)]
        assert authors[("contacts", contact.id)] == {(ws.wang.user_id, "memory")}
        assert fields == {
            key: str(value)
            for key, value in {
                "owner_id": contact.owner_id,
                "company_id": contact.company_id,
                "name": contact.name,
                "mobile": contact.mobile,
                "email": contact.email,
            }.items()
            if value is not None
        }
    companies = list(await bot.all(select(Company).where(Company.name.like("星辰%有限公司"))))
    assert len(companies) == ROWS // 2
    for company in companies:
        assert company.search_key == search_key(company.name, company.phone)
        assert by_record[("companies", company.id)]["name"] == company.name
    deals = list(await bot.all(select(Deal).where(Deal.title.like("项目%"))))
    assert len(deals) == ROWS // 10
    for deal in deals:
        fields = by_record[("deals", deal.id)]
        assert (fields["amount_cents"], fields["currency"], fields["probability"]) == (
            "1000000",
            "CNY",
            str(deal.probability),
        )
        assert fields["stage_changed_at"] == deal.stage_changed_at.isoformat()
    changes = list(await bot.all(select(DealStageChange)))
    assert {c.deal_id for c in changes} >= {d.id for d in deals}
