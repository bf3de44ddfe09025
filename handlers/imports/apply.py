"""A checked plan -> records, batch by batch, each batch one transaction.

Every batch writes its rows' new companies, contacts, deals and notes a table at a time
(:func:`store.bulk.create_many`: a few ``INSERT … RETURNING`` statements instead of one per
row, with the record rules, search keys and audit rows of :class:`store.access.Records`),
applies the fill / overwrite merges to existing records (each changed field is an audit
entry: the record of the merge), and lists what it wrote under the import's id
(:mod:`store.imports`) in the same transaction. Records a later batch refers to (a company
on row 3 used again on row 3,000) are looked up by the id the earlier batch gave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert

from handlers.imports.plan import Plan, Policy, Write
from store.access import Records
from store.bulk import create_many, table_of
from store.fields import has_value, set_values
from store.imports import MODELS, record_written
from store.models import ActivityKind, Company, CustomField, DealStageChange, Owned
from store.tags import TagError, put_tag, resolve

BATCH_ROWS = 2000
"""Rows per transaction: big enough that SQLAlchemy batches the INSERTs, small enough that
a crash loses little and the progress bar moves."""

_ORDER = ("companies", "contacts", "deals", "activities")


@dataclass
class Progress:
    """Rows written so far; ``refs`` maps a planned record (negative ref) to its real id."""

    refs: dict[int, int] = field(default_factory=dict)
    rows_done: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_ORDER, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_ORDER, 0))


def batches(plan: Plan, size: int = BATCH_ROWS) -> list[list[Write]]:
    """The plan's writes cut at row boundaries, ``size`` rows a batch."""
    rows = sorted({w.row for w in plan.writes})
    cut = {row: n // size for n, row in enumerate(rows)}
    out: list[list[Write]] = [[] for _ in range((len(rows) + size - 1) // size)]
    for write in plan.writes:
        out[cut[write.row]].append(write)
    return out


def _cents(amount: Decimal | None) -> int:
    if amount is None:
        return 0
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fields(write: Write, refs: dict[int, int]) -> dict[str, Any]:
    """Plan values -> model columns, planned refs -> ids."""
    values = dict(write.values)

    def resolve(key: str, column: str) -> None:
        if key in values:
            ref = values.pop(key)
            values[column] = refs.get(ref, ref) if ref is not None else None

    resolve("company_ref", "company_id")
    resolve("contact_ref", "contact_id")
    if write.table == "deals":
        if "amount" in values:
            values["amount_cents"] = _cents(values.pop("amount"))
        if "close_date" in values:
            values["expected_close"] = values.pop("close_date")
    return values


async def apply_batch(
    records: Records, run_id: int, writes: Sequence[Write], progress: Progress
) -> None:
    """Write one batch in the caller's transaction."""
    session = records.session
    written: list[tuple[str, int, int, str]] = []
    for table in _ORDER:
        model = MODELS[table]
        creates = [w for w in writes if w.table == table and w.target is None]
        rows: list[dict[str, Any]] = []
        for write in creates:
            values = _fields(write, progress.refs)
            if table == "activities":
                values.update(kind=ActivityKind.NOTE, occurred_at=records.now)
            rows.append(values)
        ids = await create_many(records, model, rows)
        for write, new_id in zip(creates, ids, strict=True):
            progress.refs[write.ref] = new_id
            written.append((table, write.row, new_id, "create"))
        if table == "deals" and ids:
            await session.execute(
                insert(table_of(DealStageChange)),
                [
                    {
                        "deal_id": new_id,
                        "from_stage": None,
                        "to_stage": row["stage"],
                        "changed_at": records.now,
                        "changed_by": records.principal.user_id,
                    }
                    for new_id, row in zip(ids, rows, strict=True)
                ],
            )
        progress.created[table] += len(creates)
        updates = [w for w in writes if w.table == table and w.target is not None]
        if updates:
            targets = {w.target for w in updates}
            found = {
                obj.id: obj
                for obj in await session.scalars(
                    records.select(model).where(model.id.in_(sorted(t for t in targets if t)))
                )
            }
            for write in updates:
                existing = found.get(write.target or 0)
                if existing is None:
                    continue
                if await _merge(records, existing, _fields(write, progress.refs), write.mode):
                    written.append((table, write.row, existing.id, "update"))
                    progress.updated[table] += 1
    await _book_values(records, writes, progress)
    await session.flush()
    await record_written(session, run_id, written)
    progress.rows_done += len({w.row for w in writes})


async def _book_values(records: Records, writes: Sequence[Write], progress: Progress) -> None:
    """The batch's tags and custom field values, once its records have ids. Each goes through
    :func:`store.fields.set_values` (record rules, audit); ``fill`` leaves a value an
    existing record already has. They go with their record on ``import undo``."""
    for write in writes:
        if write.table == "company_tags":
            await _tags(records, progress.refs.get(write.ref, write.ref), write.values["names"])
        if write.table != "custom_values":
            continue
        field = await records.session.get(CustomField, write.values["field_id"])
        if field is None:
            continue
        record_id = progress.refs.get(write.ref, write.ref)
        if write.values["fill"] and await has_value(records.session, field, record_id):
            continue
        await set_values(records, field, record_id, write.values["values"])


async def _tags(records: Records, company_id: int, names: Sequence[str]) -> None:
    """The 标签 column's words that are tags of the workspace go on the customer as tags
    (the text stays in the imported ``tags`` column as it always did); others are left."""
    company = await records.get(Company, company_id)
    for name in names:
        try:
            tag = await resolve(records.session, records.now, name, create=False)
        except TagError:
            continue
        await put_tag(records, company, tag)


async def _merge(records: Records, obj: Owned, values: dict[str, Any], mode: Policy | None) -> bool:
    """Fill the record's empty fields, or overwrite them; True when something changed."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key in {"owner_id", "company_id", "contact_id"} or value in (None, ""):
            continue
        current = getattr(obj, key, None)
        if key == "amount_cents" and mode is Policy.FILL and current:
            continue
        if mode is Policy.FILL and current not in (None, "", 0):
            continue
        if current != value:
            changes[key] = value
    if not changes:
        return False
    old_stage = getattr(obj, "stage", None)
    await records.update(obj, flush=False, **changes)
    if "stage" in changes:
        records.session.add(
            DealStageChange(
                deal_id=obj.id,
                from_stage=old_stage,
                to_stage=changes["stage"],
                changed_at=records.now,
                changed_by=records.principal.user_id,
            )
        )
        await records.update(obj, flush=False, stage_changed_at=records.now)
    return True
