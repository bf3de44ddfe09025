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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.amounts import find_amount
from bot.nlu.dates import find_datetime
from bot.nlu.message import parse_log
from bot.payloads import Action
from bot.replies import Button
from conversations.base import Expects, Flow, Step
from handlers.common.customer_names import customer_names
from handlers.contracts.actions import NewContractFor, OpenContract
from handlers.contracts.views import contract_card, money, status_label
from handlers.deals.edit import amount_cents
from locales.formatting import format_full_date
from store import contracts
from store.contracts import ContractError
from store.models import Company, Contract, ContractPayment


@dataclass(frozen=True)
class PaymentIn(Action, tag="km"):
    """A currency tapped for money in that named none ("got 200k from blue harbor")."""

    company: int
    cents: int
    currency: str
    day: int  # date.toordinal()


class State(StrEnum):
    PLAN = "plan"


KEY = FlowKey("contract_plan", 1, State)
MAX_LINES = 24

RECEIVED = re.compile(
    # Behind the characters a reading can start with: most places of a text (every free
    # text is tried) then fail at once instead of in each reading (4× faster, issue 20).
    r"(?=[rpg回到收打转汇])(?:"
    r"\breceived\b|\bpayment (?:of|received)\b"
    r"|\bgot\s+[A-Z]{0,3}[¥$€£]?\s?\d[\d.,]*\s?[kmw万]?\s+from\b"
    r"|回款|到账|收到.{0,16}?款|[打转汇]了?.{0,12}?过来)",
    re.IGNORECASE,
)
"""Words that make a message about money coming in (with an amount in it): "received",
"got 200k from", "回款", "到账", "打了5万过来" (打/转/汇…过来: sent over to us)."""

CLEARLY_MONEY_IN = re.compile(
    r"\breceived\s+(?:a\s+)?(?:payment\s+of\s+)?[A-Z]{0,3}[¥$€£]?\s?\d|\bpayment (?:of|received)\b"
    r"|\bgot\s+[A-Z]{0,3}[¥$€£]?\s?\d|回款|到账|收到.{0,16}?款|[打转汇]了?.{0,12}?过来",
    re.IGNORECASE,
)
"""Words that can only mean a payment, so a customer with no instalment hears that there
is none rather than getting a log ("Acme PO received, 500k" stays a log)."""


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


PAYER = re.compile(r"\bfrom\s+(.+?)(?:\s+(?:today|yesterday|this morning))?[\s\W]*$", re.IGNORECASE)
"""Who the money came from, as written: "got 200k from blue harbor 🎉" → "blue harbor"."""

Resolver = Callable[[str], Awaitable[int | None]]
"""A written customer name to the one company it clearly means (the logging's resolution,
passed in by the caller so contracts do not import logging)."""


async def named_company(ctx: Context, resolve: Resolver | None) -> Company | None:
    """The customer the message names: a registered name written in it (the longest), else
    the logging parser's customer when it clearly means one company ("blue harbor")."""
    folded = ctx.text.casefold()
    known = await customer_names(ctx)
    names = sorted((n for n in known if n and n.casefold() in folded), key=len, reverse=True)
    if names:
        return await ctx.session.scalar(
            ctx.records.select(Company).where(Company.name == names[0]).limit(1)
        )
    if resolve is None:
        return None
    parsed = parse_log(ctx.text, ctx.sent_local, known_customers=known)
    payer = PAYER.search(ctx.text)
    for written in (parsed.customer, payer.group(1) if payer else None):
        company_id = await resolve(written) if written else None
        if company_id is not None:
            return await ctx.records.get(Company, company_id)
    return None


async def on_received(ctx: Context, resolve: Resolver | None = None) -> bool:
    """ "received ¥200k from 星辰科技 today": the customer's unpaid instalment of that amount.
    ``False`` (nothing said) when no customer is named, or when one with no unpaid
    instalment is named in words that may be a log ("Acme PO received, 500k")."""
    if not is_received(ctx):
        return False
    company = await named_company(ctx, resolve)
    if company is None:
        return False
    unpaid = await contracts.unpaid_of_company(ctx.records, company.id)
    if not unpaid:
        if not CLEARLY_MONEY_IN.search(ctx.text):
            return False
        await no_instalment(ctx, company)
        return True
    money_found = find_amount(ctx.text)
    assert money_found is not None
    dated = find_datetime(ctx.text, ctx.sent_local)
    day = dated.at.date() if dated is not None else ctx.sent_local.date()
    cents = int(money_found.amount * 100)
    currency = money_found.currency
    if currency is None:
        theirs = sorted({contract.currency for _, contract in unpaid})
        if theirs != [ctx.currency]:
            # "got 200k from blue harbor" and the contract is in USD: which 200k?
            ask_currency(ctx, company, cents, day, [*theirs, ctx.currency])
            return True
        currency = ctx.currency
    await settle(ctx, company, unpaid, cents, currency, day)
    return True


def ask_currency(
    ctx: Context, company: Company, cents: int, day: date, currencies: list[str]
) -> None:
    """Nothing is recorded until the currency is tapped."""
    ordinal = day.toordinal()
    buttons = [
        Button(code, PaymentIn(company.id, cents, code, ordinal))
        for code in dict.fromkeys(currencies)
    ]
    ctx.ask(
        ctx.t(
            "contracts.payments.which_currency", amount=f"{cents / 100:,.0f}", company=company.name
        ),
        buttons,
    )


async def currency_chosen(ctx: Context) -> None:
    pressed = ctx.pressed(PaymentIn)
    company = await ctx.records.get(Company, pressed.company)
    unpaid = await contracts.unpaid_of_company(ctx.records, company.id)
    if not unpaid:
        await no_instalment(ctx, company)
        return
    day = date.fromordinal(pressed.day)
    await settle(ctx, company, unpaid, pressed.cents, pressed.currency, day)


async def no_instalment(ctx: Context, company: Company) -> None:
    """No active contract with an instalment to mark: say so, and what can be done."""
    own = await contracts.of_company(ctx.records, company.id, limit=3)
    buttons = [
        Button(ctx.t("contracts.payments.open_contract", number=c.number), OpenContract(c.id))
        for c in own
    ]
    buttons.append(Button(ctx.t("contracts.payments.new_contract"), NewContractFor(company.id)))
    ctx.ask(ctx.t("contracts.payments.no_instalment", company=company.name), buttons)


async def settle(
    ctx: Context,
    company: Company,
    unpaid: list[tuple[ContractPayment, Contract]],
    cents: int,
    currency: str,
    day: date,
) -> None:
    """Exactly what is due on an instalment: paid; less than the earliest due: a part
    payment of it; more: asked how to split, never guessed; another currency: nothing."""
    mine = [(p, c) for p, c in unpaid if c.currency == currency]
    for payment, contract in mine:
        if cents == payment.due_cents:
            await ctx.records.get(Contract, contract.id, for_update=True)
            await mark(ctx, payment, contract, day)
            return
    if not mine:
        first = unpaid[0][1]
        ctx.say(
            "contracts.payments.no_match",
            amount=money(ctx, cents, currency, ctx.masking.viewer_id),
            company=company.name,
        )
        ctx.reply(await contract_card(ctx, first))
        return
    payment, first = mine[0]
    if 0 < cents < payment.due_cents:
        await ctx.records.get(Contract, first.id, for_update=True)
        await mark(ctx, payment, first, day, cents)
        return
    ctx.say(
        "contracts.payments.ask_split",
        amount=money(ctx, cents, currency, ctx.masking.viewer_id),
        company=company.name,
        due=money(ctx, payment.due_cents, currency, first.owner_id),
        day=format_full_date(payment.due_on, ctx.lang),
    )
    ctx.reply(await contract_card(ctx, first))


FLOW = Flow(KEY, {State.PLAN: Step(on_plan, Expects.TEXT)})
