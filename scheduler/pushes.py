"""What a push says: a task falling due, the morning digest, the managers' weekly list.

Pushes are rendered when they leave (not when they were planned), in the recipient's language
and time zone, so a digest shows the day as it is at 08:30 and a snoozed task its new time.
Buttons are the task feature's own actions (``TaskDone``, ``SnoozeTask``), so Done and Snooze
from a push behave exactly as from ``/today``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Button, Card
from bot.voice import Voice
from handlers.contracts.actions import OpenContract
from handlers.customers.actions import LogFor
from handlers.deals.actions import OpenDeal
from handlers.tasks.actions import SnoozeTask, TaskDone
from handlers.tickets.actions import OpenTicket, ReassignTicket, TakeTicket
from locales.formatting import format_money
from store.access import Principal, Records, may_reassign, may_take
from store.deals import untouched_since
from store.models import Company, Deal, Task, Ticket, User
from store.next_steps import STUCK_DAYS, NextStep, next_steps
from store.pipeline import Pipeline
from store.tickets import OPEN as TICKET_OPEN
from store.tier_rules import DEFAULT_TIER_RULES, TierRule

SECTION_LIMIT = 8
WEEKLY_LIMIT = 15
WEEKLY_BUTTONS = 5


def task_buttons(voice: Voice, task_id: int, follow_up: time) -> tuple[Button, ...]:
    return (
        Button(voice.t("reminders.push.done"), TaskDone(task_id)),
        Button(voice.t("reminders.push.snooze_1h"), SnoozeTask(task_id, "1h")),
        Button(
            voice.t("reminders.push.snooze_tomorrow", time=voice.clock(follow_up)),
            SnoozeTask(task_id, "tomorrow"),
        ),
        Button(voice.t("reminders.push.snooze_nextweek"), SnoozeTask(task_id, "nextweek")),
    )


def task_push(
    voice: Voice, task: Task, company: str | None, *, late: bool, follow_up: time
) -> Card:
    """⏰ Reminder · Acme Ltd / the task / when it was due (and "late" if it is)."""
    assert task.due_at is not None
    title = (
        voice.t("reminders.push.title_company", company=company)
        if company
        else voice.t("reminders.push.title")
    )
    when = voice.when(task.due_at)
    line = (
        voice.t("reminders.push.late", when=when)
        if late
        else voice.t("reminders.push.due", when=when)
    )
    return Card(title, (task.title, line), task_buttons(voice, task.id, follow_up))


def ticket_escalation_push(
    voice: Voice,
    task: Task,
    ticket: Ticket,
    company: str | None,
    principal: Principal,
    *,
    late: bool,
    follow_up: time,
) -> Card:
    """An SLA escalation to a manager: the task's words, and the buttons to act on the
    ticket there and then (🔀 Reassign, 📂 Open, 🙋 Take when they may) or to Snooze. The
    buttons are the ticket feature's own actions, so each checks again who presses it."""
    card = task_push(voice, task, company, late=late, follow_up=follow_up)
    buttons: list[Button] = []
    if ticket.status == TICKET_OPEN:
        if may_reassign(principal):
            buttons.append(Button(voice.t("tickets.btn_reassign"), ReassignTicket(ticket.id)))
        buttons.append(Button(voice.t("tickets.btn_open_card"), OpenTicket(ticket.id)))
        if may_take(principal) and ticket.assignee_id != principal.user_id:
            buttons.append(Button(voice.t("tickets.btn_take"), TakeTicket(ticket.id)))
    else:
        buttons.append(Button(voice.t("tickets.btn_open_card"), OpenTicket(ticket.id)))
    buttons += [
        Button(voice.t("reminders.push.snooze_1h"), SnoozeTask(task.id, "1h")),
        Button(
            voice.t("reminders.push.snooze_tomorrow", time=voice.clock(follow_up)),
            SnoozeTask(task.id, "tomorrow"),
        ),
    ]
    return Card(card.title, card.lines, tuple(buttons))


def local_day_bounds(voice: Voice, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), voice.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), voice.tz)
    return start, end


async def digest_push(
    session: AsyncSession,
    records: Records,
    voice: Voice,
    user: User,
    pipeline: Pipeline,
    rules: Sequence[TierRule] = DEFAULT_TIER_RULES,
    stuck_days: int = STUCK_DAYS,
) -> Card | None:
    """Today's tasks and follow-ups, what is overdue, deals closing this week and suggested
    next steps (:mod:`store.next_steps`, a button each); ``None`` when there is nothing at
    all (an empty digest every morning teaches people to ignore it)."""
    today = voice.local_now.date()
    start, end = local_day_bounds(voice, today)
    mine = Task.owner_id == user.id
    open_task = and_(mine, Task.done_at.is_(None))
    due_today = list(
        await session.scalars(
            records.select(Task)
            .where(open_task, Task.due_at >= start, Task.due_at < end)
            .order_by(Task.due_at, Task.id)
            .limit(SECTION_LIMIT + 1)
        )
    )
    overdue = list(
        await session.scalars(
            records.select(Task)
            .where(open_task, Task.due_at < start)
            .order_by(Task.due_at, Task.id)
            .limit(SECTION_LIMIT + 1)
        )
    )
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    closing = list(
        await session.scalars(
            records.select(Deal)
            .where(
                Deal.owner_id == user.id,
                Deal.stage.in_(pipeline.open_stages),
                Deal.expected_close >= week_start,
                Deal.expected_close <= week_end,
            )
            .order_by(Deal.expected_close, Deal.id)
            .limit(SECTION_LIMIT + 1)
        )
    )
    month_start = datetime.combine(today.replace(day=1), time(0), voice.tz)
    steps = await next_steps(
        records,
        user.id,
        today=today,
        month_start=month_start,
        pipeline=pipeline,
        rules=rules,
        stuck_days=stuck_days,
    )
    if not (due_today or overdue or closing or steps):
        return None
    names = await _company_names(
        session, {t.company_id for t in due_today + overdue} | {d.company_id for d in closing}
    )
    lines: list[str] = []
    if due_today:
        lines.append(voice.t("reminders.digest.today", count=len(due_today[:SECTION_LIMIT])))
        for task in due_today[:SECTION_LIMIT]:
            assert task.due_at is not None
            at = task.due_at.astimezone(voice.tz)
            lines.append(f"• {voice.clock(at.time())} {_with_company(task.title, task, names)}")
        lines += _more(voice, due_today)
    if overdue:
        lines.append(voice.t("reminders.digest.overdue", count=len(overdue[:SECTION_LIMIT])))
        for task in overdue[:SECTION_LIMIT]:
            assert task.due_at is not None
            since = voice.day(task.due_at.astimezone(voice.tz).date())
            lines.append(f"• {since} · {_with_company(task.title, task, names)}")
        lines += _more(voice, overdue)
    if closing:
        lines.append(voice.t("reminders.digest.closing", count=len(closing[:SECTION_LIMIT])))
        for deal in closing[:SECTION_LIMIT]:
            assert deal.expected_close is not None
            bits = [deal.title, names.get(deal.company_id, ""), voice.stage(deal.stage)]
            if deal.amount_cents:
                bits.append(format_money(deal.amount_cents, deal.currency, voice.lang))
            bits.append(voice.day(deal.expected_close))
            lines.append("• " + " · ".join(b for b in bits if b))
        lines += _more(voice, closing)
    buttons: list[Button] = []
    if steps:
        lines.append(voice.t("next.title", count=len(steps)))
        for step in steps:
            line, button = next_step_line(voice, step)
            lines.append(line)
            buttons.append(button)
    title = voice.t("reminders.digest.title", name=user.display_name, day=voice.day(today))
    return Card(title, tuple(lines), tuple(buttons))


def next_step_line(voice: Voice, step: NextStep) -> tuple[str, Button]:
    """• the reason, and the button that acts on it."""
    if step.kind == "slipped":
        text = voice.t("next.slipped", title=step.title, times=step.count)
        return text, Button(voice.t("next.btn_done", title=step.title)[:40], TaskDone(step.target))
    if step.kind == "contract":
        text = voice.t("next.contract", number=step.title, days=step.count)
        return text, Button(f"📄 {step.title}"[:40], OpenContract(step.target))
    if step.kind == "stuck":
        text = voice.t(
            "next.stuck", title=step.title, stage=voice.stage(step.detail), days=step.count
        )
        return text, Button(f"💼 {step.title}"[:40], OpenDeal(step.target))
    text = voice.t("next.vip", name=step.title)
    return text, Button(voice.t("next.btn_visit", name=step.title)[:40], LogFor(step.target))


def _more(voice: Voice, items: Sequence[object]) -> list[str]:
    return [voice.t("reminders.digest.more")] if len(items) > SECTION_LIMIT else []


def _with_company(title: str, task: Task, names: dict[int, str]) -> str:
    name = names.get(task.company_id) if task.company_id is not None else None
    return f"{title} ({name})" if name and name not in title else title


async def _company_names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(select(Company.id, Company.name).where(Company.id.in_(wanted)))
    return dict(rows.all())


async def weekly_stale_push(
    session: AsyncSession,
    records: Records,
    voice: Voice,
    user: User,
    pipeline: Pipeline,
    days: int,
) -> Card | None:
    """The deals a manager can see (their team's) untouched for ``days`` days; ``None`` if none."""
    cutoff = voice.now - timedelta(days=days)
    deals = list(
        await session.scalars(
            records.select(Deal)
            .where(untouched_since(cutoff, pipeline))
            .order_by(Deal.stage_changed_at, Deal.id)
            .limit(WEEKLY_LIMIT + 1)
        )
    )
    if not deals:
        return None
    names = await _company_names(session, {d.company_id for d in deals})
    owner_rows = await session.execute(
        select(User.id, User.display_name).where(User.id.in_({d.owner_id for d in deals}))
    )
    owners = dict(owner_rows.all())
    lines = []
    for deal in deals[:WEEKLY_LIMIT]:
        idle = (voice.now - max(deal.stage_changed_at, deal.updated_at)).days
        bits = [
            deal.title,
            names.get(deal.company_id, ""),
            voice.stage(deal.stage),
            voice.t("reminders.weekly.idle", days=idle),
            owners.get(deal.owner_id, ""),
        ]
        lines.append("• " + " · ".join(b for b in bits if b))
    if len(deals) > WEEKLY_LIMIT:
        lines.append(voice.t("reminders.digest.more"))
    buttons = tuple(Button(d.title[:40], OpenDeal(d.id)) for d in deals[:WEEKLY_BUTTONS])
    title = voice.t("reminders.weekly.title", days=days, count=len(deals[:WEEKLY_LIMIT]))
    return Card(title, tuple(lines), buttons)
