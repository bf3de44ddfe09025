"""✍️ Signed: the date the contract was signed, typed as in logging ("today", "20 Nov",
"11月20日"; a day and month without a year mean the last one, not the next). Without it,
the day the contract becomes active is taken. A date in the future or after the contract's
end is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.context import Context, FlowKey
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.contracts.new_contract import years_after
from handlers.contracts.views import contract_card
from locales.formatting import format_full_date
from store.models import Contract


class State(StrEnum):
    DATE = "date"


KEY = FlowKey("contract_signed", 1, State)


@dataclass(frozen=True)
class SignedToday(Answer, tag="kh"):
    pass


def start(ctx: Context, contract: Contract) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.DATE, {"contract_id": contract.id})
    ctx.ask(
        ctx.t("contracts.ask_signed", number=contract.number),
        [Button(ctx.t("contracts.today"), SignedToday())],
    )


async def on_date(ctx: Context) -> None:
    assert ctx.flow is not None
    today = ctx.sent_local.date()
    day: date | None = today
    if not isinstance(ctx.action, SignedToday):
        parsed = parse_datetime(ctx.text, ctx.sent_local) if ctx.text else None
        day = parsed.date() if parsed is not None else None
        if day is not None and day > today and str(day.year) not in ctx.text:
            # The readers look ahead ("16 Nov" is next 16 Nov); a signing looks back.
            day = years_after(day, -1)
    if day is None:
        ctx.say("contracts.bad_date")
        return
    contract = await ctx.records.get(Contract, ctx.flow.data["contract_id"], for_update=True)
    if day > today or day > contract.ends_on:
        ctx.say("contracts.bad_signed", today=format_full_date(today, ctx.lang))
        return
    ctx.flow.end()
    await ctx.records.update(contract, signed_on=day)
    ctx.reply(await contract_card(ctx, contract))


FLOW = Flow(KEY, {State.DATE: Step(on_date, Expects.DATE)}, answers=(SignedToday,))
