"""``/deal`` (``/商机``): customer -> title -> amount -> stage -> expected close -> saved."""

from __future__ import annotations

from bot.context import Context
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Expects, Flow, Step, flow_payload, flow_value
from handlers.common.labels import stage_label
from handlers.deals import edit
from handlers.deals.views import deal_card
from store.deals import create_deal
from store.models import Company
from store.search import company_hits, search

NAME = "new_deal"
VERSION = 1
MAX_TITLE = 200


def _button(label: str, value: str) -> Button:
    return Button(label, flow_payload(NAME, value))


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    ctx.flow.start(NAME, VERSION, "customer")
    if company is not None:
        await _with_company(ctx, company)
    elif ctx.args:
        await _search(ctx, ctx.args)
    else:
        ctx.say("deal.ask_customer")


async def _search(ctx: Context, query: str) -> None:
    companies = company_hits(await search(ctx.records, query, limit=6))
    if len(companies) == 1:
        company_id = next(iter(companies))
        await _with_company(ctx, await ctx.records.get(Company, company_id))
        return
    if not companies:
        ctx.say("deal.no_customer", query=query)
        return
    ctx.ask(
        ctx.t("deal.pick_customer"),
        [_button(name[:60], f"co{cid}") for cid, name in companies.items()],
    )


async def _with_company(ctx: Context, company: Company) -> None:
    assert ctx.flow is not None
    ctx.flow.update(company_id=company.id, company=company.name)
    ctx.flow.goto("title")
    default = ctx.t("deal.default_title", company=company.name)
    ctx.ask(ctx.t("deal.ask_title", default=default), [_button(ctx.t("common.skip"), "skip")])


async def on_customer(ctx: Context) -> None:
    value = flow_value(ctx, NAME)
    if value and value.startswith("co") and value[2:].isdigit():
        await _with_company(ctx, await ctx.records.get(Company, int(value[2:])))
    elif ctx.text:
        await _search(ctx, ctx.text)
    else:
        ctx.say("deal.ask_customer")


async def on_title(ctx: Context) -> None:
    assert ctx.flow is not None
    if flow_value(ctx, NAME) == "skip" or not ctx.text:
        title = ctx.t("deal.default_title", company=ctx.flow.data["company"])
    else:
        title = " ".join(ctx.text.split())[:MAX_TITLE]
    ctx.flow.update(title=title)
    ctx.flow.goto("amount")
    ctx.ask(ctx.t("deal.ask_amount"), [_button(ctx.t("common.skip"), "skip")])


async def on_amount(ctx: Context) -> None:
    assert ctx.flow is not None
    if flow_value(ctx, NAME) == "skip":
        cents, currency = 0, ctx.currency
    else:
        parsed = edit.amount_cents(ctx.text, ctx.currency) if ctx.text else None
        if parsed is None:
            ctx.say("deal.bad_amount")
            return
        cents, currency = parsed
    ctx.flow.update(amount_cents=cents, currency=currency)
    ctx.flow.goto("stage")
    ctx.ask(
        ctx.t("deal.ask_stage"),
        [_button(stage_label(ctx, s), f"st{s}") for s in ctx.settings.pipeline.open_stages],
    )


async def on_stage(ctx: Context) -> None:
    assert ctx.flow is not None
    value = flow_value(ctx, NAME) or ""
    stage = value.removeprefix("st")
    if not value.startswith("st") or stage not in ctx.settings.pipeline.open_stages:
        ctx.say("deal.ask_stage_buttons")
        return
    ctx.flow.update(stage=stage)
    ctx.flow.goto("close")
    ctx.ask(
        ctx.t("deal.ask_close"),
        [
            Button(ctx.t("deal.close_this_month"), flow_payload(NAME, "m0")),
            Button(ctx.t("deal.close_next_month"), flow_payload(NAME, "m1")),
            Button(ctx.t("deal.close_quarter"), flow_payload(NAME, "m3")),
            _button(ctx.t("common.skip"), "skip"),
        ],
    )


async def on_close(ctx: Context) -> None:
    assert ctx.flow is not None
    value = flow_value(ctx, NAME)
    if value == "skip":
        close = None
    else:
        if value in {"m0", "m1", "m3"}:
            close = edit.month_end(ctx.sent_local.date(), int(value[1]))
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
    name=NAME,
    version=VERSION,
    states={
        "customer": on_customer,
        "title": on_title,
        "amount": Step(on_amount, Expects.NUMBER),
        "stage": Step(on_stage, Expects.CHOICE),
        "close": Step(on_close, Expects.DATE),
    },
)
