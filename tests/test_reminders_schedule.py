"""Morning digest, rules (first contact, stale deals, birthdays) and time zones with daylight
saving, conversed as users and admins would; APScheduler's wiring is checked last."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.config import ConfigError
from handlers.deals.actions import OpenDeal
from handlers.reminders.config import load_reminder_config
from handlers.reminders.rules import birthday_in
from scheduler.runner import ReminderScheduler
from store.models import Activity, Contact, Deal, Reminder, RuleFiring, Task
from tests.reminders_support import link_push, pushes, service, set_user

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


async def rows_of(bot, kind):
    return await bot.all(select(Reminder).where(Reminder.kind == kind).order_by(Reminder.id))


async def add(bot, *objects):
    async with bot.db.transaction(platform="test") as session:
        for obj in objects:
            session.add(obj)
        await session.flush()
        return [obj.id for obj in objects]


# --- morning digest -------------------------------------------------------------------------


async def test_morning_digest_at_the_users_local_time(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    now = clock.now()
    await add(
        bot,
        Task(
            owner_id=ws.li.user_id,
            company_id=ws.ids["Acme Ltd"],
            title="Call Wang",
            due_at=datetime(2026, 11, 19, 15, 0, tzinfo=SH),
            created_at=now,
        ),
    )
    async with bot.db.transaction() as session:
        await session.execute(
            update(Deal)
            .where(Deal.id == ws.ids["Acme ERP"])
            .values(expected_close=date(2026, 11, 20))
        )
    clock.set(datetime(2026, 11, 19, 8, 29, tzinfo=SH))
    assert await worker.plan_digests() == 0
    clock.set(datetime(2026, 11, 19, 8, 30, tzinfo=SH))
    assert await worker.plan_digests() == 1
    assert await worker.plan_digests() == 0
    await worker.tick()
    digest = next(p for p in await pushes(bot, ws.li) if p.text.startswith("☀️"))
    assert digest.text.splitlines() == [
        "☀️ Good morning, Li — Thu 19 Nov",
        "Today (1):",
        "• 15:00 Call Wang (Acme Ltd)",
        "Overdue (1):",
        "• Wed 18 Nov · Send the revised quote (Acme Ltd)",
        "Deals closing this week (1):",
        "• Acme ERP · Acme Ltd · Proposal · ¥300k · Fri 20 Nov",
    ]
    clock.set(datetime(2026, 11, 19, 18, 0, tzinfo=SH))
    assert await worker.plan_digests() == 0  # once a day, however often the job runs


async def test_digest_time_and_off_by_command(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    r = await ws.li.send("/digest 7:30")
    assert r.text == "☀️ Your morning digest now comes at 7:30 (Asia/Shanghai)."
    assert (await ws.li.send("/digest")).text.startswith("☀️ Morning digest at 7:30")
    clock.set(datetime(2026, 11, 19, 7, 29, tzinfo=SH))
    assert await worker.plan_digests() == 0
    clock.set(datetime(2026, 11, 19, 7, 30, tzinfo=SH))
    assert await worker.plan_digests() == 1
    r = await ws.li.send("/digest off")
    assert r.text == "Morning digest turned off. /digest on turns it back on."
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SH))
    assert await worker.plan_digests() == 0
    r = await ws.li.send("/digest on")
    assert r.text == "☀️ Your morning digest now comes at 7:30 (Asia/Shanghai)."
    assert await worker.plan_digests() == 1
    assert "couldn't read" in (await ws.li.send("/digest soonish")).text


async def test_chinese_digest_command(bot, ws):
    r = await ws.na.send("/早报 早上7点半")
    assert r.text == "☀️ 早报时间已设为每天 7:30（Asia/Shanghai）。"
    r = await ws.na.send("/早报 关")
    assert r.text.startswith("早报已关闭")


async def test_empty_digest_is_not_sent(bot, ws, worker, clock):
    await link_push(bot, ws.zhang)
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    assert await worker.plan_digests() == 1
    await worker.tick()
    assert await pushes(bot, ws.zhang) == []
    (row,) = await rows_of(bot, "digest")
    assert (row.state, row.detail) == ("skipped", "nothing to report")


async def test_users_without_a_push_account_get_no_digest_rows(bot, ws, worker, clock):
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    assert await worker.plan_digests() == 0


async def test_a_digest_missed_during_downtime_comes_late_the_same_day(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 19, 14, 0, tzinfo=SH))
    await worker.catch_up()
    (row,) = await rows_of(bot, "digest")
    assert row.late
    assert row.state == "queued"
    assert row.due_at == datetime(2026, 11, 19, 8, 30, tzinfo=SH)


# --- daylight saving ------------------------------------------------------------------------


async def test_digest_follows_new_york_across_the_march_change(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await set_user(bot, ws.li, tz="America/New_York")
    await add(
        bot,
        *(
            Task(
                owner_id=ws.li.user_id,
                title=f"day {d}",
                due_at=datetime(2027, 3, d, 17, 0, tzinfo=NY),
                created_at=clock.now(),
            )
            for d in (13, 14, 15)
        ),
    )
    clock.set(datetime(2027, 3, 13, 8, 30, tzinfo=NY))  # EST, UTC-5
    assert await worker.plan_digests() == 1
    clock.set(datetime(2027, 3, 14, 12, 29, tzinfo=UTC))  # 08:29 EDT (UTC-4)
    assert await worker.plan_digests() == 0
    clock.set(datetime(2027, 3, 14, 12, 30, tzinfo=UTC))
    assert await worker.plan_digests() == 1
    clock.set(datetime(2027, 3, 14, 13, 30, tzinfo=UTC))  # 08:30 on yesterday's offset
    assert await worker.plan_digests() == 0
    due = [r.due_at for r in await rows_of(bot, "digest")]
    assert due == [
        datetime(2027, 3, 13, 13, 30, tzinfo=UTC),
        datetime(2027, 3, 14, 12, 30, tzinfo=UTC),
    ]


async def test_a_digest_time_skipped_by_spring_forward_moves_on_by_the_gap(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await set_user(bot, ws.li, tz="America/New_York")
    await ws.li.send("/digest 2:30")
    clock.set(datetime(2027, 3, 14, 7, 29, tzinfo=UTC))  # 03:29 EDT; 02:30 never happened
    assert await worker.plan_digests() == 0
    clock.set(datetime(2027, 3, 14, 7, 30, tzinfo=UTC))  # 03:30 EDT
    assert await worker.plan_digests() == 1


async def test_a_repeated_digest_time_in_november_fires_once(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await set_user(bot, ws.li, tz="America/New_York")
    await ws.li.send("/digest 1:30")
    clock.set(datetime(2027, 11, 7, 5, 30, tzinfo=UTC))  # 01:30 EDT, the first time
    assert await worker.plan_digests() == 1
    clock.set(datetime(2027, 11, 7, 6, 30, tzinfo=UTC))  # 01:30 EST, the second time
    assert await worker.plan_digests() == 0


async def test_reminders_and_snoozes_keep_wall_clock_times_across_changes(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await set_user(bot, ws.li, tz="America/New_York")
    clock.set(datetime(2027, 3, 13, 10, 0, tzinfo=NY))
    r = await ws.li.send("remind me to call Li tomorrow 9am")
    assert r.text == "⏰ I'll remind you: call Li — tomorrow 9:00"
    task = await bot.scalar(select(Task).where(Task.title == "call Li"))
    assert task.due_at == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)  # 09:00 EDT
    clock.set(datetime(2027, 3, 14, 12, 59, tzinfo=UTC))
    await worker.tick()
    assert not [p for p in await pushes(bot, ws.li) if "call Li" in p.text]
    clock.set(datetime(2027, 3, 14, 13, 0, tzinfo=UTC))
    await worker.tick()
    push = next(p for p in await pushes(bot, ws.li) if "call Li" in p.text)
    assert push.text.endswith("🕘 Due today 9:00")
    # Autumn: snoozed on Saturday 6 Nov to "tomorrow 9:00", which is in EST again.
    clock.set(datetime(2027, 11, 6, 9, 0, tzinfo=NY))
    r = await ws.li.click(push.button("Tomorrow"))
    assert r.text == "⏰ Snoozed “call Li” to tomorrow 9:00."
    task = await bot.scalar(select(Task).where(Task.title == "call Li"))
    assert task.due_at == datetime(2027, 11, 7, 14, 0, tzinfo=UTC)


# --- rules ----------------------------------------------------------------------------------


async def test_first_contact_with_nothing_since_nudges_after_three_days(bot, ws, worker, clock):
    await link_push(bot, ws.na)
    company = ws.ids["华信电子有限公司"]
    await add(
        bot,
        Activity(
            owner_id=ws.na.user_id,
            company_id=company,
            kind="visit",
            summary="first visit",
            occurred_at=clock.now(),
            created_at=clock.now(),
        ),
    )
    clock.advance(timedelta(days=3) - timedelta(minutes=1))
    assert await worker.sweep_rules() == 0
    clock.advance(timedelta(minutes=1))
    assert await worker.sweep_rules() == 1
    assert await worker.sweep_rules() == 0
    await worker.tick()
    (push,) = await pushes(bot, ws.na)
    assert push.text.splitlines()[:2] == [
        "⏰ 提醒 · 华信电子有限公司",
        "👋 跟进 华信电子有限公司：11月18日（周三） 首次接触后，3 天没有任何跟进",
    ]
    await ws.na.click(push.button("完成"))
    clock.advance(timedelta(days=1))
    assert await worker.sweep_rules() == 0  # fired once for the company, ever


async def test_first_contact_is_quiet_when_something_followed(bot, ws, worker, clock):
    company = ws.ids["华信电子有限公司"]
    start = clock.now()
    await add(
        bot,
        *(
            Activity(
                owner_id=ws.na.user_id,
                company_id=company,
                kind="call",
                summary=f"call {n}",
                occurred_at=start + timedelta(days=n),
                created_at=start,
            )
            for n in (0, 1)
        ),
    )
    clock.advance(timedelta(days=4))
    assert await worker.sweep_rules() == 0


async def test_stale_deals_nudge_the_owner_once_per_untouched_spell(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    clock.advance(timedelta(days=14))
    made = await worker.sweep_rules()
    titles = set(await bot.all(select(Task.title).where(Task.title.like("💤%"))))
    assert titles == {
        "💤 Acme ERP (Acme Ltd) has sat in Proposal for 14 days — update it or log a touch",
        "💤 星辰ERP项目（星辰科技）在方案阶段已停留 14 天——更新一下或记录一次跟进",
    }
    assert made == 2
    clock.advance(timedelta(days=7))
    assert await worker.sweep_rules() == 0
    r = await ws.li.click(f"dl.mv:{ws.ids['Acme ERP']}:negotiation")
    assert "moved to Negotiation" in r.text
    clock.advance(timedelta(days=14))
    assert await worker.sweep_rules() == 1  # Acme ERP again: a new spell since the move


async def test_managers_get_a_weekly_list_of_stale_deals(bot, ws, worker, clock):
    await link_push(bot, ws.wang)
    clock.set(datetime(2026, 12, 7, 8, 29, tzinfo=SH))  # a Monday, 18 days on
    assert await worker.plan_digests() == 0
    clock.set(datetime(2026, 12, 7, 8, 30, tzinfo=SH))
    assert await worker.plan_digests() == 2  # the digest and the weekly list
    await worker.tick()
    (weekly,) = [p for p in await pushes(bot, ws.wang) if p.text.startswith("💤")]
    assert weekly.text.splitlines() == [
        "💤 超过 14 天未跟进的商机（2）",
        "• Acme ERP · Acme Ltd · 方案 · 闲置 18 天 · Li",
        "• 星辰ERP项目 · 星辰科技 · 方案 · 闲置 18 天 · 李娜",
    ]
    assert [b.payload for b in weekly.response.buttons] == [
        OpenDeal(ws.ids["Acme ERP"]).encode(),
        OpenDeal(ws.ids["星辰 ERP"]).encode(),
    ]
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=SH))
    await worker.plan_digests()
    assert len(await rows_of(bot, "weekly")) == 1
    r = await ws.wang.click(weekly.button("Acme ERP"))
    assert "Acme ERP" in r.text


async def test_birthdays_in_the_owners_morning(bot, ws, worker, clock):
    await link_push(bot, ws.na)
    async with bot.db.transaction() as session:
        await session.execute(
            update(Contact).where(Contact.id == ws.ids["张伟"]).values(birthday=date(1985, 11, 19))
        )
    clock.set(datetime(2026, 11, 19, 0, 5, tzinfo=SH))
    assert await worker.sweep_rules() == 1
    clock.set(datetime(2026, 11, 19, 8, 59, tzinfo=SH))
    await worker.tick()
    assert not [p for p in await pushes(bot, ws.na) if "🎂" in p.text]
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    (push,) = [p for p in await pushes(bot, ws.na) if "🎂" in p.text]
    assert "🎂 张伟 的生日（11月19日（周四））——记得送上祝福" in push.text
    assert await worker.sweep_rules() == 0
    firing = await bot.scalar(select(RuleFiring))
    assert firing.key == f"birthday:{ws.ids['张伟']}:2026"


def test_29_february_is_kept_on_the_28th_in_other_years():
    assert birthday_in(date(1992, 2, 29), 2027) == date(2027, 2, 28)
    assert birthday_in(date(1992, 2, 29), 2028) == date(2028, 2, 29)
    assert birthday_in(date(1992, 7, 1), 2027) == date(2027, 7, 1)


async def test_admin_changes_rules_in_chat(bot, ws, worker, clock):
    admin = await bot.user("ada", role="admin")
    r = await admin.send("/rules")
    assert r.text.splitlines() == [
        "⏰ Reminder rules",
        "• first_contact: on, after 3 days — a new customer with nothing since the first contact",
        "• stale_deal: on, after 14 days — an open deal nobody touched"
        " (managers also get a weekly list)",
        "• birthday: on — a contact's birthday, in the morning",
        "• contract_ending: on, after 15 days — an active contract about to end (renewal)",
        "• payment_overdue: on, after 1 days — an unpaid instalment past its due date"
        " (owner and manager)",
        "• ticket_sla: on — a ticket past its SLA target (the assignee's manager)",
        "Admins change a rule with e.g. /rules first_contact 5, /rules stale_deal off,"
        " /rules birthday on.",
    ]
    assert (
        await ws.li.send("/rules stale_deal off")
    ).text == "Only admins can change reminder rules."
    r = await admin.send("/rules stale_deal off")
    assert r.text.startswith("✅ Changed: • stale_deal: off")
    r = await admin.send("/rules first_contact 5")
    assert r.text.startswith("✅ Changed: • first_contact: on, after 5 days")
    assert "no day count" in (await admin.send("/rules birthday 3")).text
    assert "There is no rule “lunch”" in (await admin.send("/rules lunch 3")).text
    clock.advance(timedelta(days=20))
    assert await worker.sweep_rules() == 0  # stale deals off: nothing
    r = await admin.send("/rules stale_deal on")
    assert r.text.startswith("✅ Changed: • stale_deal: on, after 14 days")
    assert await worker.sweep_rules() == 2


async def test_chinese_rules_listing(bot, ws):
    r = await ws.wang.send("/提醒规则")
    assert r.text.splitlines()[1] == "• first_contact：开启，3 天后 — 新客户首次接触后没有任何跟进"


# --- configuration --------------------------------------------------------------------------


def test_rule_defaults_from_environment_and_config_file(monkeypatch, tmp_path):
    path = tmp_path / "crmbot.toml"
    path.write_text(
        'default_lang = "zh"\n[reminders]\nstale_deal_days = 21\ndigest_time = "07:45"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CRMBOT_CONFIG_FILE", str(path))
    monkeypatch.setenv("CRMBOT_REMINDER_FIRST_CONTACT_DAYS", "5")
    monkeypatch.setenv("CRMBOT_REMINDER_PLATFORMS", "slack, telegram")
    config = load_reminder_config()
    assert (config.first_contact_days, config.stale_deal_days) == (5, 21)
    assert config.digest_time == time(7, 45)
    assert config.platforms == ("slack", "telegram")
    monkeypatch.setenv("CRMBOT_REMINDER_TICK_SECONDS", "-1")
    with pytest.raises(ConfigError, match="CRMBOT_REMINDER_TICK_SECONDS"):
        load_reminder_config()


async def test_configured_rule_days_apply_to_sweeps(bot, ws, clock, settings):
    worker = service(bot.db, clock, settings, bot.app, stale_deal_days=30)
    clock.advance(timedelta(days=20))
    assert await worker.sweep_rules() == 0
    clock.advance(timedelta(days=10))
    assert await worker.sweep_rules() == 2


# --- APScheduler ----------------------------------------------------------------------------


async def test_apscheduler_runs_the_catch_up_at_start_and_keeps_the_jobs(bot, ws, clock, settings):
    await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 14, 0, tzinfo=SH))
    worker = service(bot.db, clock, settings, bot.app, tick_seconds=30)
    caught_up = asyncio.Event()
    original = worker.catch_up

    async def catch_up() -> int:
        try:
            return await original()
        finally:
            caught_up.set()

    worker.catch_up = catch_up  # type: ignore[method-assign]
    runner = ReminderScheduler(worker)
    runner.start()
    try:
        assert runner.running
        assert runner.jobs() == {"tick": 30.0, "digests": 60.0, "rules": 300.0}
        await asyncio.wait_for(caught_up.wait(), timeout=10)
    finally:
        await runner.shutdown()
    assert not runner.running
    assert [p.text.splitlines()[1] for p in await pushes(bot, ws.li)] == ["Send the revised quote"]
