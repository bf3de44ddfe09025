"""``/deal`` (``/商机``): customer -> title -> amount -> stage -> expected close -> saved."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.context import Context, FlowKey
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.customer_pick import find_customer
from handlers.common.labels import stage_label
from handlers.deals import edit
from handlers.deals.views import deal_card
from store.deals import create_deal
from store.models import Company


class State(StrEnum):
    CUSTOMER = "customer"
    TITLE = "title"
    AMOUNT = "amount"
    STAGE = "stage"
    CLOSE = "close"


KEY = FlowKey("new_deal", 1, State)
MAX_TITLE = 200


@dataclass(frozen=True)
class PickCompany(Answer, tag="nd"):
    company: int


@dataclass(frozen=True)
class ChooseStage(Answer, tag="ns"):
    """One of the configured pipeline's open stages (checked when pressed)."""

    stage: str


@dataclass(frozen=True)
class CloseIn(Answer, tag="nm"):
    months: edit.Months


@dataclass(frozen=True)
class Skip(Answer, tag="nk"):
    pass


def _skipped(ctx: Context) -> bool:
    return isinstance(ctx.action, Skip)


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.CUSTOMER)
    if company is not None:
        await _with_company(ctx, company)
    elif ctx.args:
        await _search(ctx, ctx.args)
    else:
        ctx.say("deal.ask_customer")


async def _search(ctx: Context, query: str) -> None:
    await find_customer(
        ctx,
        query,
        chosen=_with_company,
        nothing="deal.no_customer",
        question="deal.pick_customer",
        answer=PickCompany,
    )


async def _with_company(ctx: Context, company: Company) -> None:
    assert ctx.flow is not None
    ctx.flow.update(company_id=company.id, company=company.name)
    ctx.flow.goto(State.TITLE)
    default = ctx.t("deal.default_title", company=company.name)
    ctx.ask(ctx.t("deal.ask_title", default=default), [Button(ctx.t("common.skip"), Skip())])


async def on_customer(ctx: Context) -> None:
    if isinstance(ctx.action, PickCompany):
        await _with_company(ctx, await ctx.records.get(Company, ctx.action.company))
    elif ctx.text:
        await _search(ctx, ctx.text)
    else:
        ctx.say("deal.ask_customer")


async def on_title(ctx: Context) -> None:
    assert ctx.flow is not None
    if _skipped(ctx) or not ctx.text:
        title = ctx.t("deal.default_title", company=ctx.flow.data["company"])
    else:
        title = " ".join(ctx.text.split())[:MAX_TITLE]
    ctx.flow.update(title=title)
    ctx.flow.goto(State.AMOUNT)
    ctx.ask(ctx.t("deal.ask_amount"), [Button(ctx.t("common.skip"), Skip())])


async def on_amount(ctx: Context) -> None:
    assert ctx.flow is not None
    if _skipped(ctx):
        cents, currency = 0, ctx.currency
    else:
        parsed = edit.amount_cents(ctx.text, ctx.currency) if ctx.text else None
        if parsed is None:
            ctx.say("deal.bad_amount")
            return
        cents, currency = parsed
    ctx.flow.update(amount_cents=cents, currency=currency)
    ctx.flow.goto(State.STAGE)
    ctx.ask(
        ctx.t("deal.ask_stage"),
        [Button(stage_label(ctx, s), ChooseStage(s)) for s in ctx.settings.pipeline.open_stages],
    )


async def on_stage(ctx: Context) -> None:
    assert ctx.flow is not None
    pressed = ctx.action
    if (
        not isinstance(pressed, ChooseStage)
        or pressed.stage not in ctx.settings.pipeline.open_stages
    ):
        ctx.say("deal.ask_stage_buttons")
        return
    ctx.flow.update(stage=pressed.stage)
    ctx.flow.goto(State.CLOSE)
    ctx.ask(
        ctx.t("deal.ask_close"),
        [
            Button(ctx.t("deal.close_this_month"), CloseIn(0)),
            Button(ctx.t("deal.close_next_month"), CloseIn(1)),
            Button(ctx.t("deal.close_quarter"), CloseIn(3)),
            Button(ctx.t("common.skip"), Skip()),
        ],
    )


async def on_close(ctx: Context) -> None:
    assert ctx.flow is not None
    if _skipped(ctx):
        close = None
    else:
        if isinstance(ctx.action, CloseIn):
            close = edit.month_end(ctx.sent_local.date(), ctx.action.months)
        else:
            parsed = parse_datetime(ctx.text, ctx.sent_local) if ctx.text else None
            if parsed is None:
                ctx.say("deal.bad_date")
                return
            close = parsed.date()
    data = ctx.flow.data
    company = await ctx.records.get(Company, data["company_id"])
    deal = await create_deal(
        ctx.records,
        ctx.settings.pipeline,
        company,
        title=data["title"],
        amount_cents=data["amount_cents"],
        currency=data["currency"],
        stage=data["stage"],
        expected_close=close,
    )
    ctx.flow.end()
    ctx.say("deal.created", title=deal.title)
    ctx.reply(await deal_card(ctx, deal))


FLOW = Flow(
    KEY,
    {
        State.CUSTOMER: on_customer,
        State.TITLE: on_title,
        State.AMOUNT: Step(on_amount, Expects.NUMBER),
        State.STAGE: Step(on_stage, Expects.CHOICE),
        State.CLOSE: Step(on_close, Expects.DATE),
    },
    answers=(PickCompany, ChooseStage, CloseIn, Skip),
)
