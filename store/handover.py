"""Handing a customer over to a colleague, asked for after a duplicate check (查重).

The rep who found that a colleague already owns the customer cannot see the record, so the
request names it only by id; the owner (or their manager, or an admin) decides. A company
goes over whole — its contacts, deals, contracts, open tasks and tickets of the same owner —
so the new owner does not get a shell while its people and deals stay behind. Owner changes
are audited by the session hook like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import NotAllowed, Principal, may_hand_over
from store.models import Company, Contact, Contract, Deal, Role, Task, TeamMember, Ticket, User

Kind = Literal["company", "contact"]


@dataclass(frozen=True)
class Held:
    """What a handover request may say about a record its asker cannot see."""

    kind: Kind
    id: int
    name: str
    owner_id: int
    owner_name: str
    company_id: int | None


async def held(session: AsyncSession, kind: Kind, record_id: int) -> Held | None:
    model = Company if kind == "company" else Contact
    company = model.id if kind == "company" else Contact.company_id
    row = (
        await session.execute(
            select(model.name, model.owner_id, User.display_name, company)
            .join(User, User.id == model.owner_id)
            .where(model.id == record_id)
        )
    ).first()
    if row is None:
        return None
    return Held(kind, record_id, row[0], row[1], row[2], row[3])


async def deciders(session: AsyncSession, owner_id: int) -> list[int]:
    """Who may grant access to the owner's record: the managers of the owner's teams,
    or the admins when there are none."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == owner_id)
    managers = list(
        await session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id.in_(teams), User.role == Role.MANAGER, User.active)
            .distinct()
        )
    )
    if managers:
        return managers
    return list(await session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)))


async def hand_over(
    session: AsyncSession, principal: Principal, record: Held, to_user_id: int
) -> None:
    """Give ``record`` to ``to_user_id``; :class:`NotAllowed` unless the principal may."""
    if not may_hand_over(principal, record.owner_id):
        raise NotAllowed("hand over")
    if record.kind == "contact":
        contact = await session.get(Contact, record.id)
        assert contact is not None
        contact.owner_id = to_user_id
        await session.flush()
        return
    await move_company(session, record.id, record.owner_id, to_user_id)


async def move_company(session: AsyncSession, company_id: int, owner: int, to_user_id: int) -> None:
    """Give the company to ``to_user_id`` whole: its people, deals, contracts, open tasks
    and tickets of the same ``owner`` go with it. The one move behind a handover, an
    assignment and the lead pool's claims and releases (store/assign.py, store/pool.py)."""
    company = await session.get(Company, company_id)
    assert company is not None
    company.owner_id = to_user_id
    # Audited: loaded and changed as objects, so the hook sees each change.
    children = (
        select(Contact).where(Contact.company_id == company_id, Contact.owner_id == owner),
        select(Deal).where(Deal.company_id == company_id, Deal.owner_id == owner),
        select(Contract).where(Contract.company_id == company_id, Contract.owner_id == owner),
        select(Task).where(
            Task.company_id == company_id, Task.owner_id == owner, Task.done_at.is_(None)
        ),
        # A ticket's owner is its customer's owner (whoever works it is its assignee).
        select(Ticket).where(Ticket.company_id == company_id, Ticket.owner_id == owner),
    )
    for stmt in children:
        for child in await session.scalars(stmt):
            child.owner_id = to_user_id
    await session.flush()


__all__ = ["Held", "deciders", "hand_over", "held", "move_company"]
