"""``crmbot keys`` and the data commands on an encrypted database: import dedupe, export,
privacy requests by phone, with ``CRMBOT_ENCRYPTION_KEY`` set."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.config import ConfigError
from store.db import Database
from tests import test_import_cli
from tests.clocks import FROZEN_AT
from tests.sheets import csv_file

KEY_A = "0f1e2d3c4b5a6978" * 4
KEY_B = "8796a5b4c3d2e1f0" * 4


def raw(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows as stored, through a connection that holds no key."""

    async def go() -> list[tuple[Any, ...]]:
        db = Database(url, FrozenClock(FROZEN_AT))
        try:
            async with db.session() as session:
                return [tuple(r) for r in (await session.execute(text(sql))).all()]
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def crmbot(database_url, monkeypatch, tmp_path):
    return test_import_cli.crmbot.__wrapped__(database_url, monkeypatch, tmp_path)  # type: ignore[attr-defined]


def sheet(tmp_path: Any) -> str:
    rows = [
        ["公司名称", "联系人", "手机", "邮箱"],
        ["星辰科技", "张伟", "13800138000", "zw@xc.cn"],
        ["星辰科技", "李强", "13911112222", ""],
    ]
    return str(csv_file(tmp_path / "people.csv", rows))


def test_encrypt_a_plaintext_database_then_import_dedupes_and_privacy_finds_by_phone(
    crmbot, database_url, monkeypatch, tmp_path
):
    crmbot("import", sheet(tmp_path), "--yes")
    assert ("+8613800138000",) in raw(database_url, "SELECT mobile FROM contacts")

    monkeypatch.setenv("CRMBOT_ENCRYPTION_KEY", KEY_A)
    out = crmbot("keys", "encrypt", "--batch", "1").output
    assert "Every value is under key" in out
    stored = " ".join(str(v) for row in raw(database_url, "SELECT * FROM contacts") for v in row)
    assert "13800138000" not in stored
    assert "zw@xc.cn" not in stored
    status = crmbot("keys", "status").output
    assert "contacts: " in status
    assert "plaintext" not in status.split("audit_log")[0]

    again = crmbot("import", sheet(tmp_path), "--yes").output  # the same people: duplicates
    assert "duplicates 2" in again
    assert len(raw(database_url, "SELECT id FROM contacts")) == 2

    exported = crmbot("export", "contacts", "--format", "csv").output
    assert "+8613800138000" in exported
    assert "zw@xc.cn" in exported

    out = tmp_path / "zhang.json"
    crmbot("privacy", "export", "138 0013 8000", "--out", str(out))
    held = json.loads(out.read_text("utf-8"))
    assert held["contact"]["mobile"] == "+8613800138000"
    assert any(a["field"] == "email" and a["new"] == "zw@xc.cn" for a in held["audit"])
    crmbot("privacy", "erase", "zw@xc.cn", "--yes")
    assert raw(database_url, "SELECT name, mobile, email FROM contacts ORDER BY id")[0] == (
        "[erased]",
        None,
        None,
    )


def test_rotate_with_the_old_key_listed_then_only_the_new_key(
    crmbot, database_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("CRMBOT_ENCRYPTION_KEY", KEY_A)
    crmbot("import", sheet(tmp_path), "--yes")
    monkeypatch.setenv("CRMBOT_ENCRYPTION_KEY", KEY_B)
    with pytest.raises(ConfigError, match=r"encrypted with key .*CRMBOT_ENCRYPTION_OLD_KEYS"):
        crmbot("keys", "status", ok=False)

    monkeypatch.setenv("CRMBOT_ENCRYPTION_OLD_KEYS", KEY_A)
    out = crmbot("keys", "rotate").output
    assert "Retired key" in out
    monkeypatch.delenv("CRMBOT_ENCRYPTION_OLD_KEYS")
    held = tmp_path / "li.json"
    crmbot("privacy", "export", "2222", "--out", str(held), ok=False)  # too short: not a phone
    crmbot("privacy", "export", "+86 139 1111 2222", "--out", str(held))
    assert json.loads(held.read_text("utf-8"))["contact"]["name"] == "李强"
