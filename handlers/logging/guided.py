"""``/log`` (``/记录``): the same log, step by step — type, customer, what happened, next step."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Context
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Expects, Flow, Step, flow_payload, flow_value
from handlers.common.labels import activity_label
from handlers.logging import core
from locales.formatting import next_weekday
from store.models import Company
from store.search import company_hits, search

NAME = "guided_log"
VERSION = 1
NEXT_STEPS = ("tomorrow", "3days", "nextweek", "2weeks", "none")


def _button(label: str, value: str) -> Button:
    return Button(label[:60], flow_payload(NAME, value))


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    data = {
        "company_id": company.id if company else None,
        "company": company.name if company else None,
    }
    ctx.flow.start(NAME, VERSION, "kind", data)
    ctx.ask(ctx.t("log.ask_kind"), [_button(activity_label(ctx, k), f"k{k}") for k in core.KINDS])


async def on_kind(ctx: Context) -> None:
    assert ctx.flow is not None
    value = flow_value(ctx, NAME) or ""
    kind = value.removeprefix("k")
    if not value.startswith("k") or kind not in core.KINDS:
        ctx.say("log.ask_kind_buttons")
        return
    ctx.flow.update(activity=kind)
    if ctx.flow.data.get("company_id"):
        _ask_outcome(ctx)
    else:
        ctx.flow.goto("customer")
        ctx.say("log.ask_customer_search")


async def on_customer(ctx: Context) -> None:
    """Search as you type: each message narrows the list; a button picks."""
    assert ctx.flow is not None
    value = flow_value(ctx, NAME) or ""
    if value.startswith("co") and value[2:].isdigit():
        company = await ctx.records.get(Company, int(value[2:]))
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
        [_button(name, f"co{cid}") for cid, name in list(companies.items())[:6]],
    )


def _ask_outcome(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto("outcome")
    ctx.say("log.ask_outcome", company=ctx.flow.data["company"])


async def on_outcome(ctx: Context) -> None:
    assert ctx.flow is not None
    if not ctx.text:
        ctx.say("log.ask_outcome", company=ctx.flow.data["company"])
        return
    ctx.flow.update(summary=ctx.text[:2000])
    ctx.flow.goto("next")
    ctx.ask(
        ctx.t("log.ask_next"),
        [_button(ctx.t(f"log.next_{step}"), step) for step in NEXT_STEPS],
    )


def follow_up_at(ctx: Context, step: str) -> datetime | None:
    now = ctx.sent_local
    at_time = ctx.settings.follow_up_time
    days = {"tomorrow": 1, "3days": 3, "2weeks": 14}
    if step in days:
        return datetime.combine((now + timedelta(days=days[step])).date(), at_time, now.tzinfo)
    if step == "nextweek":
        return datetime.combine(next_weekday(now, 0), at_time, now.tzinfo)
    return None


async def on_next(ctx: Context) -> None:
    assert ctx.flow is not None
    value = flow_value(ctx, NAME)
    if value in NEXT_STEPS:
        follow_up = follow_up_at(ctx, value)
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
    plan: core.Plan = {
        "activity": data["activity"],
        "customer_text": data["company"],
        "company_id": data["company_id"],
        "contact": None,
        "summary": data["summary"],
        "amount": None,
        "currency": None,
        "stage": None,
        "follow_up": follow_up.isoformat() if follow_up else None,
        "deal_id": None,
        "created_company": None,
        "source_text": None,
        "sent_at": ctx.event.sent_at.isoformat(),
        "intent": "log",
    }
    ctx.flow.end()
    await core.save_plan(ctx, plan)


FLOW = Flow(
    name=NAME,
    version=VERSION,
    states={
        "kind": Step(on_kind, Expects.CHOICE),
        "customer": on_customer,
        "outcome": Step(on_outcome, Expects.MESSAGE),
        "next": Step(on_next, Expects.DATE),
    },
)
