"""Long lists page on with More / 更多 and say their total: nothing is out of reach."""

from __future__ import annotations

from datetime import timedelta

from store.models import Company, Task
from tests.harness import BotHarness, ChatUser


async def _companies(bot: BotHarness, rep: ChatUser, names: list[str]) -> None:
    session, records = await bot.records_for(rep)
    async with session, session.begin():
        for name in names:
            await records.create(Company, name=name, city="Shanghai")


async def _tasks(bot: BotHarness, rep: ChatUser, count: int, *, hours: int = 3) -> None:
    session, records = await bot.records_for(rep)
    now = bot.clock.now()
    async with session, session.begin():
        for n in range(count):
            await records.create(
                Task, title=f"task number {n + 1:02d}", due_at=now + timedelta(hours=hours + n)
            )


async def test_tasks_page_with_more_and_say_the_total(bot):
    li = await bot.user("li")
    await _tasks(bot, li, 23)
    r = await li.send("/tasks")
    assert "Your open tasks (23): (1–10 of 23)" in r.text
    assert "task number 10" in r.text
    assert "task number 11" not in r.text
    assert "Mark some done" not in r.text
    r = await li.click(r.button("More (13)"))
    assert "(11–20 of 23)" in r.text
    assert "task number 11" in r.text
    assert "task number 20" in r.text
    assert "task number 10" not in r.text
    r = await li.click(r.button("More (3)"))
    assert "(21–23 of 23)" in r.text
    assert "task number 23" in r.text
    assert not [b for b in r.buttons if "More" in b.label]


async def test_today_pages_in_chinese(bot):
    na = await bot.user("na", lang="zh")
    await _tasks(bot, na, 12, hours=-20)  # all overdue: all due "today or overdue"
    r = await na.send("/今天")
    assert "今天到期或已逾期（12）：（第 1–10 条，共 12 条）" in r.text
    r = await na.click(r.button("更多"))
    assert "（第 11–12 条，共 12 条）" in r.text
    assert "task number 12" in r.text


async def test_companies_page_with_more(bot):
    li = await bot.user("li")
    await _companies(bot, li, [f"Firm {n:02d}" for n in range(1, 20)])
    r = await li.send("/companies")
    assert "Your companies (19)" in r.text
    assert "(1–8 of 19)" in r.text
    assert len(r.buttons) == 9
    r = await li.click(r.button("More (11)"))
    assert "(9–16 of 19)" in r.text
    r = await li.click(r.button("More (3)"))
    assert "(17–19 of 19)" in r.text
    assert [b.label for b in r.buttons] == ["Firm 03", "Firm 02", "Firm 01"]


async def test_search_results_page_with_more(bot):
    li = await bot.user("li")
    await _companies(bot, li, [f"Acme Branch {n:02d}" for n in range(1, 13)])
    r = await li.send("/find acme")
    assert "Several customers match “acme”" in r.text
    assert "(1–8 of 12)" in r.text
    r = await li.click(r.button("More (4)"))
    assert "(9–12 of 12)" in r.text
    assert len(r.buttons) == 4
    r = await li.click(r.buttons[0])
    assert "🏢 Acme Branch" in r.text


async def test_search_says_when_it_shows_only_the_best(bot):
    zhang = await bot.user("zhang", lang="zh")
    await _companies(bot, zhang, [f"星辰{n:02d}号" for n in range(1, 56)])
    r = await zhang.send("/查 星辰")
    assert "（第 1–8 条，共 50 条）" in r.text
    assert "只显示最匹配的 50 个" in r.text


async def test_reminders_page_with_more(bot):
    li = await bot.user("li")
    await _tasks(bot, li, 14)
    r = await li.send("/reminders")
    assert "Upcoming reminders (14): (1–10 of 14)" in r.text
    assert "/tasks shows them all" not in r.text
    r = await li.click(r.button("More (4)"))
    assert "(11–14 of 14)" in r.text
    assert "task number 14" in r.text
