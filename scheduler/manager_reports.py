"""Managers' reports on the reminder machinery: subscribed charts and conversion alerts.

Both are :class:`~store.models.Reminder` occurrences like the morning digest — planned with a
unique key, claimed and rendered by :meth:`ReminderService.deliver_batch`, written to the
outbox in the claim's transaction — so "once" and "late after downtime" come for free:

* ``report:<subscription>:<local date>``: a subscribed chart, due at ``report_time`` on the
  subscriber's wall clock (every day, or on ``report_weekday``), DST included;
* ``alert:<user>:<stage>:<ISO week>``: a stage converting below its floor over the last
  ``alert_weeks`` weeks, for each manager (their team) and admin (everyone) — at most once
  per stage and ISO week, however often the sweep runs.

Both are rendered when they leave, for what the recipient may see *then* (record rules):
a chart is the same image and three lines ``/pipeline`` gives; an alert whose stage has
recovered in the meantime is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.masking import masking_for
from bot.replies import Reply, Text
from bot.voice import Voice
from charts.style import percent
from handlers.reminders.config import ReminderConfig
from handlers.reports.routes import Viewer, make_chart, scope_label
from store import reminders as store
from store import reports
from store.access import Records
from store.models import ChatIdentity, Reminder, ReportSubscription, Role, User
from store.pipeline import Pipeline

REPORT = "report"
ALERT = "alert"
KINDS = (REPORT, ALERT)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``, as UTC (a skipped time moves on by the gap)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _reachable(platforms: tuple[str, ...]) -> Any:
    return exists().where(ChatIdentity.user_id == User.id, ChatIdentity.platform.in_(platforms))


# --------------------------------------------------------------------------- subscriptions


MONTHLY_PERIODS: dict[str, str] = {
    "funnel": "last month",
    "leaderboard": "last month",
    "activity": "last month",
    "forecast": "this quarter",
}
"""What a monthly report covers, arriving on the 1st: the month just ended for what has
happened, this quarter for what is expected; the pipeline is where things stand now."""


async def plan_reports(
    session: AsyncSession, now: datetime, settings: Settings, platforms: tuple[str, ...]
) -> list[dict[str, Any]]:
    """This period's occurrence for each subscription whose local delivery time has passed
    (and came after it was made: subscribing on Wednesday starts next Monday)."""
    rows = await session.execute(
        select(ReportSubscription, User.tz)
        .join(User, User.id == ReportSubscription.user_id)
        .where(User.active, _reachable(platforms))
    )
    wanted = []
    for sub, tz in rows:
        zone = ZoneInfo(tz or settings.default_tz)
        day = now.astimezone(zone).date()
        if sub.every == "weekly":
            day -= timedelta(days=(day.weekday() - settings.report_weekday) % 7)
        elif sub.every == "monthly":
            day = day.replace(day=1)
        due = local_instant(day, settings.report_time, zone)
        if sub.created_at <= due <= now:
            wanted.append(
                store.occurrence(
                    key=f"{REPORT}:{sub.id}:{day.isoformat()}",
                    kind=REPORT,
                    user_id=sub.user_id,
                    due_at=due,
                    now=now,
                    task_id=None,
                )
            )
    return wanted


async def render_report(
    session: AsyncSession,
    row: Reminder,
    user: User,
    records: Records,
    voice: Voice,
    settings: Settings,
) -> Reply | None:
    """The subscribed chart as the user would get it on command; ``None`` if unsubscribed."""
    sub = await session.get(ReportSubscription, int(row.key.split(":")[1]))
    if sub is None:
        return None
    viewer = Viewer(
        user,
        records,
        settings,
        voice.translator,
        voice.lang,
        voice.tz,
        voice.now,
        masking=await masking_for(session, records.principal),
    )
    period = MONTHLY_PERIODS.get(sub.report, "") if sub.every == "monthly" else ""
    return (await make_chart(viewer, sub.report, period)).reply()


# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class LowConversion:
    stage: str
    next_stage: str
    rate: float
    floor: int  # percent
    reached: int


async def low_conversions(
    records: Records, pipeline: Pipeline, config: ReminderConfig, tz: ZoneInfo, today: date
) -> list[LowConversion]:
    """Stages whose conversion to the next one over the last ``alert_weeks`` weeks, among
    the deals ``records`` may see, is below the stage's floor (small samples are ignored)."""
    period = reports.last_weeks(today, config.alert_weeks)
    funnel = await reports.funnel_report(records, pipeline, period, tz)
    low = []
    for step, following in zip(funnel.steps, funnel.steps[1:], strict=False):
        floor = config.alert_floors.get(step.stage, 0)
        if not floor or step.conversion is None or step.reached < config.alert_min_deals:
            continue
        if step.conversion * 100 < floor:
            low.append(
                LowConversion(step.stage, following.stage, step.conversion, floor, step.reached)
            )
    return low


async def alert_people(session: AsyncSession, platforms: tuple[str, ...]) -> list[User]:
    """Managers and admins who can be pushed to."""
    stmt = select(User).where(
        User.active, User.role.in_((Role.MANAGER, Role.ADMIN)), _reachable(platforms)
    )
    return list((await session.scalars(stmt.order_by(User.id))).all())


def alert_due(now: datetime, zone: ZoneInfo, at: time) -> datetime:
    """Now — unless it is early on the manager's clock: then this morning's report time."""
    today = now.astimezone(zone).date()
    return max(now, local_instant(today, at, zone))


def alert_key(user_id: int, stage: str, day: date) -> str:
    return f"{ALERT}:{user_id}:{stage}:{iso_week(day)}"


def alert_stage(row: Reminder) -> str:
    return row.key.split(":")[2]


def alert_text(voice: Voice, low: LowConversion, weeks: int, scope: str) -> Text:
    """ "📉 Qualified → Proposal conversion 18% over the last 4 weeks, below the 30% floor
    (−12 pts)", then whose deals and how many."""
    rate = round(low.rate * 100)
    return Text(
        "\n".join(
            (
                voice.t(
                    "subscriptions.alert.line",
                    from_stage=voice.stage(low.stage),
                    to_stage=voice.stage(low.next_stage),
                    rate=percent(low.rate),
                    weeks=weeks,
                    floor=f"{low.floor}%",
                    gap=low.floor - rate,
                ),
                voice.t("subscriptions.alert.scope", scope=scope, count=low.reached),
                voice.t("subscriptions.alert.hint"),
            )
        )
    )


async def render_alert(
    row: Reminder,
    user: User,
    records: Records,
    voice: Voice,
    settings: Settings,
    config: ReminderConfig,
) -> Reply | None:
    """The alert, recomputed as it leaves; ``None`` if the stage is no longer below floor."""
    stage = alert_stage(row)
    today = voice.local_now.date()
    found = [
        low
        for low in await low_conversions(records, settings.pipeline, config, voice.tz, today)
        if low.stage == stage
    ]
    if not found:
        return None
    viewer = Viewer(user, records, settings, voice.translator, voice.lang, voice.tz, voice.now)
    return alert_text(voice, found[0], config.alert_weeks, await scope_label(viewer))


__all__ = [
    "ALERT",
    "KINDS",
    "REPORT",
    "LowConversion",
    "alert_due",
    "alert_key",
    "alert_people",
    "low_conversions",
    "plan_reports",
    "render_alert",
    "render_report",
]
