"""``/subscribe weekly|daily [report]`` (``/订阅``), ``/unsubscribe [report]`` (``/退订``).

A subscription is a standing ``/pipeline`` (or any of the five charts): the scheduler sends
the same image and three lines, for what the subscriber may see, at their local report time
(see :mod:`scheduler.manager_reports`). Without a report the subscription is to the
pipeline — the one chart that says where the business stands at a glance; the confirmation
says so. ``/subscribe`` alone lists what one has, with a button per change (one thumb).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context, UserFacingError
from bot.payloads import Action
from bot.replies import Button
from bot.router import Router, action, command
from handlers.reports.routes import KINDS
from store import subscriptions as store
from store.subscriptions import EVERY

DEFAULT_REPORT = "pipeline"


@dataclass(frozen=True)
class Subscribe(Action, tag="sa", legacy=("sub.add",)):
    every: str  # checked against the store's frequencies when pressed
    report: str  # and against the report kinds


@dataclass(frozen=True)
class Unsubscribe(Action, tag="sr", legacy=("sub.rm",)):
    subscription: int


def _aliases(ctx: Context) -> tuple[dict[str, str], dict[str, str]]:
    """Words for a frequency and for a report, in every language (longest first)."""
    every = ctx.translator.aliases("subscriptions.every")
    kinds = {a: k for a, k in ctx.translator.aliases("commands").items() if k in KINDS}
    kinds.update({k: k for k in KINDS})
    return every, kinds


def parse(ctx: Context, text: str) -> tuple[str | None, str | None, bool]:
    """(frequency, report, understood) from ``weekly funnel`` / ``漏斗 每周`` / ``每天``."""
    rest = text.strip().lower()
    found: dict[str, str] = {}
    every_words, kind_words = _aliases(ctx)
    for slot, words in (("every", every_words), ("report", kind_words)):
        for word in sorted(words, key=len, reverse=True):
            if word and word in rest:
                found[slot] = words[word]
                rest = rest.replace(word, " ", 1)
                break
    return found.get("every"), found.get("report"), not rest.strip(" ,/，")


def label(ctx: Context, every: str, report: str) -> str:
    return ctx.t(f"subscriptions.label_{every}", report=ctx.t(f"reports.{report}.title"))


def when(ctx: Context, every: str) -> str:
    """``every Monday at 9:00`` (``CRMBOT_REPORT_TIME`` / ``CRMBOT_REPORT_WEEKDAY``)."""
    at = ctx.settings.report_time
    day = ctx.t("subscriptions.weekdays").split()[ctx.settings.report_weekday]
    return ctx.t(f"subscriptions.when_{every}", time=f"{at.hour}:{at.minute:02d}", day=day)


async def show(ctx: Context) -> None:
    """What the user has, a ❌ button per subscription and ➕ for the common ones."""
    assert ctx.user is not None
    mine = await store.of_user(ctx.session, ctx.user.id)
    had = {(s.every, s.report) for s in mine}
    buttons = [Button("❌ " + label(ctx, s.every, s.report), Unsubscribe(s.id)) for s in mine]
    offers = [("weekly", kind) for kind in KINDS]
    offers += [("daily", DEFAULT_REPORT), ("monthly", "leaderboard")]
    buttons += [
        Button("➕ " + label(ctx, every, kind), Subscribe(every, kind))
        for every, kind in offers
        if (every, kind) not in had
    ]
    lines = [label(ctx, s.every, s.report) + " — " + when(ctx, s.every) for s in mine]
    text = (
        ctx.t("subscriptions.list", items="\n".join("• " + line for line in lines))
        if lines
        else ctx.t("subscriptions.none")
    )
    ctx.ask(text, buttons)


async def _subscribe(ctx: Context, every: str, report: str, *, defaulted: bool) -> None:
    assert ctx.user is not None
    added = await store.add(ctx.session, ctx.user.id, report=report, every=every, now=ctx.now)
    key = "subscriptions.added" if added else "subscriptions.already"
    ctx.say(key, what=label(ctx, every, report), when=when(ctx, every), tz=str(ctx.tz))
    if defaulted:
        ctx.say("subscriptions.defaulted", report=ctx.t(f"reports.{report}.title"))


async def subscribe(ctx: Context) -> None:
    if not ctx.args.strip():
        await show(ctx)
        return
    every, report, understood = parse(ctx, ctx.args)
    if not understood or every is None:
        ctx.say("subscriptions.usage")
        return
    await _subscribe(ctx, every, report or DEFAULT_REPORT, defaulted=report is None)


async def unsubscribe(ctx: Context) -> None:
    assert ctx.user is not None
    every, report, understood = parse(ctx, ctx.args)
    if not understood:
        ctx.say("subscriptions.usage")
        return
    if every is None and report is None:
        await show(ctx)
        return
    gone = await store.remove(ctx.session, ctx.user.id, report=report, every=every)
    _say_removed(ctx, [(s.every, s.report) for s in gone])


def _say_removed(ctx: Context, gone: list[tuple[str, str]]) -> None:
    if not gone:
        ctx.say("subscriptions.not_subscribed")
        return
    ctx.say("subscriptions.removed", what=", ".join(label(ctx, e, r) for e, r in gone))


async def add_button(ctx: Context) -> None:
    pressed = ctx.pressed(Subscribe)
    if pressed.every not in EVERY or pressed.report not in KINDS:
        raise UserFacingError("errors.not_found")
    await _subscribe(ctx, pressed.every, pressed.report, defaulted=False)
    await show(ctx)


async def remove_button(ctx: Context) -> None:
    assert ctx.user is not None
    sub_id = ctx.pressed(Unsubscribe).subscription
    gone = await store.remove(ctx.session, ctx.user.id, subscription_id=sub_id)
    _say_removed(ctx, [(s.every, s.report) for s in gone])
    await show(ctx)


def routes() -> Router:
    router = Router()
    router.add(command("subscribe"), subscribe)
    router.add(command("unsubscribe"), unsubscribe)
    router.add(action(Subscribe), add_button)
    router.add(action(Unsubscribe), remove_button)
    return router
