"""A long import in chat: a batch per transaction, "Importing… 44 % (2,000 / 4,500)" after
each (at most every ``import_progress_seconds``), then the summary; a batch that fails
leaves the batches before it written and the run marked ``running`` under its id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.imports import routes as import_routes
from handlers.imports.apply import apply_batch
from store.models import Company, ImportedRecord, ImportRun, Role, User
from store.users import link_identity
from tests.fakes.telegram_api import Rig, telegram_rig, user
from tests.harness import BotHarness
from tests.sheets import csv_file
from tests.test_import_chat import send_file

LI = user(1001, "Li", last_name="Lei")
ROWS = 4_500


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"import_progress_seconds": 0})


@pytest.fixture
async def tg(settings, clock):
    async with telegram_rig(settings, clock) as rig:
        yield rig


def big_sheet(tmp_path, header=("Company", "Contact", "Mobile")):
    rows = [list(header)] + [
        [f"Firma {n:05d}", f"Person {n:05d}", f"+86 137 {n // 10_000:04d} {n % 10_000:04d}"]
        for n in range(ROWS)
    ]
    return csv_file(tmp_path / "big.csv", rows)


async def count(db, model) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def manager_on_telegram(tg: Rig, clock) -> None:
    harness = BotHarness(tg.run.server.app, clock, tg.settings)
    li = await harness.user("li", role="manager")
    async with tg.run.server.app.db.transaction(platform="test") as session:
        person = await session.get(User, li.user_id)
        assert person is not None
        assert person.role == Role.MANAGER.value
        await link_identity(
            session, person, platform="telegram", external_id="1001", now=clock.now()
        )


async def test_progress_is_told_between_batches_on_telegram(tg, clock, tmp_path):
    await manager_on_telegram(tg, clock)
    data = big_sheet(tmp_path).read_bytes()
    tg.fake.add_file("BQACAgUAAxkBAAIBQWZ-pdf1", data)
    sheet = tg.fake.update("document_pdf")
    sheet["message"]["document"].update(file_name="big.csv", mime_type="text/csv")
    await tg.deliver(sheet)
    report = tg.fake.last(1001)
    assert "Rows: 4500 · to create 4500" in report.text
    tg.fake.reset_calls()
    await tg.click(report, "📥 Import", LI)
    assert tg.fake.texts(1001) == [
        "⏳ Importing 4,500 rows…",
        "⏳ Importing… 44 % (2,000 / 4,500)",
        "⏳ Importing… 88 % (4,000 / 4,500)",
        "✅ Import #1 done: 4500 companies, 4500 contacts, 0 deals and 0 notes created, "
        "0 records updated. Undo: crmbot import undo 1",
    ]
    assert await count(tg.run.server.app.db, Company) == ROWS


async def test_a_failing_batch_keeps_the_batches_before_it_in_chinese(bot, tmp_path, monkeypatch):
    wang = await bot.user("wang", role="manager", lang="zh")
    r = await send_file(wang, big_sheet(tmp_path, ("公司名称", "联系人", "手机")))
    assert "共 4500 行 · 新建 4500" in r.text
    real = apply_batch
    calls = 0

    async def third_fails(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        await real(*args, **kwargs)

    monkeypatch.setattr(import_routes, "apply_batch", third_fails)
    r = await wang.click(r.button("导入"))
    lines = r.text.splitlines()
    assert lines[:3] == [
        "⏳ 正在导入 4,500 行……",
        "⏳ 正在导入…… 44%（2,000 / 4,500）",
        "⏳ 正在导入…… 88%（4,000 / 4,500）",
    ]
    assert lines[3:] == [
        "⚠️ 导入 #1 在写入 4,500 行中的 4,000 行后中止：系统出错。已写入的数据保留"
        "（撤销：crmbot import undo 1）；再次发送该文件即可导入其余部分。"
    ]
    assert await count(bot.db, Company) == 4_000  # two batches, each committed on its own
    assert await count(bot.db, ImportedRecord) == 8_000
    run = await bot.scalar(select(ImportRun))
    assert run.state == "running"

    monkeypatch.setattr(import_routes, "apply_batch", real)
    r = await send_file(wang, big_sheet(tmp_path, ("公司名称", "联系人", "手机")))
    assert "共 4500 行 · 新建 500 · 重复 4000" in r.text
    r = await wang.click(r.button("导入"))
    assert "✅ 导入 #2 完成：新建公司 500 个、联系人 500 个" in r.text
    assert await count(bot.db, Company) == ROWS
