"""The lead pool (公海): customers nobody holds, waiting for a rep to claim them.

The pool is an owner: one inactive user row (:data:`POOL_NAME`, created on first use) holds
every pooled customer, so ``companies.owner_id`` stays a plain owner and the record rules
(store/access.py) need no exception: no rep's or manager's scope contains the pool, so a
pooled customer drops out of everyone's book at once, and claiming it puts it in the
claimer's. Which reps see a pooled customer is the pool's own rule (:func:`visible_pool`):
the pool of a team it was released from, to the team's members; the common pool (no team),
to everyone. Every move is one :func:`store.handover.move_company` (people, deals and open
tasks follow the customer), a :class:`PoolMove` line for the customer's history, and the
audit rows the session hook writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import NotAllowed, Principal, RecordNotFound
from store.handover import move_company
from store.models import Activity, Company, PoolMove, PoolState, Role, TeamMember, User

POOL_NAME = "(pool)"
POOL_DISPLAY = "公海 Pool"
"""The pool's user name: not one ``crmbot user add`` accepts, so no person can have it."""
PAGE_SIZE = 8
WARN_DAYS = 3
"""How many days before its return the holder of a quiet customer is warned."""


class OverLimit(Exception):
    """The rep holds as many customers as they may (``limit``); they hold ``held``."""

    def __init__(self, limit: int, held: int) -> None:
        super().__init__(f"holds {held} of {limit}")
        self.limit = limit
        self.held = held


def a_person() -> ColumnElement[bool]:
    """Users who are people: every user row but the pool's. Wherever users are listed,
    ranked or looked up by name (reports, ``crmbot user …``, assignments), the pool is
    not one of them; it is shown only as a record's owner."""
    return User.name != POOL_NAME


async def pool_owner(session: AsyncSession, now: datetime) -> int:
    """The pool's user id, the row made on first use (inactive: never pushed to, never a
    choice of person). Two first uses at once: the second waits for the first's row
    (PostgreSQL's unique index) and takes it, its own insert undone by a savepoint."""
    found = await session.scalar(select(User.id).where(User.name == POOL_NAME))
    if found is not None:
        return int(found)
    pool = User(
        name=POOL_NAME,
        display_name=POOL_DISPLAY,
        role=Role.REP.value,
        active=False,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(pool)
    except IntegrityError:
        found = await session.scalar(select(User.id).where(User.name == POOL_NAME))
        assert found is not None, "the pool's row went between the conflict and the read"
        return int(found)
    return pool.id


async def teams_of(session: AsyncSession, user_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(TeamMember.team_id)
            .where(TeamMember.user_id == user_id)
            .order_by(TeamMember.team_id)
        )
    )


async def visible_pool(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """Which pooled customers the principal may see and claim: an admin's (and finance's)
    all of them; anyone else's, their teams' pools and the common one."""
    if principal.visible_owner_ids is None:
        return true()
    teams = await teams_of(session, principal.user_id)
    team_of = (
        select(PoolState.pool_team_id).where(PoolState.company_id == Company.id).scalar_subquery()
    )
    return or_(team_of.is_(None), team_of.in_(teams))


def _in_city(city: str | None) -> ColumnElement[bool]:
    return true() if not city else func.lower(Company.city) == city.strip().casefold()


async def pooled(
    session: AsyncSession,
    principal: Principal,
    now: datetime,
    *,
    city: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[int, Sequence[Company]]:
    """How many pooled customers the principal sees (in ``city``), and a page by name."""
    pool = await pool_owner(session, now)
    where = (Company.owner_id == pool, await visible_pool(session, principal), _in_city(city))
    total = await session.scalar(select(func.count(Company.id)).where(*where))
    rows = await session.scalars(
        select(Company).where(*where).order_by(Company.name, Company.id).offset(offset).limit(limit)
    )
    return int(total or 0), rows.all()


async def pool_cities(session: AsyncSession, principal: Principal, now: datetime) -> list[str]:
    """The cities of the pooled customers the principal sees, for the filter buttons."""
    pool = await pool_owner(session, now)
    rows = await session.scalars(
        select(Company.city)
        .distinct()
        .where(
            Company.owner_id == pool,
            Company.city.is_not(None),
            await visible_pool(session, principal),
        )
        .order_by(Company.city)
        .limit(12)
    )
    return [c for c in rows if c]


async def held_count(session: AsyncSession, user_id: int) -> int:
    return int(
        await session.scalar(select(func.count(Company.id)).where(Company.owner_id == user_id)) or 0
    )


async def _state(session: AsyncSession, company_id: int) -> PoolState:
    state = await session.get(PoolState, company_id)
    if state is None:
        state = PoolState(company_id=company_id)
        session.add(state)
    return state


async def _move(
    session: AsyncSession,
    company: Company,
    to_owner: int,
    *,
    reason: str,
    by: int | None,
    now: datetime,
) -> None:
    """The one way a customer changes holder here: the move, its state, its history line."""
    old = company.owner_id
    await move_company(session, company.id, old, to_owner)
    session.add(
        PoolMove(
            company_id=company.id,
            at=now,
            reason=reason,
            by_user_id=by,
            from_owner_id=old,
            to_owner_id=to_owner,
        )
    )
    state = await _state(session, company.id)
    state.held_since = now
    state.warned_at = None
    await session.flush()


def may_claim(principal: Principal) -> bool:
    """Who takes customers from the pool: sales people (reps, and a manager or an admin).
    Finance reads every customer and changes none; service people work tickets."""
    return principal.role in (Role.REP, Role.MANAGER, Role.ADMIN)


async def claim(
    session: AsyncSession, principal: Principal, company_id: int, now: datetime, limit: int
) -> Company:
    """The pooled customer becomes the principal's. :class:`NotAllowed` unless they
    :func:`may_claim`; :class:`RecordNotFound` when it is not in a pool they see (or
    someone claimed it first); :class:`OverLimit` when they hold as many as they may
    (``limit``; 0 = no limit)."""
    if not may_claim(principal):
        raise NotAllowed("claim")
    pool = await pool_owner(session, now)
    company = await session.scalar(
        select(Company)
        .where(
            Company.id == company_id,
            Company.owner_id == pool,
            await visible_pool(session, principal),
        )
        .with_for_update()
    )
    if company is None:
        raise RecordNotFound(f"pooled company {company_id}")
    if limit:
        held = await held_count(session, principal.user_id)
        if held >= limit:
            raise OverLimit(limit, held)
    await _move(
        session, company, principal.user_id, reason="claimed", by=principal.user_id, now=now
    )
    state = await _state(session, company.id)
    state.pool_team_id = None
    await session.flush()
    return company


async def release(
    session: AsyncSession,
    company: Company,
    now: datetime,
    *,
    reason: str,
    by: int | None,
) -> None:
    """Put the customer in its holder's team's pool (their first team; none: the common
    pool). ``reason``: ``released`` (by hand) or ``inactive`` (the nightly job)."""
    pool = await pool_owner(session, now)
    if company.owner_id == pool:
        return
    teams = await teams_of(session, company.owner_id)
    await _move(session, company, pool, reason=reason, by=by, now=now)
    state = await _state(session, company.id)
    state.pool_team_id = teams[0] if teams else None
    await session.flush()


async def assign_move(
    session: AsyncSession, company: Company, to_owner: int, *, by: int, now: datetime
) -> None:
    """A manager's assignment (store/assign.py): out of any pool, to ``to_owner``."""
    await _move(session, company, to_owner, reason="assigned", by=by, now=now)
    (await _state(session, company.id)).pool_team_id = None
    await session.flush()


def may_release(principal: Principal, company: Company) -> bool:
    """Who may put a customer back in the pool: its holder, an admin, or a manager who
    sees the holder's records."""
    if principal.role is Role.ADMIN or principal.user_id == company.owner_id:
        return True
    return principal.role is Role.MANAGER and principal.can_see_owner(company.owner_id)


async def release_by(
    session: AsyncSession, principal: Principal, company: Company, now: datetime
) -> None:
    if not may_release(principal, company):
        raise NotAllowed("release")
    await release(session, company, now, reason="released", by=principal.user_id)


async def keep(session: AsyncSession, company: Company, by: int, now: datetime) -> None:
    """The holder keeps a quiet customer from returning: its clock starts again now. A
    :class:`PoolMove` (``kept``) records it, so a manager sees who keeps what unvisited."""
    session.add(
        PoolMove(
            company_id=company.id,
            at=now,
            reason="kept",
            by_user_id=by,
            from_owner_id=company.owner_id,
            to_owner_id=company.owner_id,
        )
    )
    state = await _state(session, company.id)
    state.held_since = now
    state.warned_at = None
    await session.flush()


def last_touch() -> ColumnElement[datetime]:
    """When the customer's inactivity clock started: its last activity, when its holder
    got it (or kept it), or its creation — the latest of them."""
    latest = (
        select(func.max(Activity.occurred_at))
        .where(Activity.company_id == Company.id)
        .scalar_subquery()
    )
    since = select(PoolState.held_since).where(PoolState.company_id == Company.id).scalar_subquery()
    start = func.coalesce(since, Company.created_at)
    logged = func.coalesce(latest, start)
    return case((logged > start, logged), else_=start)


def _held_quiet(pool: int, before: datetime) -> Select[Company]:
    return select(Company).where(Company.owner_id != pool, last_touch() <= before)


def _warned() -> ColumnElement[datetime | None]:
    return select(PoolState.warned_at).where(PoolState.company_id == Company.id).scalar_subquery()


async def to_warn(
    session: AsyncSession, now: datetime, days: int, *, limit: int = 500
) -> Sequence[Company]:
    """Held customers quiet for ``days - WARN_DAYS`` days or more whose holder was not
    warned since the clock last started."""
    pool = await pool_owner(session, now)
    stmt = (
        _held_quiet(pool, now - timedelta(days=max(days - WARN_DAYS, 0)))
        .where(or_(_warned().is_(None), _warned() < last_touch()))
        .order_by(Company.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def mark_warned(session: AsyncSession, company_id: int, now: datetime) -> None:
    (await _state(session, company_id)).warned_at = now
    await session.flush()


async def to_return(
    session: AsyncSession, now: datetime, days: int, *, limit: int = 500
) -> Sequence[Company]:
    """Held customers with no activity for ``days`` days whose holder was warned at least
    :data:`WARN_DAYS` days ago: nobody loses a customer without the warning, even when
    the rule is first turned on or the job did not run for a while."""
    pool = await pool_owner(session, now)
    stmt = (
        _held_quiet(pool, now - timedelta(days=days))
        .where(_warned() >= last_touch(), _warned() <= now - timedelta(days=WARN_DAYS))
        .order_by(Company.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def moves(
    session: AsyncSession, company_id: int, *, limit: int = 5
) -> list[tuple[PoolMove, str | None, str | None, str | None]]:
    """The customer's latest holder changes, newest first, with the display names of who
    held it, who holds it now and who made the change."""

    def name_of(column: Any) -> Any:
        return select(User.display_name).where(User.id == column).scalar_subquery()

    rows = await session.execute(
        select(
            PoolMove,
            name_of(PoolMove.from_owner_id),
            name_of(PoolMove.to_owner_id),
            name_of(PoolMove.by_user_id),
        )
        .where(PoolMove.company_id == company_id)
        .order_by(PoolMove.at.desc(), PoolMove.id.desc())
        .limit(limit)
    )
    return [(m, a, b, c) for m, a, b, c in rows.all()]


__all__ = [
    "POOL_DISPLAY",
    "POOL_NAME",
    "OverLimit",
    "a_person",
    "assign_move",
    "claim",
    "held_count",
    "keep",
    "last_touch",
    "mark_warned",
    "may_claim",
    "may_release",
    "moves",
    "pool_cities",
    "pool_owner",
    "pooled",
    "release",
    "release_by",
    "to_return",
    "to_warn",
    "visible_pool",
]
