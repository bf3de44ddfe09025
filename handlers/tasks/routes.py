"""``/today`` and ``/tasks``: open follow-ups in the rep's time zone, each with Done / Snooze."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from bot.context import Context
from bot.replies import Button, Card
from bot.router import Router, action, command
from handlers.common.paging import Page, offer_more, page_offset, with_range
from handlers.tasks.actions import Snooze, SnoozeTask, TaskDone, TaskPage
from locales.formatting import format_when, next_weekday
from store.models import Company, Task

LIMIT = 10


def snoozed_until(choice: Snooze, now_local: datetime, follow_up: time) -> datetime:
    """1 h from now; tomorrow at the follow-up time; next Monday at the follow-up time."""
    if choice == "1h":  # sixty real minutes, also across a clock change
        return (now_local.astimezone(UTC) + timedelta(hours=1)).astimezone(now_local.tzinfo)
    if choice == "tomorrow":
        day = (now_local + timedelta(days=1)).date()
    else:
        day = next_weekday(now_local, 0)
    return datetime.combine(day, follow_up, tzinfo=now_local.tzinfo)


async def task_card(ctx: Context, task: Task) -> Card:
    now_local = ctx.now.astimezone(ctx.tz)
    company = None
    if task.company_id is not None:
        company = await ctx.session.scalar(
            ctx.records.select(Company).where(Company.id == task.company_id)
        )
    if task.due_at is None:
        due = ctx.t("tasks.no_due")
    else:
        due = format_when(task.due_at.astimezone(ctx.tz), now_local, ctx.lang)
        if task.due_at < ctx.now:
            due = ctx.t("tasks.overdue", when=due)
    title = f"⏰ {due} · {company.name}" if company else f"⏰ {due}"
    return Card(
        title,
        (task.title,),
        (
            Button(ctx.t("tasks.done"), TaskDone(task.id)),
            Button(ctx.t("tasks.snooze_1h"), SnoozeTask(task.id, "1h")),
            Button(ctx.t("tasks.snooze_tomorrow"), SnoozeTask(task.id, "tomorrow")),
            Button(ctx.t("tasks.snooze_nextweek"), SnoozeTask(task.id, "nextweek")),
        ),
    )


async def _list(ctx: Context, *, today_only: bool, offset: int = 0) -> None:
    assert ctx.user is not None
    now_local = ctx.now.astimezone(ctx.tz)
    end_of_day = datetime.combine(now_local.date() + timedelta(days=1), time(0), ctx.tz)
    stmt = ctx.records.select(Task).where(Task.done_at.is_(None), Task.owner_id == ctx.user.id)
    if today_only:
        stmt = stmt.where(Task.due_at < end_of_day)
    total = await ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if not total:
        ctx.say("tasks.none_today" if today_only else "tasks.none")
        return
    offset = page_offset(offset, total, LIMIT)
    stmt = stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.id).offset(offset).limit(LIMIT)
    tasks = list((await ctx.session.scalars(stmt)).all())
    page = Page(offset, len(tasks), total)
    heading = ctx.t("tasks.title_today" if today_only else "tasks.title", count=total)
    ctx.reply_text(with_range(ctx, heading, page))
    for task in tasks:
        ctx.reply(await task_card(ctx, task))
    offer_more(ctx, page, TaskPage(today_only, page.end))


async def next_page(ctx: Context) -> None:
    pressed = ctx.pressed(TaskPage)
    await _list(ctx, today_only=pressed.today, offset=pressed.offset)


async def today(ctx: Context) -> None:
    await _list(ctx, today_only=True)


async def all_tasks(ctx: Context) -> None:
    await _list(ctx, today_only=False)


async def done(ctx: Context) -> None:
    task = await ctx.records.get(Task, ctx.pressed(TaskDone).task, for_update=True)
    if task.done_at is not None:
        # A double tap (the second press left before the card lost its buttons): the
        # first press already said "Done"; saying "already done" now only confuses.
        return
    await ctx.records.update(task, done_at=ctx.now)
    ctx.say("tasks.marked_done", title=task.title)


async def snooze(ctx: Context) -> None:
    pressed = ctx.pressed(SnoozeTask)
    task = await ctx.records.get(Task, pressed.task, for_update=True)
    if task.done_at is not None:
        ctx.refused = True  # nothing was snoozed: the card must not say it was
        ctx.say("tasks.already_done", title=task.title)
        return
    until = snoozed_until(pressed.until, ctx.now.astimezone(ctx.tz), ctx.settings.follow_up_time)
    await ctx.records.update(task, due_at=until)
    when = format_when(until, ctx.now.astimezone(ctx.tz), ctx.lang)
    ctx.say("tasks.snoozed", title=task.title, when=when)


def routes() -> Router:
    router = Router()
    router.add(command("today"), today)
    router.add(command("tasks"), all_tasks)
    router.add(action(TaskDone), done)
    router.add(action(SnoozeTask), snooze)
    router.add(action(TaskPage), next_page)
    return router
