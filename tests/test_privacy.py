"""A person asks what the CRM holds about them, then to be erased (``crmbot privacy``)."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.audit import changes
from store.models import Activity, AuditEntry, Contact, Deal
from tests import test_import_cli
from tests.sheets import csv_file
from tests.test_import_cli import query

crmbot = test_import_cli.crmbot  # the same command-line fixture


def test_export_shows_everything_and_where_it_came_from_then_erase(crmbot, database_url, tmp_path):
    sheet = csv_file(
        tmp_path / "people.csv",
        [
            ["公司名称", "联系人", "手机", "邮箱", "备注", "商机名称", "金额"],
            [
                "星辰科技",
                "张伟",
                "13800138000",
                "zw@xc.cn",
                "张伟说 13800138000 随时打",
                "ERP",
                "50万",
            ],
            ["星辰科技", "李强", "13911112222", "", "", "", ""],
        ],
    )
    crmbot("import", str(sheet), "--yes")
    out = tmp_path / "zhang.json"
    crmbot("privacy", "export", "138 0013 8000", "--out", str(out))
    held = json.loads(out.read_text("utf-8"))
    assert held["contact"]["name"] == "张伟"
    assert held["contact"]["mobile"] == "+8613800138000"
    assert held["contact"]["company"] == "星辰科技"
    assert held["origin"]["created_by"] == "admin"
    assert held["origin"]["platform"] == "cli"
    assert [i["file"] for i in held["origin"]["imports"]] == ["people.csv"]
    assert any(a["field"] == "email" and a["new"] == "zw@xc.cn" for a in held["audit"])

    result = crmbot("privacy", "erase", "zw@xc.cn", input="n\n")
    assert "Nothing erased." in result.output
    result = crmbot("privacy", "erase", "zw@xc.cn", "--yes")
    assert "activities cleaned" in result.output
    assert query(
        database_url, select(Contact.name, Contact.mobile, Contact.email).order_by(Contact.id)
    ) == [
        ("[erased]", None, None),
        ("李强", "+8613911112222", None),
    ]
    assert query(database_url, select(Activity.summary)) == [("[erased]说 [erased] 随时打",)]
    assert query(database_url, select(Deal.amount_cents)) == [(50_000_000,)]  # aggregates kept
    values = query(
        database_url,
        select(AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.table_name == "contacts", AuditEntry.record_id == 1
        ),
    )
    assert all(v == (None, None) for v in values)
    activity_audit = query(
        database_url,
        select(AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.table_name == "activities"
        ),
    )
    texts = [
        c for row in activity_audit for c in changes(*row) if c[0] in ("summary", "source_text")
    ]
    assert texts, "the import's activity was audited with its text"
    assert all(old is None and new is None for _, old, new in texts)  # as created, and changed
    assert "138" not in json.dumps([tuple(row) for row in activity_audit], ensure_ascii=False)
    erased = query(database_url, select(AuditEntry.action).where(AuditEntry.action == "erase"))
    assert erased == [("erase",)]


def test_only_admins_and_unclear_names_are_refused(crmbot, tmp_path):
    crmbot(
        "import",
        str(csv_file(tmp_path / "p.csv", [["Company", "Contact"], ["A", "Ann"], ["B", "Ann"]])),
        "--yes",
    )
    assert "only admins" in crmbot("privacy", "export", "Ann", "--as", "li", ok=False).output
    assert "several contacts match 'Ann'" in crmbot("privacy", "export", "Ann", ok=False).output
    assert "no contact matches 'Bob'" in crmbot("privacy", "erase", "Bob", ok=False).output
