"""The audit rows of records created in bulk, written by the database from the rows it has
just stored (one ``INSERT … SELECT``) instead of sent from Python a parameter set each.

:func:`store.bulk.create_many` owes the audit log what the flush hook (:mod:`store.audit`)
writes for a record created through the ORM: record after record, one row per field that
is set, in the mapper's column order, its value as :func:`store.audit.render` writes it.
An import of 100,000 rows makes about a million such rows. Sent as parameter sets they
were the most expensive part of the write — SQLAlchemy processes nine parameters a row,
the time stamp through two converters — 2.7 of 9 CPU seconds at 20,000 rows
(BENCHMARKS.md, import round 3).

For a text or integer column, the stored value read back as text is exactly what
``render`` makes of the value given, so the database copies those values itself. A column
of another type (a date, a time, a float) is rendered by Python in a way the database
cannot imitate; a bulk write usually gives such a field one value on every record (an
import stamps them all with its instant), so that one string is bound once. When neither
holds — different dates on different records, a value of another type than its column, a
record with no field set — :func:`audit_created` writes nothing and says so, and the
caller sends the rows from Python: the same rows, the slow way.

The records' ids must run without a gap (the statement selects them by range: two
parameters instead of one per record). :mod:`store.bulk` numbers SQLite's rows itself;
PostgreSQL's sequence numbers one statement's rows in a run unless another writer takes
numbers in between, which :func:`audit_created` checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    Text,
    cast,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import render
from store.models import AuditEntry
from store.sealing import session_keyring
from store.types import UTCDateTime

_AUDIT_COLUMNS = (
    "at",
    "user_id",
    "platform",
    "table_name",
    "record_id",
    "action",
    "field",
    "old_value",
    "new_value",
)


def _copied_exactly(values: Sequence[Any], python_type: type[Any]) -> bool:
    """Whether the column's text *is* ``render(value)`` for each of ``values``: a plain int
    in an integer column (not a bool: ``True`` renders as ``"True"``), a string in a text
    column (a ``StrEnum`` too, which renders as its value)."""
    kinds = set(map(type, values))
    if python_type is int:
        return kinds == {int}
    if python_type is str and all(issubclass(kind, str) for kind in kinds):
        return kinds == {str} or all(str(v) == v for v in values)
    return False


def _python_type(table: Table, key: str) -> type[Any] | None:
    try:
        found: type[Any] = table.c[key].type.python_type
    except NotImplementedError:
        return None
    return found


def _branch(
    table: Table, ids: Sequence[int], pos: int, key: str, rows: Sequence[Mapping[str, Any]]
) -> Select[Any] | bool | None:
    """The audit rows of one field as a SELECT; None when no record sets it; False when the
    database cannot write them."""
    present = [row[key] for row in rows if row.get(key) is not None]
    if not present:
        return None
    column = table.c[key]
    python_type = _python_type(table, key)
    value: ColumnElement[Any]
    if python_type in (str, int) and _copied_exactly(present, python_type):
        value = cast(column, Text)
    else:
        rendered = {render(v) for v in present}
        if len(rendered) != 1:
            return False
        value = literal(rendered.pop(), Text)
    return select(
        table.c.id.label("record_id"),
        literal(pos, Integer).label("pos"),
        literal(key, String).label("field"),
        value.label("value"),
    ).where(table.c.id.between(ids[0], ids[-1]), column.is_not(None))


async def audit_created(
    session: AsyncSession,
    table: Table,
    keys: Sequence[str],
    ids: Sequence[int],
    rows: Sequence[Mapping[str, Any]],
    *,
    at: datetime,
    user_id: int | None,
    platform: str,
) -> bool:
    """Write the "create" audit rows of ``rows`` (stored in ``table`` under ``ids``, in the
    same order) for the audited ``keys``; False, with nothing written, when the database
    cannot write exactly what the flush hook would."""
    if not ids or list(ids) != list(range(ids[0], ids[0] + len(ids))):
        return False
    if session_keyring(session) is not None:
        # Encrypted at rest: the database would copy ciphertext (or plaintext into the
        # audit log's sealed columns) where the hook seals each value itself.
        return False
    if any(all(row.get(key) is None for key in keys) for row in rows):
        return False  # the hook writes a field-less row for such a record
    branches: list[Select[Any]] = []
    for pos, key in enumerate(keys):
        branch = _branch(table, ids, pos, key, rows)
        if branch is False:
            return False
        if isinstance(branch, Select):
            branches.append(branch)
    created = union_all(*branches).subquery("created")
    copy = select(
        literal(at, UTCDateTime()),
        literal(user_id, Integer),
        literal(platform, String),
        literal(table.name, String),
        created.c.record_id,
        literal("create", String),
        created.c.field,
        cast(null(), Text),
        created.c.value,
    ).order_by(created.c.record_id, created.c.pos)
    audit = AuditEntry.__table__
    assert isinstance(audit, Table)
    await session.execute(insert(audit).from_select(_AUDIT_COLUMNS, copy))
    return True


__all__ = ["audit_created"]
