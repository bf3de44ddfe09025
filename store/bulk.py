"""Many new records in a few statements, with the same rules and traces as one by one.

:meth:`store.access.Records.create` adds an ORM object; the session's hooks then clean its
text (:mod:`store.hygiene`), compute its search key (:mod:`store.search`) and write one
audit row per field (:mod:`store.audit`) at the flush. That costs milliseconds a record,
which an import of 100,000 rows cannot afford. :func:`create_many` does the same work for a
list of records at once — the record rules checked, the text cleaned, the search keys
computed, an ``INSERT … RETURNING id`` per page of rows (SQLAlchemy's insertmanyvalues),
and the audit rows the hook would have written, copied by the database from the stored
rows where it renders them as Python does (:mod:`store.bulk_audit`), sent from Python
otherwise — so a record created here cannot be told apart from one created through the
ORM, in the table or in the audit log (``tests/test_bulk_audit.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.orm import ColumnProperty

from store.access import NotAllowed, RecordNotFound, Records
from store.audit import audited_keys, creation_fields, entry
from store.bulk_audit import audit_created
from store.models import AuditEntry, Company, Contact, Owned
from store.search import KEY_SOURCES, search_keys

#: ``Session.info`` keys under which :class:`store.db.Database` hands its clock and text
#: cleaner to every session, so writers that bypass the flush apply what the hooks apply.
BULK_CLOCK = "bulk_clock"
BULK_CLEANER = "bulk_cleaner"
_STAMPS = ("created_at", "updated_at", "stage_changed_at")
_SKIP_CLEANING = frozenset({"search_key"})


def table_of(model: type[Any]) -> Table:
    """A model's table, for Core statements: they skip the ORM's per-row bookkeeping, which
    costs more than the INSERT itself at 100,000 rows."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _default(attr: ColumnProperty[Any]) -> Any:
    """The column's Python-side default, as the ORM would fill it at the INSERT."""
    default = attr.columns[0].default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


async def create_many(
    records: Records, model: type[Owned], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (column values, as :meth:`Records.create` takes them) and return
    their new ids in the same order; audited, in the caller's transaction."""
    if not rows:
        return []
    session = records.session
    clean = session.info.get(BULK_CLEANER)
    attrs = [a for a in inspect(model).column_attrs if a.key != "id"]
    values: list[dict[str, Any]] = []
    for row in rows:
        unknown = set(row) - {a.key for a in attrs}
        if unknown:
            raise AttributeError(f"{model.__name__} has no field {sorted(unknown)[0]}")
        full = {a.key: row[a.key] if a.key in row else _default(a) for a in attrs}
        if full.get("owner_id") is None:
            full["owner_id"] = records.principal.user_id
        if not records.principal.can_see_owner(full["owner_id"]):
            raise NotAllowed("owner")
        for stamp in _STAMPS:
            if stamp in full and full[stamp] is None:
                full[stamp] = records.now
        if clean is not None:
            for key, value in full.items():
                if isinstance(value, str) and key not in _SKIP_CLEANING and not value.isprintable():
                    full[key] = clean(value)
        values.append(full)
    if model is Company or model is Contact:
        sources = KEY_SOURCES[model]
        found = search_keys([tuple(v[f] for f in sources) for v in values])
        for full, key in zip(values, found, strict=True):
            full["search_key"] = key
    await _check_companies(records, {v["company_id"] for v in values if v.get("company_id")})
    ids = await _insert(records, model, values)
    clock = session.info.get(BULK_CLOCK)
    at = clock.now() if clock is not None else records.now
    user_id = session.info.get("audit_user_id")
    platform = session.info.get("audit_platform", "system")
    table = table_of(model)
    keys = audited_keys(model)
    if await audit_created(
        session, table, keys, ids, values, at=at, user_id=user_id, platform=platform
    ):
        return ids
    audit = [
        entry(at, user_id, platform, table.name, record_id, "create", change)
        for record_id, full in zip(ids, values, strict=True)
        for change in creation_fields(keys, full)
    ]
    await session.execute(insert(table_of(AuditEntry)), audit)
    return ids


async def _insert(records: Records, model: type[Owned], values: list[dict[str, Any]]) -> list[int]:
    """The rows inserted, their ids in the rows' order.

    PostgreSQL returns ids in parameter order from a multi-row ``INSERT … RETURNING``
    (``sort_by_parameter_order``). SQLite promises no order for RETURNING, so SQLAlchemy
    would fall back to one statement per row; there the ids are given instead, counting on
    from the highest: SQLite has one writer, and a concurrent one would fail on the primary
    key (the batch rolls back), never write into someone else's record.
    """
    session = records.session
    if session.get_bind().dialect.name == "sqlite":
        start = await session.scalar(select(func.coalesce(func.max(model.id), 0)))
        ids = list(range(int(start or 0) + 1, int(start or 0) + 1 + len(values)))
        await session.execute(
            insert(table_of(model)),
            [{"id": i, **row} for i, row in zip(ids, values, strict=True)],
        )
        return ids
    table = table_of(model)
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list((await session.scalars(stmt, values)).all())


async def _check_companies(records: Records, company_ids: set[int]) -> None:
    """Every linked company is one the principal can see, asked in one query."""
    if not company_ids:
        return
    stmt = select(Company.id).where(records.scope(Company), Company.id.in_(sorted(company_ids)))
    seen = set((await records.session.scalars(stmt)).all())
    missing = company_ids - seen
    if missing:
        raise RecordNotFound(f"Company {min(missing)}")


__all__ = ["BULK_CLEANER", "BULK_CLOCK", "create_many", "table_of"]
