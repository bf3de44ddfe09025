"""Where a contact or company came from, in one line's worth of facts: the import that
created it (file, import id, who, when), the business card it was scanned from (who, when),
or otherwise who added it, from which platform, when (its ``create`` audit entry).

The card shows this (handlers/customers), as the privacy export does in full
(:mod:`store.privacy`); here only the newest fact of each kind is read, by indexed keys,
so showing a card costs two or three small queries, not the person's whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, ContactPhoto, ImportedRecord, ImportRun, User


@dataclass(frozen=True)
class Origin:
    """``kind``: ``import``, ``card`` (a scanned business card) or ``added`` (typed, or
    logged in a message, on ``platform``)."""

    kind: str
    at: datetime
    by: str | None
    platform: str
    filename: str = ""
    import_id: int = 0


async def record_origin(session: AsyncSession, table: str, record_id: int) -> Origin | None:
    """The origin of ``table``'s record ``record_id`` (``contacts`` or ``companies``);
    ``None`` when nothing was recorded (rows older than the audit log)."""
    created = await session.execute(
        select(ImportRun, User.display_name)
        .join(ImportedRecord, ImportedRecord.import_id == ImportRun.id)
        .outerjoin(User, User.id == ImportRun.user_id)
        .where(
            ImportedRecord.table_name == table,
            ImportedRecord.record_id == record_id,
            ImportedRecord.action == "create",
        )
        .order_by(ImportRun.id)
        .limit(1)
    )
    found = created.first()
    if found is not None:
        run, name = found
        return Origin("import", run.created_at, name, run.platform, run.filename, run.id)
    if table == "contacts":
        scanned = await session.execute(
            select(ContactPhoto.created_at, ContactPhoto.platform, User.display_name)
            .outerjoin(User, User.id == ContactPhoto.created_by)
            .where(ContactPhoto.contact_id == record_id)
            .order_by(ContactPhoto.id)
            .limit(1)
        )
        photo = scanned.first()
        if photo is not None:
            return Origin("card", photo[0], photo[2], photo[1])
    added = await session.execute(
        select(AuditEntry.at, AuditEntry.platform, User.display_name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(
            AuditEntry.table_name == table,
            AuditEntry.record_id == record_id,
            AuditEntry.action == "create",
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    entry = added.first()
    if entry is None:
        return None
    return Origin("added", entry[0], entry[2], entry[1])


__all__ = ["Origin", "record_origin"]
