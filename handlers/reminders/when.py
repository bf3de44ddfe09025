"""Asking what, or when, a reminder is for — when "remind me" came without one of them.

States: ``what`` (waiting for the reminder's text; a time in it is used too) and ``when``
(waiting for a time: a button — in 1 hour, tomorrow, next Monday — or a typed time in English
or Chinese). Stored in the conversation row like every flow, so a restart keeps the question.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Context
from bot.nlu.dates import find_datetime
from conversations.base import Expects, Flow, Step
from handlers.reminders.routes import (
    KEY,
    PickWhen,
    State,
    remember,
    split_reminder,
    when_buttons,
)
from handlers.tasks.routes import snoozed_until


async def what(ctx: Context) -> None:
    assert ctx.flow is not None
    if ctx.action == PickWhen("cancel"):
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    title, at = split_reminder(ctx.text, ctx.sent_local, ctx.settings.follow_up_time)
    if not title:
        ctx.say("reminders.ask_what")
        return
    stored = ctx.flow.data.get("at")
    await remember(ctx, title, at or (datetime.fromisoformat(stored) if stored else None))


async def when(ctx: Context) -> None:
    assert ctx.flow is not None
    title = str(ctx.flow.data.get("title", ""))
    choice = ctx.action.when if isinstance(ctx.action, PickWhen) else None
    if choice == "cancel":
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    if choice == "1h":
        # Elapsed time, not wall-clock: across a DST change "in 1 hour" is still 60 minutes.
        await remember(ctx, title, ctx.now + timedelta(hours=1))
        return
    if choice is not None:
        now_local = ctx.now.astimezone(ctx.tz)
        await remember(ctx, title, snoozed_until(choice, now_local, ctx.settings.follow_up_time))
        return
    found = find_datetime(ctx.text, ctx.sent_local, default_time=ctx.settings.follow_up_time)
    if found is None:
        ctx.ask(ctx.t("reminders.bad_when"), when_buttons(ctx))
        return
    await remember(ctx, title, found.at)


FLOW = Flow(
    KEY,
    {State.WHAT: Step(what, Expects.MESSAGE), State.WHEN: Step(when, Expects.DATE)},
    answers=(PickWhen,),
)
