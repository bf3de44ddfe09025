"""``/export`` in chat: buttons for what is missing, the file back as a file, scoped by the
record rules, masked in a group, audited; the file re-imports as duplicates of itself."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.adapters.console.render import render_all
from bot.replies import Document
from handlers.imports import export_chat
from store.models import AuditEntry
from tests.test_masking import in_a_group


def document(r) -> Document:
    (doc,) = [x for x in r.replies if isinstance(x, Document)]
    return doc


def csv_rows(doc: Document) -> list[list[str]]:
    return list(csv.reader(io.StringIO(doc.data.decode("utf-8-sig"))))


async def test_a_rep_picks_with_buttons_and_gets_their_own_contacts(bot, ws):
    r = await ws.li.send("/export")
    assert r.text == "📤 Export which records?"
    assert [b.label for b in r.buttons] == ["Companies", "Contacts", "Deals", "Activities"]
    r = await ws.li.click(r.button("Contacts"))
    assert r.text == "📤 Contacts: as Excel or CSV?"
    r = await ws.li.click(r.button("CSV"))
    doc = document(r)
    assert doc.filename == "crmbot-contacts-2026-11-18.csv"
    assert doc.caption == "📤 Contacts · rows: 2"
    rows = csv_rows(doc)
    assert rows[0][:4] == ["Contact", "Company", "Title", "Mobile"]
    assert [row[0] for row in rows[1:]] == ["Wang Lei", "Sarah Lee"]  # not Na's 张伟
    assert rows[1][3] == "+8613911112222"
    (audit,) = await bot.all(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (audit.table_name, audit.new_value, audit.platform) == ("contacts", "2", "memory")
    assert audit.user_id == ws.li.user_id


async def test_a_manager_exports_the_team_in_chinese_as_excel(bot, ws):
    r = await ws.wang.send("/导出 联系人 excel")
    doc = document(r)
    assert doc.caption == "📤 联系人：3 行。"
    assert doc.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(doc.data)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["联系人", "公司名称", "职位", "手机"]
    assert {row[0] for row in values[1:]} == {"Wang Lei", "Sarah Lee", "张伟"}

    r = await ws.wang.send("/导出 商机")
    assert r.text == "📤 商机：导出为 Excel 还是 CSV？"
    assert [b.label for b in r.buttons] == ["Excel（.xlsx）", "CSV 文件"]
    r = await ws.wang.send("/导出 客户表")
    assert r.text == "无法导出“客户表”。要导出哪类数据？"
    assert [b.label for b in r.buttons] == ["公司", "联系人", "商机", "活动"]


async def test_a_group_export_is_masked_like_every_group_answer(bot, ws):
    group = await in_a_group(bot, ws.li)
    r = await group.send("/export contacts csv")
    rows = csv_rows(document(r))
    assert rows[1][3] == "139****2222"
    assert rows[2][5] == "s***@globex.com"


async def test_the_console_writes_the_file_and_prints_where(bot, ws, tmp_path):
    r = await ws.li.send("/export companies csv")
    lines = render_all(r.replies, tmp_path)
    lines += render_all((await ws.li.send("/export companies csv")).replies, tmp_path)
    first, second = (
        (tmp_path / "crmbot-companies-2026-11-18.csv"),
        (tmp_path / "crmbot-companies-2026-11-18-2.csv"),
    )
    assert lines == [
        f"📤 Companies · rows: 3\n[file: {first}]",
        f"📤 Companies · rows: 3\n[file: {second}]",  # the first is not overwritten
    ]
    assert "Globex Corporation" in first.read_text("utf-8-sig")
    assert first.stat().st_mode & 0o777 == 0o600


async def test_a_file_over_the_chat_apps_ceiling_is_explained(bot, ws, monkeypatch):
    monkeypatch.setattr(export_chat, "file_limit", lambda platform: 100)
    r = await ws.li.send("/export activities csv")
    assert r.text == (
        "That file is 0.0 MB; this chat app takes at most 0 MB from a bot. Ask an admin to "
        "run on the server: crmbot export activities --format csv --out FILE"
    )


async def test_companies_carry_their_tier_and_the_pool_as_owner_in_the_readers_words(bot, ws):
    """The computed tier is a column (named so the importer reads past it: a file cannot set
    a tier); a pooled customer's owner is the pool, in English and in Chinese."""
    from handlers.imports.columns import find_columns
    from tests.test_pool import release
    from tests.test_tiers import won

    await won(bot, ws.li, ws.ids["Acme Ltd"], 600_000)
    await release(ws.li, "Globex Corporation", zh=False)
    rows = csv_rows(document(await ws.li.send("/export companies csv")))
    tier, owner = rows[0].index("Computed tier"), rows[0].index("Owner")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Acme Ltd"][tier] == "VIP"
    assert by_name["Acme Trading"][tier] == "Potential"
    assert "Globex Corporation" not in by_name  # no longer Li's

    admin = await bot.user("ada_zh", role="admin", lang="zh")
    rows = csv_rows(document(await admin.send("/导出 公司 csv")))
    tier, owner = rows[0].index("计算等级"), rows[0].index("负责人")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Acme Ltd"][tier] == "VIP客户"
    assert by_name["星辰科技"][tier] == "潜在客户"
    assert by_name["Globex Corporation"][owner] == "公海"
    columns = find_columns([tuple(rows[0])])
    assert columns is not None
    assert columns.fields[tier] == "tier"  # read past on re-import, not kept as a note
    assert tier not in columns.unknown
