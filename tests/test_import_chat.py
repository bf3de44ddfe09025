"""A manager sends a spreadsheet in chat: the report comes first, with Import / Cancel;
nothing is written before Import; a rep may not import."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.events import Attachment
from store.models import Company, Contact, ImportRun
from tests.sheets import csv_file, xlsx


async def send_file(chat, path):
    attachment = Attachment("file", path.read_bytes(), path.name, "application/octet-stream")
    return await chat.deliver(chat.event(attachments=(attachment,)))


def sheet(tmp_path):
    return xlsx(
        tmp_path / "客户.xlsx",
        [
            ["公司名称", "联系人", "手机", "邮箱", "客户等级"],
            ["金桥物流有限公司", "赵敏", "13700001111", "zm@jq.cn", "A"],
            ["云帆信息", "陈静", "12345", "", "B"],
            ["Acme Ltd", "Wang Lei", "139 1111 2222", "", ""],  # already li's contact
        ],
    )


async def test_manager_imports_a_file_after_the_report(bot, ws, tmp_path):
    r = await send_file(ws.wang, sheet(tmp_path))  # wang writes Chinese
    assert "表头在第 1 行" in r.text
    assert "共 3 行 · 新建 1 · 重复 1 · 错误 1" in r.text
    assert "第 3 行：电话号码“12345”无效" in r.text
    assert "无法识别的列，作为备注保留：客户等级" in r.text
    assert [b.label for b in r.buttons] == ["📥 导入", "取消", "跳过无法识别的列", "✏️ 调整列"]
    assert (
        await bot.scalar(
            select(func.count()).select_from(Company).where(Company.name == "金桥物流有限公司")
        )
        == 0
    )

    r = await ws.wang.click(r.button("跳过"))
    assert "无法识别的列，已跳过：客户等级" in r.text
    r = await ws.wang.click(r.button("导入"))
    assert "✅ 导入 #1 完成：新建公司 1 个、联系人 1 个、商机 0 个、备注 0 条" in r.text
    assert await bot.scalar(select(Contact.mobile).where(Contact.name == "赵敏")) == (
        "+8613700001111"
    )
    again = await ws.wang.click(r.buttons[0]) if r.buttons else None
    assert again is None
    run = await bot.scalar(select(ImportRun))
    assert (run.state, run.data, run.platform) == ("done", None, "memory")


async def test_cancel_writes_nothing_and_a_late_press_is_refused(bot, ws, tmp_path):
    r = await send_file(ws.wang, sheet(tmp_path))
    import_button = r.button("导入")
    r = await ws.wang.click(r.button("取消"))
    assert "已取消导入，没有写入任何数据" in r.text
    r = await ws.wang.click(import_button)
    assert "这个按钮已失效" in r.text
    assert (
        await bot.scalar(select(func.count()).select_from(Contact).where(Contact.name == "赵敏"))
        == 0
    )
    assert await bot.scalar(select(ImportRun.state)) == "cancelled"


async def test_reps_cannot_import_and_bad_files_are_explained(bot, ws, tmp_path):
    r = await send_file(ws.li, sheet(tmp_path))
    assert r.text == "Only managers and admins can import customers."
    admin = await bot.user("ada", role="admin")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    r = await send_file(admin, old)
    assert "“Save as” .xlsx" in r.text
    r = await send_file(admin, csv_file(tmp_path / "x.csv", [["foo"], ["bar"]]))
    assert "No rows to import" in r.text
    assert r.buttons == []
    r = await admin.send("/import")
    assert "Send me an .xlsx or .csv file" in r.text


async def test_an_unconfirmed_file_is_dropped_after_a_day(bot, ws, worker, tmp_path):
    r = await send_file(ws.wang, sheet(tmp_path))
    import_button = r.button("导入")
    bot.advance(hours=25)
    await worker.reconcile()
    run = await bot.scalar(select(ImportRun))
    assert (run.state, run.data) == ("expired", None)
    r = await ws.wang.click(import_button)
    assert "这个按钮已失效" in r.text
    assert (
        await bot.scalar(select(func.count()).select_from(Contact).where(Contact.name == "赵敏"))
        == 0
    )


async def test_a_contacts_card_says_where_it_came_from(bot, ws, tmp_path):
    r = await send_file(ws.wang, sheet(tmp_path))
    r = await ws.wang.click(r.button("导入"))
    r = await ws.wang.send("/查 赵敏")
    assert r.text.startswith("🏢 金桥物流有限公司")
    assert "👤 赵敏: 📥 由 Wang 从 客户.xlsx 导入（#1），2026-11-18" in r.text

    session, records = await bot.records_for(ws.li)
    session.info.update(audit_user_id=ws.li.user_id, audit_platform="telegram")
    async with session, session.begin():
        await records.create(Contact, name="Peter Gibbons", mobile="+8613700002222")
    r = await ws.li.send("/find Peter Gibbons")
    assert r.text.splitlines()[-1] == "✍️ Added by Li on Telegram, 2026-11-18"
    r = await ws.na.send("/查 Peter Gibbons")
    assert r.text == "没有找到匹配“Peter Gibbons”的客户。"  # not hers to see


async def test_a_column_is_mapped_by_hand_before_importing(bot, ws, tmp_path):
    r = await send_file(ws.wang, sheet(tmp_path))
    assert "公司名称 → 公司名称, 联系人 → 联系人, 手机 → 手机, 邮箱 → 邮箱" in r.text
    r = await ws.wang.click(r.button("调整列"))
    assert r.text.startswith("要调整哪一列？")
    assert [b.label for b in r.buttons][:2] == ["客户等级 → 📝 作为备注保留", "公司名称 → 公司名称"]
    r = await ws.wang.click(r.button("客户等级"))
    assert r.text.startswith("“客户等级”这一列是什么？")
    assert len(r.buttons) == 22
    r = await ws.wang.click(r.button("标签"))
    assert "客户等级 → 标签" in r.text
    assert "无法识别的列" not in r.text
    assert [b.label for b in r.buttons] == ["📥 导入", "取消", "✏️ 调整列"]

    # A column read as the wrong field: the e-mail column skipped instead.
    r = await ws.wang.click(r.button("调整列"))
    r = await ws.wang.click(r.button("邮箱 →"))
    r = await ws.wang.click(r.button("跳过这一列"))
    assert "邮箱 → 邮箱" not in r.text
    r = await ws.wang.click(r.button("导入"))
    assert "✅ 导入 #1 完成" in r.text
    assert await bot.scalar(select(Company.tags).where(Company.name == "金桥物流有限公司")) == "A"
    assert await bot.scalar(select(Contact.email).where(Contact.name == "赵敏")) is None


async def test_the_column_list_goes_back_to_the_report_in_english(bot, tmp_path):
    admin = await bot.user("ada", role="admin")
    path = csv_file(tmp_path / "c.csv", [["Company", "Contact", "Rank"], ["Initech", "Peter", "B"]])
    r = await send_file(admin, path)
    r = await admin.click(r.button("✏️ Columns"))
    assert r.text == "Which column should I read differently?"
    assert [b.label for b in r.buttons] == [
        "Rank → 📝 Keep as a note",
        "Company → Company",
        "Contact → Contact",
        "↩️ Back to the report",
    ]
    r = await admin.click(r.button("Back to the report"))
    assert "Unknown columns, kept as notes: Rank" in r.text
    r = await admin.click(r.button("Import"))
    assert "✅ Import #1 done: 1 companies, 1 contacts" in r.text
