"""The numbers behind the manager reports: periods, and aggregates scoped by record rules.

Every query here goes through :meth:`Records.scope`, so a rep's ``/pipeline`` is their own
deals, a manager's is their team's and an admin's is everyone's — the same rule as every
other read. Aggregation happens in SQL (a handful of grouped rows come back, never the
deals themselves), so a report costs the same whether the workspace has 60 deals or
100,000.

Time buckets (months, weeks) are bounded in the *user's* time zone: the boundaries are
computed here in Python and the SQL only compares a column against them (``CASE WHEN col <
:b1 ...``). That keeps one query text for SQLite and PostgreSQL (no ``strftime`` /
``date_trunc``), and a month ends at local midnight, not at UTC midnight. The bucket is
computed in a subquery and grouped outside it, because PostgreSQL refuses ``GROUP BY`` on
an expression whose bind parameters differ from the select list's.

Amounts are summed across currencies only through rates an admin set (``store.fx``): a
report is drawn in the viewer's currency, every currency with a rate converted into it and
named in ``converted``; a currency without a rate is reported beside it, unconverted. Given
no rates, a report is drawn in its *dominant* currency (the one most of its deals use).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import QueryableAttribute

from store.access import Records
from store.fx import Rates
from store.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStageChange,
    Role,
    Team,
    TeamMember,
    User,
)
from store.pipeline import Pipeline
from store.pool import a_person

WON = "won"
LOST = "lost"
ACTIVITY_KINDS: tuple[str, ...] = (ActivityKind.CALL, ActivityKind.VISIT, ActivityKind.MEETING)
"""What counts as sales activity in the reports; notes are bookkeeping, not contact."""

DEFAULT_WEEKS = 8
FORECAST_MONTHS_BACK = 2
FORECAST_MONTHS_AHEAD = 3


# --------------------------------------------------------------------------- periods


class PeriodError(ValueError):
    """Text that is not a period we understand."""


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days ``[start, end)`` in the user's time zone.

    ``kind`` (month, quarter, year, week, weeks, days, ytd, span) only decides how the period is
    written back to the user; the queries read ``start`` and ``end``.
    """

    start: date
    end: date
    kind: str

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise PeriodError("a period must end after it starts")

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants of local midnight at ``start`` and ``end``."""
        return _utc(self.start, tz), _utc(self.end, tz)

    def month_starts(self) -> list[date]:
        """First days of the months the period touches (the first may precede ``start``)."""
        out, month = [], self.start.replace(day=1)
        while month < self.end:
            out.append(month)
            month = _add_months(month, 1)
        return out

    def week_starts(self) -> list[date]:
        """Bucket starts: ``start``, then every Monday inside the period."""
        out, day = [self.start], self.start + timedelta(days=1)
        while day < self.end:
            if day.weekday() == 0:
                out.append(day)
            day += timedelta(days=1)
        return out


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    return Period(start, _add_months(start, 1), "month")


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * (number - 1) + 1, 1)
    return Period(start, _add_months(start, 3), "quarter")


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number + 1, 1, 1), "year")


def week(today: date, offset: int = 0) -> Period:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
    return Period(monday, monday + timedelta(days=7), "week")


def last_weeks(today: date, count: int = DEFAULT_WEEKS) -> Period:
    """``count`` whole weeks ending with the current one (Monday starts)."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=count - 1), monday + timedelta(days=7), "weeks")


def months_around(today: date, back: int, ahead: int) -> Period:
    first = _add_months(today.replace(day=1), -back)
    return Period(first, _add_months(today.replace(day=1), ahead + 1), "span")


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _nearest(candidates: Iterable[Period], today: date) -> Period:
    """``Q1`` or ``March`` alone: the current one; else the coming one when it is the very
    next (``Q1`` typed in December is the Q1 about to start, not the one nine months ago);
    else the most recent one that has ended."""
    ordered = sorted(candidates, key=lambda p: p.start)
    for p in ordered:
        if p.start <= today < p.end:
            return p
    upcoming = [p for p in ordered if p.start > today]
    if upcoming and _months_between(today.replace(day=1), upcoming[0].start) <= _length(
        upcoming[0]
    ):
        return upcoming[0]
    return max((p for p in ordered if p.start <= today), key=lambda p: p.start)


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _length(period: Period) -> int:
    """Whole months a month or quarter spans (1 or 3)."""
    return _months_between(period.start, period.end)


MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
ZH_DIGITS |= {"九": 9, "十": 10, "十一": 11, "十二": 12}


def _number(text: str) -> int:
    return int(text) if text.isdigit() else ZH_DIGITS[text]


def _relative(today: date) -> dict[str, Period]:
    this_quarter = quarter(today.year, _quarter_of(today))
    prev_quarter_start = _add_months(this_quarter.start, -3)
    next_quarter_start = _add_months(this_quarter.start, 3)
    prev_month = _add_months(today.replace(day=1), -1)
    next_month = _add_months(today.replace(day=1), 1)
    table = {
        "this month": month(today.year, today.month),
        "last month": month(prev_month.year, prev_month.month),
        "next month": month(next_month.year, next_month.month),
        "this quarter": this_quarter,
        "last quarter": quarter(prev_quarter_start.year, _quarter_of(prev_quarter_start)),
        "next quarter": quarter(next_quarter_start.year, _quarter_of(next_quarter_start)),
        "this year": year(today.year),
        "last year": year(today.year - 1),
        "next year": year(today.year + 1),
        "this week": week(today),
        "last week": week(today, -1),
    }
    synonyms = {
        "本月": "this month",
        "这个月": "this month",
        "这月": "this month",
        "上月": "last month",
        "上个月": "last month",
        "下月": "next month",
        "下个月": "next month",
        "本季度": "this quarter",
        "本季": "this quarter",
        "这个季度": "this quarter",
        "这季度": "this quarter",
        "上季度": "last quarter",
        "上季": "last quarter",
        "上个季度": "last quarter",
        "上一季度": "last quarter",
        "下季度": "next quarter",
        "下个季度": "next quarter",
        "今年": "this year",
        "本年": "this year",
        "本年度": "this year",
        "去年": "last year",
        "上一年": "last year",
        "明年": "next year",
        "本周": "this week",
        "这周": "this week",
        "本星期": "this week",
        "上周": "last week",
        "上个星期": "last week",
        "上星期": "last week",
        "month": "this month",
        "quarter": "this quarter",
        "year": "this year",
        "week": "this week",
    }
    return table | {zh: table[en] for zh, en in synonyms.items()}


QUARTER_RE = re.compile(
    r"^(?:(?P<y1>\d{4})\s*年?\s*)?"
    r"(?:q(?P<q>[1-4])|第?(?P<zq>[1-4一二三四])季度?)"
    r"(?:\s*(?P<y2>\d{4})\s*年?)?$"
)
YEAR_RE = re.compile(r"^(?:fy\s*)?(?P<y>\d{4})\s*年?$")
ZH_MONTH_RE = re.compile(
    r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2}|十一|十二|[一二三四五六七八九十])\s*月份?$"
)
EN_MONTH_RE = re.compile(r"^(?P<name>[a-z]+)\.?(?:\s+(?P<y>\d{4}))?$")
WEEKS_RE = re.compile(
    r"^(?:(?:last|past)\s+(?P<en>\d{1,2})\s+weeks?|(?:最近|近|过去)\s*(?P<zh>\d{1,2}|[一二两三四五六七八九十]|十一|十二)\s*(?:个)?(?:周|星期|礼拜))$"
)


DAYS_RE = re.compile(
    r"^(?:(?:last|past)\s+(?P<en>\d{1,3})\s+days?|(?:最近|近|过去)\s*(?P<zh>\d{1,3})\s*(?:天|日))$"
)
YEAR_TO_DATE = frozenset(
    {"ytd", "year to date", "year-to-date", "年初至今", "今年以来", "今年至今"}
)


def last_days(today: date, count: int) -> Period:
    """``count`` days ending with today (``last 30 days``, ``最近30天``)."""
    return Period(today - timedelta(days=count - 1), today + timedelta(days=1), "days")


def parse_period(text: str, today: date) -> Period:
    """A period typed after a report command, in English or Chinese, relative to ``today``.

    ``today`` is the user's local date (resolve it in their time zone before calling).
    A quarter or month named without a year (``Q4``, ``March``, ``3月``) means the current
    one, or the coming one when it is the very next, else the most recent one (see
    :func:`_nearest`). Raises :class:`PeriodError` for anything else.
    """
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise PeriodError(text)
    relative = _relative(today)
    if raw in relative:
        return relative[raw]
    if m := QUARTER_RE.match(raw):
        number = int(m["q"]) if m["q"] else _number(m["zq"])
        explicit = m["y1"] or m["y2"]
        if explicit:
            return quarter(int(explicit), number)
        years = (today.year - 1, today.year, today.year + 1)
        return _nearest((quarter(y, number) for y in years), today)
    if m := YEAR_RE.match(raw):
        return year(int(m["y"]))
    if m := ZH_MONTH_RE.match(raw):
        return _month_named(_number(m["m"]), m["y"], today)
    if (m := EN_MONTH_RE.match(raw)) and m["name"] in MONTH_NAMES:
        return _month_named(MONTH_NAMES[m["name"]], m["y"], today)
    if m := WEEKS_RE.match(raw):
        count = int(m["en"]) if m["en"] else _number(m["zh"])
        if 1 <= count <= 52:
            return last_weeks(today, count)
    if m := DAYS_RE.match(raw):
        count = int(m["en"] or m["zh"])
        if 1 <= count <= 366:
            return last_days(today, count)
    if raw in YEAR_TO_DATE:
        return Period(date(today.year, 1, 1), today + timedelta(days=1), "ytd")
    raise PeriodError(text)


def _month_named(number: int, year_text: str | None, today: date) -> Period:
    if not 1 <= number <= 12:
        raise PeriodError(str(number))
    if year_text:
        return month(int(year_text), number)
    years = (today.year - 1, today.year, today.year + 1)
    return _nearest((month(y, number) for y in years), today)


# --------------------------------------------------------------------------- drill-down


@dataclass(frozen=True, slots=True)
class Focus:
    """Part of what a viewer sees, named after a report command: one person or one team."""

    label: str  # the person's or the team's name, as written in the database
    owner_ids: frozenset[int]
    team: bool


TEAM_WORDS: tuple[str, ...] = ("team", "团队", "小组", "组")


async def focus_candidates(records: Records, text: str) -> list[tuple[Focus, str]]:
    """Who ``text`` may start or end with — a person or a team the viewer can see — and the
    rest of it (a period, or nothing), longest name first.

    ``/pipeline 李娜``, ``/funnel team East``, ``/漏斗 East团队 上季度``, ``/forecast Tom
    Baker Q1``. People are matched by display name or user name, teams by name with or
    without the word "team" / "团队"; case does not matter. A rep sees only themself, a
    manager their teams' members and teams, an admin everyone. The caller decides which
    candidate's rest is a period it can read.
    """
    visible = records.principal.visible_owner_ids
    users = select(User.id, User.display_name, User.name).where(User.active)
    if visible is not None:
        users = users.where(User.id.in_(visible))
    options: list[tuple[str, Focus]] = []
    for user_id, display, name in await records.session.execute(users):
        focus = Focus(display, frozenset({user_id}), team=False)
        options += [(display, focus), (name, focus)]
    teams = select(Team.id, Team.name)
    if visible is not None:
        teams = teams.where(
            Team.id.in_(
                select(TeamMember.team_id).where(TeamMember.user_id == records.principal.user_id)
            )
        )
    for team_id, team_name in (await records.session.execute(teams)).all():
        members = await records.session.scalars(
            select(TeamMember.user_id).where(TeamMember.team_id == team_id)
        )
        focus = Focus(team_name, frozenset(members), team=True)
        options.append((team_name, focus))
        for word in TEAM_WORDS:
            options += [(f"{word} {team_name}", focus), (f"{word}{team_name}", focus)]
            options += [(f"{team_name} {word}", focus), (f"{team_name}{word}", focus)]
    raw = " ".join(text.split())
    lowered = raw.lower()
    found: list[tuple[int, Focus, str]] = []
    for alias, focus in options:
        key = " ".join(alias.split()).lower()
        if not key:
            continue
        if lowered.startswith(key):
            found.append((len(key), focus, raw[len(key) :].strip()))
        elif lowered.endswith(key):
            found.append((len(key), focus, raw[: len(raw) - len(key)].strip()))
    found.sort(key=lambda f: (-f[0], f[1].team))
    return [(focus, rest) for _, focus, rest in found]


# --------------------------------------------------------------------------- helpers


def _buckets(column: QueryableAttribute[Any], edges: Sequence[object]) -> ColumnElement[int]:
    """0-based index of the bucket ``[edges[i], edges[i+1])`` ``column`` falls in.

    Callers filter ``edges[0] <= column < edges[-1]`` first, so every row gets an index.
    """
    whens = [(column < edge, index) for index, edge in enumerate(edges[1:-1])]
    return case(*whens, else_=len(edges) - 2) if whens else case((column.is_not(None), 0))


def dominant_currency(counts: dict[str, int], default: str) -> str:
    """The currency most deals use; ties go to the workspace default, then alphabetical."""
    if not counts:
        return default
    return min(counts, key=lambda c: (-counts[c], c != default, c))


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    name: str


async def people(records: Records, owner_ids: Iterable[int]) -> list[Person]:
    """Who the rows belong to, plus every active rep in scope (a rep at zero still shows);
    never the lead pool, which holds pooled customers' deals but is nobody.

    Ordered by display name so charts are stable between runs.
    """
    wanted = set(owner_ids)
    visible = records.principal.visible_owner_ids
    reps = select(User.id).where(User.active, User.role == Role.REP)
    if visible is not None:
        reps = reps.where(User.id.in_(visible))
    wanted |= set((await records.session.scalars(reps)).all())
    if not wanted:
        return []
    rows = await records.session.execute(
        select(User.id, User.display_name).where(User.id.in_(wanted), a_person())
    )
    return sorted((Person(i, n) for i, n in rows), key=lambda p: (p.name.lower(), p.user_id))


@dataclass(frozen=True, slots=True)
class OtherMoney:
    """Amounts in a currency the report is not drawn in, reported beside it unconverted."""

    currency: str
    count: int
    amount_cents: int


def _others(
    totals: dict[str, list[int]], shown: str, rates: Rates | None = None
) -> tuple[OtherMoney, ...]:
    """The currencies that could not be converted into the one shown."""
    return tuple(
        OtherMoney(c, v[0], v[1])
        for c, v in sorted(totals.items(), key=lambda kv: -kv[1][1])
        if c != shown and (rates is None or rates.convert(0, c, shown) is None)
    )


def _converted(totals: dict[str, list[int]], shown: str, rates: Rates | None) -> tuple[str, ...]:
    """The other currencies whose amounts were converted into the one shown."""
    if rates is None:
        return ()
    return tuple(sorted(c for c in totals if c != shown and rates.convert(0, c, shown) is not None))


def report_currency(
    counts: dict[str, int], default: str, viewer: str | None, rates: Rates | None
) -> str:
    """The viewer's own currency when rates are given (amounts are converted into it), else
    the currency most deals use (and the others are listed beside it, unconverted)."""
    if viewer is not None and rates is not None and rates.rate(viewer) is not None:
        return viewer
    if rates is not None and rates.per_unit:
        return rates.base  # the viewer's currency has no rate: the one every rate is in
    return dominant_currency(counts, default)


def _in(rates: Rates | None, cents: int, source: str, shown: str) -> int | None:
    """``cents`` in the report's currency, or None when it cannot be (kept as "other")."""
    if source == shown:
        return cents
    return rates.convert(cents, source, shown) if rates is not None else None


# --------------------------------------------------------------------------- pipeline


@dataclass(frozen=True, slots=True)
class StageLine:
    stage: str
    count: int  # the deals in ``amount_cents`` (those in other currencies: ``others``)
    amount_cents: int  # in the report currency
    weighted_cents: int  # amount x probability, report currency


@dataclass(frozen=True, slots=True)
class OwnerPipeline:
    person: Person
    count: int
    amount_by_stage: tuple[int, ...]  # report currency, in ``PipelineReport.stages`` order

    @property
    def amount_cents(self) -> int:
        return sum(self.amount_by_stage)


@dataclass(frozen=True, slots=True)
class PipelineReport:
    currency: str
    stages: tuple[StageLine, ...]
    owners: tuple[OwnerPipeline, ...]
    others: tuple[OtherMoney, ...] = ()
    converted: tuple[str, ...] = ()  # currencies converted into ``currency`` at set rates

    @property
    def count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def amount_cents(self) -> int:
        return sum(s.amount_cents for s in self.stages)

    @property
    def weighted_cents(self) -> int:
        return sum(s.weighted_cents for s in self.stages)


async def pipeline_report(
    records: Records,
    pipeline: Pipeline,
    *,
    default_currency: str,
    closing_in: Period | None = None,
    currency: str | None = None,
    rates: Rates | None = None,
) -> PipelineReport:
    """Open deals now, per stage and per owner; with ``closing_in``, only those expected then."""
    stages = pipeline.open_stages
    where: list[ColumnElement[bool]] = [records.scope(Deal), Deal.stage.in_(stages)]
    if closing_in is not None:
        where += [Deal.expected_close >= closing_in.start, Deal.expected_close < closing_in.end]
    stmt = (
        select(
            Deal.owner_id,
            Deal.stage,
            Deal.currency,
            func.count(),
            func.coalesce(func.sum(Deal.amount_cents), 0),
            func.coalesce(func.sum(Deal.amount_cents * Deal.probability), 0),
        )
        .where(*where)
        # Stage first: SQLite then reads the (stage, expected_close, owner_id, currency,
        # amount_cents, probability) index alone instead of every row in owner order.
        .group_by(Deal.stage, Deal.owner_id, Deal.currency)
    )
    rows = [
        (owner, stage, cur, int(n), int(amount), int(weighted))
        for owner, stage, cur, n, amount, weighted in await records.session.execute(stmt)
    ]
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, _, cur, n, amount, _ in rows:
        counts[cur] += n
        totals[cur][0] += n
        totals[cur][1] += amount
    shown = report_currency(counts, default_currency, currency, rates)
    index = {s: i for i, s in enumerate(stages)}
    stage_count, stage_amount, stage_weighted = (
        [0] * len(stages),
        [0] * len(stages),
        [0] * len(stages),
    )
    by_owner: dict[int, list[int]] = defaultdict(lambda: [0] * len(stages))
    owner_count: dict[int, int] = defaultdict(int)
    for owner, stage, cur, n, amount, weighted in rows:
        i = index[stage]
        owner_count[owner] += n
        part, part_weighted = _in(rates, amount, cur, shown), _in(rates, weighted, cur, shown)
        if part is not None and part_weighted is not None:
            # Counted only where its amount is: "¥999万 (10)" is ten deals' ¥999万, and the
            # deals in a currency without a rate are counted beside it, in ``others``.
            stage_count[i] += n
            stage_amount[i] += part
            stage_weighted[i] += round(part_weighted / 100)
            by_owner[owner][i] += part
    owners = tuple(
        OwnerPipeline(p, owner_count.get(p.user_id, 0), tuple(by_owner[p.user_id]))
        for p in await people(records, owner_count)
    )
    return PipelineReport(
        currency=shown,
        stages=tuple(
            StageLine(s, stage_count[i], stage_amount[i], stage_weighted[i])
            for i, s in enumerate(stages)
        ),
        owners=owners,
        others=_others(totals, shown, rates),
        converted=_converted(totals, shown, rates),
    )


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: str
    reached: int
    conversion: float | None  # reached(next) / reached(this); None for the last step or 0/0


@dataclass(frozen=True, slots=True)
class OwnerFunnel:
    person: Person
    reached: tuple[int, ...]  # per step, same order as ``FunnelReport.steps``
    lost: int


@dataclass(frozen=True, slots=True)
class FunnelReport:
    period: Period
    steps: tuple[FunnelStep, ...]
    lost: int
    owners: tuple[OwnerFunnel, ...]

    @property
    def win_rate(self) -> float | None:
        first, last = self.steps[0].reached, self.steps[-1].reached
        return last / first if first else None


def _conversions(reached: Sequence[int]) -> list[float | None]:
    out: list[float | None] = []
    for i, n in enumerate(reached):
        out.append(reached[i + 1] / n if i + 1 < len(reached) and n else None)
    return out


async def funnel_report(
    records: Records, pipeline: Pipeline, period: Period, tz: ZoneInfo
) -> FunnelReport:
    """Deals that reached each stage during ``period``, from the recorded stage history.

    A deal counts for every stage up to the furthest one it entered in the period (lead ...
    won, in pipeline order): a deal created straight into ``proposal``, or one that had
    passed ``lead`` before the period began, has still gone through the earlier steps.
    That keeps the funnel monotone and each conversion a true fraction. ``lost`` counts
    deals lost during the period, whatever stage they were lost from.
    """
    steps = tuple(s for s in pipeline.stages if s != LOST)
    rank = case({s: i for i, s in enumerate(steps)}, value=DealStageChange.to_stage, else_=None)
    start, end = period.bounds(tz)
    # Reduce the period's stage changes to one row per deal first, then look up owners:
    # the history is the big table, and a join per change would look up the same deal
    # again for each of its moves. A scoped user's deals are picked first (semi-join), so
    # a rep's funnel reads only their own history.
    in_period = [DealStageChange.changed_at >= start, DealStageChange.changed_at < end]
    if records.principal.visible_owner_ids is not None:
        in_period.append(DealStageChange.deal_id.in_(select(Deal.id).where(records.scope(Deal))))
    per_deal = (
        select(
            DealStageChange.deal_id.label("deal_id"),
            func.max(rank).label("top"),
            func.max(case((DealStageChange.to_stage == LOST, 1), else_=0)).label("lost"),
        )
        .where(*in_period)
        .group_by(DealStageChange.deal_id)
        .subquery()
    )
    stmt = (
        select(Deal.owner_id, per_deal.c.top, func.count(), func.sum(per_deal.c.lost))
        .select_from(per_deal)
        .join(Deal, Deal.id == per_deal.c.deal_id)
        .where(records.scope(Deal))
        .group_by(Deal.owner_id, per_deal.c.top)
    )
    tops: dict[int, list[int]] = defaultdict(lambda: [0] * len(steps))
    lost: dict[int, int] = defaultdict(int)
    for owner, top, n, n_lost in await records.session.execute(stmt):
        lost[owner] += int(n_lost or 0)
        counts = tops[owner]  # a deal only lost in the period still names its owner
        if top is not None:
            counts[int(top)] += int(n)

    def cumulative(counts: Sequence[int]) -> tuple[int, ...]:
        running, out = 0, []
        for n in reversed(counts):
            running += n
            out.append(running)
        return tuple(reversed(out))

    owner_reached = {owner: cumulative(counts) for owner, counts in tops.items()}
    total = [sum(r[i] for r in owner_reached.values()) for i in range(len(steps))]
    conv = _conversions(total)
    return FunnelReport(
        period=period,
        steps=tuple(FunnelStep(s, total[i], conv[i]) for i, s in enumerate(steps)),
        lost=sum(lost.values()),
        owners=tuple(
            OwnerFunnel(p, owner_reached.get(p.user_id, (0,) * len(steps)), lost.get(p.user_id, 0))
            for p in await people(records, owner_reached)
        ),
    )


# --------------------------------------------------------------------------- forecast


@dataclass(frozen=True, slots=True)
class ForecastMonth:
    month: date  # first day
    expected_count: int  # open deals expected to close this month, in ``expected_cents``
    expected_cents: int  # their amount, report currency
    weighted_cents: int  # amount x probability, report currency
    won_count: int  # deals won this month, in ``won_cents``
    won_cents: int  # report currency


@dataclass(frozen=True, slots=True)
class ForecastReport:
    period: Period
    currency: str
    months: tuple[ForecastMonth, ...]
    others: tuple[OtherMoney, ...] = ()  # open deals without a rate, *weighted* amounts
    converted: tuple[str, ...] = ()
    won_others: tuple[OtherMoney, ...] = ()  # deals won in currencies without a rate

    @property
    def weighted_cents(self) -> int:
        return sum(m.weighted_cents for m in self.months)

    @property
    def won_cents(self) -> int:
        return sum(m.won_cents for m in self.months)


async def forecast_report(
    records: Records,
    pipeline: Pipeline,
    period: Period,
    tz: ZoneInfo,
    *,
    default_currency: str,
    currency: str | None = None,
    rates: Rates | None = None,
) -> ForecastReport:
    """Per month: open deals by expected close (weighted by probability) and deals won.

    A deal is *won in* the month its stage became ``won`` (``stage_changed_at``, local
    time); an open deal is *expected in* the month of its ``expected_close`` date (a
    calendar date, so no time zone applies). Open deals without a close date are left out.
    """
    firsts = period.month_starts()
    day_edges = [*firsts, _add_months(firsts[-1], 1)]
    instant_edges = [_utc(d, tz) for d in day_edges]
    expected = (
        select(
            _buckets(Deal.expected_close, day_edges).label("bucket"),
            Deal.currency.label("currency"),
            Deal.amount_cents.label("amount"),
            (Deal.amount_cents * Deal.probability).label("weighted"),
        )
        .where(
            records.scope(Deal),
            Deal.stage.in_(pipeline.open_stages),
            Deal.expected_close >= day_edges[0],
            Deal.expected_close < day_edges[-1],
        )
        .subquery()
    )
    won = (
        select(
            _buckets(Deal.stage_changed_at, instant_edges).label("bucket"),
            Deal.currency.label("currency"),
            Deal.amount_cents.label("amount"),
        )
        .where(
            records.scope(Deal),
            Deal.stage == WON,
            Deal.stage_changed_at >= instant_edges[0],
            Deal.stage_changed_at < instant_edges[-1],
        )
        .subquery()
    )
    exp_rows = await records.session.execute(
        select(
            expected.c.bucket,
            expected.c.currency,
            func.count(),
            func.sum(expected.c.amount),
            func.sum(expected.c.weighted),
        ).group_by(expected.c.bucket, expected.c.currency)
    )
    won_rows = await records.session.execute(
        select(won.c.bucket, won.c.currency, func.count(), func.sum(won.c.amount)).group_by(
            won.c.bucket, won.c.currency
        )
    )
    exp = [(int(b), c, int(n), int(a or 0), int(w or 0)) for b, c, n, a, w in exp_rows]
    wins = [(int(b), c, int(n), int(a or 0)) for b, c, n, a in won_rows]
    counts: dict[str, int] = defaultdict(int)
    weighted_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # open deals only
    won_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, cur, n, _, weighted in exp:
        counts[cur] += n
        weighted_totals[cur][0] += n
        weighted_totals[cur][1] += weighted
    for _, cur, n, amount in wins:
        counts[cur] += n
        won_totals[cur][0] += n
        won_totals[cur][1] += amount
    shown = report_currency(counts, default_currency, currency, rates)
    cells = [[0, 0, 0, 0, 0] for _ in firsts]
    for b, cur, n, amount, weighted in exp:
        part, part_weighted = _in(rates, amount, cur, shown), _in(rates, weighted, cur, shown)
        if part is not None and part_weighted is not None:
            cells[b][0] += n
            cells[b][1] += part
            cells[b][2] += part_weighted
    for b, cur, n, amount in wins:
        part = _in(rates, amount, cur, shown)
        if part is not None:
            cells[b][3] += n
            cells[b][4] += part
    return ForecastReport(
        period=period,
        currency=shown,
        months=tuple(
            ForecastMonth(first, c[0], c[1], round(c[2] / 100), c[3], c[4])
            for first, c in zip(firsts, cells, strict=True)
        ),
        others=_weighted_others(weighted_totals, shown, rates),
        won_others=_others(won_totals, shown, rates),
        converted=_converted({**weighted_totals, **won_totals}, shown, rates),
    )


def _weighted_others(
    totals: dict[str, list[int]], shown: str, rates: Rates | None
) -> tuple[OtherMoney, ...]:
    """Open deals in a currency without a rate, weighted like the line they stand beside
    (the sums of amount x probability come back in cent-percent)."""
    return tuple(
        OtherMoney(o.currency, o.count, round(o.amount_cents / 100))
        for o in _others(totals, shown, rates)
    )


# --------------------------------------------------------------------------- leaderboard


@dataclass(frozen=True, slots=True)
class Leader:
    person: Person
    won_count: int  # every currency
    won_cents: int  # report currency
    activities: int  # calls, visits and meetings
    won_other: tuple[OtherMoney, ...] = ()  # wins in currencies without a rate, unconverted


@dataclass(frozen=True, slots=True)
class LeaderboardReport:
    period: Period
    currency: str
    leaders: tuple[Leader, ...]  # best first: won amount, then deals won, then activities
    others: tuple[OtherMoney, ...] = ()
    converted: tuple[str, ...] = ()


async def leaderboard_report(
    records: Records,
    period: Period,
    tz: ZoneInfo,
    *,
    default_currency: str,
    currency: str | None = None,
    rates: Rates | None = None,
) -> LeaderboardReport:
    """Won amount and activity count per rep in ``period``."""
    start, end = period.bounds(tz)
    won_rows = await records.session.execute(
        select(Deal.owner_id, Deal.currency, func.count(), func.sum(Deal.amount_cents))
        .where(
            records.scope(Deal),
            Deal.stage == WON,
            Deal.stage_changed_at >= start,
            Deal.stage_changed_at < end,
        )
        .group_by(Deal.owner_id, Deal.currency)
    )
    wins = [(o, c, int(n), int(a or 0)) for o, c, n, a in won_rows]
    act_rows = await records.session.execute(
        select(Activity.owner_id, func.count())
        .where(
            records.scope(Activity),
            Activity.kind.in_(ACTIVITY_KINDS),
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
        )
        .group_by(Activity.owner_id)
    )
    acts = {o: int(n) for o, n in act_rows}
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, cur, n, amount in wins:
        counts[cur] += n
        totals[cur][0] += n
        totals[cur][1] += amount
    shown = report_currency(counts, default_currency, currency, rates)
    won_count: dict[int, int] = defaultdict(int)
    won_cents: dict[int, int] = defaultdict(int)
    unconverted: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for owner, cur, n, amount in wins:
        won_count[owner] += n
        part = _in(rates, amount, cur, shown)
        if part is not None:
            won_cents[owner] += part
        else:  # a USD rep's $801k is theirs, shown in dollars, never as ¥0
            unconverted[owner][cur][0] += n
            unconverted[owner][cur][1] += amount
    leaders = [
        Leader(
            p,
            won_count.get(p.user_id, 0),
            won_cents.get(p.user_id, 0),
            acts.get(p.user_id, 0),
            _others(unconverted[p.user_id], shown, rates) if p.user_id in unconverted else (),
        )
        for p in await people(records, {*won_count, *acts})
    ]
    leaders.sort(key=lambda x: (-x.won_cents, -x.won_count, -x.activities))
    return LeaderboardReport(
        period,
        shown,
        tuple(leaders),
        _others(totals, shown, rates),
        _converted(totals, shown, rates),
    )


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True, slots=True)
class OwnerActivity:
    person: Person
    counts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # kind -> per week

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.counts.values())


@dataclass(frozen=True, slots=True)
class ActivityReport:
    period: Period
    weeks: tuple[date, ...]  # bucket starts (the first may be mid-week)
    kinds: tuple[str, ...]
    owners: tuple[OwnerActivity, ...]

    def kind_total(self, kind: str) -> int:
        return sum(sum(o.counts[kind]) for o in self.owners)

    @property
    def total(self) -> int:
        return sum(o.total for o in self.owners)


async def activity_report(records: Records, period: Period, tz: ZoneInfo) -> ActivityReport:
    """Calls, visits and meetings per week (local Monday starts) per rep."""
    weeks = period.week_starts()
    edges = [_utc(d, tz) for d in (*weeks, period.end)]
    inner = (
        select(
            Activity.owner_id.label("owner_id"),
            Activity.kind.label("kind"),
            _buckets(Activity.occurred_at, edges).label("bucket"),
        )
        .where(
            records.scope(Activity),
            Activity.kind.in_(ACTIVITY_KINDS),
            and_(Activity.occurred_at >= edges[0], Activity.occurred_at < edges[-1]),
        )
        .subquery()
    )
    rows = await records.session.execute(
        select(inner.c.owner_id, inner.c.kind, inner.c.bucket, func.count()).group_by(
            inner.c.owner_id, inner.c.kind, inner.c.bucket
        )
    )
    grid: dict[int, dict[str, list[int]]] = defaultdict(
        lambda: {k: [0] * len(weeks) for k in ACTIVITY_KINDS}
    )
    for owner, kind, bucket, n in rows:
        grid[owner][kind][int(bucket)] += int(n)
    owners = tuple(
        OwnerActivity(p, {k: tuple(v) for k, v in grid[p.user_id].items()})
        for p in await people(records, grid)
    )
    return ActivityReport(period, tuple(weeks), ACTIVITY_KINDS, owners)


__all__ = [
    "ACTIVITY_KINDS",
    "ActivityReport",
    "Focus",
    "ForecastMonth",
    "ForecastReport",
    "FunnelReport",
    "FunnelStep",
    "Leader",
    "LeaderboardReport",
    "OtherMoney",
    "OwnerActivity",
    "OwnerFunnel",
    "OwnerPipeline",
    "Period",
    "PeriodError",
    "Person",
    "PipelineReport",
    "StageLine",
    "activity_report",
    "dominant_currency",
    "focus_candidates",
    "forecast_report",
    "funnel_report",
    "last_days",
    "last_weeks",
    "leaderboard_report",
    "month",
    "months_around",
    "parse_period",
    "people",
    "pipeline_report",
    "quarter",
    "week",
    "year",
]
