"""``/contract`` (``/合同``) and 📄 Contract on a won deal: customer -> amount -> start ->
end -> type -> a draft contract, shown with its card.

From a deal, the customer, deal and amount are taken from it (the amount asked only when
the deal has none). Bad input is refused where it is typed and asked again: an unknown
customer, an amount that is not positive, an end on or before the start.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.customer_pick import find_customer
from handlers.contracts.views import contract_card, type_label
from handlers.deals.edit import amount_cents
from locales.formatting import format_full_date
from store.contracts import ContractError, create_contract
from store.models import Company, Deal
from store.pipeline import WON


class State(StrEnum):
    CUSTOMER = "customer"
    AMOUNT = "amount"
    START = "start"
    END = "end"
    TYPE = "type"


KEY = FlowKey("new_contract", 1, State)


@dataclass(frozen=True)
class PickCustomer(Answer, tag="kq"):
    company: int


@dataclass(frozen=True)
class Today(Answer, tag="kg"):
    pass


@dataclass(frozen=True)
class Years(Answer, tag="ke"):
    years: int


@dataclass(frozen=True)
class PickType(Answer, tag="ky"):
    """One of the configured types (checked when pressed)."""

    kind: str


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.CUSTOMER)
    if company is not None:
        await _with_company(ctx, company)
    elif ctx.args:
        await _search(ctx, ctx.args)
    else:
        ctx.say("contracts.ask_customer")


async def start_from_deal(ctx: Context, deal: Deal) -> None:
    """Only a won deal becomes a contract (a forged button for another gets "not found")."""
    assert ctx.flow is not None
    if deal.stage != WON:
        raise UserFacingError("errors.not_found")
    company = await ctx.records.get(Company, deal.company_id)
    ctx.flow.start(KEY, State.CUSTOMER, {"deal_id": deal.id})
    if deal.amount_cents > 0:
        ctx.flow.update(amount_cents=deal.amount_cents, currency=deal.currency)
    await _with_company(ctx, company)


async def _search(ctx: Context, query: str) -> None:
    await find_customer(
        ctx,
        query,
        chosen=_with_company,
        nothing="contracts.no_customer",
        question="contracts.pick_customer",
        answer=PickCustomer,
    )


async def _with_company(ctx: Context, company: Company) -> None:
    assert ctx.flow is not None
    ctx.flow.update(company_id=company.id)
    if "amount_cents" in ctx.flow.data:
        _ask_start(ctx)
    else:
        ctx.flow.goto(State.AMOUNT)
        ctx.say("contracts.ask_amount")


def _ask_start(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto(State.START)
    ctx.ask(ctx.t("contracts.ask_start"), [Button(ctx.t("contracts.today"), Today())])


async def on_customer(ctx: Context) -> None:
    if isinstance(ctx.action, PickCustomer):
        await _with_company(ctx, await ctx.records.get(Company, ctx.action.company))
    elif ctx.text:
        await _search(ctx, ctx.text)
    else:
        ctx.say("contracts.ask_customer")


async def on_amount(ctx: Context) -> None:
    assert ctx.flow is not None
    text = unicodedata.normalize("NFKC", ctx.text).strip()
    if text.startswith(("-", "−", "负")) or text in ("0", "0.0"):
        ctx.say("contracts.bad_amount_negative")
        return
    parsed = amount_cents(text, ctx.currency) if text else None
    if parsed is None:
        ctx.say("contracts.bad_amount")
        return
    ctx.flow.update(amount_cents=parsed[0], currency=parsed[1])
    _ask_start(ctx)


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February: the 28th in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def typed_date(ctx: Context) -> date | None:
    parsed = parse_datetime(ctx.text, ctx.sent_local) if ctx.text else None
    return parsed.date() if parsed is not None else None


async def on_start(ctx: Context) -> None:
    assert ctx.flow is not None
    day = ctx.sent_local.date() if isinstance(ctx.action, Today) else typed_date(ctx)
    if day is None:
        ctx.say("contracts.bad_date")
        return
    ctx.flow.update(starts_on=day.isoformat())
    ctx.flow.goto(State.END)
    ctx.ask(
        ctx.t("contracts.ask_end"),
        [
            Button(ctx.t("contracts.in_one_year"), Years(1)),
            Button(ctx.t("contracts.in_two_years"), Years(2)),
        ],
    )


async def on_end(ctx: Context) -> None:
    assert ctx.flow is not None
    starts_on = date.fromisoformat(ctx.flow.data["starts_on"])
    if isinstance(ctx.action, Years):
        day: date | None = years_after(starts_on, ctx.action.years) - timedelta(days=1)
    else:
        day = typed_date(ctx)
    if day is None:
        ctx.say("contracts.bad_date")
        return
    if day <= starts_on:
        ctx.say("contracts.bad_end_before_start", start=format_full_date(starts_on, ctx.lang))
        return
    ctx.flow.update(ends_on=day.isoformat())
    ctx.flow.goto(State.TYPE)
    ctx.ask(
        ctx.t("contracts.ask_type"),
        [Button(type_label(ctx, kind), PickType(kind)) for kind in ctx.settings.contracts.types],
    )


async def on_type(ctx: Context) -> None:
    assert ctx.flow is not None
    pressed = ctx.action
    policy = ctx.settings.contracts
    if not isinstance(pressed, PickType) or pressed.kind not in policy.types:
        ctx.say("contracts.ask_type_buttons")
        return
    data = ctx.flow.data
    company = await ctx.records.get(Company, data["company_id"])
    try:
        contract = await create_contract(
            ctx.records,
            policy,
            company,
            kind=pressed.kind,
            amount_cents=data["amount_cents"],
            currency=data["currency"],
            starts_on=date.fromisoformat(data["starts_on"]),
            ends_on=date.fromisoformat(data["ends_on"]),
            signed_on=None,
            deal_id=data.get("deal_id"),
        )
    except ContractError as error:
        ctx.flow.end()
        raise UserFacingError(error.key, start="-") from error
    ctx.flow.end()
    ctx.say("contracts.created", number=contract.number)
    ctx.reply(await contract_card(ctx, contract))


FLOW = Flow(
    KEY,
    {
        State.CUSTOMER: on_customer,
        State.AMOUNT: Step(on_amount, Expects.NUMBER),
        State.START: Step(on_start, Expects.DATE),
        State.END: Step(on_end, Expects.DATE),
        State.TYPE: Step(on_type, Expects.CHOICE),
    },
    answers=(PickCustomer, Today, Years, PickType),
)
