"""Scheduled reports: /subscribe in English and Chinese, delivered at the subscriber's local
time (a DST zone included) as the same chart and three lines the command gives, once per
period. The clock starts on Wednesday 18 November 2026, 10:00 in Shanghai; the scheduler's
jobs are called directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.replies import Image
from store.models import Company, Deal, ReportSubscription
from tests import workspace
from tests.reminders_support import Push, link_push, pushes

MONDAY_9_SH = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 23 Nov, 09:00 in Shanghai


@pytest.fixture
async def ws(bot):
    team = await workspace.build(bot)
    for chat in (team.li, team.na, team.wang):
        await link_push(bot, chat)
    return team


async def deliver(worker) -> None:
    await worker.plan_digests()
    await worker.tick()


async def charts(bot, chat) -> list[Push]:
    """The scheduled charts pushed to ``chat`` (morning digests left out)."""
    return [p for p in await pushes(bot, chat) if isinstance(p.reply, Image)]


async def subscriptions(bot) -> list[tuple[str, str, str]]:
    rows = await bot.all(select(ReportSubscription).order_by(ReportSubscription.id))
    names = {u.id: u.name for u in [await bot.get_user(n) for n in ("li", "na", "wang")]}
    return [(names.get(r.user_id, "?"), r.every, r.report) for r in rows]


async def test_english_weekly_defaults_to_the_pipeline_and_says_so(bot, ws):
    r = await ws.li.send("/subscribe weekly")
    assert r.text == (
        "📬 Subscribed: Weekly Pipeline arrives every Monday at 9:00 (Asia/Shanghai), "
        "for the deals you can see.\n"
        "(No report named, so it's the Pipeline chart — add e.g. funnel or forecast to choose.)"
    )
    assert await subscriptions(bot) == [("li", "weekly", "pipeline")]


async def test_chinese_alias_with_a_report(bot, ws):
    r = await ws.na.send("/订阅 每周 漏斗")
    assert (
        r.text
        == "📬 已订阅：每周销售漏斗，每周一 9:00（Asia/Shanghai）发给你，范围是你能看到的商机。"
    )
    r = await ws.na.send("/订阅 每天活动")
    assert "每日销售活动" in r.text
    assert await subscriptions(bot) == [("na", "weekly", "funnel"), ("na", "daily", "activity")]


async def test_subscribing_twice_and_nonsense(bot, ws):
    await ws.li.send("/subscribe weekly funnel")
    r = await ws.li.send("/subscribe funnel weekly")
    assert r.text.startswith("📬 You already get Weekly Funnel every Monday at 9:00")
    r = await ws.li.send("/subscribe hourly pizza")
    assert r.text.startswith("Try: /subscribe weekly")
    assert await subscriptions(bot) == [("li", "weekly", "funnel")]


async def test_no_args_lists_with_buttons_to_add_and_remove(bot, ws):
    r = await ws.li.send("/subscribe")
    assert r.text.startswith("📬 No scheduled reports yet.")
    r = await ws.li.click(r.button("Weekly Forecast"))
    assert "Subscribed: Weekly Forecast" in r.text
    assert "• Weekly Forecast — every Monday at 9:00" in r.text
    r = await ws.li.click(r.button("❌ Weekly Forecast"))
    assert "🔕 Unsubscribed: Weekly Forecast." in r.text
    assert await subscriptions(bot) == []


async def test_unsubscribe_in_both_languages(bot, ws):
    await ws.na.send("/订阅 每周 漏斗")
    await ws.na.send("/订阅 每天 漏斗")
    await ws.na.send("/订阅 每周")
    r = await ws.na.send("/退订 漏斗")
    assert r.text == "🔕 已退订：每周销售漏斗, 每日销售漏斗。"
    r = await ws.na.send("/unsubscribe pipeline")
    assert r.text == "🔕 已退订：每周销售管道。"
    r = await ws.na.send("/退订 漏斗")
    assert "没有这个订阅" in r.text
    assert await subscriptions(bot) == []


async def test_weekly_report_arrives_monday_9_local_once(bot, ws, worker, clock):
    await ws.wang.send("/subscribe weekly")
    await deliver(worker)
    assert await charts(bot, ws.wang) == []  # this Monday's 9:00 came before subscribing
    clock.set(MONDAY_9_SH - timedelta(minutes=1))
    await deliver(worker)
    assert await charts(bot, ws.wang) == []
    clock.set(MONDAY_9_SH)
    await deliver(worker)
    [push] = await charts(bot, ws.wang)
    chart = push.reply
    assert isinstance(chart, Image)
    assert chart.data.startswith(b"\x89PNG")
    assert push.row.created_at == MONDAY_9_SH
    on_command = (await ws.wang.send("/pipeline")).replies[0]
    assert isinstance(on_command, Image)
    assert chart.caption == on_command.caption
    assert chart.caption.startswith("在手（East团队）")
    clock.advance(timedelta(hours=5))
    await deliver(worker)
    assert len(await charts(bot, ws.wang)) == 1  # once per week
    clock.set(MONDAY_9_SH + timedelta(days=7))
    await deliver(worker)
    assert len(await charts(bot, ws.wang)) == 2


async def test_each_subscriber_sees_only_what_they_may(bot, ws, worker, clock):
    session, records = await bot.records_for(ws.na)
    async with session, session.begin():
        await records.create(
            Deal,
            company_id=ws.ids["星辰科技"],
            title="NA-big",
            stage="negotiation",
            amount_cents=90_000_000,
            currency="CNY",
        )
    await ws.li.send("/subscribe daily")
    await ws.wang.send("/subscribe daily")
    clock.set(datetime(2026, 11, 19, 1, 0, tzinfo=UTC))
    await deliver(worker)
    [li_push] = await charts(bot, ws.li)
    [wang_push] = await charts(bot, ws.wang)
    assert li_push.text.startswith("Open pipeline (Your deals): ¥300k in 1 deal.")
    assert wang_push.text.startswith("在手（East团队）：3 个商机，共 ¥120万。")


async def test_unsubscribed_before_it_leaves_sends_nothing(bot, ws, worker, clock):
    await ws.li.send("/subscribe daily")
    clock.set(datetime(2026, 11, 19, 1, 0, tzinfo=UTC))
    await worker.plan_digests()
    await ws.li.send("/unsubscribe daily")
    await worker.tick()
    assert await charts(bot, ws.li) == []


# --- a zone with daylight saving time -------------------------------------------------------

NY_SPRING = datetime(2027, 3, 12, 18, 0, tzinfo=UTC)  # Fri 12 Mar 2027, 13:00 in New York


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(13, 14), (14, 13), (15, 13)],  # Sat EST (UTC-5); Sun 14 Mar clocks go forward: EDT
)
async def test_daily_report_follows_new_york_across_the_dst_change(
    bot, worker, clock, day, utc_hour
):
    clock.set(NY_SPRING)
    amy = await bot.user("amy", tz="America/New_York")
    await link_push(bot, amy)
    session, records = await bot.records_for(amy)
    async with session, session.begin():
        company = await records.create(Company, name="Big Apple Inc")
        await records.create(
            Deal, company_id=company.id, title="BA", stage="lead", amount_cents=10_000_000
        )
    await amy.send("/subscribe daily")
    nine = datetime(2027, 3, day, utc_hour, 0, tzinfo=UTC)
    clock.set(nine - timedelta(minutes=1))
    await deliver(worker)
    before = len(await charts(bot, amy))
    clock.set(nine)
    await deliver(worker)
    [*_, push] = await charts(bot, amy)
    assert push.row.created_at == nine
    assert len(await charts(bot, amy)) == before + 1


async def test_weekly_report_in_new_york_after_the_change(bot, worker, clock):
    clock.set(NY_SPRING)
    amy = await bot.user("amy", tz="America/New_York", lang="zh")
    await link_push(bot, amy)
    r = await amy.send("/订阅 每周")
    assert "（America/New_York）" in r.text
    clock.set(datetime(2027, 3, 15, 12, 59, tzinfo=UTC))  # Mon 08:59 EDT
    await deliver(worker)
    assert await charts(bot, amy) == []
    clock.set(datetime(2027, 3, 15, 13, 0, tzinfo=UTC))
    await deliver(worker)
    [push] = await charts(bot, amy)
    assert push.text == "没有在手商机"


DEC_1_9_SH = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tue 1 Dec, 09:00 in Shanghai


async def test_monthly_report_arrives_on_the_first_for_the_month_just_ended(bot, ws, worker, clock):
    """Issue 18.5: monthly subscriptions beside daily and weekly."""
    r = await ws.wang.send("/订阅 每月 排行")
    assert r.text == (
        "📬 已订阅：每月排行榜，每月1日 9:00（上个月的数据）（Asia/Shanghai）发给你，"
        "范围是你能看到的商机。"
    )
    r = await ws.li.send("/subscribe monthly activity")
    assert r.text.startswith("📬 Subscribed: Monthly Activity arrives on the 1st of every month")
    assert ("wang", "monthly", "leaderboard") in await subscriptions(bot)
    clock.set(DEC_1_9_SH - timedelta(minutes=1))
    await deliver(worker)
    assert await charts(bot, ws.wang) == []
    clock.set(DEC_1_9_SH)
    await deliver(worker)
    [push] = await charts(bot, ws.wang)
    assert isinstance(push.reply, Image)
    assert push.reply.caption.startswith("2026年11月：")  # the month just ended
    [li_push] = await charts(bot, ws.li)
    assert isinstance(li_push.reply, Image)
    assert li_push.reply.caption.startswith("Nov 2026:")
    clock.set(DEC_1_9_SH + timedelta(days=8))
    await deliver(worker)
    assert len(await charts(bot, ws.wang)) == 1  # once a month
    clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    await deliver(worker)
    assert len(await charts(bot, ws.wang)) == 2
