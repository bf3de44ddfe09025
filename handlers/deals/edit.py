"""Changing a deal's amount or expected close date by button, then typing the new value."""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from bot.context import Context, FlowKey
from bot.nlu.amounts import find_amount
from bot.nlu.dates import parse_datetime
from bot.nlu.message import MAX_AMOUNT
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.deals.amounts import set_amount
from handlers.deals.views import deal_card
from locales.formatting import format_money
from store.models import Deal


class State(StrEnum):
    AMOUNT = "amount"
    CLOSE = "close"


KEY = FlowKey("deal_edit", 1, State)
Months = Literal[0, 1, 3]
"""Close by the end of this month, next month, or in three months."""


@dataclass(frozen=True)
class CloseIn(Answer, tag="ec"):
    months: Months


def month_end(day: date, months_ahead: int = 0) -> date:
    year, month = day.year, day.month + months_ahead
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def amount_cents(text: str, currency: str) -> tuple[int, str] | None:
    """``50万`` / ``$20k`` / ``80000`` -> (cents, currency); ``currency`` when none is written
    (the deal's own for an existing deal, so "500k" on a USD deal is USD 500k). None for
    what is not an amount, a negative one, or one past :data:`MAX_AMOUNT`."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.startswith(("-", "−", "负")):
        return None
    money = find_amount(text)
    if money is None:
        digits = text.replace(",", "")
        if not digits.replace(".", "", 1).isdigit():
            return None
        value, found = Decimal(digits), currency
    else:
        value, found = money.amount, money.currency or currency
    if not 0 < value <= MAX_AMOUNT:
        return None
    return int(value * 100), found


async def start_amount(ctx: Context, deal: Deal) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.AMOUNT, {"deal_id": deal.id})
    ctx.say("deal.ask_amount")


def ask_close(ctx: Context) -> None:
    ctx.ask(
        ctx.t("deal.ask_close"),
        [
            Button(ctx.t("deal.close_this_month"), CloseIn(0)),
            Button(ctx.t("deal.close_next_month"), CloseIn(1)),
            Button(ctx.t("deal.close_quarter"), CloseIn(3)),
        ],
    )


async def start_close(ctx: Context, deal: Deal) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.CLOSE, {"deal_id": deal.id})
    ask_close(ctx)


async def on_amount(ctx: Context) -> None:
    assert ctx.flow is not None
    deal = await ctx.records.get(Deal, ctx.flow.data["deal_id"], for_update=True)
    parsed = amount_cents(ctx.text, deal.currency) if ctx.text else None
    if parsed is None:
        ctx.say("deal.bad_amount")
        return
    old = format_money(deal.amount_cents, deal.currency, ctx.lang)
    new = format_money(parsed[0], parsed[1], ctx.lang)
    ctx.say("deal.amount_changed", title=deal.title, old=old, new=new)
    ctx.flow.end()
    await set_amount(ctx, deal, *parsed)
    ctx.reply(await deal_card(ctx, deal))


def close_date(ctx: Context) -> date | None:
    today = ctx.sent_local.date()
    if isinstance(ctx.action, CloseIn):
        return month_end(today, ctx.action.months)
    if not ctx.text:
        return None
    at = parse_datetime(ctx.text, ctx.sent_local)
    return at.date() if at is not None else None


async def on_close(ctx: Context) -> None:
    assert ctx.flow is not None
    day = close_date(ctx)
    if day is None or day < ctx.sent_local.date() - timedelta(days=366):
        ctx.say("deal.bad_date")
        ask_close(ctx)
        return
    deal = await ctx.records.get(Deal, ctx.flow.data["deal_id"], for_update=True)
    await ctx.records.update(deal, expected_close=day)
    ctx.flow.end()
    ctx.reply(await deal_card(ctx, deal))


FLOW = Flow(
    KEY,
    {State.AMOUNT: Step(on_amount, Expects.NUMBER), State.CLOSE: Step(on_close, Expects.DATE)},
    answers=(CloseIn,),
)
