"""``crmbot keys encrypt`` / ``crmbot keys rotate``: every sealed column under the current key.

Turning encryption on for a plaintext database and moving to a new key are the same walk:
read each row's raw stored values, and rewrite the rows holding one that is not sealed under
the current key (plaintext, or an older key's) — through the column types, so they come out
sealed with the current key, with their blind indexes and search key computed again.

* Resumable: one transaction per batch of rows, and a row already under the current key is
  left alone, so a run stopped half way (a crash, Ctrl-C) continues where it was when run
  again; meanwhile the old key still opens the rest (``CRMBOT_ENCRYPTION_OLD_KEYS``).
* Quiet for the records: a reseal is no edit, so ``updated_at`` stays and no per-field audit
  rows are written; the run itself is audited (``encryption_keys`` rows in the audit log,
  when it started and what it resealed).
* When every row is done, the other keys are marked retired: start-up stops asking for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    LargeBinary,
    Table,
    Text,
    bindparam,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store import blind_index
from store.audit import entry
from store.bulk import table_of
from store.db import Database
from store.models import (
    AuditEntry,
    Company,
    Contact,
    ContactPhoto,
    Conversation,
    EncryptionKey,
    ImportRun,
    OutboxMessage,
    UndoAction,
)
from store.sealing import Keyring, SealedBytes, SealedJSON, SealError, bytes_kid_of, kid_of
from store.search import KEY_SOURCES, search_key

#: Every model with sealed columns, and those columns.
SEALED: dict[type[Any], tuple[str, ...]] = {
    Contact: ("mobile", "phone", "email"),
    Company: ("phone",),
    ContactPhoto: ("image", "fields"),
    AuditEntry: ("old_value", "new_value"),
    UndoAction: ("steps",),
    Conversation: ("data",),
    OutboxMessage: ("body",),
    ImportRun: ("summary", "data"),
}
BATCH = 500

Progress = Callable[[str, int, int], None]
"""Called after each batch: table, rows resealed so far, rows looked at so far."""


@dataclass
class ResealReport:
    kid: str
    resealed: dict[str, int] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)


def _raw(table: Table, name: str) -> Any:
    """The column as stored, bypassing its sealing type."""
    column = table.c[name]
    if isinstance(column.type, SealedBytes):
        return type_coerce(column, LargeBinary).label(name)
    if isinstance(column.type, SealedJSON):
        return type_coerce(column, JSON).label(name)
    return type_coerce(column, Text).label(name)


def _stale(value: Any, current: str) -> bool:
    """A stored value not sealed under the current key (plaintext or an older key's)."""
    if value is None:
        return False
    if isinstance(value, bytes | memoryview):
        return bytes_kid_of(bytes(value)) != current
    if isinstance(value, str):
        return kid_of(value) != current
    return True  # a JSON object: plaintext


def _derived(keyring: Keyring, model: type[Any], row: dict[str, Any]) -> dict[str, Any]:
    """The search key and blind indexes of a contact / company, under the current key."""
    if model not in KEY_SOURCES:
        return {}
    name, *extra = (row[f] for f in KEY_SOURCES[model])
    filled = dict(row)
    blind_index.fill(keyring, model, [filled])
    values: dict[str, Any] = {"search_key": search_key(name or "", *extra, blind=keyring)}
    for index, _kind in blind_index.BLIND_COLUMNS[model].values():
        values[index] = filled[index]
    return values


async def _batch(
    session: AsyncSession, keyring: Keyring, model: type[Any], after: int, size: int
) -> tuple[int | None, int, int]:
    """Reseal one batch of rows with ids above ``after``: (last id seen or None at the
    end, rows looked at, rows resealed)."""
    table = table_of(model)
    names = SEALED[model]
    rows = (
        await session.execute(
            select(table.c.id, *(_raw(table, n) for n in names))
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(size)
        )
    ).all()
    if not rows:
        return None, 0, 0
    stale = [r.id for r in rows if any(_stale(getattr(r, n), keyring.current_kid) for n in names)]
    if stale:
        wanted = [table.c.id, *(table.c[n] for n in names)]
        if model in KEY_SOURCES:
            wanted += [table.c[n] for n in KEY_SOURCES[model] if n not in names]
        # Locked (PostgreSQL) so a worker's edit cannot land between this read and the
        # rewrite and be lost; SQLite has one writer and refuses a stale snapshot's write.
        locked = select(*wanted).where(table.c.id.in_(stale)).with_for_update()
        plain = (await session.execute(locked)).all()
        changes = []
        for row in plain:
            values = dict(row._mapping)
            values.update(_derived(keyring, model, values))
            values["row_id"] = values.pop("id")
            changes.append({k: v for k, v in values.items() if k == "row_id" or k in table.c})
        keys = [k for k in changes[0] if k != "row_id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({k: bindparam(k, type_=table.c[k].type) for k in keys})
        )
        await session.execute(statement, changes)
    return rows[-1].id, len(rows), len(stale)


async def reseal(
    db: Database,
    *,
    action: str,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> ResealReport:
    """Seal every sealed column's values under ``db``'s current key (``action``: what the
    audit log calls the run, ``encrypt`` or ``rotate``)."""
    keyring = db.keyring
    if keyring is None:
        raise SealError("set CRMBOT_ENCRYPTION_KEY first: it is the key values are sealed with")
    report = ResealReport(keyring.current_kid)
    await _audit(db, action, f"started: key {keyring.current_kid}")
    for model in SEALED:
        name = table_of(model).name
        after: int | None = 0
        seen, done = 0, 0
        while after is not None:
            async with db.transaction() as session:
                after, looked, resealed = await _batch(session, keyring, model, after, batch)
            seen, done = seen + looked, done + resealed
            if progress is not None:
                progress(name, done, seen)
        report.resealed[name] = done
    async with db.transaction() as session:
        others = (
            await session.scalars(
                select(EncryptionKey).where(
                    EncryptionKey.kid != keyring.current_kid, EncryptionKey.retired_at.is_(None)
                )
            )
        ).all()
        for key in others:
            key.retired_at = db.clock.now()
            report.retired.append(key.kid)
    counts = ", ".join(f"{t} {n}" for t, n in report.resealed.items())
    retired = f"; retired {', '.join(report.retired)}" if report.retired else ""
    await _audit(db, action, f"finished: key {keyring.current_kid}; resealed {counts}{retired}")
    return report


async def _audit(db: Database, action: str, what: str) -> None:
    async with db.transaction() as session:
        change = ("kid", None, what)
        row = entry(db.clock.now(), None, "system", "encryption_keys", 0, action, change)
        await session.execute(insert(AuditEntry), [row])


async def usage(db: Database, *, batch: int = 5000) -> dict[str, dict[str, int]]:
    """Per table, how many stored values are plaintext and how many under each key id:
    what ``crmbot keys status`` shows, and how a rotation's end is checked."""
    found: dict[str, dict[str, int]] = {}
    for model, names in SEALED.items():
        table = table_of(model)
        counts: dict[str, int] = {}
        after = 0
        while True:
            async with db.session() as session:
                rows = (
                    await session.execute(
                        select(table.c.id, *(_raw(table, n) for n in names))
                        .where(table.c.id > after)
                        .order_by(table.c.id)
                        .limit(batch)
                    )
                ).all()
            if not rows:
                break
            after = rows[-1].id
            for row in rows:
                for name in names:
                    label = _label(getattr(row, name))
                    if label is not None:
                        counts[label] = counts.get(label, 0) + 1
        found[table.name] = counts
    return found


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | memoryview):
        kid = bytes_kid_of(bytes(value))
    else:
        kid = kid_of(value) if isinstance(value, str) else None
    return kid or "plaintext"


__all__ = ["BATCH", "SEALED", "ResealReport", "reseal", "usage"]
