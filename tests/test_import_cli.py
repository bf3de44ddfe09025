"""``crmbot import`` and ``crmbot export``: a clerk's spreadsheets in, a report before
anything is written, duplicates found, re-runs change nothing, and the export comes back."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FrozenClock
from store.db import Database
from store.models import Activity, AuditEntry, Company, Contact, Deal, ImportRun
from tests.clocks import FROZEN_AT
from tests.sheets import csv_file, xlsx

HEADER_ZH = ["公司名称", "联系人", "手机", "邮箱", "职位", "负责人", "标签", "客户等级", "备注"]


@pytest.fixture
def crmbot(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("CRMBOT_DEFAULT_LANG", "en")
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("user", "invite", "admin", "--role", "admin")
    run("user", "invite", "li", "--role", "rep", "--team", "East", "--display-name", "李娜")
    return run


def query(url: str, stmt: Any) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(url, FrozenClock(FROZEN_AT))
        try:
            async with db.transaction() as session:
                return list((await session.execute(stmt)).all())
        finally:
            await db.dispose()

    return asyncio.run(go())


def count(url: str, model: Any) -> int:
    return int(query(url, select(func.count()).select_from(model))[0][0])


def clerk_sheet(path: Path) -> Path:
    """A title row merged across the columns, Excel dates, a blank row, a bad phone, an
    unknown owner, a person listed twice, and a column nobody maps."""
    return xlsx(
        path,
        [
            [*HEADER_ZH, "商机名称", "金额", "阶段", "预计成交日期"],
            [
                "星辰科技有限公司",
                "张伟",
                "138 0013 8000",
                "ZhangWei@XingChen.cn",
                "总经理",
                "li",
                "VIP，制造业",
                "A",
                "老客户",
                "ERP升级",
                "50万",
                "谈判",
                datetime(2026, 12, 31),
            ],
            ["华信电子", "王芳", "12345", "w@hx.cn", "采购", "li", "", "B", "", "", "", "", ""],
            [None] * 13,
            [
                "Acme Ltd",
                "Wang Lei",
                "+86 139 1111 2222",
                "",
                "Purchasing",
                "老王",
                "",
                "",
                "",
                "Acme ERP",
                "abc",
                "proposal",
                "next year",
            ],
            ["上海星辰科技", "张伟", "13800138000", "", "", "", "", "", "", "", "", "", ""],
            [
                "Globex",
                "Sarah Lee",
                "",
                "sarah@globex.com",
                "CFO",
                "",
                "",
                "",
                "",
                "Globex CRM",
                "120000",
                "Proposal",
                46000,
            ],
        ],
        title="2026 客户名单",
        merge=["A1:M1"],
    )


def test_dry_run_reports_every_problem_and_writes_nothing(crmbot, database_url, tmp_path):
    out = crmbot("import", str(clerk_sheet(tmp_path / "客户.xlsx")), "--dry-run").output
    assert "header on row 2" in out
    assert "公司名称 → Company" in out
    assert "预计成交日期 → Expected close" in out
    assert "Unknown columns, kept as notes: 客户等级" in out
    assert "Rows: 5 · to create 2 · duplicates 1 · errors 2" in out
    assert "Row 4: bad phone number “12345”" in out
    assert (
        "Row 6: unknown owner “老王” (assigned to the importer); amount “abc” is not a number; "
        "bad date “next year” (use 2026-12-31)"
    ) in out
    assert "New: 2 companies, 2 contacts, 2 deals, 1 notes" in out
    assert count(database_url, Company) == 0
    assert count(database_url, ImportRun) == 0


def test_confirm_then_write_and_a_rerun_changes_nothing(crmbot, database_url, tmp_path):
    sheet = str(clerk_sheet(tmp_path / "clients.xlsx"))
    out = crmbot("import", sheet, input="n\n").output
    assert "Import 2 new rows now?" in out
    assert "nothing was written" in out
    assert count(database_url, Company) == 0

    out = crmbot("import", sheet, input="y\n").output
    assert "Import #1 done: 2 companies, 2 contacts, 2 deals and 1 notes created" in out
    contacts = query(
        database_url, select(Contact.name, Contact.mobile, Contact.email).order_by(Contact.id)
    )
    assert contacts == [
        ("张伟", "+8613800138000", "zhangwei@xingchen.cn"),
        ("Sarah Lee", None, "sarah@globex.com"),
    ]
    deals = query(
        database_url, select(Deal.title, Deal.amount_cents, Deal.stage, Deal.expected_close)
    )
    assert ("ERP升级", 50_000_000, "negotiation", date(2026, 12, 31)) in deals
    assert ("Globex CRM", 12_000_000, "proposal", date(2025, 12, 9)) in deals  # Excel serial
    owners = query(database_url, select(Company.name, Company.tags).order_by(Company.id))
    assert owners[0] == ("星辰科技有限公司", "VIP, 制造业")
    notes = query(database_url, select(Activity.kind, Activity.summary))
    assert notes == [("note", "老客户\n客户等级: A")]

    again = crmbot("import", sheet, "--yes").output
    assert "to create 0 · duplicates 3 · errors 2" in again
    assert count(database_url, Contact) == 2
    assert count(database_url, Deal) == 2


def test_gbk_csv_and_utf8_bom_are_detected(crmbot, database_url, tmp_path):
    rows = [
        ["客户名称", "姓名", "电话", "邮箱", "地址"],
        ["嘉禾医药有限公司", "李强", "021-6888 1234", "liqiang@jiahe.cn", "上海市浦东新区"],
        ["云帆信息技术", "陈静", "13912345678", "", "杭州"],
    ]
    gbk = csv_file(tmp_path / "gbk.csv", rows, encoding="gbk")
    out = crmbot("import", str(gbk), "--yes").output
    assert "to create 2" in out
    assert "errors 0" in out
    people = query(database_url, select(Contact.name, Contact.mobile, Contact.phone))
    assert sorted(people) == [("李强", None, "+862168881234"), ("陈静", "+8613912345678", None)]
    assert query(database_url, select(Company.address).where(Company.name == "嘉禾医药有限公司"))[
        0
    ] == ("上海市浦东新区",)
    bom = csv_file(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    out = crmbot("import", str(bom), "--yes").output
    assert "to create 0 · duplicates 2" in out  # the same people: nothing new


def test_duplicates_skip_fill_overwrite_are_audited(crmbot, database_url, tmp_path):
    first = csv_file(
        tmp_path / "a.csv",
        [["Company", "Contact", "Mobile", "Title"], ["Acme Ltd", "Wang Lei", "13911112222", ""]],
    )
    crmbot("import", str(first), "--yes")
    second = csv_file(
        tmp_path / "b.csv",
        [
            ["Company", "Contact", "Mobile", "Title", "Email"],
            ["ACME Co., Ltd.", "Lei Wang", "+86 139-1111-2222", "Buyer", "wl@acme.com"],
        ],
    )
    out = crmbot("import", str(second), "--yes").output
    assert "duplicates 1" in out
    assert "left as they are" in out
    assert query(database_url, select(Contact.title, Contact.email)) == [(None, None)]
    crmbot("import", str(second), "--yes", "--on-duplicate", "fill")
    assert query(database_url, select(Contact.name, Contact.title, Contact.email)) == [
        ("Wang Lei", "Buyer", "wl@acme.com")
    ]
    third = csv_file(
        tmp_path / "c.csv",
        [["Company", "Contact", "Mobile", "Title"], ["Acme", "Wang Lei", "13911112222", "CEO"]],
    )
    crmbot("import", str(third), "--yes", "--on-duplicate", "fill")
    assert query(database_url, select(Contact.title)) == [("Buyer",)]
    crmbot("import", str(third), "--yes", "--on-duplicate", "overwrite")
    assert query(database_url, select(Contact.title)) == [("CEO",)]
    merges = query(
        database_url,
        select(AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.table_name == "contacts", AuditEntry.action == "update"
        ),
    )
    assert ("title", "Buyer", "CEO") in merges
    assert ("email", None, "wl@acme.com") in merges
    assert count(database_url, Company) == 1


def test_undo_removes_what_one_import_created(crmbot, database_url, tmp_path):
    crmbot(
        "import",
        str(csv_file(tmp_path / "old.csv", [["Company", "Contact"], ["Old Co", "Ann"]])),
        "--yes",
    )
    sheet = csv_file(
        tmp_path / "new.csv", [["Company", "Contact"], ["New Co", "Bob"], ["Old Co", "Cat"]]
    )
    out = crmbot("import", str(sheet), "--yes").output
    found = re.search(r"Import #(\d+) done", out)
    assert found is not None
    run_id = found.group(1)
    out = crmbot("import", "undo", run_id).output
    assert f"Import #{run_id} undone: 3 records deleted, 0 kept" in out
    assert sorted(r[0] for r in query(database_url, select(Contact.name))) == ["Ann"]
    assert [r[0] for r in query(database_url, select(Company.name))] == ["Old Co"]
    result = crmbot("import", "undo", run_id, ok=False)
    assert result.exit_code == 1
    assert "already_undone" in result.output


def test_only_managers_and_admins_import(crmbot, tmp_path):
    sheet = csv_file(tmp_path / "x.csv", [["Company", "Contact"], ["A", "B"]])
    result = crmbot("import", str(sheet), "--as", "li", "--yes", ok=False)
    assert "only managers and admins import" in result.output


def test_unreadable_files_get_one_clear_line(crmbot, tmp_path):
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert "save it as .xlsx" in crmbot("import", str(old), ok=False).output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    assert "damaged" in crmbot("import", str(broken), ok=False).output
    nothing = csv_file(tmp_path / "n.csv", [["foo", "bar"], ["1", "2"]])
    assert "no header row" in crmbot("import", str(nothing), "--dry-run").output


def test_export_neutralises_formulas_and_reimports_cleanly(crmbot, database_url, tmp_path):
    sheet = csv_file(
        tmp_path / "in.csv",
        [
            ["公司名称", "联系人", "手机", "邮箱", "商机名称", "金额", "阶段"],
            ['=HYPERLINK("http://x")', "@SUM(1)", "13800138000", "a@b.cn", "D1", "1000", "线索"],
            ["星辰科技", "张伟", "13911112222", "", "ERP", "50万", "谈判"],
        ],
    )
    crmbot("import", str(sheet), "--yes")
    out = tmp_path / "contacts.csv"
    crmbot("export", "contacts", "--out", str(out))
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "Contact,Company,Title,Mobile,Phone,Email,WeChat,Owner"
    assert '\'@SUM(1),"\'=HYPERLINK(""http://x"")",,+8613800138000' in text
    deals = crmbot("export", "deals", "--format", "csv").output
    assert "ERP,星辰科技,Negotiation,500000,CNY,,admin" in deals
    for kind in ("companies", "contacts", "deals"):
        target = tmp_path / f"{kind}.xlsx"
        crmbot("export", kind, "--format", "xlsx", "--out", str(target))
        again = crmbot("import", str(target), "--yes").output
        assert "to create 0 · duplicates" in again, again
        assert "errors 0" in again, again
    assert count(database_url, Contact) == 2
    assert count(database_url, Deal) == 2
    audit = query(database_url, select(AuditEntry.table_name).where(AuditEntry.action == "export"))
    assert len(audit) == 5


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_readme_samples_import_after_fixing_their_two_broken_rows(
    crmbot, database_url, tmp_path
):
    from openpyxl import load_workbook

    out = crmbot("import", str(EXAMPLES / "customers.xlsx"), "--yes").output
    assert "Rows: 6 · to create 4 · duplicates 0 · errors 2" in out
    assert "Row 6: bad phone number “1391234”" in out
    assert "Row 8: bad date “下个月”" in out
    book = load_workbook(EXAMPLES / "customers.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet["C6"] = "13987654321"
    sheet["O8"] = "2027-01-31"
    fixed = tmp_path / "customers.xlsx"
    book.save(fixed)
    out = crmbot("import", str(fixed), "--yes").output
    assert "to create 2 · duplicates 4 · errors 0" in out

    out = crmbot("import", str(EXAMPLES / "customers.csv"), "--yes").output
    assert "Rows: 5 · to create 3 · duplicates 0 · errors 2" in out
    assert "Row 5: bad phone number “555-01”" in out
    assert "Row 6: amount “twelve grand” is not a number" in out
    text = (EXAMPLES / "customers.csv").read_text("utf-8-sig")
    fixed_csv = tmp_path / "customers.csv"
    fixed_csv.write_text(
        text.replace("555-01", "+1 217 555 0144").replace("twelve grand", "12000"), "utf-8"
    )
    out = crmbot("import", str(fixed_csv), "--yes").output
    assert "to create 2 · duplicates 3 · errors 0" in out
    assert count(database_url, Contact) == 11
    assert count(database_url, Deal) == 8


def test_sheets_two_row_headers_and_strict(crmbot, database_url, tmp_path):
    book = xlsx(
        tmp_path / "book.xlsx",
        [
            ["公司名称", "联系人", "联系方式", None],  # 联系方式 merged over the two below
            [None, None, "手机", "邮箱"],
            ["宏达建材", "刘洋", "13612345678", "ly@hd.cn"],
        ],
        merge=["C1:D1", "A1:A2", "B1:B2"],
        sheets={
            "English": [["Company", "Contact", "Email"], ["Contoso", "Alex", "not-an-email"]],
            "Notes": [["nothing", "to", "see"]],
        },
    )
    out = crmbot("import", str(book), "--dry-run").output
    assert "Sheet “客户”: header on row 2" in out
    assert "手机 → Mobile, 邮箱 → Email" in out
    assert "Sheet “Notes”: no header row found (skipped)" in out
    assert "English row 2: bad e-mail “not-an-email”" in out
    result = crmbot("import", str(book), "--yes", "--strict", ok=False)
    assert "1 rows have errors (--strict)" in result.output
    assert count(database_url, Contact) == 0
    crmbot("import", str(book), "--yes", "--sheet", "客户")
    assert query(database_url, select(Contact.name, Contact.mobile, Contact.email)) == [
        ("刘洋", "+8613612345678", "ly@hd.cn")
    ]
    missing = crmbot("import", str(book), "--sheet", "Nope", ok=False)
    assert "no sheet named Nope" in missing.output
