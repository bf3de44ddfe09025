"""``/pipeline`` ``/funnel`` ``/forecast`` ``/leaderboard`` ``/activity``: a chart and three lines.

Each command reads an optional period (``/funnel last quarter``, ``/漏斗 上季度``), asks
:mod:`store.reports` for the numbers the user may see (their own, their team's, everyone's),
turns them into a chart spec in the user's language, and draws it in a worker thread so a
slow render never stalls other chats. The answer is one image whose caption is the
three-line summary, so it arrives as one message on every platform.

:func:`make_chart` is the whole pipeline without a chat: ``crmbot chart`` (and, later, the
scheduled reports) call it with the same arguments a handler has.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Final, TypedDict
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.context import Context, UserFacingError
from bot.extras import CHARTS, available
from bot.masking import SHOW_ALL, Masking, masking_for
from bot.replies import Image, Reply, Text
from bot.router import Router, command
from charts.canvas import Frame
from charts.kinds import (
    ActivityChart,
    ActivityPanel,
    ChartSpec,
    ForecastChart,
    FunnelBar,
    FunnelChart,
    LeaderboardChart,
    LeaderRow,
    MonthBars,
    OwnerStack,
    PipelineChart,
    StageBar,
    render,
)
from charts.style import percent, short_money
from locales.catalog import Translator
from store import reports
from store.access import Records, principal_for
from store.db import Database
from store.fx import Rates, load_rates
from store.models import Role, User
from store.offload import offloaded
from store.reports import OtherMoney, Period, PeriodError
from store.users import require_user, teams_of

log = logging.getLogger(__name__)

KINDS: Final = ("pipeline", "funnel", "forecast", "leaderboard", "activity")
MAX_OWNER_ROWS: Final = 8
MAX_LEADER_ROWS: Final = 10
MAX_ACTIVITY_PANELS: Final = 6


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who the report is for: what they may see, and how they read numbers and dates."""

    user: User
    records: Records
    settings: Settings
    translator: Translator
    lang: str
    tz: ZoneInfo
    now: datetime  # UTC
    focus: reports.Focus | None = None  # a manager's drill-down: one rep or one team
    masking: Masking = SHOW_ALL

    @property
    def amounts_hidden(self) -> bool:
        """Whether amounts are masked in this report: the viewer's role has amounts masked
        and the report sums records that are not all theirs (bot/masking.py)."""
        return self.masking.total(self.records.principal.visible_owner_ids)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def t(self, key: str, /, **values: Any) -> str:
        return self.translator.t(self.lang, key, **values)

    @property
    def currency(self) -> str:
        """The currency reports are drawn in for this viewer (amounts converted into it)."""
        return self.settings.currency_for(self.user.currency)

    async def rates(self) -> Rates:
        return await load_rates(self.records.session, self.settings.default_currency)

    @classmethod
    def of(cls, ctx: Context) -> Viewer:
        assert ctx.user is not None
        return cls(
            ctx.user,
            ctx.records,
            ctx.settings,
            ctx.translator,
            ctx.lang,
            ctx.tz,
            ctx.now,
            masking=ctx.masking,
        )


@dataclass(frozen=True, slots=True)
class ChartAnswer:
    """The chart and its summary; ``png`` is None where the ``charts`` extra is not
    installed, and the summary then ends with how to install it."""

    kind: str
    png: bytes | None
    summary: str
    filename: str

    def reply(self) -> Reply:
        if self.png is None:
            return Text(self.summary)
        return Image(self.png, self.summary, self.filename)


def without_chart(lines: Sequence[str], t: Callable[..., str]) -> str:
    """The summary alone, with the hint for installing charts (also logged)."""
    log.warning("a chart was asked for: %s", CHARTS.hint)
    return "\n".join([*lines, "", t("reports.no_charts", command=CHARTS.command)])


def chart_filename(kind: str, now: datetime) -> str:
    """``pipeline-20261202-0915-3f9a2c.png``: a name of its own for every render, so two
    charts asked for at once (by one person or two, in the console's image folder or a
    chat's download folder) never overwrite each other; the time makes a folder of them
    sort by when they were drawn."""
    return f"{kind}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.png"


async def make_chart(viewer: Viewer, kind: str, period_text: str = "") -> ChartAnswer:
    """The chart and summary ``viewer`` gets for ``kind``; raises PeriodError on a bad period."""
    with offloaded():  # aggregates over the whole workspace: not on the event loop
        spec, lines = await build(viewer, kind, period_text)
    if not available(CHARTS):
        return ChartAnswer(
            kind, None, without_chart(lines, viewer.t), chart_filename(kind, viewer.now)
        )
    png = await asyncio.to_thread(render, spec)
    return ChartAnswer(kind, png, "\n".join(lines), chart_filename(kind, viewer.now))


async def build(viewer: Viewer, kind: str, period_text: str = "") -> tuple[ChartSpec, list[str]]:
    """The chart spec and summary lines, without drawing (tests and benchmarks time this)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    viewer, text = await drill_down(viewer, period_text.strip())
    period = reports.parse_period(text, viewer.today) if text else None
    return await BUILDERS[kind](viewer, period)


async def drill_down(viewer: Viewer, text: str) -> tuple[Viewer, str]:
    """``李娜``, ``team East`` or ``East团队`` before or after the period: the same report
    for that person or team only, within what the viewer may see anyway (a rep naming a
    colleague finds no one). Text that is a period alone is left as it is."""
    if not text or _is_period(viewer, text):
        return viewer, text
    for focus, rest in await reports.focus_candidates(viewer.records, text):
        if not rest or _is_period(viewer, rest):
            narrowed = viewer.records.narrowed(focus.owner_ids)
            return replace(viewer, records=narrowed, focus=focus), rest
    return viewer, text


def _is_period(viewer: Viewer, text: str) -> bool:
    try:
        reports.parse_period(text, viewer.today)
    except PeriodError:
        return False
    return True


# --------------------------------------------------------------------------- wording


def _deals(viewer: Viewer, count: int) -> str:
    return viewer.t("reports.deals_one" if count == 1 else "reports.deals_many", count=count)


def _money(viewer: Viewer, cents: int, currency: str) -> str:
    if viewer.amounts_hidden:
        return viewer.t("masking.amount")
    return short_money(cents, currency, viewer.lang)


def _month_name(viewer: Viewer, number: int) -> str:
    return viewer.t("reports.month_names").split()[number - 1]


def _month_label(viewer: Viewer, first: date) -> str:
    return viewer.t("reports.period.month", month=_month_name(viewer, first.month), year=first.year)


def period_label(viewer: Viewer, period: Period) -> str:
    """``Q4 2026`` / ``2026年第4季度``, ``last 8 weeks`` / ``最近8周`` and so on."""
    start = period.start
    if period.kind == "month":
        return _month_label(viewer, start)
    if period.kind == "quarter":
        return viewer.t(
            "reports.period.quarter", quarter=(start.month - 1) // 3 + 1, year=start.year
        )
    if period.kind == "year":
        return viewer.t("reports.period.year", year=start.year)
    if period.kind == "week":
        return viewer.t(
            "reports.period.week", day=start.day, month=_month_name(viewer, start.month)
        )
    if period.kind == "weeks":
        return viewer.t("reports.period.weeks", count=len(period.week_starts()))
    if period.kind == "days":
        return viewer.t("reports.period.days", count=(period.end - period.start).days)
    if period.kind == "ytd":
        return viewer.t("reports.period.ytd", year=start.year)
    months = period.month_starts()
    return viewer.t(
        "reports.period.span",
        start=_month_label(viewer, months[0]),
        end=_month_label(viewer, months[-1]),
    )


async def scope_label(viewer: Viewer) -> str:
    if viewer.focus is not None:
        if viewer.focus.team:
            return viewer.t("reports.scope.team", team=viewer.focus.label)
        return viewer.focus.label
    role = Role(viewer.user.role)
    if role in (Role.ADMIN, Role.FINANCE):
        return viewer.t("reports.scope.all")
    if role is Role.MANAGER:
        teams = await teams_of(viewer.records.session, viewer.user)
        if teams:
            return viewer.t("reports.scope.team", team=", ".join(teams))
    return viewer.t("reports.scope.own")


def _stage(viewer: Viewer, stage: str) -> str:
    key = f"stages.{stage}"
    return viewer.t(key) if key in viewer.translator.catalogs.get("en", {}) else stage


def _kind(viewer: Viewer, kind: str) -> str:
    return viewer.t(f"activity.kinds.{kind}")


def _amounts(viewer: Viewer, others: Sequence[OtherMoney]) -> str:
    return ", ".join(
        f"{_money(viewer, o.amount_cents, o.currency)} {o.currency} ({o.count})" for o in others
    )


def _plain_amounts(viewer: Viewer, others: Sequence[OtherMoney]) -> str:
    """``$87.8万 USD`` — for a row that already says how many deals it holds."""
    return " + ".join(f"{_money(viewer, o.amount_cents, o.currency)} {o.currency}" for o in others)


def _also(viewer: Viewer, others: Sequence[OtherMoney]) -> str:
    shown = [o for o in others if o.amount_cents]
    return viewer.t("reports.also", amounts=_amounts(viewer, shown)) if shown else ""


def _other_note(viewer: Viewer, others: Sequence[OtherMoney]) -> str:
    return _listed(viewer, "reports.other_note", others)


def _listed(viewer: Viewer, key: str, others: Sequence[OtherMoney]) -> str:
    shown = [o for o in others if o.amount_cents]
    return viewer.t(key, amounts=_amounts(viewer, shown)) if shown else ""


def _won_amount(viewer: Viewer, leader: reports.Leader, currency: str) -> str:
    """What a rep won, in the report's currency plus whatever had no rate (never "¥0" for
    a rep whose wins are all in dollars)."""
    other = _plain_amounts(viewer, leader.won_other)
    if not other:
        return _money(viewer, leader.won_cents, currency)
    if not leader.won_cents:
        return other
    return f"{_money(viewer, leader.won_cents, currency)} + {other}"


def _frame(viewer: Viewer, kind: str, subtitle: str, currency: str, note: str = "") -> Frame:
    return Frame(
        title=viewer.t(f"reports.{kind}.title"),
        subtitle=subtitle,
        lang=viewer.lang,
        currency=currency,
        note=note,
        empty=viewer.t(f"reports.{kind}.empty"),
        masked=viewer.t("masking.amount") if viewer.amounts_hidden else "",
    )


class _Fx(TypedDict, total=False):
    currency: str
    rates: Rates


async def _fx(viewer: Viewer) -> _Fx:
    """The viewer's currency and the rates to convert into it, once an admin has set any
    (``crmbot fx set``); without rates a report keeps its dominant currency as before."""
    rates = await viewer.rates()
    return {"currency": viewer.currency, "rates": rates} if rates.per_unit else {}


def _fx_text(
    viewer: Viewer,
    report: reports.PipelineReport | reports.ForecastReport | reports.LeaderboardReport,
    fx: _Fx,
) -> str:
    """ "Converted at 1 USD = 7.2 CNY (2026-12-02)": the rates behind a mixed total."""
    rates = fx.get("rates")
    if rates is None:
        return ""
    bits = []
    for code in report.converted:
        rate = rates.between(code, report.currency)
        if rate is None:
            continue
        day = rates.set_on.get(code) or rates.set_on.get(report.currency)
        when = f" ({day.isoformat()})" if day else ""
        bits.append(f"1 {code} = {rate.normalize():f} {report.currency}{when}")
    return viewer.t("reports.converted", rates=", ".join(bits)) if bits else ""


def _notes(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


# --------------------------------------------------------------------------- the five


async def _pipeline(viewer: Viewer, period: Period | None) -> tuple[ChartSpec, list[str]]:
    report = await reports.pipeline_report(
        viewer.records,
        viewer.settings.pipeline,
        default_currency=viewer.settings.default_currency,
        closing_in=period,
        **(fx := await _fx(viewer)),
    )
    scope = await scope_label(viewer)
    when = (
        viewer.t("reports.period.closing", period=period_label(viewer, period))
        if period
        else viewer.t("reports.period.now")
    )
    cur = report.currency
    owners = sorted((o for o in report.owners if o.count), key=lambda o: -o.amount_cents)
    stacks = [OwnerStack(o.person.name, o.amount_by_stage) for o in owners[:MAX_OWNER_ROWS]]
    if len(owners) > MAX_OWNER_ROWS:
        rest = owners[MAX_OWNER_ROWS:]
        summed = tuple(map(sum, zip(*(o.amount_by_stage for o in rest), strict=True)))
        stacks.append(OwnerStack(viewer.t("reports.others"), summed))
    spec = PipelineChart(
        frame=_frame(
            viewer,
            "pipeline",
            f"{scope} · {when}",
            cur,
            _notes(_other_note(viewer, report.others), _fx_text(viewer, report, fx)),
        ),
        stages=tuple(
            StageBar(s.stage, _stage(viewer, s.stage), s.count, s.amount_cents)
            for s in report.stages
        ),
        owners=tuple(stacks),
        owners_title=viewer.t("reports.pipeline.by_rep"),
    )
    if not report.count:
        return spec, [viewer.t("reports.pipeline.empty")]
    biggest = max(report.stages, key=lambda s: (s.amount_cents, s.count))
    lines = [
        viewer.t(
            "reports.pipeline.total",
            scope=f"{scope} · {when}" if period else scope,
            amount=_money(viewer, report.amount_cents, cur),
            also=_also(viewer, report.others),
            deals=_deals(viewer, report.count),
        ),
        viewer.t(
            "reports.pipeline.largest",
            stage=_stage(viewer, biggest.stage),
            amount=_money(viewer, biggest.amount_cents, cur),
            deals=_deals(viewer, biggest.count),
        ),
    ]
    weighted = _money(viewer, report.weighted_cents, cur)
    if len(owners) > 1:
        top = owners[0]
        lines.append(
            viewer.t(
                "reports.pipeline.weighted_top",
                weighted=weighted,
                rep=top.person.name,
                amount=_money(viewer, top.amount_cents, cur),
            )
        )
    else:
        lines.append(viewer.t("reports.pipeline.weighted", weighted=weighted))
    return spec, lines


async def _funnel(viewer: Viewer, period: Period | None) -> tuple[ChartSpec, list[str]]:
    period = period or reports.quarter(viewer.today.year, (viewer.today.month - 1) // 3 + 1)
    report = await reports.funnel_report(
        viewer.records, viewer.settings.pipeline, period, viewer.tz
    )
    label = period_label(viewer, period)
    scope = await scope_label(viewer)
    lost_note = viewer.t("reports.lost_note", count=report.lost) if report.lost else ""
    spec = FunnelChart(
        frame=_frame(
            viewer, "funnel", f"{scope} · {label}", viewer.settings.default_currency, lost_note
        ),
        steps=tuple(
            FunnelBar(s.stage, _stage(viewer, s.stage), s.reached, s.conversion)
            for s in report.steps
        ),
    )
    first = report.steps[0].reached
    if not first:
        return spec, [viewer.t("reports.funnel.empty")]
    won = report.steps[-1].reached
    lines = [
        viewer.t(
            "reports.funnel.total",
            period=label,
            deals=_deals(viewer, first),
            won=won,
            rate=percent(report.win_rate or 0),
        )
    ]
    rated = [
        (s.conversion, s.stage, report.steps[i + 1].stage)
        for i, s in enumerate(report.steps)
        if s.conversion is not None and s.reached
    ]
    if rated:
        rate, from_stage, to_stage = min(rated)
        lines.append(
            viewer.t(
                "reports.funnel.weakest",
                from_stage=_stage(viewer, from_stage),
                to_stage=_stage(viewer, to_stage),
                rate=percent(rate),
            )
        )
    else:
        lines.append(viewer.t("reports.funnel.no_weakest"))
    ranked = [(o.reached[-1] / o.reached[0], o.person.name) for o in report.owners if o.reached[0]]
    best = max(ranked, key=lambda r: (r[0], r[1])) if len(ranked) > 1 else None
    if best is not None and best[0] > 0:
        lines.append(
            viewer.t("reports.funnel.best", rep=best[1], rate=percent(best[0]), lost=report.lost)
        )
    elif best is not None:  # a 0 % "best" is no highlight: say there were no wins
        lines.append(viewer.t("reports.funnel.no_wins", lost=report.lost))
    else:
        lines.append(viewer.t("reports.funnel.lost", lost=report.lost))
    return spec, lines


async def _forecast(viewer: Viewer, period: Period | None) -> tuple[ChartSpec, list[str]]:
    today = viewer.today
    period = period or reports.months_around(
        today, reports.FORECAST_MONTHS_BACK, reports.FORECAST_MONTHS_AHEAD
    )
    report = await reports.forecast_report(
        viewer.records,
        viewer.settings.pipeline,
        period,
        viewer.tz,
        default_currency=viewer.settings.default_currency,
        **(fx := await _fx(viewer)),
    )
    label = period_label(viewer, period)
    scope = await scope_label(viewer)
    cur = report.currency
    several_years = len({m.month.year for m in report.months}) > 1
    this_month = today.replace(day=1)

    def month_text(first: date) -> str:
        if several_years:
            return _month_label(viewer, first)
        return _month_name(viewer, first.month)

    spec = ForecastChart(
        frame=_frame(
            viewer,
            "forecast",
            f"{scope} · {label}",
            cur,
            _notes(
                _listed(viewer, "reports.forecast.other_note", report.others),
                _listed(viewer, "reports.forecast.won_other_note", report.won_others),
                _fx_text(viewer, report, fx),
            ),
        ),
        months=tuple(
            MonthBars(month_text(m.month), m.weighted_cents, m.won_cents, m.month == this_month)
            for m in report.months
        ),
        weighted_label=viewer.t("reports.forecast.weighted"),
        won_label=viewer.t("reports.forecast.won"),
    )
    expected = sum(m.expected_count for m in report.months)
    won = sum(m.won_count for m in report.months)
    if not expected and not won and not report.others and not report.won_others:
        return spec, [viewer.t("reports.forecast.empty")]
    focus = next((m for m in report.months if m.month == this_month), report.months[-1])
    return spec, [
        viewer.t(
            "reports.forecast.total",
            period=label,
            weighted=_money(viewer, report.weighted_cents, cur),
            also=_also(viewer, report.others),
            deals=_deals(viewer, expected),
        ),
        viewer.t(
            "reports.forecast.won_line",
            won=_money(viewer, report.won_cents, cur),
            also=_also(viewer, report.won_others),
            deals=_deals(viewer, won),
        ),
        viewer.t(
            "reports.forecast.month_line",
            month=_month_label(viewer, focus.month),
            weighted=_money(viewer, focus.weighted_cents, cur),
            won=_money(viewer, focus.won_cents, cur),
        ),
    ]


async def _leaderboard(viewer: Viewer, period: Period | None) -> tuple[ChartSpec, list[str]]:
    period = period or reports.quarter(viewer.today.year, (viewer.today.month - 1) // 3 + 1)
    report = await reports.leaderboard_report(
        viewer.records,
        period,
        viewer.tz,
        default_currency=viewer.settings.default_currency,
        **(fx := await _fx(viewer)),
    )
    label = period_label(viewer, period)
    scope = await scope_label(viewer)
    cur = report.currency
    leaders = report.leaders
    hidden = len(leaders) - MAX_LEADER_ROWS
    note = _notes(
        _other_note(viewer, report.others),
        _fx_text(viewer, report, fx),
        viewer.t("reports.more", count=hidden) if hidden > 0 else "",
    )
    spec = LeaderboardChart(
        frame=_frame(viewer, "leaderboard", f"{scope} · {label}", cur, note),
        rows=tuple(
            LeaderRow(
                x.person.name,
                x.won_cents,
                x.won_count,
                x.activities,
                _plain_amounts(viewer, x.won_other),
            )
            for x in leaders[:MAX_LEADER_ROWS]
        ),
        won_title=viewer.t("reports.leaderboard.won"),
        activities_title=viewer.t("reports.leaderboard.activities"),
    )
    won_count = sum(x.won_count for x in leaders)
    activities = sum(x.activities for x in leaders)
    if not won_count and not activities:
        return spec, [viewer.t("reports.leaderboard.empty")]
    lines = [
        viewer.t(
            "reports.leaderboard.total",
            period=label,
            won=_money(viewer, sum(x.won_cents for x in leaders), cur),
            also=_also(viewer, report.others),
            deals=_deals(viewer, won_count),
            activities=activities,
        )
    ]
    best = leaders[0]
    if best.won_count:
        lines.append(
            viewer.t(
                "reports.leaderboard.top",
                rep=best.person.name,
                amount=_won_amount(viewer, best, cur),
                deals=_deals(viewer, best.won_count),
            )
        )
    else:
        lines.append(viewer.t("reports.leaderboard.no_top"))
    busiest = max(leaders, key=lambda x: x.activities)
    if busiest.activities:
        lines.append(
            viewer.t(
                "reports.leaderboard.active", rep=busiest.person.name, count=busiest.activities
            )
        )
    else:
        lines.append(viewer.t("reports.leaderboard.no_active"))
    return spec, lines


async def _activity(viewer: Viewer, period: Period | None) -> tuple[ChartSpec, list[str]]:
    today = viewer.today
    period = period or reports.last_weeks(today)
    report = await reports.activity_report(viewer.records, period, viewer.tz)
    label = period_label(viewer, period)
    scope = await scope_label(viewer)
    active = sorted((o for o in report.owners if o.total), key=lambda o: (-o.total, o.person.name))
    shown = active if len(active) <= MAX_ACTIVITY_PANELS else active[: MAX_ACTIVITY_PANELS - 1]
    panels = [ActivityPanel(o.person.name, tuple(o.counts[k] for k in report.kinds)) for o in shown]
    if len(shown) < len(active):
        rest = active[len(shown) :]
        panels.append(
            ActivityPanel(
                viewer.t("reports.others"),
                tuple(
                    tuple(map(sum, zip(*(o.counts[k] for o in rest), strict=True)))
                    for k in report.kinds
                ),
            )
        )
    spec = ActivityChart(
        frame=_frame(viewer, "activity", f"{scope} · {label}", viewer.settings.default_currency),
        weeks=tuple(f"{d.month}/{d.day}" for d in report.weeks),
        kinds=tuple((k, _kind(viewer, k)) for k in report.kinds),
        panels=tuple(panels),
    )
    if not report.total:
        return spec, [viewer.t("reports.activity.empty")]
    calls, visits, meetings = (report.kind_total(k) for k in reports.ACTIVITY_KINDS)
    per_week = [
        sum(o.counts[k][i] for o in report.owners for k in report.kinds)
        for i in range(len(report.weeks))
    ]
    current = [i for i, d in enumerate(report.weeks) if d <= today < period.end]
    this_week = per_week[current[-1]] if current else 0
    average = f"{sum(per_week) / len(per_week):.1f}".removesuffix(".0")
    lines = [
        viewer.t(
            "reports.activity.total",
            period=label,
            count=report.total,
            calls=calls,
            visits=visits,
            meetings=meetings,
        ),
        viewer.t("reports.activity.this_week", count=this_week, average=average),
    ]
    if len(active) > 1:
        lines.append(
            viewer.t("reports.activity.top", rep=active[0].person.name, count=active[0].total)
        )
    else:
        i = max(range(len(per_week)), key=lambda j: (per_week[j], j))
        week = report.weeks[i]
        lines.append(
            viewer.t(
                "reports.activity.busiest",
                week=viewer.t(
                    "reports.period.week", day=week.day, month=_month_name(viewer, week.month)
                ),
                count=per_week[i],
            )
        )
    return spec, lines


Built = tuple[ChartSpec, list[str]]
BUILDERS: Final[dict[str, Callable[[Viewer, Period | None], Awaitable[Built]]]] = {
    "pipeline": _pipeline,
    "funnel": _funnel,
    "forecast": _forecast,
    "leaderboard": _leaderboard,
    "activity": _activity,
}


async def chart_for(
    db: Database,
    settings: Settings,
    translator: Translator,
    now: datetime,
    user_name: str,
    kind: str,
    period_text: str = "",
    lang: str | None = None,
) -> ChartAnswer:
    """What ``user_name`` would get for ``/kind period`` in chat (``crmbot chart``).

    Raises ``UserError`` for an unknown user and ``PeriodError`` for a period it can't read.
    """
    async with db.transaction(platform="cli") as session:
        user = await require_user(session, user_name)
        principal = await principal_for(session, user)
        viewer = Viewer(
            user,
            Records(session, principal, now),
            settings,
            translator,
            lang or user.lang or settings.default_lang,
            ZoneInfo(user.tz or settings.default_tz),
            now,
            masking=await masking_for(session, principal),
        )
        return await make_chart(viewer, kind, period_text)


# --------------------------------------------------------------------------- chat


async def answer(ctx: Context) -> None:
    """Any of the five commands: the canonical command name is the report's kind.

    The numbers are read in the event's transaction; the drawing (100+ ms of CPU) happens
    after it (:meth:`Context.defer`), so nobody waits on a chart to get their own answer."""
    kind = ctx.command
    assert kind in KINDS
    try:
        with offloaded():  # aggregates over the whole workspace: not on the event loop
            spec, lines = await build(Viewer.of(ctx), kind, ctx.args)
    except PeriodError:
        raise UserFacingError("reports.bad_period", text=ctx.args.strip()) from None
    if not available(CHARTS):
        ctx.reply(Text(without_chart(lines, ctx.t)))
        return

    async def draw() -> bytes:
        return await ctx.workers.run(render, spec)

    async def send(later: Context, png: bytes) -> None:
        later.reply(ChartAnswer(kind, png, "\n".join(lines), chart_filename(kind, ctx.now)).reply())

    ctx.defer(draw, send)


def routes() -> Router:
    router = Router()
    router.add(command(*KINDS), answer)
    return router


__all__ = [
    "KINDS",
    "ChartAnswer",
    "Viewer",
    "answer",
    "build",
    "chart_for",
    "make_chart",
    "period_label",
    "routes",
]
