"""Conversion alerts: a stage converting below its floor over the last 4 weeks is told to the
team's manager (and admins, for everyone) once per ISO week. Team East's rep Li had ten deals
qualified in November and only two reached proposal: 20 % against the 30 % floor. The clock
starts on Wednesday 18 November 2026, 10:00 in Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.replies import Text
from store.models import Company, Deal, DealStageChange, Reminder
from tests.harness import BotHarness, ChatUser
from tests.reminders_support import link_push, pushes, service

SH = ZoneInfo("Asia/Shanghai")
EN_ALERT = (
    "📉 Qualified → Proposal conversion 20% over the last 4 weeks, below the 30% floor "
    "(−10 pts)\nTeam East · 10 deals at that stage in the period\n"
    "/funnel shows where deals stall."
)


async def seed(bot: BotHarness, owner: ChatUser, *, qualified: int, proposals: int) -> None:
    """``qualified`` deals that went lead -> qualified in November, ``proposals`` of them on."""
    async with bot.db.transaction(platform="test") as session:
        company = Company(
            name=f"{owner.name} Co",
            owner_id=owner.user_id,
            created_at=bot.clock.now(),
            updated_at=bot.clock.now(),
        )
        session.add(company)
        await session.flush()
        for n in range(qualified):
            at = datetime(2026, 11, 3 + n, 10, 0, tzinfo=SH)
            stage = "proposal" if n < proposals else "qualified"
            deal = Deal(
                company_id=company.id,
                owner_id=owner.user_id,
                title=f"{owner.name}-{n}",
                stage=stage,
                amount_cents=1_000_000,
                currency="CNY",
                probability=25,
                stage_changed_at=at,
                created_at=at,
                updated_at=at,
            )
            session.add(deal)
            await session.flush()
            moves = [(None, "lead"), ("lead", "qualified")]
            if n < proposals:
                moves.append(("qualified", "proposal"))
            for i, (old, new) in enumerate(moves):
                session.add(
                    DealStageChange(
                        deal_id=deal.id,
                        from_stage=old,
                        to_stage=new,
                        changed_at=at + timedelta(hours=i),
                        changed_by=owner.user_id,
                    )
                )


@pytest.fixture
async def people(bot):
    wang = await bot.user("wang", role="manager", team="East")
    li = await bot.user("li", team="East")
    chen = await bot.user("chen", role="manager", team="West", lang="zh")
    ada = await bot.user("ada", role="admin", lang="zh")
    for chat in (wang, li, chen, ada):
        await link_push(bot, chat)
    await seed(bot, li, qualified=10, proposals=2)
    return wang, li, chen, ada


async def alerts(bot: BotHarness, chat: ChatUser) -> list[str]:
    return [p.text for p in await pushes(bot, chat) if isinstance(p.reply, Text)]


async def run(worker) -> None:
    await worker.plan_alerts()
    await worker.tick()


async def test_the_team_manager_and_the_admin_are_told_which_stage_and_by_how_much(
    bot, people, clock, settings
):
    wang, li, chen, ada = people
    await run(service(bot.db, clock, settings, bot.app))
    assert await alerts(bot, wang) == [EN_ALERT]
    [admin] = await alerts(bot, ada)
    assert admin.startswith(
        "📉 已确认 → 方案 转化率最近 4 周为 20%，低于 30% 的底线（差 10 个百分点）"
    )
    assert "\n全部 · 期间该阶段共 10 个商机\n" in admin
    assert await alerts(bot, chen) == []  # West converts fine (it has nothing)
    assert await alerts(bot, li) == []  # reps get no alerts


async def test_once_per_iso_week_not_every_tick(bot, people, clock, settings):
    wang = people[0]
    worker = service(bot.db, clock, settings, bot.app)
    await run(worker)
    for _ in range(3):
        clock.advance(timedelta(hours=20))  # Thu, Fri, Sat: same ISO week
        await run(worker)
    assert len(await alerts(bot, wang)) == 1
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # Monday: week 48
    await run(worker)
    assert len(await alerts(bot, wang)) == 2
    keys = await bot.all(select(Reminder.key).where(Reminder.kind == "alert"))
    assert f"alert:{wang.user_id}:qualified:2026-W47" in keys
    assert f"alert:{wang.user_id}:qualified:2026-W48" in keys


async def test_floors_and_sample_size_come_from_config(bot, people, clock, settings):
    wang = people[0]
    await run(service(bot.db, clock, settings, bot.app, alert_floors="qualified=15"))
    await run(service(bot.db, clock, settings, bot.app, alert_min_deals=11))
    assert await alerts(bot, wang) == []
    await run(service(bot.db, clock, settings, bot.app, alert_floors={"qualified": 25}))
    [text] = await alerts(bot, wang)
    assert "below the 25% floor (−5 pts)" in text


async def test_found_at_night_it_waits_for_the_morning(bot, people, clock, settings):
    wang = people[0]
    clock.set(datetime(2026, 11, 19, 3, 0, tzinfo=SH))
    worker = service(bot.db, clock, settings, bot.app)
    await run(worker)
    assert await alerts(bot, wang) == []
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    assert await alerts(bot, wang) == [EN_ALERT]


async def test_recovered_before_it_leaves_is_not_sent(bot, people, clock, settings):
    wang, li = people[0], people[1]
    clock.set(datetime(2026, 11, 19, 3, 0, tzinfo=SH))
    worker = service(bot.db, clock, settings, bot.app)
    await worker.plan_alerts()
    await seed(bot, li, qualified=10, proposals=10)  # a great week since
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    assert await alerts(bot, wang) == []
