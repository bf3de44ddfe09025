"""Explicit reminders, ``/reminders``, ``/digest`` and the admin's ``/rules``.

"remind me to call Li tomorrow 9am", "提醒我下周一上午10点给星辰科技发合同" and "/remind Acme
renewal in 3 days" become a *task* owned by the user and due at that time: it then shows in
``/today`` and the digest, and falls due through the same reminder machinery as a logged
follow-up, with the same Done / Snooze buttons. The confirmation is one line with the resolved
local time and an Undo button (the task is deleted through :mod:`store.undo`). When the time
is missing or already past, a small flow (:mod:`handlers.reminders.when`) asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Literal

from sqlalchemy import func, select

from bot.context import Context, FlowKey
from bot.nlu.dates import find_datetime, parse_datetime
from bot.payloads import Action
from bot.replies import Button, Card
from bot.router import Matcher, Router, action, command, has_text
from conversations.base import Answer
from handlers.common.customer_names import customer_names
from handlers.common.paging import Page, more_button, page_offset, with_range
from handlers.reminders.config import load_reminder_config
from handlers.reminders.rules import default_rules, rule_states
from locales.formatting import format_when
from store import reminders as store
from store.models import Company, Role, Task
from store.undo import UndoLog, undo


class State(StrEnum):
    WHAT = "what"  # waiting for the reminder's text
    WHEN = "when"  # waiting for its time


KEY = FlowKey("reminder", 1, State)


@dataclass(frozen=True)
class PickWhen(Answer, tag="rw"):
    """In an hour, tomorrow or next Monday at the follow-up time; or cancel."""

    when: Literal["1h", "tomorrow", "nextweek", "cancel"]


@dataclass(frozen=True)
class ReminderPage(Action, tag="rp"):
    """The next page of ``/reminders``, ``offset`` rows in."""

    offset: int


@dataclass(frozen=True)
class UndoReminder(Action, tag="ru", legacy=("rm.un",)):
    undo: int


LIST_LIMIT = 10
TITLE_LIMIT = 300

_EN_TRIGGER = re.compile(
    r"^\s*(?:(?:please|pls|hey|ok|and)[\s,]+)*(?:remind\s+me|set\s+(?:a\s+)?reminder)\b[\s,:]*",
    re.IGNORECASE,
)
_ZH_TRIGGER = re.compile(r"(?=[请记麻帮提])(?:请|记得|麻烦|帮我)?提醒(?:一下)?我(?!们)")
"""Behind its first characters, so that other places fail at once (every free text asks)."""
_EN_LEAD = re.compile(r"^(?:to|about|that|of|for)\b\s*", re.IGNORECASE)
_EN_DANGLING = re.compile(r"\b(?:at|on|by|in|around|for|from|next)\s*$", re.IGNORECASE)
_EN_DANGLING_START = re.compile(r"^\s*(?:at|on|by)\b\s*", re.IGNORECASE)
_ZH_FILLER = ("在", "于", "的时候", "时")
_TRIM = " \t\n,，.。:：;；!！?？-—~～、"


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(_TRIM)


def trigger_end(text: str, now_local: datetime) -> int | None:
    """Where the reminder's content starts after "remind me" / "提醒我", or ``None`` if the
    text is not an explicit reminder. "提醒我" may follow a time ("明天9点提醒我…")."""
    english = _EN_TRIGGER.match(text)
    if english:
        return english.end()
    chinese = _ZH_TRIGGER.search(text)
    if chinese is None:
        return None
    before = text[: chinese.start()].strip(_TRIM)
    if before and parse_datetime(before, now_local) is None:
        return None
    return chinese.end()


def split_reminder(
    text: str, now_local: datetime, default_time: time
) -> tuple[str, datetime | None]:
    """``"call Li tomorrow 9am"`` -> ``("call Li", tomorrow 09:00)``; the date phrase and the
    little words that only tied it in ("at", "on", "在") are taken out of the title."""
    found = find_datetime(text, now_local, default_time=default_time)
    if found is None:
        return _tidy_title(text), None
    left, right = text[: found.start], text[found.end :]
    left = _EN_DANGLING.sub("", left.rstrip())
    right = _EN_DANGLING_START.sub("", right)
    for filler in _ZH_FILLER:
        left = left.removesuffix(filler)
        right = right.removeprefix(filler)
    return _tidy_title(f"{left} {right}"), found.at


def _tidy_title(text: str) -> str:
    title = _clean(text)
    title = _EN_LEAD.sub("", title)
    return _clean(title)[:TITLE_LIMIT]


def parse_explicit(ctx: Context, text: str) -> tuple[str, datetime | None]:
    """Title and time of "remind me …" text (the trigger removed), read as the user sent it.
    In "明天9点提醒我打电话" the time before the trigger belongs to the reminder too."""
    english = _EN_TRIGGER.match(text)
    chinese = None if english else _ZH_TRIGGER.search(text)
    if english:
        body = text[english.end() :]
    elif chinese:
        body = f"{text[: chinese.start()]} {text[chinese.end() :]}"
    else:
        body = text
    return split_reminder(body, ctx.sent_local, ctx.settings.follow_up_time)


def explicit_text() -> Matcher:
    return has_text() & Matcher(
        lambda c: trigger_end(c.text, c.sent_local) is not None, "reminder-text"
    )


async def company_named_in(ctx: Context, title: str) -> int | None:
    """The one customer the user may see whose name appears in ``title`` (longest name wins)."""
    folded = title.casefold()
    names = sorted(
        (n for n in await customer_names(ctx) if len(n) >= 2 and n.casefold() in folded),
        key=len,
        reverse=True,
    )
    if not names:
        return None
    rows = list(
        await ctx.session.scalars(
            ctx.records.select(Company).where(Company.name == names[0]).limit(2)
        )
    )
    return rows[0].id if len(rows) == 1 else None


async def create_reminder(ctx: Context, title: str, at: datetime) -> None:
    """Save the reminder as the user's task and confirm it in one line, with Undo."""
    assert ctx.user is not None
    company_id = await company_named_in(ctx, title)
    log = UndoLog()
    task = await ctx.records.create(
        Task, title=title, due_at=at, company_id=company_id, owner_id=ctx.user.id
    )
    log.created(task)
    undo_id = await log.save(ctx.records)
    when = format_when(at.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz), ctx.lang)
    ctx.ask(
        ctx.t("reminders.set", title=title, when=when),
        [Button(ctx.t("reminders.undo"), UndoReminder(undo_id))],
    )


def when_buttons(ctx: Context) -> list[Button]:
    at = f"{ctx.settings.follow_up_time.hour}:{ctx.settings.follow_up_time.minute:02d}"
    return [
        Button(ctx.t("reminders.when_1h"), PickWhen("1h")),
        Button(ctx.t("reminders.when_tomorrow", time=at), PickWhen("tomorrow")),
        Button(ctx.t("reminders.when_nextweek", time=at), PickWhen("nextweek")),
        Button(ctx.t("common.cancel"), PickWhen("cancel")),
    ]


async def remember(ctx: Context, title: str, at: datetime | None) -> None:
    """Create the reminder, or ask for what is missing (a title, a time, a future time)."""
    assert ctx.flow is not None
    if not title:
        ctx.flow.start(KEY, State.WHAT, {"at": at.isoformat() if at else None})
        ctx.say("reminders.ask_what")
        return
    if at is None:
        ctx.flow.start(KEY, State.WHEN, {"title": title})
        ctx.ask(ctx.t("reminders.ask_when", title=title), when_buttons(ctx))
        return
    if at <= ctx.now:
        ctx.flow.start(KEY, State.WHEN, {"title": title})
        when = format_when(at.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz), ctx.lang)
        ctx.ask(ctx.t("reminders.past", when=when, title=title), when_buttons(ctx))
        return
    ctx.flow.end()
    await create_reminder(ctx, title, at)


async def on_text(ctx: Context) -> None:
    title, at = parse_explicit(ctx, ctx.text)
    await remember(ctx, title, at)


async def on_command(ctx: Context) -> None:
    if not ctx.args.strip():
        assert ctx.flow is not None
        ctx.flow.start(KEY, State.WHAT, {"at": None})
        ctx.say("reminders.ask_what")
        return
    title, at = split_reminder(ctx.args, ctx.sent_local, ctx.settings.follow_up_time)
    await remember(ctx, title, at)


async def undo_reminder(ctx: Context) -> None:
    if await undo(ctx.records, ctx.pressed(UndoReminder).undo):
        ctx.say("reminders.undone")
    else:
        ctx.say("reminders.undo_gone")


async def upcoming(ctx: Context, offset: int = 0) -> None:
    """``/reminders``: what will ping this user next, and when the digest comes."""
    assert ctx.user is not None
    scoped = ctx.records.select(Task).where(
        Task.owner_id == ctx.user.id, Task.done_at.is_(None), Task.due_at > ctx.now
    )
    total = await ctx.session.scalar(select(func.count()).select_from(scoped.subquery())) or 0
    offset = page_offset(offset, total, LIST_LIMIT)
    tasks = list(
        await ctx.session.scalars(
            scoped.order_by(Task.due_at, Task.id).offset(offset).limit(LIST_LIMIT)
        )
    )
    now_local = ctx.now.astimezone(ctx.tz)
    lines = []
    for task in tasks:
        assert task.due_at is not None
        when = format_when(task.due_at.astimezone(ctx.tz), now_local, ctx.lang)
        lines.append(ctx.t("reminders.list_item", when=when, title=task.title))
    lines.append(await _digest_line(ctx))
    page = Page(offset, len(tasks), total)
    title = (
        with_range(ctx, ctx.t("reminders.list_title", count=total), page)
        if tasks
        else ctx.t("reminders.list_none")
    )
    more = more_button(ctx, page, ReminderPage(page.end))
    ctx.reply(Card(title, tuple(lines), (more,) if more else ()))


async def next_page(ctx: Context) -> None:
    await upcoming(ctx, ctx.pressed(ReminderPage).offset)


async def _digest_line(ctx: Context) -> str:
    assert ctx.user is not None
    pref = await store.preference(ctx.session, ctx.user.id)
    if pref is not None and not pref.digest_enabled:
        return ctx.t("reminders.digest.line_off")
    at = (pref.digest_time if pref else None) or load_reminder_config().digest_time
    return ctx.t("reminders.digest.line_on", time=_clock(at))


# --- /digest --------------------------------------------------------------------------------

_OFF = frozenset({"off", "no", "stop", "none", "关", "关闭", "停", "停止", "不要"})
_ON = frozenset({"on", "yes", "start", "开", "开启", "打开"})
_TIME = re.compile(
    r"^(?P<pod>早上|上午|早晨|中午|下午|晚上)?\s*(?P<h>\d{1,2})"
    r"(?:\s*(?:[:：.]|点|时)\s*(?P<m>\d{1,2}|半)?\s*分?)?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$",
    re.IGNORECASE,
)


def parse_clock(text: str) -> time | None:
    """``8:00``, ``7:30am``, ``8``, ``早上8点半``, ``下午6点`` -> a wall-clock time.

    Not :mod:`bot.nlu.dates`: there a bare 6:30 means 18:30 (nobody books a call at dawn),
    while a digest at 6:30 means the morning.
    """
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour = int(match["h"])
    minute = 30 if match["m"] == "半" else int(match["m"] or 0)
    pm = (match["ampm"] or "").lower().startswith("p") or match["pod"] in ("下午", "晚上")
    am = (match["ampm"] or "").lower().startswith("a") or match["pod"] in ("早上", "上午", "早晨")
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    if match["pod"] == "中午" and hour <= 2:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _clock(at: time) -> str:
    return f"{at.hour}:{at.minute:02d}"


async def digest(ctx: Context) -> None:
    """``/digest`` shows, ``/digest 8:00`` sets, ``/digest off|on`` switches the digest."""
    assert ctx.user is not None
    arg = ctx.args.strip().lower()
    if not arg:
        ctx.reply_text(await _digest_line(ctx))
        return
    if arg in _OFF:
        await store.set_digest(ctx.session, ctx.user.id, enabled=False, at=None, now=ctx.now)
        ctx.say("reminders.digest.off")
        return
    at = None if arg in _ON else parse_clock(arg)
    if at is None and arg not in _ON:
        ctx.say("reminders.digest.bad")
        return
    pref = await store.set_digest(ctx.session, ctx.user.id, enabled=True, at=at, now=ctx.now)
    shown = pref.digest_time or load_reminder_config().digest_time
    ctx.say("reminders.digest.set", time=_clock(shown), tz=str(ctx.tz))


# --- /rules (admins) ------------------------------------------------------------------------


async def rules(ctx: Context) -> None:
    """``/rules`` lists the reminder rules; an admin changes one: ``/rules stale_deal 21``,
    ``/rules birthday off``. Stored in the database, so every worker applies it at once."""
    assert ctx.user is not None
    known = default_rules()
    names = [rule.name for rule in known]
    parts = ctx.args.split()
    if parts:
        if ctx.user.role != Role.ADMIN:
            ctx.say("reminders.rules.admins_only")
            return
        name = parts[0].lower()
        if name not in names:
            ctx.say("reminders.rules.unknown", name=parts[0], names=", ".join(names))
            return
        await _change_rule(ctx, name, parts[1:])
        return
    config = load_reminder_config()
    states = rule_states(known, config, await store.rule_settings(ctx.session))
    lines = [_rule_line(ctx, s.name, s.enabled, s.days) for s in states]
    ctx.reply(Card(ctx.t("reminders.rules.title"), (*lines, ctx.t("reminders.rules.usage"))))


def _rule_line(ctx: Context, name: str, enabled: bool, days: int | None) -> str:
    state = ctx.t("reminders.rules.on" if enabled else "reminders.rules.off")
    about = ctx.t(f"reminders.rules.about_{name}")
    if days is None:
        return ctx.t("reminders.rules.line", name=name, state=state, about=about)
    return ctx.t("reminders.rules.line_days", name=name, state=state, days=days, about=about)


async def _change_rule(ctx: Context, name: str, values: list[str]) -> None:
    assert ctx.user is not None
    config = load_reminder_config()
    rule = next(r for r in default_rules() if r.name == name)
    has_days = rule.defaults(config).days is not None
    value = values[0].lower() if values else "on"
    if value in _OFF:
        enabled, days = False, None
    elif value in _ON:
        enabled, days = True, None
    elif has_days and value.isdigit() and 1 <= int(value) <= 365:
        enabled, days = True, int(value)
    else:
        ctx.say("reminders.rules.bad_value" if has_days else "reminders.rules.bad_switch")
        return
    row = await store.set_rule(
        ctx.session, name, enabled=enabled, days=days, now=ctx.now, by=ctx.user.id
    )
    states = rule_states([rule], config, {name: row})
    ctx.say(
        "reminders.rules.changed",
        line=_rule_line(ctx, name, states[0].enabled, states[0].days),
    )


def routes() -> Router:
    router = Router()
    router.add(command("remind"), on_command)
    router.add(command("reminders"), upcoming)
    router.add(action(ReminderPage), next_page)
    router.add(command("digest"), digest)
    router.add(command("rules"), rules)
    router.add(action(UndoReminder), undo_reminder)
    router.add(explicit_text(), on_text)
    return router
