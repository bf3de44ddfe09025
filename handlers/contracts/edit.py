"""✏️ Edit on a contract card: its amount, start or end date, typed, shown old → new and
saved only when confirmed; every change is in the audit log (the contract is an owned
record).

Only the owner or an admin edits (``Records.may_correct``), and only a draft or an active
contract: one in approval waits for its answer (an approver rejects it back to draft), an
ended one is history. A new amount may not fall below the instalments already planned, and
the end stays after the start. An active contract whose amount goes up into a range that
needs approval is a draft again, to be submitted: an approval given for less does not cover
more.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from bot.context import Context, FlowKey, UserFacingError
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.contracts.new_contract import typed_date
from handlers.contracts.views import contract_card, money, status_label
from handlers.deals.edit import amount_cents
from locales.formatting import format_full_date
from store import contracts
from store.models import Contract

Field = Literal["amount", "start", "end"]
FIELDS: tuple[Field, ...] = ("amount", "start", "end")


class State(StrEnum):
    FIELD = "field"
    VALUE = "value"
    CONFIRM = "confirm"


KEY = FlowKey("contract_edit", 1, State)


@dataclass(frozen=True)
class PickField(Answer, tag="kv"):
    field: Field


@dataclass(frozen=True)
class ConfirmChange(Answer, tag="kz"):
    save: bool


async def start(ctx: Context, contract: Contract) -> None:
    assert ctx.flow is not None
    if not ctx.records.may_correct(contract):
        raise UserFacingError("contracts.edit.not_yours", number=contract.number)
    if contract.status not in (contracts.DRAFT, contracts.ACTIVE):
        raise UserFacingError(
            "contracts.edit.not_editable",
            number=contract.number,
            status=status_label(ctx, contract),
        )
    ctx.flow.start(KEY, State.FIELD, {"contract_id": contract.id})
    ctx.ask(
        ctx.t("contracts.edit.ask_field", number=contract.number),
        [Button(ctx.t(f"contracts.edit.field_{f}"), PickField(f)) for f in FIELDS],
    )


async def on_field(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, PickField) or ctx.action.field not in FIELDS:
        ctx.say("contracts.edit.pick_field")
        return
    ctx.flow.update(field=ctx.action.field)
    ctx.flow.goto(State.VALUE)
    ctx.say(f"contracts.edit.ask_{ctx.action.field}")


def _show(ctx: Context, contract: Contract, field: str, value: int | str) -> str:
    if field == "amount":
        assert isinstance(value, int)
        return money(ctx, value, contract.currency, contract.owner_id)
    assert isinstance(value, str)
    return format_full_date(date.fromisoformat(value), ctx.lang)


def _current(contract: Contract, field: str) -> int | str:
    if field == "amount":
        return contract.amount_cents
    return (contract.starts_on if field == "start" else contract.ends_on).isoformat()


async def on_value(ctx: Context) -> None:
    assert ctx.flow is not None
    contract = await ctx.records.get(Contract, ctx.flow.data["contract_id"])
    field = ctx.flow.data["field"]
    new: int | str
    if field == "amount":
        text = unicodedata.normalize("NFKC", ctx.text).strip()
        parsed = amount_cents(text, contract.currency) if text else None
        if text.startswith(("-", "−", "负")) or (parsed is not None and parsed[0] <= 0):
            ctx.say("contracts.bad_amount_negative")
            return
        if parsed is None or parsed[1] != contract.currency:
            ctx.say("contracts.edit.bad_amount", currency=contract.currency)
            return
        planned = sum(p.amount_cents for p in await contracts.instalments(ctx.session, contract.id))
        if parsed[0] < planned:
            ctx.say(
                "contracts.edit.below_plan",
                planned=money(ctx, planned, contract.currency, contract.owner_id),
            )
            return
        new = parsed[0]
    else:
        day = typed_date(ctx)
        if day is None:
            ctx.say("contracts.bad_date")
            return
        starts_on = day if field == "start" else contract.starts_on
        ends_on = day if field == "end" else contract.ends_on
        if ends_on <= starts_on:
            ctx.say(
                "contracts.edit.bad_term",
                start=format_full_date(starts_on, ctx.lang),
                end=format_full_date(ends_on, ctx.lang),
            )
            return
        new = day.isoformat()
    ctx.flow.update(new=new)
    ctx.flow.goto(State.CONFIRM)
    ctx.ask(
        ctx.t(
            "contracts.edit.confirm",
            number=contract.number,
            field=ctx.t(f"contracts.edit.field_{field}"),
            old=_show(ctx, contract, field, _current(contract, field)),
            new=_show(ctx, contract, field, new),
        ),
        [
            Button(ctx.t("contracts.edit.save"), ConfirmChange(True)),
            Button(ctx.t("contracts.edit.cancel"), ConfirmChange(False)),
        ],
    )


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, ConfirmChange):
        ctx.say("contracts.edit.pick_save")
        return
    data = dict(ctx.flow.data)
    ctx.flow.end()
    if not ctx.action.save:
        ctx.say("contracts.edit.cancelled")
        return
    contract = await ctx.records.get(Contract, data["contract_id"], for_update=True)
    if contract.status not in (contracts.DRAFT, contracts.ACTIVE):
        raise UserFacingError(
            "contracts.edit.not_editable",
            number=contract.number,
            status=status_label(ctx, contract),
        )
    field, new = data["field"], data["new"]
    old = _show(ctx, contract, field, _current(contract, field))
    amount = int(new) if field == "amount" else contract.amount_cents
    starts_on = date.fromisoformat(new) if field == "start" else contract.starts_on
    ends_on = date.fromisoformat(new) if field == "end" else contract.ends_on
    policy = ctx.settings.contracts
    again = (
        contract.status == contracts.ACTIVE
        and amount > contract.amount_cents
        and policy.roles_for(amount, contract.currency)
        != policy.roles_for(contract.amount_cents, contract.currency)
    )
    try:
        contracts.check_terms(amount, starts_on, ends_on)
    except contracts.ContractError as error:
        raise UserFacingError(error.key, start="-") from error
    changes: dict[str, Any] = {"amount_cents": amount, "starts_on": starts_on, "ends_on": ends_on}
    if again:
        changes["status"] = contracts.DRAFT
    await ctx.records.update(contract, **changes)
    ctx.say(
        "contracts.edit.saved",
        number=contract.number,
        field=ctx.t(f"contracts.edit.field_{field}"),
        old=old,
        new=_show(ctx, contract, field, new),
    )
    if again:
        ctx.say("contracts.edit.back_to_draft", number=contract.number)
    ctx.reply(await contract_card(ctx, contract))


FLOW = Flow(
    KEY,
    {
        State.FIELD: Step(on_field, Expects.CHOICE),
        State.VALUE: Step(on_value, Expects.TEXT),
        State.CONFIRM: Step(on_confirm, Expects.CHOICE),
    },
    answers=(PickField, ConfirmChange),
)
