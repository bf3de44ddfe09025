"""How a contract reads: its card (terms, approval steps, payment plan, the buttons its
status allows) and one-line summaries for lists, the customer card and history.

Amounts are masked in group chats (a contract's value is for its owner's eyes, as phone
numbers are) and where the workspace masks amounts for the viewer's role on records they do
not own: both decided by :class:`bot.masking.Masking`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.context import Context
from bot.replies import Button, Card
from handlers.contracts.actions import (
    EditContract,
    MarkPaid,
    OpenContract,
    PlanPayments,
    RenewContract,
    SetSigned,
    SubmitContract,
    TerminateContract,
)
from locales.formatting import format_full_date, format_money
from store import contracts
from store.approvals import APPROVED, PENDING, REJECTED
from store.models import Company, Contract, ContractApproval, ContractPayment, Deal, User

MAX_PAID_BUTTONS = 3


def money(ctx: Context, cents: int, currency: str, owner_id: int | None) -> str:
    """A contract's money, unless the viewer's masking hides amounts of ``owner_id``'s
    records — or this is a group chat, where a contract's value is never shown."""
    if ctx.masking.amount(owner_id, group_too=True):
        return ctx.t("contracts.masked")
    return format_money(cents, currency, ctx.lang)


def effective_status(contract: Contract, today: date) -> str:
    """An active contract past its end date reads as expired (no job needs to flip it)."""
    if contract.status == contracts.ACTIVE and contract.ends_on < today:
        return contracts.EXPIRED
    return contract.status


def status_label(ctx: Context, contract: Contract) -> str:
    return ctx.t(f"contracts.status.{effective_status(contract, ctx.sent_local.date())}")


def type_label(ctx: Context, kind: str) -> str:
    key = f"contracts.types.{kind}"
    return ctx.t(key) if key in ctx.translator.catalogs.get("en", {}) else kind


def role_label(ctx: Context, role: str) -> str:
    return ctx.t(f"contracts.roles.{role}")


def instalment_state(
    ctx: Context, payment: ContractPayment, currency: str, owner_id: int | None
) -> str:
    if payment.paid_on is not None:
        return ctx.t("contracts.paid_on", day=format_full_date(payment.paid_on, ctx.lang))
    late = payment.due_on < ctx.sent_local.date()
    state = ctx.t("contracts.overdue") if late else ctx.t("contracts.unpaid")
    if payment.paid_cents:
        state = ctx.t(
            "contracts.partly_paid",
            state=state,
            paid=money(ctx, payment.paid_cents, currency, owner_id),
        )
    return state


async def approval_steps(ctx: Context, rows: list[ContractApproval]) -> str:
    """The latest round of approval (since the last submission), step by step."""
    latest: list[ContractApproval] = []
    for row in rows:
        if row.level == 1:
            latest = []
        latest.append(row)
    ids = {r.decided_by for r in latest if r.decided_by}
    names = dict(
        (
            await ctx.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
        ).all()
    )
    parts = []
    for row in latest:
        role = role_label(ctx, row.role)
        name = names.get(row.decided_by or 0, "-")
        if row.state == PENDING:
            parts.append(ctx.t("contracts.step_pending", role=role))
        elif row.state == APPROVED:
            parts.append(ctx.t("contracts.step_approved", role=role, name=name))
        elif row.state == REJECTED:
            parts.append(ctx.t("contracts.step_rejected", role=role, name=name))
    return " · ".join(parts)


async def contract_card(ctx: Context, contract: Contract) -> Card:
    company = await ctx.session.scalar(
        ctx.records.select(Company).where(Company.id == contract.company_id)
    )
    owner = await ctx.session.get(User, contract.owner_id)
    lines = []
    if contract.deal_id is not None:
        deal = await ctx.session.scalar(ctx.records.select(Deal).where(Deal.id == contract.deal_id))
        if deal is not None:
            lines.append(ctx.t("contracts.line_deal", value=deal.title))
    if contract.renewal_of_id is not None:
        old = await ctx.session.scalar(
            ctx.records.select(Contract).where(Contract.id == contract.renewal_of_id)
        )
        if old is not None:
            lines.append(ctx.t("contracts.line_renewal_of", value=old.number))
    amount = money(ctx, contract.amount_cents, contract.currency, contract.owner_id)
    lines += [
        ctx.t("contracts.line_type", value=type_label(ctx, contract.kind)),
        ctx.t("contracts.line_amount", value=amount),
        ctx.t(
            "contracts.line_term",
            start=format_full_date(contract.starts_on, ctx.lang),
            end=format_full_date(contract.ends_on, ctx.lang),
        ),
    ]
    if contract.signed_on is not None:
        lines.append(
            ctx.t("contracts.line_signed", value=format_full_date(contract.signed_on, ctx.lang))
        )
    lines += [
        ctx.t("contracts.line_owner", value=owner.display_name if owner else "-"),
        ctx.t("contracts.line_status", value=status_label(ctx, contract)),
    ]
    steps = await approval_steps(ctx, await contracts.history(ctx.session, contract.id))
    if steps:
        lines.append(ctx.t("contracts.line_approval", steps=steps))
    plan = await contracts.instalments(ctx.session, contract.id)
    if plan:
        received = sum(p.paid_cents for p in plan)
        lines.append(
            ctx.t(
                "contracts.line_payments",
                received=money(ctx, received, contract.currency, contract.owner_id),
                amount=amount,
                outstanding=money(
                    ctx, contract.amount_cents - received, contract.currency, contract.owner_id
                ),
            )
        )
        for payment in plan:
            lines.append(
                ctx.t(
                    "contracts.line_instalment",
                    due=format_full_date(payment.due_on, ctx.lang),
                    amount=money(ctx, payment.amount_cents, contract.currency, contract.owner_id),
                    state=instalment_state(ctx, payment, contract.currency, contract.owner_id),
                )
            )
    return Card(
        ctx.t("contracts.title", number=contract.number, company=company.name if company else "-"),
        tuple(lines),
        tuple(_buttons(ctx, contract, plan)),
    )


def _buttons(ctx: Context, contract: Contract, plan: list[ContractPayment]) -> list[Button]:
    status = effective_status(contract, ctx.sent_local.date())
    buttons: list[Button] = []
    if status == contracts.DRAFT:
        buttons.append(Button(ctx.t("contracts.btn_submit"), SubmitContract(contract.id)))
    if status in (contracts.DRAFT, contracts.APPROVAL, contracts.ACTIVE):
        buttons.append(Button(ctx.t("contracts.btn_plan"), PlanPayments(contract.id)))
    if status in (contracts.DRAFT, contracts.APPROVAL, contracts.ACTIVE):
        buttons.append(Button(ctx.t("contracts.btn_signed"), SetSigned(contract.id)))
    if status in (contracts.ACTIVE, contracts.EXPIRED):  # money may come in after the end
        unpaid = [p for p in plan if p.paid_on is None][:MAX_PAID_BUTTONS]
        for payment in unpaid:
            due = format_full_date(payment.due_on, ctx.lang)
            buttons.append(Button(ctx.t("contracts.btn_paid", due=due), MarkPaid(payment.id)))
    if status in (contracts.ACTIVE, contracts.EXPIRED):
        buttons.append(Button(ctx.t("contracts.btn_renew"), RenewContract(contract.id)))
    if status == contracts.ACTIVE:
        buttons.append(Button(ctx.t("contracts.btn_terminate"), TerminateContract(contract.id)))
    if status in (contracts.DRAFT, contracts.ACTIVE) and ctx.records.may_correct(contract):
        buttons.append(Button(ctx.t("contracts.edit.btn"), EditContract(contract.id)))
    return buttons


async def contract_line(ctx: Context, contract: Contract, company: str) -> str:
    return ctx.t(
        "contracts.list_line",
        number=contract.number,
        company=company,
        amount=money(ctx, contract.amount_cents, contract.currency, contract.owner_id),
        status=status_label(ctx, contract),
    )


CUSTOMER_CONTRACTS = 3


async def customer_summary(ctx: Context, company_id: int) -> tuple[list[str], list[Button]]:
    """The customer card's part: the latest contracts, what came in and what is
    outstanding, with a button to open each."""
    rows = await contracts.of_company(ctx.records, company_id, limit=CUSTOMER_CONTRACTS)
    received = await contracts.received_totals(ctx.session, [c.id for c in rows])
    lines, buttons = [], []
    for contract in rows:
        got = received.get(contract.id, 0)
        lines.append(
            ctx.t(
                "contracts.card_line",
                number=contract.number,
                status=status_label(ctx, contract),
                received=money(ctx, got, contract.currency, contract.owner_id),
                amount=money(ctx, contract.amount_cents, contract.currency, contract.owner_id),
            )
        )
        buttons.append(Button(f"📄 {contract.number}"[:40], OpenContract(contract.id)))
    return lines, buttons


async def history_lines(ctx: Context, company_id: int) -> list[str]:
    """The customer's contracts and payments received, for the top of its history."""
    rows = await contracts.of_company(ctx.records, company_id, limit=CUSTOMER_CONTRACTS)
    lines = []
    for contract in rows:
        lines.append(
            ctx.t(
                "contracts.history.contract",
                number=contract.number,
                amount=money(ctx, contract.amount_cents, contract.currency, contract.owner_id),
                status=status_label(ctx, contract),
                start=format_full_date(contract.starts_on, ctx.lang),
                end=format_full_date(contract.ends_on, ctx.lang),
            )
        )
        for payment in await contracts.instalments(ctx.session, contract.id):
            if payment.paid_on is not None:
                lines.append(
                    ctx.t(
                        "contracts.history.payment",
                        day=format_full_date(payment.paid_on, ctx.lang),
                        amount=money(
                            ctx, payment.amount_cents, contract.currency, contract.owner_id
                        ),
                        number=contract.number,
                    )
                )
            elif payment.paid_cents:
                lines.append(
                    ctx.t(
                        "contracts.history.partial",
                        paid=money(ctx, payment.paid_cents, contract.currency, contract.owner_id),
                        amount=money(
                            ctx, payment.amount_cents, contract.currency, contract.owner_id
                        ),
                        number=contract.number,
                    )
                )
    return lines
