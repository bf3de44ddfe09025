"""Reading the audit log back for ``crmbot audit``: filtered by record, user and date, with
amounts written as money and times in the reader's zone, so an admin reads it as it
happened rather than decoding cents and UTC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import changes_of
from store.models import AuditEntry, Deal, User
from store.users import UserError, find_user

TABLE_NAMES = {
    "company": "companies",
    "contact": "contacts",
    "deal": "deals",
    "activity": "activities",
    "task": "tasks",
    "user": "users",
    "contract": "contracts",
    "contract_approval": "contract_approvals",
    "payment": "contract_payments",
    "ticket": "tickets",
}
MoneyFormat = Callable[[int, str], str]
"""Cents and a currency code to text (the CLI passes the locale's, with symbols)."""
MONEY_FIELDS = {("deals", "amount_cents"): "amount"}
"""Stored in cents, shown as money in the deal's currency (under the field's plain name)."""


@dataclass(frozen=True)
class AuditQuery:
    table: str | None = None
    record_id: int | None = None
    user: str | None = None
    limit: int = 50
    since: date | None = None  # from this day (in ``tz``) on
    until: date | None = None  # up to and including this day (in ``tz``)
    tz: tzinfo = UTC

    @classmethod
    def parse(
        cls,
        *,
        record: str | None,
        user: str | None,
        limit: int,
        since: date | None = None,
        until: date | None = None,
        tz: tzinfo = UTC,
    ) -> AuditQuery:
        if since is not None and until is not None and until < since:
            raise UserError(f"--until {until} is before --since {since}")
        if record is None:
            return cls(user=user, limit=limit, since=since, until=until, tz=tz)
        table, _, raw_id = record.partition(":")
        table = TABLE_NAMES.get(table.lower(), table.lower())
        if table not in TABLE_NAMES.values() or not raw_id.isdigit():
            raise UserError(
                f"--record {record!r}: use TABLE:ID, e.g. company:12 "
                f"(tables: {', '.join(TABLE_NAMES)})"
            )
        return cls(table, int(raw_id), user, limit, since, until, tz)


def plain_money(cents: int, currency: str) -> str:
    """``CNY 300,000.00``: what the store can say without a locale's symbols."""
    return f"{currency} {Decimal(cents) / 100:,.2f}".strip()


def _money(value: str | None, currency: str, money: MoneyFormat) -> str | None:
    if value is None or not value.lstrip("-").isdigit():
        return value
    return money(int(value), currency)


def local_time(value: str | None, tz: tzinfo) -> str | None:
    """A stored ISO time with its offset (a due date, a close date) in the reader's zone."""
    if value is None or "T" not in value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def zone_name(tz: tzinfo) -> str:
    return "UTC" if tz is UTC else str(tz)


async def read_audit(
    session: AsyncSession, query: AuditQuery, *, money: MoneyFormat = plain_money
) -> list[str]:
    """The matching entries, newest first, a line for each field they changed (one for an
    entry about no field); :class:`UserError` for a user
    who does not exist (rather than an empty answer that reads like "did nothing")."""
    stmt = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.id.desc())
        .limit(query.limit)
    )
    if query.table is not None:
        stmt = stmt.where(
            AuditEntry.table_name == query.table, AuditEntry.record_id == query.record_id
        )
    if query.user is not None:
        person = await find_user(session, query.user)
        if person is None:
            raise UserError(f"no such user {query.user!r} (see: crmbot user list)")
        stmt = stmt.where(AuditEntry.user_id == person.id)
    if query.since is not None:
        stmt = stmt.where(AuditEntry.at >= _start_of(query.since, query.tz))
    if query.until is not None:
        stmt = stmt.where(AuditEntry.at < _start_of(query.until + timedelta(days=1), query.tz))
    rows = [(entry, who, changes_of(entry)) for entry, who in (await session.execute(stmt)).all()]
    currencies = await _currencies(
        session,
        [
            entry
            for entry, _, held in rows
            if any((entry.table_name, field) in MONEY_FIELDS for field, _, _ in held)
        ],
    )
    zone = zone_name(query.tz)
    lines = []
    for entry, who, held in rows:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
        head = (
            f"{at.astimezone(query.tz):%Y-%m-%d %H:%M:%S} {zone}  {who or '-'} via "
            f"{entry.platform}  {entry.action} {entry.table_name}#{entry.record_id}"
        )
        if not held:
            lines.append(head)
        for field, old, new in held:
            label = MONEY_FIELDS.get((entry.table_name, field))
            if label is not None:
                currency = currencies.get(entry.id, "")
                field, old, new = label, _money(old, currency, money), _money(new, currency, money)
            else:
                old, new = local_time(old, query.tz), local_time(new, query.tz)
            lines.append(f"{head}  {field}: {old or '∅'} → {new or '∅'}")
    return lines


def _start_of(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


async def _currencies(session: AsyncSession, amounts: list[AuditEntry]) -> dict[int, str]:
    """The currency of each of ``amounts`` (entries holding a deal's amount): the deal's
    currency as the audit log last recorded it at or before that entry (so a deleted deal
    and a currency change read right), else the deal's current one."""
    if not amounts:
        return {}
    deal_ids = {e.record_id for e in amounts}
    history = [
        (entry.record_id, entry.id, value)
        for entry in await session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.table_name == "deals",
                AuditEntry.record_id.in_(deal_ids),
                or_(AuditEntry.field == "currency", AuditEntry.field.is_(None)),
            )
            .order_by(AuditEntry.id)
        )
        for field, old, new in changes_of(entry)
        if field == "currency" and (value := new or old)
    ]
    current = dict(
        (await session.execute(select(Deal.id, Deal.currency).where(Deal.id.in_(deal_ids)))).all()
    )
    found: dict[int, str] = {}
    for entry in amounts:
        currency = current.get(entry.record_id, "")
        for record_id, entry_id, value in history:
            if record_id == entry.record_id and entry_id <= entry.id:
                currency = value
        found[entry.id] = currency
    return found
