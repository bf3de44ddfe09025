"""``/log`` (``/记录``): the same log, step by step — type, customer, what happened, next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.context import Context, FlowKey
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.labels import activity_label
from handlers.logging import core
from handlers.logging.plan import Plan
from locales.formatting import next_weekday
from store.models import ActivityKind, Company
from store.search import company_hits, search


class State(StrEnum):
    KIND = "kind"
    CUSTOMER = "customer"
    OUTCOME = "outcome"
    NEXT = "next"


class NextStep(StrEnum):
    TOMORROW = "tomorrow"
    THREE_DAYS = "3days"
    NEXT_WEEK = "nextweek"
    TWO_WEEKS = "2weeks"
    NONE = "none"


KEY = FlowKey("guided_log", 1, State)


@dataclass(frozen=True)
class PickKind(Answer, tag="gk"):
    kind: ActivityKind


@dataclass(frozen=True)
class PickCompany(Answer, tag="gc"):
    company: int


@dataclass(frozen=True)
class PickNext(Answer, tag="gn"):
    step: NextStep


def _button(label: str, answer: Answer) -> Button:
    return Button(label[:60], answer)


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    data = {
        "company_id": company.id if company else None,
        "company": company.name if company else None,
    }
    ctx.flow.start(KEY, State.KIND, data)
    ctx.ask(
        ctx.t("log.ask_kind"), [_button(activity_label(ctx, k), PickKind(k)) for k in core.KINDS]
    )


async def on_kind(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, PickKind):
        ctx.say("log.ask_kind_buttons")
        return
    ctx.flow.update(activity=ctx.action.kind.value)
    if ctx.flow.data.get("company_id"):
        _ask_outcome(ctx)
    else:
        ctx.flow.goto(State.CUSTOMER)
        ctx.say("log.ask_customer_search")


async def on_customer(ctx: Context) -> None:
    """Search as you type: each message narrows the list; a button picks."""
    assert ctx.flow is not None
    if isinstance(ctx.action, PickCompany):
        company = await ctx.records.get(Company, ctx.action.company)
        ctx.flow.update(company_id=company.id, company=company.name)
        _ask_outcome(ctx)
        return
    if not ctx.text:
        ctx.say("log.ask_customer_search")
        return
    companies = company_hits(await search(ctx.records, ctx.text, limit=8))
    if not companies:
        ctx.say("log.no_match", query=ctx.text)
        return
    ctx.ask(
        ctx.t("log.pick_customer"),
        [_button(name, PickCompany(cid)) for cid, name in list(companies.items())[:6]],
    )


def _ask_outcome(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto(State.OUTCOME)
    ctx.say("log.ask_outcome", company=ctx.flow.data["company"])


async def on_outcome(ctx: Context) -> None:
    assert ctx.flow is not None
    if not ctx.text:
        ctx.say("log.ask_outcome", company=ctx.flow.data["company"])
        return
    ctx.flow.update(summary=ctx.text[:2000])
    ctx.flow.goto(State.NEXT)
    ctx.ask(
        ctx.t("log.ask_next"),
        [_button(ctx.t(f"log.next_{step}"), PickNext(step)) for step in NextStep],
    )


def follow_up_at(ctx: Context, step: NextStep) -> datetime | None:
    now = ctx.sent_local
    at_time = ctx.settings.follow_up_time
    days = {NextStep.TOMORROW: 1, NextStep.THREE_DAYS: 3, NextStep.TWO_WEEKS: 14}
    if step in days:
        return datetime.combine((now + timedelta(days=days[step])).date(), at_time, now.tzinfo)
    if step is NextStep.NEXT_WEEK:
        return datetime.combine(next_weekday(now, 0), at_time, now.tzinfo)
    return None


async def on_next(ctx: Context) -> None:
    assert ctx.flow is not None
    if isinstance(ctx.action, PickNext):
        follow_up = follow_up_at(ctx, ctx.action.step)
    elif ctx.text:
        follow_up = parse_datetime(
            ctx.text, ctx.sent_local, default_time=ctx.settings.follow_up_time
        )
        if follow_up is None:
            ctx.say("log.bad_date")
            return
    else:
        ctx.say("log.ask_next")
        return
    data = ctx.flow.data
    plan = Plan(
        activity=data["activity"],
        customer_text=data["company"],
        company_id=data["company_id"],
        summary=data["summary"],
        follow_up=follow_up,
        sent_at=ctx.event.sent_at,
    )
    ctx.flow.end()
    await core.save_plan(ctx, plan)


FLOW = Flow(
    KEY,
    {
        State.KIND: Step(on_kind, Expects.CHOICE),
        State.CUSTOMER: on_customer,
        State.OUTCOME: Step(on_outcome, Expects.MESSAGE),
        State.NEXT: Step(on_next, Expects.DATE),
    },
    answers=(PickKind, PickCompany, PickNext),
)
