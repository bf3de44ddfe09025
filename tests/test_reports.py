"""Report numbers against hand-computed ones, record-rule scoping, periods, and the chat path.

The fixture is small enough to check by hand (see the comments next to each row). The
clock is frozen at Wednesday 18 November 2026, 10:00 in Shanghai; the users are in
Shanghai, so local midnight is 16:00 UTC the day before — several rows sit just either
side of such a boundary to prove buckets are cut in the user's time zone, not in UTC.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.console.render import render_all
from bot.replies import Image
from handlers.reports import routes as report_handlers
from handlers.reports.routes import Viewer, chart_for, make_chart
from store import reports
from store.models import Activity, Company, Deal, DealStageChange, User
from store.pipeline import Pipeline
from store.reports import Period, PeriodError, parse_period
from store.users import UserError
from tests.harness import BotHarness, ChatUser

SH = ZoneInfo("Asia/Shanghai")
PIPELINE = Pipeline()
Q4 = Period(date(2026, 10, 1), date(2027, 1, 1), "quarter")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def cny(units: int) -> int:
    return units * 100


@dataclass
class Team:
    bot: BotHarness
    wang: ChatUser  # manager of East
    li: ChatUser  # rep, East
    na: ChatUser  # rep, East (Chinese)
    zhang: ChatUser  # rep, West: never in East's numbers
    ada: ChatUser  # admin


# (owner, title, stage, amount units, currency, probability, expected close,
#  stage_changed_at, history [(from, to, at)])
DEALS: list[tuple[Any, ...]] = [
    # li: open lead / proposal / USD negotiation, and one won in November.
    ("li", "L-lead", "lead", 100_000, "CNY", 10, date(2026, 11, 25), local(2026, 11, 2, 9),
     [(None, "lead", local(2026, 11, 2, 9))]),
    ("li", "L-prop", "proposal", 200_000, "CNY", 50, date(2026, 12, 10), local(2026, 11, 3, 9),
     [(None, "lead", local(2026, 8, 15, 9)), ("lead", "qualified", local(2026, 10, 5, 9)),
      ("qualified", "proposal", local(2026, 11, 3, 9))]),
    ("li", "L-won", "won", 300_000, "CNY", 100, date(2026, 11, 5), local(2026, 11, 5, 9),
     [(None, "lead", local(2026, 10, 2, 9)), ("lead", "qualified", local(2026, 10, 10, 9)),
      ("qualified", "proposal", local(2026, 10, 20, 9)),
      ("proposal", "negotiation", local(2026, 10, 28, 9)),
      ("negotiation", "won", local(2026, 11, 5, 9))]),
    ("li", "L-usd", "negotiation", 50_000, "USD", 75, date(2026, 12, 20), local(2026, 10, 15, 9),
     [(None, "negotiation", local(2026, 10, 15, 9))]),
    # na: a qualified deal untouched since September, a win at 00:30 on 1 October local
    # time (still 30 September in UTC), and a loss.
    ("na", "N-qual", "qualified", 80_000, "CNY", 25, date(2027, 1, 15), local(2026, 9, 20, 9),
     [(None, "lead", local(2026, 9, 1, 9)), ("lead", "qualified", local(2026, 9, 20, 9))]),
    ("na", "N-won", "won", 120_000, "CNY", 100, None, local(2026, 10, 1, 0, 30),
     [(None, "lead", local(2026, 9, 10, 9)), ("lead", "won", local(2026, 10, 1, 0, 30))]),
    ("na", "N-lost", "lost", 60_000, "CNY", 0, None, local(2026, 10, 20, 9),
     [(None, "lead", local(2026, 10, 3, 9)), ("lead", "qualified", local(2026, 10, 12, 9)),
      ("qualified", "lost", local(2026, 10, 20, 9))]),
    # zhang, another team: big numbers that must never leak into East's reports.
    ("zhang", "Z-neg", "negotiation", 999_000, "CNY", 75, date(2026, 11, 30),
     local(2026, 10, 25, 9),
     [(None, "lead", local(2026, 10, 5, 9)), ("lead", "negotiation", local(2026, 10, 25, 9))]),
    ("zhang", "Z-won", "won", 500_000, "CNY", 100, None, local(2026, 11, 10, 9),
     [(None, "won", local(2026, 11, 10, 9))]),
]  # fmt: skip

ACTIVITIES = [
    ("li", "call", utc(2026, 11, 15, 16, 30)),  # Mon 16 Nov 00:30 local: this week
    ("li", "call", utc(2026, 11, 10, 2)),
    ("li", "call", utc(2026, 11, 2, 3)),
    ("li", "visit", utc(2026, 11, 17, 2)),
    ("li", "note", utc(2026, 11, 12, 2)),  # notes never count
    ("na", "meeting", utc(2026, 10, 20, 2)),
    ("na", "meeting", utc(2026, 10, 21, 2)),
    ("na", "visit", utc(2026, 9, 30, 16, 0)),  # 1 Oct 00:00 local: in Q4
    ("na", "call", utc(2026, 9, 30, 15, 59)),  # 30 Sep 23:59 local: not in Q4
    *[("zhang", "call", utc(2026, 11, 11, 2))] * 5,
]


async def build_team(bot) -> Team:
    team = Team(
        bot,
        wang=await bot.user("wang", role="manager", team="East", lang="zh"),
        li=await bot.user("li", team="East", display_name="Li"),
        na=await bot.user("na", team="East", lang="zh", display_name="Na"),
        zhang=await bot.user("zhang", team="West", display_name="Zhang"),
        ada=await bot.user("ada", role="admin", display_name="Ada"),
    )
    for owner in (team.li, team.na, team.zhang):
        session, records = await bot.records_for(owner)
        async with session, session.begin():
            company = await records.create(Company, name=f"{owner.name} Co")
            for name, title, stage, units, cur, prob, close, changed, history in DEALS:
                if name != owner.name:
                    continue
                deal = await records.create(
                    Deal,
                    company_id=company.id,
                    title=title,
                    stage=stage,
                    amount_cents=cny(units),
                    currency=cur,
                    probability=prob,
                    expected_close=close,
                    stage_changed_at=changed,
                )
                for before, after, at in history:
                    session.add(
                        DealStageChange(
                            deal_id=deal.id, from_stage=before, to_stage=after, changed_at=at
                        )
                    )
            for name, kind, at in ACTIVITIES:
                if name == owner.name:
                    await records.create(
                        Activity, company_id=company.id, kind=kind, summary=kind, occurred_at=at
                    )
    return team


@pytest.fixture
async def team(bot) -> Team:
    return await build_team(bot)


async def as_user(bot, chat, fn, *args, **kwargs):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        return await fn(records, *args, **kwargs)


async def viewer_call(bot, chat, kind, period="", *, lang=None):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        user = await session.get(User, chat.user_id)
        viewer = Viewer(
            user,
            records,
            bot.settings,
            bot.app.translator,
            lang or user.lang or "en",
            SH,
            bot.clock.now(),
        )
        return await make_chart(viewer, kind, period)


# --------------------------------------------------------------------------- pipeline


async def test_pipeline_for_the_manager_is_the_team_with_a_per_rep_breakdown(team):
    r = await as_user(
        team.bot, team.wang, reports.pipeline_report, PIPELINE, default_currency="CNY"
    )
    assert r.currency == "CNY"
    assert [(s.stage, s.count, s.amount_cents, s.weighted_cents) for s in r.stages] == [
        ("lead", 1, cny(100_000), cny(10_000)),
        ("qualified", 1, cny(80_000), cny(20_000)),
        ("proposal", 1, cny(200_000), cny(100_000)),
        ("negotiation", 0, 0, 0),  # the USD deal: counted where its amount is, in ``others``
    ]
    assert (r.count, r.amount_cents, r.weighted_cents) == (3, cny(380_000), cny(130_000))
    assert [(o.person.name, o.count, o.amount_by_stage) for o in r.owners] == [
        ("Li", 3, (cny(100_000), 0, cny(200_000), 0)),
        ("Na", 1, (0, cny(80_000), 0, 0)),
    ]
    assert [(o.currency, o.count, o.amount_cents) for o in r.others] == [("USD", 1, cny(50_000))]


async def test_pipeline_scoping_rep_other_team_and_admin(team):
    li = await as_user(team.bot, team.li, reports.pipeline_report, PIPELINE, default_currency="CNY")
    assert (li.count, li.amount_cents) == (2, cny(300_000))  # and the USD deal in others
    assert [o.person.name for o in li.owners] == ["Li"]
    zhang = await as_user(
        team.bot, team.zhang, reports.pipeline_report, PIPELINE, default_currency="CNY"
    )
    assert (zhang.count, zhang.amount_cents) == (1, cny(999_000))
    admin = await as_user(
        team.bot, team.ada, reports.pipeline_report, PIPELINE, default_currency="CNY"
    )
    assert (admin.count, admin.amount_cents) == (4, cny(1_379_000))  # + USD in others
    assert [o.person.name for o in admin.owners] == ["Li", "Na", "Zhang"]


async def test_pipeline_closing_in_a_period_and_dominant_currency(team):
    dec = Period(date(2026, 12, 1), date(2027, 1, 1), "month")
    r = await as_user(
        team.bot, team.li, reports.pipeline_report, PIPELINE, default_currency="CNY", closing_in=dec
    )
    # L-prop (CNY) and L-usd (USD) close in December: one each, the default breaks the tie.
    assert (r.currency, r.count, r.amount_cents) == ("CNY", 1, cny(200_000))
    assert [(o.currency, o.count) for o in r.others] == [("USD", 1)]
    r = await as_user(
        team.bot, team.li, reports.pipeline_report, PIPELINE, default_currency="USD", closing_in=dec
    )
    assert (r.currency, r.amount_cents, r.others[0].currency) == ("USD", cny(50_000), "CNY")


# --------------------------------------------------------------------------- funnel


async def test_funnel_for_a_rep(team):
    r = await as_user(team.bot, team.li, reports.funnel_report, PIPELINE, Q4, SH)
    assert [(s.stage, s.reached) for s in r.steps] == [
        ("lead", 4),  # all four of li's deals moved in Q4
        ("qualified", 3),  # L-usd skipped straight to negotiation: counted as passing
        ("proposal", 3),
        ("negotiation", 2),
        ("won", 1),
    ]
    assert [s.conversion for s in r.steps] == [0.75, 1.0, pytest.approx(2 / 3), 0.5, None]
    assert r.lost == 0
    assert r.win_rate == 0.25


async def test_funnel_for_the_manager_counts_the_local_midnight_win(team):
    r = await as_user(team.bot, team.wang, reports.funnel_report, PIPELINE, Q4, SH)
    # N-won entered "won" at 00:30 on 1 Oct in Shanghai (30 Sep in UTC): it is in Q4.
    # N-qual had no move in Q4, so it is not in this quarter's funnel.
    assert [s.reached for s in r.steps] == [6, 5, 4, 3, 2]
    assert r.lost == 1
    assert [(o.person.name, o.reached, o.lost) for o in r.owners] == [
        ("Li", (4, 3, 3, 2, 1), 0),
        ("Na", (2, 2, 1, 1, 1), 1),
    ]
    in_utc = await as_user(team.bot, team.wang, reports.funnel_report, PIPELINE, Q4, UTC)
    assert in_utc.steps[-1].reached == 1  # the same quarter in UTC misses N-won


async def test_funnel_for_the_admin_includes_the_other_team(team):
    r = await as_user(team.bot, team.ada, reports.funnel_report, PIPELINE, Q4, SH)
    assert [s.reached for s in r.steps] == [8, 7, 6, 5, 3]


# --------------------------------------------------------------------------- forecast


async def test_forecast_months_weighted_beside_won(team):
    r = await as_user(
        team.bot, team.wang, reports.forecast_report, PIPELINE, Q4, SH, default_currency="CNY"
    )
    assert r.currency == "CNY"
    assert [
        (m.month, m.expected_count, m.expected_cents, m.weighted_cents, m.won_count, m.won_cents)
        for m in r.months
    ] == [
        (date(2026, 10, 1), 0, 0, 0, 1, cny(120_000)),  # N-won, 1 Oct local
        (date(2026, 11, 1), 1, cny(100_000), cny(10_000), 1, cny(300_000)),
        (date(2026, 12, 1), 1, cny(200_000), cny(100_000), 0, 0),  # the USD deal: in others
    ]
    # Beside the weighted line, so weighted too: $50k at 75 %.
    assert [(o.currency, o.count, o.amount_cents) for o in r.others] == [("USD", 1, cny(37_500))]
    assert r.won_others == ()
    assert (r.weighted_cents, r.won_cents) == (cny(110_000), cny(420_000))


async def test_forecast_for_the_other_team_and_admin(team):
    r = await as_user(
        team.bot, team.zhang, reports.forecast_report, PIPELINE, Q4, SH, default_currency="CNY"
    )
    assert [(m.weighted_cents, m.won_cents) for m in r.months] == [
        (0, 0),
        (cny(749_250), cny(500_000)),
        (0, 0),
    ]
    r = await as_user(
        team.bot, team.ada, reports.forecast_report, PIPELINE, Q4, SH, default_currency="CNY"
    )
    assert r.won_cents == cny(920_000)


# --------------------------------------------------------------------------- leaderboard


async def test_leaderboard_for_the_manager(team):
    r = await as_user(
        team.bot, team.wang, reports.leaderboard_report, Q4, SH, default_currency="CNY"
    )
    assert [(x.person.name, x.won_count, x.won_cents, x.activities) for x in r.leaders] == [
        ("Li", 1, cny(300_000), 4),  # 3 calls + 1 visit; the note does not count
        ("Na", 1, cny(120_000), 3),  # 2 meetings + the visit at local midnight
    ]


async def test_leaderboard_scoping(team):
    r = await as_user(team.bot, team.li, reports.leaderboard_report, Q4, SH, default_currency="CNY")
    assert [(x.person.name, x.won_cents, x.activities) for x in r.leaders] == [
        ("Li", cny(300_000), 4)
    ]
    r = await as_user(
        team.bot, team.ada, reports.leaderboard_report, Q4, SH, default_currency="CNY"
    )
    assert [(x.person.name, x.won_cents, x.activities) for x in r.leaders] == [
        ("Zhang", cny(500_000), 5),
        ("Li", cny(300_000), 4),
        ("Na", cny(120_000), 3),
    ]


# --------------------------------------------------------------------------- activity


async def test_activity_per_week_per_rep(team):
    weeks = reports.last_weeks(date(2026, 11, 18))
    r = await as_user(team.bot, team.wang, reports.activity_report, weeks, SH)
    assert r.weeks == tuple(
        date(2026, m, d)
        for m, d in [(9, 28), (10, 5), (10, 12), (10, 19), (10, 26), (11, 2), (11, 9), (11, 16)]
    )
    li, na = r.owners
    assert li.person.name == "Li"
    assert li.counts == {
        "call": (0, 0, 0, 0, 0, 1, 1, 1),  # the Monday 00:30 local call is this week
        "visit": (0, 0, 0, 0, 0, 0, 0, 1),
        "meeting": (0,) * 8,
    }
    assert na.counts == {
        "call": (1, 0, 0, 0, 0, 0, 0, 0),
        "visit": (1, 0, 0, 0, 0, 0, 0, 0),
        "meeting": (0, 0, 0, 2, 0, 0, 0, 0),
    }
    assert (r.total, r.kind_total("call"), r.kind_total("meeting")) == (8, 4, 2)


async def test_activity_scoping(team):
    weeks = reports.last_weeks(date(2026, 11, 18))
    r = await as_user(team.bot, team.zhang, reports.activity_report, weeks, SH)
    assert [(o.person.name, o.total) for o in r.owners] == [("Zhang", 5)]
    r = await as_user(team.bot, team.ada, reports.activity_report, weeks, SH)
    assert [(o.person.name, o.total) for o in r.owners] == [("Li", 4), ("Na", 4), ("Zhang", 5)]


# --------------------------------------------------------------------------- periods

TODAY = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("this month", date(2026, 11, 1), date(2026, 12, 1), "month"),
        ("last month", date(2026, 10, 1), date(2026, 11, 1), "month"),
        ("This  Quarter", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("last quarter", date(2026, 7, 1), date(2026, 10, 1), "quarter"),
        ("next quarter", date(2027, 1, 1), date(2027, 4, 1), "quarter"),
        ("Q4", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("q1", date(2027, 1, 1), date(2027, 4, 1), "quarter"),  # the very next: coming
        ("Q3", date(2026, 7, 1), date(2026, 10, 1), "quarter"),  # not next: the last one
        ("Q4 2025", date(2025, 10, 1), date(2026, 1, 1), "quarter"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "year"),
        ("this year", date(2026, 1, 1), date(2027, 1, 1), "year"),
        ("last year", date(2025, 1, 1), date(2026, 1, 1), "year"),
        ("this week", date(2026, 11, 16), date(2026, 11, 23), "week"),
        ("last 4 weeks", date(2026, 10, 26), date(2026, 11, 23), "weeks"),
        ("march", date(2026, 3, 1), date(2026, 4, 1), "month"),
        ("Dec 2026", date(2026, 12, 1), date(2027, 1, 1), "month"),
        ("本月", date(2026, 11, 1), date(2026, 12, 1), "month"),
        ("上个月", date(2026, 10, 1), date(2026, 11, 1), "month"),
        ("上月", date(2026, 10, 1), date(2026, 11, 1), "month"),
        ("本季度", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("上季度", date(2026, 7, 1), date(2026, 10, 1), "quarter"),
        ("今年", date(2026, 1, 1), date(2027, 1, 1), "year"),
        ("去年", date(2025, 1, 1), date(2026, 1, 1), "year"),
        ("2025年", date(2025, 1, 1), date(2026, 1, 1), "year"),
        ("第四季度", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("四季度", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("2026年第一季度", date(2026, 1, 1), date(2026, 4, 1), "quarter"),
        ("2026年Q2", date(2026, 4, 1), date(2026, 7, 1), "quarter"),
        ("3月", date(2026, 3, 1), date(2026, 4, 1), "month"),
        ("十二月", date(2026, 12, 1), date(2027, 1, 1), "month"),  # next month: the coming one
        ("一月", date(2026, 1, 1), date(2026, 2, 1), "month"),  # two months away: the last one
        ("last 30 days", date(2026, 10, 20), date(2026, 11, 19), "days"),
        ("最近30天", date(2026, 10, 20), date(2026, 11, 19), "days"),
        ("近7天", date(2026, 11, 12), date(2026, 11, 19), "days"),
        ("YTD", date(2026, 1, 1), date(2026, 11, 19), "ytd"),
        ("年初至今", date(2026, 1, 1), date(2026, 11, 19), "ytd"),
        ("2026年12月", date(2026, 12, 1), date(2027, 1, 1), "month"),
        ("本周", date(2026, 11, 16), date(2026, 11, 23), "week"),
        ("上周", date(2026, 11, 9), date(2026, 11, 16), "week"),
        ("最近8周", date(2026, 9, 28), date(2026, 11, 23), "weeks"),
    ],
)
def test_period_table(text, start, end, kind):
    assert parse_period(text, TODAY) == Period(start, end, kind)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("last month", date(2026, 12, 1)),
        ("last quarter", date(2026, 10, 1)),
        ("Q4", date(2026, 10, 1)),
        ("Q1", date(2027, 1, 1)),
        ("上季度", date(2026, 10, 1)),
        ("去年", date(2026, 1, 1)),
    ],
)
def test_periods_across_the_new_year(text, start):
    assert parse_period(text, date(2027, 1, 10)).start == start


@pytest.mark.parametrize("text", ["", "soon", "Q5", "13月", "last 99 weeks", "2026-11", "下下月"])
def test_unknown_periods_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text, TODAY)


def test_period_bounds_are_local_midnights_in_utc():
    assert Q4.bounds(SH) == (utc(2026, 9, 30, 16), utc(2026, 12, 31, 16))
    assert Q4.month_starts() == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert Period(date(2026, 11, 1), date(2026, 12, 1), "month").week_starts()[:2] == [
        date(2026, 11, 1),
        date(2026, 11, 2),
    ]


# --------------------------------------------------------------------------- summaries, chat


async def test_make_chart_summary_for_the_manager_in_chinese(team):
    answer = await viewer_call(team.bot, team.wang, "pipeline")
    assert answer.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert answer.summary.splitlines() == [
        "在手（East团队）：3 个商机，共 ¥38万，另有其他币种 $5万 USD (1)。",
        "金额最大的阶段：方案，1 个商机，¥20万。",
        "按阶段概率加权：¥13万；在手最多：Li（¥30万）。",
    ]


@pytest.mark.parametrize("kind", report_handlers.KINDS)
async def test_every_kind_answers_three_lines_in_english(team, kind):
    answer = await viewer_call(team.bot, team.wang, kind, lang="en")
    lines = answer.summary.splitlines()
    assert len(lines) == 3, lines
    assert all(line.strip() for line in lines)
    assert re.fullmatch(rf"{kind}-20261118-\d{{6}}-[0-9a-f]{{6}}\.png", answer.filename)


async def test_funnel_and_leaderboard_summaries_in_english(team):
    funnel = await viewer_call(team.bot, team.wang, "funnel", "Q4", lang="en")
    assert funnel.summary.splitlines() == [
        "Q4 2026: 6 deals in the funnel, 2 won (33%).",
        "Weakest step: Negotiation → Won at 67%.",
        "Best win rate: Na (50%); lost in the period: 1.",
    ]
    board = await viewer_call(team.bot, team.wang, "leaderboard", "this quarter", lang="en")
    assert board.summary.splitlines() == [
        "Q4 2026: ¥420k won in 2 deals; calls, visits and meetings: 7.",
        "Top seller: Li, ¥300k in 1 deal.",
        "Most active: Li (calls, visits and meetings: 4).",
    ]
    activity = await viewer_call(team.bot, team.li, "activity", lang="en")
    assert activity.summary.splitlines() == [
        "last 8 weeks: calls 3, visits 1, meetings 0 (4 in all).",
        "This week so far: 2; weekly average 0.5.",
        "Busiest week: week of 16 Nov (2).",
    ]


async def test_chat_commands_answer_with_one_image(team):
    r = await team.wang.send("/漏斗 上季度")
    assert len(r.replies) == 1
    image = r.replies[0]
    assert isinstance(image, Image)
    assert image.data.startswith(b"\x89PNG")
    assert re.fullmatch(r"funnel-[\d-]+-[0-9a-f]{6}\.png", image.filename)
    assert image.caption.startswith("2026年第3季度：")  # Q3 had moves too (N-qual, ...)
    r = await team.li.send("/pipeline")
    assert isinstance(r.replies[0], Image)
    assert (
        r.text.splitlines()[0]
        == "Open pipeline (Your deals): ¥300k in 2 deals + $50k USD (1) in other currencies."
    )


async def test_a_bad_period_is_explained(team):
    r = await team.li.send("/forecast whenever")
    assert r.text.startswith("I don't know the period “whenever”.")


async def test_the_console_writes_the_chart_and_prints_its_path(team, tmp_path: Path):
    r = await team.na.send("/活动")
    lines = render_all(r.replies, tmp_path)
    path = Path(lines[0].rsplit("[image: ", 1)[1].rstrip("]"))
    assert path.parent == tmp_path
    assert path.name.startswith("activity-")
    assert (await asyncio.to_thread(path.read_bytes)).startswith(b"\x89PNG")
    assert lines[0].endswith(f"[image: {path}]")
    assert lines[0].startswith("最近8周：共 4 次活动")


async def test_two_charts_asked_at_once_never_overwrite_each_other(team, tmp_path: Path):
    """Same person, same report, same second: each render gets its own file."""
    first = await team.wang.send("/pipeline")
    second = await team.na.send("/pipeline")
    third = await team.wang.send("/pipeline")
    paths = [
        line.rsplit("[image: ", 1)[1].rstrip("]")
        for r in (first, second, third)
        for line in render_all(r.replies, tmp_path)
    ]
    assert len(set(paths)) == 3
    assert all(Path(p).parent == tmp_path and Path(p).name.startswith("pipeline-") for p in paths)
    assert len(await asyncio.to_thread(lambda: list(tmp_path.glob("pipeline-*.png")))) == 3


async def test_the_command_line_path_renders_what_the_user_would_get(team, tmp_path: Path):
    bot = team.bot
    answer = await chart_for(
        bot.app.db, bot.settings, bot.app.translator, bot.clock.now(), "li", "pipeline", "", "en"
    )
    assert answer.png is not None
    assert answer.png.startswith(b"\x89PNG")
    assert answer.summary.splitlines()[0].startswith("Open pipeline (Your deals): ¥300k")
    zh = await chart_for(
        bot.app.db, bot.settings, bot.app.translator, bot.clock.now(), "wang", "funnel", "Q4"
    )
    assert zh.summary.startswith("2026年第4季度：6 个商机进入漏斗")
    with pytest.raises(PeriodError):
        await chart_for(
            bot.app.db, bot.settings, bot.app.translator, bot.clock.now(), "li", "funnel", "soon"
        )
    with pytest.raises(UserError):
        await chart_for(
            bot.app.db, bot.settings, bot.app.translator, bot.clock.now(), "nobody", "funnel"
        )


# --------------------------------------------------------------------------- issue 18


async def test_forecast_other_currency_line_is_weighted_and_open_only(team):
    """Issue 18.2: the "+ $… USD" beside the weighted figure was the unweighted amount, wins
    included. Li's only USD deal is $50k in negotiation (75 %): $37.5k weighted."""
    session, records = await team.bot.records_for(team.li)
    async with session, session.begin():
        company = await records.create(Company, name="Dollar Co")
        await records.create(
            Deal,
            company_id=company.id,
            title="USD win",
            stage="won",
            amount_cents=cny(90_000),
            currency="USD",
            probability=100,
            stage_changed_at=local(2026, 11, 12, 9),
        )
    answer = await viewer_call(team.bot, team.wang, "forecast", "Q4", lang="en")
    total, won, _ = answer.summary.splitlines()
    assert total == (
        "Q4 2026: ¥110k + $37.5k USD (1) in other currencies expected from 2 deals still open"
        " (weighted by stage)."
    )
    assert won == "Won in the period: ¥420k in 2 deals + $90k USD (1) in other currencies."


async def test_no_wins_is_not_a_best_win_rate_of_zero(team):
    """Issue 18.3: in Q3 nobody won, so nobody had the "best win rate (0%)"."""
    funnel = await viewer_call(team.bot, team.wang, "funnel", "Q3", lang="en")
    assert (
        funnel.summary.splitlines()[2] == "No deal won in this period yet; lost in the period: 0."
    )
    r = await team.wang.send("/漏斗 第三季度")
    assert r.text.splitlines()[2] == "本期还没有赢单；期间输单：0 单。"


def test_q1_typed_in_december_is_the_coming_q1():
    """Issue 18.5: a manager planning in December means the Q1 about to start."""
    assert parse_period("Q1", date(2026, 12, 2)) == Period(
        date(2027, 1, 1), date(2027, 4, 1), "quarter"
    )
    assert parse_period("第一季度", date(2026, 12, 2)).start == date(2027, 1, 1)
    assert parse_period("Q4", date(2026, 12, 2)).start == date(2026, 10, 1)
    assert parse_period("Q2", date(2026, 12, 2)).start == date(2026, 4, 1)


async def test_chinese_periods_typed_straight_after_the_command(team):
    """Issue 18.5: "/漏斗上个月" (no space, as Chinese is typed) was an unknown command."""
    r = await team.wang.send("/漏斗上个月")
    assert r.text.startswith("2026年10月：")
    r = await team.wang.send("/管道本季度")
    assert r.text.startswith("在手（East团队 · 预计2026年第4季度成交）：")
    r = await team.wang.send("/活动 最近30天")
    assert r.text.startswith("最近30天：")
    r = await team.wang.send("/排行 YTD")
    assert r.text.startswith("2026年初至今：")


async def test_a_manager_drills_down_to_one_rep_or_one_team(team):
    """Issue 18.5: /pipeline 李娜 and /funnel team East."""
    na = await viewer_call(team.bot, team.wang, "pipeline", "Na", lang="en")
    assert na.summary.splitlines()[0] == "Open pipeline (Na): ¥80k in 1 deal."
    li_q4 = await viewer_call(team.bot, team.wang, "funnel", "Li Q4", lang="en")
    assert li_q4.summary.splitlines()[0] == "Q4 2026: 4 deals in the funnel, 1 won (25%)."
    r = await team.wang.send("/funnel team East Q4")
    assert r.text.startswith("2026年第4季度：6 个商机进入漏斗")
    r = await team.wang.send("/漏斗 East团队 第四季度")
    assert r.text.startswith("2026年第4季度：6 个商机进入漏斗")
    r = await team.ada.send("/pipeline team West")
    assert r.text.splitlines()[0] == "Open pipeline (Team West): ¥999k in 1 deal."


async def test_drill_down_never_widens_what_one_may_see(team):
    """A rep naming a colleague, or a manager naming another team's rep, sees no one's."""
    r = await team.li.send("/pipeline Na")
    assert r.text.startswith("I don't know the period “Na”.")
    r = await team.wang.send("/pipeline Zhang")
    assert r.text.startswith("看不懂时间段“Zhang”")
    r = await team.wang.send("/pipeline team West")
    assert r.text.startswith("看不懂时间段“team West”")
