"""``/contract`` (``/合同``), the contract card's buttons, and the
contract part of ``/approvals`` (this feature's routes come before the deal approvals', so
``/approvals`` here lists deals first, then contracts)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.context import Context, UserFacingError
from bot.router import Router, action, command
from handlers.approvals.routes import list_deal_requests
from handlers.common.actions import ContractFromDeal
from handlers.contracts import approval, edit, new_contract, payments, report, signed
from handlers.contracts.actions import (
    ApproveContract,
    EditContract,
    MarkPaid,
    NewContractFor,
    OpenContract,
    PlanPayments,
    RejectContract,
    RenewContract,
    SetSigned,
    SubmitContract,
    TerminateContract,
)
from handlers.contracts.views import contract_card, contract_line, status_label
from locales.formatting import format_full_date
from store import contracts
from store.models import Company, Contract, Deal

LIST_WORDS = {"list", "all", "列表", "全部"}
REPORT_WORDS = {"report", "报表", "报告"}
MAX_LISTED = 10


async def contract_command(ctx: Context) -> None:
    first = ctx.args.strip().lower().partition(" ")[0]
    if ctx.args.strip().lower() in LIST_WORDS:
        await list_contracts(ctx)
    elif first in REPORT_WORDS:
        await report.answer(ctx, ctx.args.strip()[len(first) :])
    else:
        await new_contract.start(ctx)


async def list_contracts(ctx: Context) -> None:
    rows = await ctx.records.list(Contract, order_by=Contract.id.desc(), limit=MAX_LISTED)
    if not rows:
        ctx.say("contracts.none")
        return
    names = dict(
        (
            await ctx.session.execute(
                select(Company.id, Company.name).where(Company.id.in_({c.company_id for c in rows}))
            )
        ).all()
    )
    lines = [ctx.t("contracts.list_title", count=len(rows))]
    lines += [await contract_line(ctx, c, names.get(c.company_id, "-")) for c in rows]
    ctx.reply_text("\n".join(lines))


async def from_deal(ctx: Context) -> None:
    deal = await ctx.records.get(Deal, ctx.pressed(ContractFromDeal).deal)
    await new_contract.start_from_deal(ctx, deal)


async def new_for_company(ctx: Context) -> None:
    company = await ctx.records.get(Company, ctx.pressed(NewContractFor).company)
    await new_contract.start(ctx, company)


async def show(ctx: Context) -> None:
    contract = await ctx.records.get(Contract, ctx.pressed(OpenContract).contract)
    ctx.reply(await contract_card(ctx, contract))


async def submit(ctx: Context) -> None:
    contract = await ctx.records.get(
        Contract, ctx.pressed(SubmitContract).contract, for_update=True
    )
    await approval.submit(ctx, contract)


async def plan(ctx: Context) -> None:
    contract = await ctx.records.get(Contract, ctx.pressed(PlanPayments).contract)
    await payments.start_plan(ctx, contract)


async def set_signed(ctx: Context) -> None:
    signed.start(ctx, await ctx.records.get(Contract, ctx.pressed(SetSigned).contract))


async def edit_contract(ctx: Context) -> None:
    await edit.start(ctx, await ctx.records.get(Contract, ctx.pressed(EditContract).contract))


async def paid(ctx: Context) -> None:
    await payments.mark_by_button(ctx, ctx.pressed(MarkPaid).payment)


async def renew(ctx: Context) -> None:
    """A draft of the next term (same customer, type and amount, the day after this one
    ends, as long), linked to this one; this one becomes renewed when that is active."""
    old = await ctx.records.get(Contract, ctx.pressed(RenewContract).contract, for_update=True)
    status = status_label(ctx, old)
    if old.status not in (contracts.ACTIVE, contracts.EXPIRED):
        raise UserFacingError("contracts.renewal.not_possible", number=old.number, status=status)
    existing = await ctx.session.scalar(
        select(Contract.number).where(Contract.renewal_of_id == old.id).limit(1)
    )
    if existing is not None:
        raise UserFacingError("contracts.renewal.already", number=old.number, renewal=existing)
    company = await ctx.records.get(Company, old.company_id)
    starts_on = old.ends_on + timedelta(days=1)
    ends_on = starts_on + (old.ends_on - old.starts_on)
    fresh = await contracts.create_contract(
        ctx.records,
        ctx.settings.contracts,
        company,
        kind=old.kind,
        amount_cents=old.amount_cents,
        currency=old.currency,
        starts_on=starts_on,
        ends_on=ends_on,
        signed_on=None,
        deal_id=old.deal_id,
        renewal_of_id=old.id,
        owner_id=old.owner_id,
    )
    ctx.say(
        "contracts.renewal.created",
        number=fresh.number,
        start=format_full_date(starts_on, ctx.lang),
        end=format_full_date(ends_on, ctx.lang),
        old=old.number,
    )
    ctx.reply(await contract_card(ctx, fresh))


async def terminate(ctx: Context) -> None:
    contract = await ctx.records.get(
        Contract, ctx.pressed(TerminateContract).contract, for_update=True
    )
    if contract.status != contracts.ACTIVE:
        raise UserFacingError(
            "contracts.renewal.not_terminable",
            number=contract.number,
            status=status_label(ctx, contract),
        )
    await ctx.records.update(contract, status=contracts.TERMINATED)
    ctx.say("contracts.renewal.terminated", number=contract.number)


async def approvals_list(ctx: Context) -> None:
    """``/approvals``: the deals' requests, then the contracts'."""
    shown = await list_deal_requests(ctx)
    if await approval.list_requests(ctx):
        shown = True
    if not shown:
        ctx.say("approvals.none")


def routes() -> Router:
    router = Router()
    router.add(command("contract"), contract_command)
    router.add(command("approvals"), approvals_list)
    router.add(action(ContractFromDeal), from_deal)
    router.add(action(NewContractFor), new_for_company)
    router.add(action(OpenContract), show)
    router.add(action(SubmitContract), submit)
    router.add(action(ApproveContract), approval.approve)
    router.add(action(RejectContract), approval.reject)
    router.add(action(PlanPayments), plan)
    router.add(action(MarkPaid), paid)
    router.add(action(payments.PaymentIn), payments.currency_chosen)
    router.add(action(SetSigned), set_signed)
    router.add(action(RenewContract), renew)
    router.add(action(TerminateContract), terminate)
    router.add(action(EditContract), edit_contract)
    return router
