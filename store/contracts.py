"""Contracts: numbering, the approval levels a contract needs, and its payment plan.

Record rules are the deal's: a contract is an owned record read and written through
:class:`store.access.Records`; its approval rows and instalments are reached only through
a contract the principal may see.

The approval is the deal approval's pattern (:mod:`store.approvals`) with levels: the policy
names the roles to ask in turn for an amount (default: from ¥500,000 the owner's manager,
then an admin). One row per level, made when the level before it said yes, so at most one
row of a contract is pending; a level with nobody to ask (a rep without a manager) is
skipped, as a deal with nobody to ask needs no approval.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Principal, Records, newest_of_company, scope_of
from store.approvals import PENDING, team_managers
from store.contract_policy import ContractPolicy
from store.models import (
    Company,
    Contract,
    ContractApproval,
    ContractPayment,
    Role,
    Team,
    TeamMember,
    User,
)

DRAFT = "draft"
APPROVAL = "approval"
ACTIVE = "active"
EXPIRED = "expired"
TERMINATED = "terminated"
RENEWED = "renewed"
STATUSES = (DRAFT, APPROVAL, ACTIVE, EXPIRED, TERMINATED, RENEWED)


class ContractError(ValueError):
    """Bad contract data; ``key`` names the message the user gets."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_terms(amount_cents: int, starts_on: date, ends_on: date) -> None:
    """Refuse what would make a nonsense contract, before anything is written."""
    if amount_cents <= 0:
        raise ContractError("contracts.bad_amount_negative")
    if ends_on <= starts_on:
        raise ContractError("contracts.bad_end_before_start")


async def next_number(session: AsyncSession, policy: ContractPolicy, today: date) -> str:
    """The pattern's next free number this year (counting every contract, visible or not:
    numbers are unique across the workspace)."""
    seq = 1 + int(
        await session.scalar(
            select(func.count(Contract.id)).where(
                Contract.created_at >= datetime(today.year, 1, 1, tzinfo=UTC),
                Contract.created_at < datetime(today.year + 1, 1, 1, tzinfo=UTC),
            )
        )
        or 0
    )
    while True:
        number = policy.number(today.year, seq)
        taken = await session.scalar(select(Contract.id).where(Contract.number == number))
        if taken is None:
            return number
        seq += 1


async def create_contract(
    records: Records,
    policy: ContractPolicy,
    company: Company,
    *,
    kind: str,
    amount_cents: int,
    currency: str,
    starts_on: date,
    ends_on: date,
    signed_on: date | None,
    deal_id: int | None = None,
    renewal_of_id: int | None = None,
    owner_id: int | None = None,
) -> Contract:
    check_terms(amount_cents, starts_on, ends_on)
    number = await next_number(records.session, policy, records.now.date())
    return await records.create(
        Contract,
        owner_id=owner_id if owner_id is not None else company.owner_id,
        number=number,
        company_id=company.id,
        deal_id=deal_id,
        kind=kind,
        amount_cents=amount_cents,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        signed_on=signed_on,
        status=DRAFT,
        renewal_of_id=renewal_of_id,
    )


async def level_approvers(session: AsyncSession, role: str, owner_id: int) -> list[int]:
    """Who answers a level: the owner's team managers, or the active admins (never the
    owner themself)."""
    if role == Role.MANAGER:
        found = await team_managers(session, owner_id)
    else:
        found = list(
            await session.scalars(
                select(User.id).where(User.active, User.role == role).order_by(User.id)
            )
        )
    return [uid for uid in found if uid != owner_id]


async def open_level(
    session: AsyncSession,
    contract: Contract,
    roles: Sequence[str],
    *,
    from_level: int,
    requested_by: int,
    now: datetime,
) -> tuple[ContractApproval, list[int]] | None:
    """The first level from ``from_level`` (1-based) with someone to ask, as a pending row
    and its approvers; ``None``: no level left, the contract may become active."""
    for level in range(from_level, len(roles) + 1):
        role = roles[level - 1]
        people = await level_approvers(session, role, contract.owner_id)
        if not people:
            continue
        row = ContractApproval(
            contract_id=contract.id,
            level=level,
            levels=len(roles),
            role=role,
            amount_cents=contract.amount_cents,
            currency=contract.currency,
            state=PENDING,
            requested_by=requested_by,
            requested_at=now,
        )
        session.add(row)
        await session.flush()
        return row, people
    return None


def may_decide(role: Role, user_id: int, row: ContractApproval, contract: Contract) -> bool:
    """An admin answers any level; a manager the manager level of a contract not their own.
    (The caller loaded ``contract`` through the decider's record rules.)"""
    if contract.owner_id == user_id and role is not Role.ADMIN:
        return False
    return role is Role.ADMIN or row.role == role.value


async def lock(session: AsyncSession, approval_id: int) -> ContractApproval | None:
    return await session.scalar(
        select(ContractApproval).where(ContractApproval.id == approval_id).with_for_update()
    )


async def history(session: AsyncSession, contract_id: int) -> list[ContractApproval]:
    return list(
        await session.scalars(
            select(ContractApproval)
            .where(ContractApproval.contract_id == contract_id)
            .order_by(ContractApproval.id)
        )
    )


async def pending(records: Records) -> list[tuple[ContractApproval, Contract]]:
    """Waiting levels of contracts within the principal's record rules."""
    visible = records.select(Contract).with_only_columns(Contract.id)
    rows = await records.session.execute(
        select(ContractApproval, Contract)
        .join(Contract, Contract.id == ContractApproval.contract_id)
        .where(ContractApproval.state == PENDING, Contract.id.in_(visible))
        .order_by(ContractApproval.requested_at, ContractApproval.id)
    )
    return [(row, contract) for row, contract in rows]


async def instalments(session: AsyncSession, contract_id: int) -> list[ContractPayment]:
    return list(
        await session.scalars(
            select(ContractPayment)
            .where(ContractPayment.contract_id == contract_id)
            .order_by(ContractPayment.due_on, ContractPayment.id)
        )
    )


async def add_instalments(
    session: AsyncSession, contract: Contract, plan: Sequence[tuple[date, int]], now: datetime
) -> list[ContractPayment]:
    """Append instalments; refused whole if one is not positive or the plan would exceed the
    contract's amount (nothing half-written)."""
    if any(cents <= 0 for _, cents in plan):
        raise ContractError("contracts.bad_amount_negative")
    planned = sum(p.amount_cents for p in await instalments(session, contract.id))
    if planned + sum(cents for _, cents in plan) > contract.amount_cents:
        raise ContractError("contracts.plan_too_big")
    rows = [
        ContractPayment(contract_id=contract.id, due_on=day, amount_cents=cents, created_at=now)
        for day, cents in plan
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def unpaid_of_company(
    records: Records, company_id: int
) -> list[tuple[ContractPayment, Contract]]:
    """Unpaid instalments of the company's active contracts, earliest first."""
    rows = await records.session.execute(
        select(ContractPayment, Contract)
        .join(Contract, Contract.id == ContractPayment.contract_id)
        .where(
            records.scope(Contract),
            Contract.company_id == company_id,
            Contract.status == ACTIVE,
            ContractPayment.paid_on.is_(None),
        )
        .order_by(ContractPayment.due_on, ContractPayment.id)
    )
    return [(p, c) for p, c in rows]


def record_payment(payment: ContractPayment, cents: int, day: date, user_id: int) -> bool:
    """Money in for one instalment: all that is due (``True``, the instalment is paid) or
    part of it (``False``); more than is due is refused, never spread over instalments."""
    if cents <= 0:
        raise ContractError("contracts.bad_amount_negative")
    if cents > payment.due_cents:
        raise ContractError("contracts.payments.too_much")
    payment.paid_cents += cents
    payment.paid_by = user_id
    if payment.paid_cents >= payment.amount_cents:
        payment.paid_on = day
        return True
    return False


async def of_company(records: Records, company_id: int, limit: int = 5) -> Sequence[Contract]:
    """The customer's newest contracts the viewer sees (its card runs this for every look)."""
    stmt = _of_company(records.principal, limit)
    return (await records.session.scalars(stmt, {"company_id": company_id})).all()


@functools.lru_cache(maxsize=1024)
def _of_company(viewer: Principal, limit: int) -> Select[Contract]:
    return newest_of_company(Contract, scope_of(viewer, Contract), limit)


async def received_totals(session: AsyncSession, contract_ids: Sequence[int]) -> dict[int, int]:
    if not contract_ids:
        return {}
    rows = await session.execute(
        select(ContractPayment.contract_id, func.sum(ContractPayment.paid_cents))
        .where(ContractPayment.contract_id.in_(contract_ids), ContractPayment.paid_cents > 0)
        .group_by(ContractPayment.contract_id)
    )
    return {cid: int(total or 0) for cid, total in rows}


@dataclass(frozen=True)
class TeamContracts:
    """Contracts signed in a period by one team's people in one currency (``team`` empty:
    owners in no team): how many, their value and what came in for them so far."""

    team: str
    currency: str
    count: int
    value_cents: int
    received_cents: int

    @property
    def outstanding_cents(self) -> int:
        return self.value_cents - self.received_cents


COUNTED = (ACTIVE, EXPIRED, RENEWED, TERMINATED)
"""Contracts that were in force (drafts and those in approval are not yet value)."""


async def value_by_team(records: Records, start: date, end: date) -> list[TeamContracts]:
    """The value / received / outstanding report's numbers, within the record rules: the
    contracts signed (else started) in ``[start, end)``, by the owner's team (the first by
    name when in several) and currency, biggest value first."""
    team = (
        select(func.min(Team.name))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == Contract.owner_id)
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(ContractPayment.paid_cents), 0))
        .where(ContractPayment.contract_id == Contract.id)
        .scalar_subquery()
    )
    day = func.coalesce(Contract.signed_on, Contract.starts_on)
    rows = await records.session.execute(
        select(team, Contract.currency, Contract.amount_cents, paid).where(
            records.scope(Contract),
            Contract.status.in_(COUNTED),
            day >= start,
            day < end,
        )
    )
    totals: dict[tuple[str, str], list[int]] = {}
    for name, currency, amount, received in rows:
        bucket = totals.setdefault((name or "", currency), [0, 0, 0])
        bucket[0] += 1
        bucket[1] += int(amount)
        bucket[2] += int(received or 0)
    found = [TeamContracts(t, c, n, v, r) for (t, c), (n, v, r) in totals.items()]
    return sorted(found, key=lambda row: (-row.value_cents, row.team, row.currency))
