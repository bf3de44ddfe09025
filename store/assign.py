"""A manager's (or an admin's) assignment of customers to a rep, one or a segment's worth.

Who may: an admin, anyone to anyone; a manager, customers they see (their team's, or a
pooled one of their team's pool) to people they see (their team). A rep may not assign.
The move itself is the handover's (:func:`store.handover.move_company`: the customer's
people, deals and open tasks go with it), logged as a ``assigned`` line of the customer's
history by :mod:`store.pool`, and audited by the session hook; the record rules follow the
new owner at once because they key on ``owner_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import pool
from store.access import Principal, principal_for
from store.models import Company, Deal, Role, Task, User


class AssignRefused(Exception):
    """Why an assignment is refused: ``rep`` (reps do not assign), ``not_sales`` (finance
    and service people hold no customers), ``outside`` (the person is not in the manager's
    team), ``unseen`` (a customer the principal does not see)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Who may be given customers, deals and tasks: those :func:`assignable_people` offers.
HOLDERS = (Role.REP.value, Role.MANAGER.value)


def may_assign(principal: Principal) -> bool:
    return principal.role in (Role.MANAGER, Role.ADMIN)


def _check_people(principal: Principal, to_user: User) -> None:
    if not may_assign(principal):
        raise AssignRefused("rep")
    if to_user.role not in HOLDERS:
        raise AssignRefused("not_sales")
    if not principal.can_see_owner(to_user.id):
        raise AssignRefused("outside")


async def assignable_people(session: AsyncSession, principal: Principal) -> Sequence[User]:
    """The people the principal may assign to: active reps and managers they see."""
    stmt = select(User).where(
        User.active,
        User.role.in_(HOLDERS),
        pool.a_person(),
    )
    if principal.visible_owner_ids is not None:
        stmt = stmt.where(User.id.in_(principal.visible_owner_ids))
    return (await session.scalars(stmt.order_by(User.display_name, User.id).limit(30))).all()


async def people_named(
    session: AsyncSession, principal: Principal, name: str
) -> tuple[list[User], bool]:
    """The people a typed name may mean, and whether they are all within the principal's
    reach: an exact display or user name first, else those whose name contains it."""
    folded = name.strip().casefold()
    if not folded:
        return [], True
    base = select(User).where(User.active, pool.a_person())
    exact = list(
        await session.scalars(
            base.where(
                or_(func.lower(User.display_name) == folded, func.lower(User.name) == folded)
            ).order_by(User.id)
        )
    )
    found = exact or list(
        await session.scalars(
            base.where(func.lower(User.display_name).contains(folded, autoescape=True))
            .order_by(User.display_name, User.id)
            .limit(10)
        )
    )
    if not found and folded.replace(" ", "").isascii():
        found = await _named_in_pinyin(session, base, folded)
    reachable = all(principal.can_see_owner(u.id) for u in found)
    return found, reachable


#: People whose Chinese names are read in pinyin for a name typed in Latin letters: a
#: team's whole staff, far more than any workspace in chat has.
PINYIN_PEOPLE_CAP = 2000


async def _named_in_pinyin(session: AsyncSession, base: Select[User], typed: str) -> list[User]:
    """People whose Chinese display name reads as ``typed`` ("Li Na", "lina", "ChenJing"
    for 李娜, 陈静), given name first or last."""
    from store.pinyin import syllables

    wanted = typed.replace(" ", "").replace("-", "")
    found = []
    for user in await session.scalars(base.order_by(User.id).limit(PINYIN_PEOPLE_CAP)):
        name = user.display_name.strip()
        if not name or name.isascii():
            continue
        spoken = syllables(name)
        forms = {"".join(spoken), "".join(spoken[1:] + spoken[:1])}
        if wanted in forms:
            found.append(user)
    return found


async def _may_touch(
    session: AsyncSession, principal: Principal, company: Company, now: datetime
) -> bool:
    if principal.can_see_owner(company.owner_id):
        return True
    pool_id = await pool.pool_owner(session, now)
    if company.owner_id != pool_id:
        return False
    visible = await pool.visible_pool(session, principal)
    found = await session.scalar(select(Company.id).where(Company.id == company.id, visible))
    return found is not None


async def check(
    session: AsyncSession,
    principal: Principal,
    companies: Sequence[Company],
    to_user: User,
    now: datetime,
) -> None:
    """:class:`AssignRefused` unless the principal may give all of ``companies`` to
    ``to_user``; nothing is moved when one is refused."""
    _check_people(principal, to_user)
    for company in companies:
        if not await _may_touch(session, principal, company, now):
            raise AssignRefused("unseen")


async def assign(
    session: AsyncSession,
    principal: Principal,
    companies: Sequence[Company],
    to_user: User,
    now: datetime,
) -> list[tuple[Company, int]]:
    """Give each customer not already ``to_user``'s to them; the moved ones with their old
    owner. Checked first (:func:`check`), as a whole."""
    await check(session, principal, companies, to_user, now)
    moved: list[tuple[Company, int]] = []
    for company in companies:
        old = company.owner_id
        if old == to_user.id:
            continue
        await pool.assign_move(session, company, to_user.id, by=principal.user_id, now=now)
        moved.append((company, old))
    return moved


async def assign_item(
    session: AsyncSession,
    principal: Principal,
    item: Deal | Task,
    to_user: User,
    now: datetime,
) -> int:
    """Give one deal or task to ``to_user``; its old owner. A deal or task at a customer
    goes only to someone who sees that customer: it is worked through the customer, so
    for anyone else the way is to assign the customer (which takes its deals along)."""
    _check_people(principal, to_user)
    if not principal.can_see_owner(item.owner_id):
        raise AssignRefused("unseen")
    if item.company_id is not None:
        holder = await session.scalar(select(Company.owner_id).where(Company.id == item.company_id))
        target = await principal_for(session, to_user)
        if holder is not None and not target.can_see_owner(holder):
            raise AssignRefused("customer_first")
    old = item.owner_id
    item.owner_id = to_user.id
    if isinstance(item, Deal):
        item.updated_at = now
    await session.flush()
    return old


__all__ = [
    "AssignRefused",
    "assign",
    "assign_item",
    "assignable_people",
    "check",
    "may_assign",
    "people_named",
]
