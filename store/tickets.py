"""After-sales tickets: opening one (SLA targets, routing to a service group, round robin
inside it), reading them within the record rules, and the changes a ticket goes through.

Every read goes through :func:`store.access.ticket_scope`, so a service person reaches the
tickets of their groups without seeing the customers' deals, and a rep the tickets of their
customers. Changes are plain attribute writes on a loaded ticket: the audit hook records
each (who, when, old → new) in the same flush.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Principal, RecordNotFound, Records, newest_of_company, ticket_scope
from store.approvals import team_managers
from store.models import Company, Contact, Role, Task, Team, TeamMember, Ticket, User
from store.ticket_policy import PRIORITIES, TicketPolicy

OPEN = "open"
CLOSED = "closed"
LOW_SCORE = 2
"""A survey score at or below this reopens the ticket as escalated."""


class TicketError(ValueError):
    """Bad ticket data; ``key`` names the message the user gets."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def has_words(text: str) -> bool:
    """A summary or resolution needs a letter or digit: "。" or "..." says nothing."""
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Routed:
    """Where a new ticket went: a group and its next person, or the queue (both ``None``)."""

    team_id: int | None
    assignee_id: int | None


async def route(
    session: AsyncSession, policy: TicketPolicy, region: str | None, kind: str
) -> Routed:
    """The assignment table's group for region and type, and inside it the service person
    given a ticket least recently (round robin kept by the tickets themselves, so every
    worker agrees without a counter); a group without service people, an unknown group or
    no matching row: the default queue."""
    name = policy.team_for(region, kind)
    if name is None:
        return Routed(None, None)
    team_id = await session.scalar(select(Team.id).where(Team.name == name))
    if team_id is None:
        return Routed(None, None)
    members = list(
        await session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team_id, User.active, User.role == Role.SERVICE)
            .order_by(User.id)
        )
    )
    if not members:
        return Routed(team_id, None)
    last = dict(
        (
            await session.execute(
                select(Ticket.assignee_id, func.max(Ticket.id))
                .where(Ticket.assignee_id.in_(members))
                .group_by(Ticket.assignee_id)
            )
        ).all()
    )
    pick = min(members, key=lambda uid: (last.get(uid, 0), uid))
    return Routed(team_id, pick)


async def open_ticket(
    records: Records,
    policy: TicketPolicy,
    company: Company,
    *,
    summary: str,
    kind: str,
    priority: str,
    contact_id: int | None,
) -> Ticket:
    """A new ticket for a customer the principal sees, routed and with its SLA targets."""
    if not has_words(summary):
        raise TicketError("tickets.bad_summary")
    if priority not in PRIORITIES:
        raise TicketError("tickets.bad_priority")
    if kind not in policy.types:
        raise TicketError("tickets.ask_type_buttons")
    now = records.now
    respond_by, resolve_by = policy.deadlines(priority, now)
    routed = await route(records.session, policy, company.city, kind)
    ticket = Ticket(
        owner_id=company.owner_id,
        company_id=company.id,
        contact_id=contact_id,
        summary=summary.strip()[:2000],
        kind=kind,
        priority=priority,
        region=company.city,
        status=OPEN,
        team_id=routed.team_id,
        assignee_id=routed.assignee_id,
        opened_by=records.principal.user_id,
        respond_by=respond_by,
        resolve_by=resolve_by,
        reopened=0,
        created_at=now,
        updated_at=now,
    )
    records.session.add(ticket)
    await records.session.flush()
    return ticket


async def get(records: Records, ticket_id: int, *, for_update: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id, ticket_scope(records.principal))
    found = await records.session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise RecordNotFound(f"Ticket {ticket_id}")
    return found


async def visible(
    records: Records, *where: object, limit: int = 10, newest_first: bool = True
) -> Sequence[Ticket]:
    order = Ticket.id.desc() if newest_first else Ticket.resolve_by
    stmt = select(Ticket).where(ticket_scope(records.principal), *where)  # type: ignore[arg-type]
    return (await records.session.scalars(stmt.order_by(order).limit(limit))).all()


async def count_visible(records: Records, *where: object) -> int:
    stmt = select(func.count()).select_from(Ticket)
    stmt = stmt.where(ticket_scope(records.principal), *where)  # type: ignore[arg-type]
    return int(await records.session.scalar(stmt) or 0)


async def of_company(records: Records, company_id: int, limit: int = 3) -> Sequence[Ticket]:
    """The customer's newest tickets the viewer sees (its card runs this for every look)."""
    stmt = _of_company(records.principal, limit)
    return (await records.session.scalars(stmt, {"company_id": company_id})).all()


@functools.lru_cache(maxsize=1024)
def _of_company(viewer: Principal, limit: int) -> Select[Ticket]:
    """Built once per viewer: the ticket scope alone is several conditions to build."""
    return newest_of_company(Ticket, ticket_scope(viewer), limit)


def touch(ticket: Ticket, now: datetime) -> None:
    ticket.updated_at = now


def respond(ticket: Ticket, now: datetime) -> None:
    """The first time someone in service acts on it counts as the response."""
    if ticket.responded_at is None:
        ticket.responded_at = now


async def assign(ticket: Ticket, principal: Principal, user: User, now: datetime) -> None:
    """Give the ticket to ``user`` (a Take is giving it to oneself)."""
    ticket.assignee_id = user.id
    if user.id == principal.user_id:
        respond(ticket, now)
    touch(ticket, now)


def close(ticket: Ticket, resolution: str, now: datetime) -> None:
    if not has_words(resolution):
        raise TicketError("tickets.bad_resolution")
    ticket.status = CLOSED
    ticket.resolution = resolution.strip()[:2000]
    ticket.closed_at = now
    respond(ticket, now)
    touch(ticket, now)


def rate(ticket: Ticket, score: int, now: datetime) -> bool:
    """Record the survey's score; ``True`` when it reopened the ticket as escalated."""
    if not 1 <= score <= 5:
        raise TicketError("tickets.survey.bad_score")
    ticket.score = score
    touch(ticket, now)
    if score > LOW_SCORE:
        return False
    ticket.status = OPEN
    ticket.escalated_at = now
    ticket.escalated_for = "score"
    ticket.reopened += 1
    ticket.closed_at = None
    return True


def record_escalation(ticket: Ticket, late: str, due: datetime, now: datetime) -> bool:
    """Mark ``ticket`` escalated for missing its ``late`` target (due at ``due``), once per
    breach: a sweep that finds it again changes nothing, a target moved later (a new
    priority) and missed again is a new breach. ``True`` when it was recorded now."""
    recorded = ticket.escalated_at
    if ticket.escalated_for == late and recorded is not None and recorded >= due:
        return False
    ticket.escalated_at = now
    ticket.escalated_for = late
    return True


async def settle_escalations(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """A ticket taken, given to someone or closed: its open escalation tasks are done, so
    the managers' lists do not keep nagging about what is already handled."""
    pending = await session.scalars(
        select(Task).where(Task.ticket_id == ticket.id, Task.done_at.is_(None))
    )
    for task in pending:
        task.done_at = now  # one by one: the audit hook records each


async def parties(session: AsyncSession, ticket: Ticket) -> tuple[str, str | None]:
    """The customer's and the contact's names of a ticket the caller already reached
    through :func:`get` (a service person sees the ticket, not the customer's records)."""
    company = await session.scalar(select(Company.name).where(Company.id == ticket.company_id))
    contact = None
    if ticket.contact_id is not None:
        contact = await session.scalar(select(Contact.name).where(Contact.id == ticket.contact_id))
    return company or "-", contact


async def company_names(session: AsyncSession, rows: Sequence[Ticket]) -> dict[int, str]:
    """The customers' names of tickets read through :func:`visible`."""
    ids = {t.company_id for t in rows}
    if not ids:
        return {}
    found = await session.execute(select(Company.id, Company.name).where(Company.id.in_(ids)))
    return dict(found.all())


async def escalation_people(session: AsyncSession, ticket: Ticket) -> list[int]:
    """Who hears of a ticket past its target or reopened: the assignee's managers, else
    the customer owner's managers, else the admins."""
    for person in (ticket.assignee_id, ticket.owner_id):
        if person is not None:
            found = await team_managers(session, person)
            if found:
                return found
    return list(
        await session.scalars(
            select(User.id).where(User.active, User.role == Role.ADMIN).order_by(User.id)
        )
    )


async def service_people(session: AsyncSession, principal: Principal) -> list[User]:
    """Whom a manager may give a ticket to: service people, and the manager's team."""
    stmt = select(User).where(User.active, User.role.in_((Role.SERVICE, Role.MANAGER)))
    if principal.visible_owner_ids is not None:
        teams = select(TeamMember.team_id).where(TeamMember.user_id == principal.user_id)
        mates = select(TeamMember.user_id).where(TeamMember.team_id.in_(teams))
        stmt = stmt.where((User.role == Role.SERVICE) | User.id.in_(mates))
    return list(await session.scalars(stmt.order_by(User.id).limit(12)))


def met_sla(ticket: Ticket) -> bool:
    """Closed within its resolution target, after a response within its response target."""
    if ticket.closed_at is None:
        return False
    responded = ticket.responded_at or ticket.closed_at
    return responded <= ticket.respond_by and ticket.closed_at <= ticket.resolve_by


def overdue(ticket: Ticket, now: datetime) -> str | None:
    """``response`` / ``resolution`` when an open ticket is past that target."""
    if ticket.status != OPEN:
        return None
    if ticket.responded_at is None and now > ticket.respond_by:
        return "response"
    if now > ticket.resolve_by:
        return "resolution"
    return None


@dataclass(frozen=True)
class TicketStats:
    open: int
    closed: int
    met: int
    escalated: int
    scores: tuple[int, ...]
    by_kind: dict[str, int]

    @property
    def met_percent(self) -> int | None:
        return round(100 * self.met / self.closed) if self.closed else None

    @property
    def average_score(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


async def stats(records: Records, since: datetime, until: datetime) -> TicketStats:
    """Tickets opened in a period, as the principal sees them: open now, closed, closed
    within their SLA, escalated, survey scores, and counts per type."""
    rows = (
        await records.session.scalars(
            select(Ticket).where(
                ticket_scope(records.principal),
                Ticket.created_at >= since,
                Ticket.created_at < until,
            )
        )
    ).all()
    by_kind: dict[str, int] = {}
    for t in rows:
        by_kind[t.kind] = by_kind.get(t.kind, 0) + 1
    return TicketStats(
        open=sum(1 for t in rows if t.status == OPEN),
        closed=sum(1 for t in rows if t.status == CLOSED),
        met=sum(1 for t in rows if met_sla(t)),
        escalated=sum(1 for t in rows if t.escalated_at is not None or overdue(t, records.now)),
        scores=tuple(t.score for t in rows if t.score is not None),
        by_kind=by_kind,
    )


def reprioritise(ticket: Ticket, policy: TicketPolicy, priority: str, now: datetime) -> None:
    """A new priority moves the SLA targets: counted from when the ticket was opened."""
    if priority not in PRIORITIES:
        raise TicketError("tickets.bad_priority")
    ticket.priority = priority
    ticket.respond_by, ticket.resolve_by = policy.deadlines(priority, ticket.created_at)
    touch(ticket, now)
