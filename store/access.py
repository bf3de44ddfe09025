"""The one place record rules live: a rep owns, a manager sees the team, an admin sees all.

Handlers reach customer records only through :class:`Records`; it never reveals whether a
record it refuses exists (a forged button payload gets the same answer as a missing id).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    inspect,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from store.models import Company, Owned, Role, TeamMember, Ticket, User
from store.riders import Riders
from store.write_through import write_through

RecordT = TypeVar("RecordT", bound=Owned)


class HasOwner(Protocol):
    """A record, or a row read from one, that says whose it is."""

    @property
    def owner_id(self) -> int: ...


class RecordNotFound(Exception):
    """No such record, or not one the principal may see; deliberately indistinguishable."""


class NotAllowed(Exception):
    """The principal may see the record but not do this to it (e.g. give it to a stranger)."""


class ReadOnly(NotAllowed):
    """The principal reads this record but does not change it (finance on a rep's deal)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """A resolved CRM user and the owners whose records they may touch (None = everyone)."""

    user_id: int
    role: Role
    visible_owner_ids: frozenset[int] | None
    service_team_ids: frozenset[int] = frozenset()
    """A service person's teams: the service groups whose tickets they see."""
    edits_own_only: bool = False
    """Sees more than it changes (finance): other owners' records are read-only, apart
    from what :data:`FINANCE_WRITES` allows (approving contracts; payments are not owned
    records and are recorded on the contract)."""
    sees_tickets: bool = True
    """Finance reads tickets only when ``CRMBOT_FINANCE_SEES_TICKETS`` says so."""
    only_tables: frozenset[str] | None = None
    """A read-only view limited to these tables (:func:`ticket_intake`): every other
    model reads as empty and nothing is written through it."""

    def can_see_owner(self, owner_id: int) -> bool:
        return self.visible_owner_ids is None or owner_id in self.visible_owner_ids


async def principal_for(
    session: AsyncSession, user: User, *, finance_sees_tickets: bool = False
) -> Principal:
    role = Role(user.role)
    if role is Role.ADMIN:
        return Principal(user.id, role, None)
    if role is Role.FINANCE:
        # Every customer's contracts and payments (collection work), read-only otherwise.
        return Principal(
            user.id, role, None, edits_own_only=True, sees_tickets=finance_sees_tickets
        )
    if role is Role.REP:
        return Principal(user.id, role, frozenset({user.id}))
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    if role is Role.SERVICE:
        teams = frozenset(await session.scalars(my_teams))
        return Principal(user.id, role, frozenset({user.id}), teams)
    members = await session.scalars(
        select(TeamMember.user_id).where(TeamMember.team_id.in_(my_teams))
    )
    return Principal(user.id, role, frozenset({user.id, *members}))


@functools.lru_cache(maxsize=4096)
def owner_scope(model: type[Owned], ids: frozenset[int] | None) -> ColumnElement[bool]:
    """``owner_id IN (...)``, built once per model and owner set: SQL expressions are
    immutable, and building this one is a good part of a scoped query's Python cost."""
    return true() if ids is None else one_of(model.owner_id, ids)


def one_of(column: Any, ids: frozenset[int]) -> ColumnElement[bool]:
    """``column = id`` for a single id (a rep sees their own records), ``IN (...)`` for
    more: an ``IN`` list is expanded into the SQL text on every execution, and nearly
    every message runs several statements scoped to one owner (issue 20)."""
    if len(ids) == 1:
        (only,) = ids
        return column == only  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def _by_id(model: type[Owned], ids: frozenset[int] | None, for_update: bool) -> Select[Any]:
    """One record by id within the owner scope, built once per model, scope and lock."""
    owned: Any = model  # a mapped class: hashable, as lru_cache needs
    stmt = select(model).where(owner_scope(owned, ids), model.id == bindparam("record_id"))
    return stmt.with_for_update() if for_update else stmt


def ticket_scope(principal: Principal) -> ColumnElement[bool]:
    """Which tickets a principal sees: those of the customers they see (the owner's rule),
    those assigned to them, and for service people also their groups' tickets and the
    unassigned queue (a manager sees the tickets their team works on, too). Finance sees
    none unless the setting gives them all."""
    if not principal.sees_tickets:
        return false()
    if principal.visible_owner_ids is None:
        return true()
    ids = principal.visible_owner_ids
    seen: list[ColumnElement[bool]] = [
        one_of(Ticket.owner_id, ids),
        one_of(Ticket.assignee_id, ids),
    ]
    if principal.role is Role.SERVICE:
        seen.append(Ticket.team_id.in_(principal.service_team_ids))
        seen.append(and_(Ticket.team_id.is_(None), Ticket.assignee_id.is_(None)))
    return or_(*seen)


FINANCE_WRITES: dict[str, dict[str, frozenset[object] | None]] = {
    "contracts": {"status": frozenset({"active", "draft"}), "signed_on": None},
}
"""What finance may change on records of other owners: a contract's approval (the last
level activates it and dates the signature; a rejection returns it to draft). ``None``:
any value."""


def may_write(principal: Principal, obj: Owned, fields: dict[str, Any]) -> bool:
    """Whether ``principal`` may write ``fields`` to ``obj`` it already sees: always,
    except for finance on another owner's record, where only a touch (no fields: the
    customer moved up the list) and :data:`FINANCE_WRITES` pass."""
    if not principal.edits_own_only or obj.owner_id == principal.user_id or not fields:
        return True
    allowed = FINANCE_WRITES.get(getattr(obj, "__tablename__", ""), {})
    for key, value in fields.items():
        if key not in allowed:
            return False
        values = allowed[key]
        if values is not None and value not in values:
            return False
    return True


FINANCE_CREATES = frozenset({"activities", "tasks"})
"""What finance may add for another owner: a collection call logged on the customer, and
its follow-up (they go to the customer's owner as every log does)."""


def may_take(principal: Principal) -> bool:
    """Who may take a ticket from a queue or be given one: service people, managers, admins."""
    return principal.role in (Role.SERVICE, Role.MANAGER, Role.ADMIN)


def may_reassign(principal: Principal) -> bool:
    """Reassigning someone else's ticket is a manager's (or an admin's) call."""
    return principal.role in (Role.MANAGER, Role.ADMIN)


def may_hand_over(principal: Principal, owner_id: int) -> bool:
    """Who may give a record to someone else (a handover asked for after a duplicate
    check): its owner, an admin, or a manager who sees the owner's records."""
    if principal.role is Role.ADMIN or principal.user_id == owner_id:
        return True
    return principal.role is Role.MANAGER and principal.can_see_owner(owner_id)


INTAKE_TABLES = frozenset({"companies", "contacts"})
"""What opening a ticket needs to read of any customer: the name, region and contacts."""


def ticket_intake(records: Records) -> Records:
    """The view a ticket is opened through. A service person opens tickets "for any
    customer" without owning any: they read every customer's name, region and contacts
    here, read-only, and nothing else (deals, contracts and notes stay out of reach). Any
    other role keeps its own view."""
    principal = records.principal
    if principal.role is not Role.SERVICE:
        return records
    narrow = replace(principal, visible_owner_ids=None, only_tables=INTAKE_TABLES)
    return Records(records.session, narrow, records.now)


def scope_of(principal: Principal, model: type[Owned]) -> ColumnElement[bool]:
    """Which rows of ``model`` the principal reads: its owners' (none if the view does not
    read the table at all). For statements built once per principal (the card's reads)."""
    if not _reads(principal, model):
        return false()
    owned: Any = model  # a mapped class: hashable, as lru_cache needs
    return owner_scope(owned, principal.visible_owner_ids)


def newest_of_company(
    model: type[RecordT], scope: ColumnElement[bool], limit: int
) -> Select[RecordT]:
    """``model``'s records of one customer (the ``company_id`` parameter) within ``scope``,
    newest first: a card's contracts and tickets, built once per viewer by their stores."""
    owned: Any = model
    return (
        select(model)
        .where(scope, owned.company_id == bindparam("company_id"))
        .order_by(owned.id.desc())
        .limit(limit)
    )


def _reads(principal: Principal, model: type[Owned]) -> bool:
    tables = principal.only_tables
    return tables is None or _table(model) in tables


def _table(model: type[Owned]) -> str:
    return str(getattr(model, "__tablename__", ""))


_KEPT = "records_kept"
"""``Session.info`` key of the records :meth:`Records.keep` holds."""


class Records:
    """Scoped reads and writes of owned records for one principal in one transaction."""

    def __init__(self, session: AsyncSession, principal: Principal, now: datetime) -> None:
        self.session = session
        self.principal = principal
        self.now = now

    def keep(self, obj: Owned) -> None:
        """Hold ``obj`` for the rest of the transaction: the session's identity map holds
        records weakly, and a record read to decide something (the customer a log names)
        is usually read again to act on it; held, that :meth:`get` needs no SELECT. Held by
        the session itself, so every view of the transaction (``narrowed``, a new
        ``Context.records``) finds it, and it goes with the session."""
        self.session.info.setdefault(_KEPT, []).append(obj)

    def narrowed(self, owner_ids: Iterable[int]) -> Records:
        """The same view limited to some of the owners it already covers (a manager's
        ``/pipeline 李娜``): never wider, so naming someone outside it shows nothing."""
        visible = self.principal.visible_owner_ids
        wanted = frozenset(owner_ids)
        ids = wanted if visible is None else wanted & visible
        return Records(self.session, replace(self.principal, visible_owner_ids=ids), self.now)

    def reads(self, model: type[Owned]) -> bool:
        """Whether this view reads ``model`` at all (a ticket intake's view does not)."""
        return _reads(self.principal, model)

    def _writable(self, model: type[Owned]) -> None:
        if self.principal.only_tables is not None:
            raise ReadOnly(model.__name__)

    def scope(self, model: type[RecordT]) -> ColumnElement[bool]:
        return scope_of(self.principal, model)

    def select(self, model: type[RecordT]) -> Select[RecordT]:
        return select(model).where(self.scope(model))

    async def get(
        self, model: type[RecordT], record_id: int, *, for_update: bool = False
    ) -> RecordT:
        if not self.reads(model):
            raise RecordNotFound(f"{model.__name__} {record_id}")
        obj = None if for_update else self._loaded(model, record_id)
        if obj is not None:
            if not self.principal.can_see_owner(obj.owner_id):
                raise RecordNotFound(f"{model.__name__} {record_id}")
            return obj
        owned: Any = model
        stmt: Select[RecordT] = _by_id(owned, self.principal.visible_owner_ids, for_update)
        found = await self.session.scalar(stmt, {"record_id": record_id})
        if found is None:
            raise RecordNotFound(f"{model.__name__} {record_id}")
        return found

    def _loaded(self, model: type[RecordT], record_id: int) -> RecordT | None:
        """The record if this transaction already holds it, fully loaded: a SELECT would
        return that same object unchanged (the session does not overwrite loaded
        attributes), so the statement is skipped. A lock (``for_update``) always asks."""
        found = self.session.sync_session.identity_map.get(identity_key(model, record_id))
        if not isinstance(found, model):
            return None
        state = inspect(found)
        if state.deleted or state.was_deleted:
            return None
        unloaded = state.unloaded  # expired or deferred columns would need the row again
        if unloaded and any(attr.key in unloaded for attr in state.mapper.column_attrs):
            return None
        return found

    async def list(
        self,
        model: type[RecordT],
        *where: ColumnElement[bool],
        order_by: Any = None,
        limit: int = 50,
    ) -> Sequence[RecordT]:
        stmt = self.select(model).where(*where).limit(limit)
        if order_by is not None:
            stmt = stmt.order_by(order_by)
        return (await self.session.scalars(stmt)).all()

    def may_correct(self, obj: HasOwner) -> bool:
        """Whether the principal may edit or delete ``obj`` from its card: its owner or an
        admin. A manager sees the team's records but corrects only their own: a fix to a
        rep's customer is the rep's (or an admin's) to make, so nobody's data changes
        under them unasked."""
        return self.principal.role is Role.ADMIN or obj.owner_id == self.principal.user_id

    async def create(self, model: type[RecordT], *, flush: bool = True, **fields: Any) -> RecordT:
        """A new record, checked against the principal's scope; ``flush=False`` leaves the
        INSERT for the next flush when nothing needs its id yet (fewer round trips)."""
        self._writable(model)
        owner_id = fields.setdefault("owner_id", self.principal.user_id)
        self._check_owner(owner_id)
        if (
            self.principal.edits_own_only
            and owner_id != self.principal.user_id
            and getattr(model, "__tablename__", "") not in FINANCE_CREATES
        ):
            raise ReadOnly(model.__name__)
        await self.check_links(fields)
        for stamp in ("created_at", "updated_at", "stage_changed_at"):
            if hasattr(model, stamp):
                fields.setdefault(stamp, self.now)
        obj = model(**fields)
        self.session.add(obj)
        if flush:
            await self.session.flush()
        return obj

    async def update(
        self, obj: RecordT, *, flush: bool = True, riders: Riders | None = None, **fields: Any
    ) -> RecordT:
        self._writable(type(obj))
        self._check_owner(obj.owner_id, missing=True)
        if not may_write(self.principal, obj, fields):
            raise ReadOnly(type(obj).__name__)
        if "owner_id" in fields:
            self._check_owner(fields["owner_id"])
        await self.check_links(fields)
        for key, value in fields.items():
            if not hasattr(obj, key):
                raise AttributeError(f"{type(obj).__name__} has no field {key}")
            setattr(obj, key, value)
        if hasattr(obj, "updated_at"):
            # With no other change pending (a touch: the record moved up the
            # recently-used order), one UPDATE now instead of the flush's unit of work.
            await write_through(self.session, obj, riders, updated_at=self.now)
        if flush:
            await self.session.flush()
        return obj

    async def delete(self, obj: RecordT) -> None:
        self._writable(type(obj))
        self._check_owner(obj.owner_id, missing=True)
        if self.principal.edits_own_only and obj.owner_id != self.principal.user_id:
            raise ReadOnly(type(obj).__name__)
        await self.session.delete(obj)
        await self.session.flush()

    def _check_owner(self, owner_id: int, *, missing: bool = False) -> None:
        if not self.principal.can_see_owner(owner_id):
            raise RecordNotFound("owner out of scope") if missing else NotAllowed("owner")

    async def check_links(self, fields: dict[str, Any]) -> None:
        """A record may only point at a company the principal can see."""
        company_id = fields.get("company_id")
        if company_id is not None:
            await self.get(Company, company_id)
