"""Reading the audit log back for ``crmbot audit``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, User
from store.users import UserError

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
}


@dataclass(frozen=True)
class AuditQuery:
    table: str | None = None
    record_id: int | None = None
    user: str | None = None
    limit: int = 50

    @classmethod
    def parse(cls, *, record: str | None, user: str | None, limit: int) -> AuditQuery:
        if record is None:
            return cls(user=user, limit=limit)
        table, _, raw_id = record.partition(":")
        table = TABLE_NAMES.get(table.lower(), table.lower())
        if table not in TABLE_NAMES.values() or not raw_id.isdigit():
            raise UserError(
                f"--record {record!r}: use TABLE:ID, e.g. company:12 "
                f"(tables: {', '.join(TABLE_NAMES)})"
            )
        return cls(table=table, record_id=int(raw_id), user=user, limit=limit)


async def read_audit(session: AsyncSession, query: AuditQuery) -> list[str]:
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
        stmt = stmt.where(User.name == query.user.lower())
    lines = []
    for entry, who in (await session.execute(stmt)).all():
        change = ""
        if entry.field:
            change = f"  {entry.field}: {entry.old_value or '∅'} → {entry.new_value or '∅'}"
        lines.append(
            f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {who or '-'} via {entry.platform}  "
            f"{entry.action} {entry.table_name}#{entry.record_id}{change}"
        )
    return lines
