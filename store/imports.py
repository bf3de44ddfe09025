"""Import runs: the row written for each, what each wrote, and undoing one.

An import writes in batches, each its own transaction that also lists what it created or
updated in ``imported_records`` under the run's id; a crash half way leaves the run
``running`` with exactly the committed batches listed, and a re-run of the file finds
those records as duplicates (store/dedupe.py) instead of creating them again.
:func:`undo` deletes what one run created (audited like any delete) and keeps a record
that has been used since (a deal or activity added to an imported company by hand), so
undo never takes someone's later work with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Records
from store.bulk import table_of
from store.models import (
    Activity,
    Company,
    Contact,
    Deal,
    ImportedRecord,
    ImportRun,
    Owned,
    Task,
)
from store.paging import pages

MODELS: dict[str, type[Owned]] = {
    "companies": Company,
    "contacts": Contact,
    "deals": Deal,
    "activities": Activity,
}
#: Children first, so that a parent is looked at once its imported children are gone.
UNDO_ORDER = ("activities", "deals", "contacts", "companies")


class ImportRunError(Exception):
    """An import run that does not exist or cannot do what was asked; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def start_run(
    session: AsyncSession,
    *,
    user_id: int,
    filename: str,
    sha256: str,
    on_duplicate: str,
    platform: str,
    now: datetime,
    state: str = "running",
    data: bytes | None = None,
    summary: dict[str, Any] | None = None,
) -> ImportRun:
    run = ImportRun(
        user_id=user_id,
        filename=filename[:200],
        sha256=sha256,
        on_duplicate=on_duplicate,
        platform=platform,
        state=state,
        summary=summary or {},
        data=data,
        created_at=now,
    )
    session.add(run)
    await session.flush()
    return run


async def record_written(
    session: AsyncSession, run_id: int, written: Sequence[tuple[str, int, int, str]]
) -> None:
    """(table, row, record id, action) of one batch, in that batch's transaction; one
    executemany (a Core INSERT: nothing needs these rows' ids back)."""
    if not written:
        return
    await session.execute(
        insert(table_of(ImportedRecord)),
        [
            {"import_id": run_id, "table_name": t, "row": r, "record_id": i, "action": a}
            for t, r, i, a in written
        ],
    )


async def get_run(session: AsyncSession, run_id: int, user_id: int | None = None) -> ImportRun:
    """The run, if it exists and (when ``user_id`` is given) is that user's."""
    run = await session.get(ImportRun, run_id)
    if run is None or (user_id is not None and run.user_id != user_id):
        raise ImportRunError("no_such_import")
    return run


async def finish_run(
    session: AsyncSession, run_id: int, state: str, now: datetime, summary: dict[str, Any]
) -> None:
    run = await get_run(session, run_id)
    run.state = state
    run.finished_at = now
    run.summary = summary
    run.data = None


async def origin_of(session: AsyncSession, table: str, record_id: int) -> ImportRun | None:
    """The import that created this record, if one did."""
    return await session.scalar(
        select(ImportRun)
        .join(ImportedRecord, ImportedRecord.import_id == ImportRun.id)
        .where(
            ImportedRecord.table_name == table,
            ImportedRecord.record_id == record_id,
            ImportedRecord.action == "create",
        )
        .limit(1)
    )


@dataclass(frozen=True)
class UndoResult:
    deleted: dict[str, int]
    kept: dict[str, int]  # used since the import: not deleted


async def undo(records: Records, run: ImportRun) -> UndoResult:
    """Delete what ``run`` created (in the principal's scope), keeping what was used since."""
    if run.state == "undone":
        raise ImportRunError("already_undone")
    session = records.session
    created = await session.execute(
        select(ImportedRecord.table_name, ImportedRecord.record_id).where(
            ImportedRecord.import_id == run.id, ImportedRecord.action == "create"
        )
    )
    ids: dict[str, set[int]] = {table: set() for table in UNDO_ORDER}
    for table, record_id in created:
        ids.setdefault(table, set()).add(record_id)
    deleted = dict.fromkeys(UNDO_ORDER, 0)
    kept = dict.fromkeys(UNDO_ORDER, 0)
    for table in UNDO_ORDER:
        model = MODELS[table]
        for page in pages(sorted(ids[table])):
            objs = await session.scalars(records.select(model).where(model.id.in_(page)))
            for obj in objs.all():
                if await _used(session, table, obj.id):
                    kept[table] += 1
                    continue
                await session.delete(obj)
                deleted[table] += 1
            await session.flush()
    run.state = "undone"
    run.finished_at = records.now
    return UndoResult(deleted, kept)


async def _used(session: AsyncSession, table: str, record_id: int) -> bool:
    """Does anything not deleted yet point at this record?"""
    checks: list[Any] = []
    if table == "companies":
        checks = [
            select(func.count()).select_from(m).where(m.company_id == record_id)
            for m in (Contact, Deal, Activity, Task)
        ]
    elif table == "contacts":
        checks = [
            select(func.count()).select_from(m).where(m.contact_id == record_id)
            for m in (Deal, Activity)
        ]
    elif table == "deals":
        checks = [
            select(func.count()).select_from(m).where(m.deal_id == record_id)
            for m in (Activity, Task)
        ]
    for check in checks:
        if await session.scalar(check):
            return True
    return False
