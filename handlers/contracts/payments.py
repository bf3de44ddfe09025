"""The payment plan: instalments typed one per line, marked paid by a button or by one
message ("received ¥200k from 星辰科技 today", "今天收到星辰科技20万回款").

The message is read with the logging's own readers (:mod:`bot.nlu`: amount and date), the
customer recognised among the names the rep may see. An unpaid instalment of exactly
that amount (what is still due of it) on one of the customer's active contracts is marked
paid; less than the earliest instalment due is recorded as a partial payment of it; anything
else (more than it, another currency, no such customer) is answered, never guessed — the
card with its Paid buttons is shown instead.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.amounts import find_amount
from bot.nlu.dates import find_datetime
from conversations.base import Expects, Flow, Step
from handlers.contracts.views import contract_card, money, status_label
from handlers.deals.edit import amount_cents
from locales.formatting import format_full_date
from store import contracts
from store.contracts import ContractError
from store.known_names import known_names
from store.models import Company, Contract, ContractPayment


class State(StrEnum):
    PLAN = "plan"


KEY = FlowKey("contract_plan", 1, State)
MAX_LINES = 24

RECEIVED = re.compile(
    r"\breceived\b|\bpayment (?:of|received)\b|回款|到账|收到.{0,16}?款", re.IGNORECASE
)
"""Words that make a message about money coming in (with an amount in it)."""


def is_received(ctx: Context) -> bool:
    """Money coming in, in words, with an amount (a cheap test before any query)."""
    text = ctx.text
    if ctx.command or ctx.action is not None or not text:
        return False
    return bool(RECEIVED.search(text)) and find_amount(text) is not None


async def start_plan(ctx: Context, contract: Contract) -> None:
    assert ctx.flow is not None
    if contract.status not in (contracts.DRAFT, contracts.APPROVAL, contracts.ACTIVE):
        raise UserFacingError(
            "contracts.payments.not_active",
            number=contract.number,
            status=status_label(ctx, contract),
        )
    ctx.flow.start(KEY, State.PLAN, {"contract_id": contract.id})
    ctx.say(
        "contracts.payments.ask_plan",
        number=contract.number,
        amount=money(ctx, contract.amount_cents, contract.currency, contract.owner_id),
    )


def read_plan(ctx: Context, text: str, currency: str) -> list[tuple[date, int]] | str:
    """Each line's (date, cents); the first line that isn't one, as typed, to say so."""
    plan = []
    for line in [part.strip() for part in text.splitlines() if part.strip()][:MAX_LINES]:
        found = find_datetime(line, ctx.sent_local)
        if found is None:
            return line
        rest = (line[: found.start] + " " + line[found.end :]).strip()
        parsed = amount_cents(rest, currency) if rest else None
        if parsed is None:
            return line
        plan.append((found.at.date(), parsed[0]))
    return plan


async def on_plan(ctx: Context) -> None:
    assert ctx.flow is not None
    contract = await ctx.records.get(Contract, ctx.flow.data["contract_id"], for_update=True)
    plan = read_plan(ctx, ctx.text, contract.currency) if ctx.text else ""
    if isinstance(plan, str) or not plan:
        ctx.say("contracts.payments.bad_line", line=plan or "-")
        return
    ctx.flow.end()
    try:
        rows = await contracts.add_instalments(ctx.session, contract, plan, ctx.now)
    except ContractError as error:
        amount = money(ctx, contract.amount_cents, contract.currency, contract.owner_id)
        raise UserFacingError(error.key, amount=amount) from error
    ctx.say("contracts.payments.planned", count=len(rows), number=contract.number)
    ctx.reply(await contract_card(ctx, contract))


async def mark(
    ctx: Context,
    payment: ContractPayment,
    contract: Contract,
    day: date,
    cents: int | None = None,
) -> None:
    """Record money in for one instalment: ``cents`` of it (a partial payment) or all that
    is still due (the caller loaded both through the record rules)."""
    assert ctx.user is not None
    if contract.status != contracts.ACTIVE:
        raise UserFacingError(
            "contracts.payments.not_active",
            number=contract.number,
            status=status_label(ctx, contract),
        )
    if payment.paid_on is not None:
        ctx.say("contracts.payments.already_paid", day=format_full_date(payment.paid_on, ctx.lang))
        return
    came = payment.due_cents if cents is None else cents
    try:
        full = contracts.record_payment(payment, came, day, ctx.user.id)
    except ContractError as error:
        raise UserFacingError(
            error.key, due=money(ctx, payment.due_cents, contract.currency, contract.owner_id)
        ) from error
    await ctx.session.flush()
    plan = await contracts.instalments(ctx.session, contract.id)
    received = sum(p.paid_cents for p in plan)
    ctx.say(
        "contracts.payments.marked_paid" if full else "contracts.payments.marked_partial",
        amount=money(ctx, came, contract.currency, contract.owner_id),
        number=contract.number,
        day=format_full_date(day, ctx.lang),
        outstanding=money(
            ctx, contract.amount_cents - received, contract.currency, contract.owner_id
        ),
        left=money(ctx, payment.due_cents, contract.currency, contract.owner_id),
        due=format_full_date(payment.due_on, ctx.lang),
    )
    ctx.reply(await contract_card(ctx, contract))


async def mark_by_button(ctx: Context, payment_id: int) -> None:
    payment = await ctx.session.get(ContractPayment, payment_id, with_for_update=True)
    if payment is None:
        raise UserFacingError("errors.not_found")
    contract = await ctx.records.get(Contract, payment.contract_id, for_update=True)
    await mark(ctx, payment, contract, ctx.sent_local.date())


async def on_received(ctx: Context) -> bool:
    """ "received ¥200k from 星辰科技 today": the customer's unpaid instalment of that amount.
    ``False`` (nothing said) when no customer with an unpaid instalment is named: the
    message is then an ordinary log ("Acme PO received, 500k")."""
    if not is_received(ctx):
        return False
    text = ctx.text
    folded = text.casefold()
    names = sorted(
        (n for n in await known_names(ctx.records) if n and n.casefold() in folded),
        key=len,
        reverse=True,
    )
    if not names:
        return False
    company = await ctx.session.scalar(
        ctx.records.select(Company).where(Company.name == names[0]).limit(1)
    )
    unpaid = await contracts.unpaid_of_company(ctx.records, company.id) if company else []
    if company is None or not unpaid:
        return False
    money_found = find_amount(text)
    assert money_found is not None
    dated = find_datetime(text, ctx.sent_local)
    day = dated.at.date() if dated is not None else ctx.sent_local.date()
    cents = int(money_found.amount * 100)
    for payment, contract in unpaid:
        if (cents, money_found.currency or contract.currency) == (
            payment.due_cents,
            contract.currency,
        ):
            await ctx.records.get(Contract, contract.id, for_update=True)
            await mark(ctx, payment, contract, day)
            return True
    payment, first = unpaid[0]
    if (money_found.currency or first.currency) == first.currency and 0 < cents < payment.due_cents:
        # Less than the earliest instalment still due: a partial payment of it.
        await ctx.records.get(Contract, first.id, for_update=True)
        await mark(ctx, payment, first, day, cents)
        return True
    ctx.say(
        "contracts.payments.no_match",
        amount=money(ctx, cents, money_found.currency or first.currency, ctx.masking.viewer_id),
        company=company.name,
    )
    ctx.reply(await contract_card(ctx, first))
    return True


FLOW = Flow(KEY, {State.PLAN: Step(on_plan, Expects.TEXT)})
