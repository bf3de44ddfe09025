"""Many new records in a few statements, with the same rules and traces as one by one.

:meth:`store.access.Records.create` adds an ORM object; the session's hooks then clean its
text (:mod:`store.hygiene`), compute its search key (:mod:`store.search`) and write its
audit row (:mod:`store.audit`) at the flush. That costs milliseconds a record, which an
import of 100,000 rows cannot afford. :func:`create_many` does the same work for a list of
records at once — the record rules checked, the text cleaned, the search keys computed, an
``INSERT … RETURNING id`` per page of rows (SQLAlchemy's insertmanyvalues), and the audit
rows the hook would have written, one a record — so a record created here cannot be told
apart from one created through the ORM, in the table or in the audit log
(``tests/test_bulk_audit.py`` compares the two).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.orm import ColumnProperty, Mapper

from store import blind_index
from store.access import NotAllowed, RecordNotFound, Records, RecordT
from store.audit import audited_keys, creation_fields, entry
from store.dedupe import company_core
from store.loaded import transient
from store.models import AuditEntry, Company, Contact, Owned
from store.riders import Riders
from store.sealing import session_keyring
from store.search import KEY_SOURCES, search_keys
from store.search_words import post, remember
from store.unit_connection import unit_connection

PointerT = TypeVar("PointerT", bound=Owned)

#: ``Session.info`` keys under which :class:`store.db.Database` hands its clock and text
#: cleaner to every session, so writers that bypass the flush apply what the hooks apply.
BULK_CLOCK = "bulk_clock"
BULK_CLEANER = "bulk_cleaner"
_STAMPS = ("created_at", "updated_at", "stage_changed_at")
_SKIP_CLEANING = frozenset({"search_key", "name_core"})


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
    attrs = _attrs(model)
    values = [_prepared(records, attrs, row) for row in rows]
    _searchable(records, model, values)
    await _check_companies(records, {v["company_id"] for v in values if v.get("company_id")})
    ids = await _insert(records, model, values)
    await _remember_words(records, model, ids, values)
    await _audit(records, model, ids, values)
    return ids


async def create_one(records: Records, model: type[RecordT], **fields: Any) -> RecordT:
    """One new record in one INSERT, as :meth:`Records.create` would make it (record rules,
    stamps, clean text, search key, audit rows), without the ORM's unit of work.

    Returns a *transient* object holding the row's values and id, for reading (a reply
    card, an undo step); it is not in the session, so change the record through
    :class:`Records` (which loads it) rather than through this object."""
    async with created_together(records) as together:
        return await together.create(model, **fields)


class Together:
    """Records made one INSERT each, whose audit rows go in one statement at the end: a
    one-message log writes its activity and follow-up this way (the flush machinery cost
    more than the statements, and each record's audit rows were a statement more).

    On PostgreSQL the audit rows, and whatever else is added to :attr:`riders` (the
    customer's touch), ride inside the next INSERT instead (:mod:`store.riders`), and a
    record and one pointing at it are one statement. A log with a follow-up writes its
    activity and task in one statement there, which also draws its undo row's id
    (:meth:`draw`); the undo row, the audit rows and the touch wait for the replies'
    INSERT (``created_together(…, then=ctx.riders)``): one statement of its own, not five."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.audit: list[dict[str, Any]] = []
        self.riders = Riders(records.session)
        self._draws: Table | None = None
        self.drawn: int | None = None
        """The id :meth:`draw` asked for, once the next record's INSERT has returned it."""

    def draw(self, model: type[Any]) -> None:
        """Have the next record's INSERT also return ``model``'s next id (PostgreSQL), for a
        row written later that must be known now: a log's undo row, whose id its reply's
        button holds, then rides on the replies' INSERT instead of being a statement."""
        if self.riders.carried:
            self._draws = table_of(model)

    async def create(self, model: type[RecordT], **fields: Any) -> RecordT:
        """As :func:`create_one`; the audit rows wait for the block's end."""
        values = await self._values(model, fields)
        draws, self._draws = self._draws, None
        ((record_id, *drawn),) = await self.send(
            table_of(model), values, returning=("id",), draws=draws
        )
        self._keep_drawn(drawn)
        return await self._made(model, int(record_id), values)

    async def create_pointing(
        self,
        target: tuple[type[RecordT], dict[str, Any]],
        pointer: tuple[type[PointerT], dict[str, Any]],
        link: str,
    ) -> tuple[RecordT, PointerT]:
        """Two records, the second pointing at the first by ``link`` (an activity and its
        follow-up task). On PostgreSQL one statement: the first's INSERT inside the
        second's, which reads the new id from it. Elsewhere :meth:`create` twice."""
        (model, fields), (pointing, pointer_fields) = target, pointer
        if not self.riders.carried:
            made = await self.create(model, **fields)
            return made, await self.create(pointing, **{**pointer_fields, link: made.id})
        values = await self._values(model, fields)
        pointer_values = await self._values(pointing, {**pointer_fields, link: None})
        await self._audit_rows_to_riders()
        draws, self._draws = self._draws, None
        pointer_id, target_id, *drawn = await self.riders.send_pointing(
            (table_of(model), values), (table_of(pointing), pointer_values), link, draws
        )
        self._keep_drawn(drawn)
        made = await self._made(model, target_id, values)
        pointer_values[link] = made.id
        return made, await self._made(pointing, pointer_id, pointer_values)

    async def send(
        self,
        table: Table,
        values: dict[str, Any],
        returning: tuple[str, ...] = (),
        draws: Table | None = None,
    ) -> list[tuple[Any, ...]]:
        """One row into ``table`` now, and its ``returning`` columns; on PostgreSQL it
        carries the audit rows so far and the riders (:meth:`store.riders.Riders.send`)."""
        if self.riders.carried:
            await self._audit_rows_to_riders()
        return await self.riders.send(table, [values], returning, draws)

    def _keep_drawn(self, drawn: list[Any]) -> None:
        if drawn:
            (self.drawn,) = (int(value) for value in drawn)

    async def _values(self, model: type[Any], fields: dict[str, Any]) -> dict[str, Any]:
        """The row's full column values, as the ORM and the session's hooks would write
        them, within the record rules."""
        await self.records.check_links(fields)
        values = _prepared(self.records, _attrs(model), fields)
        _searchable(self.records, model, [values])
        return values

    async def _made(self, model: type[RecordT], record_id: int, values: dict[str, Any]) -> RecordT:
        """The new record's words remembered and audit rows kept; a transient copy of it."""
        await _remember_words(self.records, model, [record_id], [values])
        self.audit += _audit_rows(self.records, model, [record_id], [values])
        return transient(model, {"id": record_id, **values})

    async def _audit_rows_to_riders(self) -> None:
        rows, self.audit = self.audit, []
        await self.riders.insert(table_of(AuditEntry), rows)


@asynccontextmanager
async def created_together(records: Records, then: Riders | None = None) -> AsyncIterator[Together]:
    """``async with created_together(records) as together: await together.create(…)``:
    the records' audit rows are written by the block's end (on PostgreSQL inside the next
    INSERT, if one is sent through ``together``), and what waits in ``together.riders``
    is sent — or, given ``then`` (the engine's riders, ``Context.riders``), left to wait
    there for the replies' INSERT. With an error the transaction is rolled back and there
    is nothing to write."""
    together = Together(records)
    yield together
    await together._audit_rows_to_riders()
    if then is not None:
        await together.riders.hand_to(then)
    else:
        await together.riders.flush()


def _searchable(records: Records, model: type[Any], values: list[dict[str, Any]]) -> None:
    """Search keys and blind indexes for new companies and contacts, as the flush hooks
    compute them (phones and e-mails as keyed tokens when encrypted at rest)."""
    if model is not Company and model is not Contact:
        return
    keyring = session_keyring(records.session)
    sources = KEY_SOURCES[model]
    found = search_keys([tuple(v[f] for f in sources) for v in values], keyring)
    for full, key in zip(values, found, strict=True):
        full["search_key"] = key
        if model is Company:
            full["name_core"] = company_core(full["name"] or "")
    blind_index.fill(keyring, model, values)


async def _remember_words(
    records: Records, model: type[Any], ids: list[int], values: list[dict[str, Any]]
) -> None:
    """The names' words and the records' postings for the typo stage, as the flush hook
    adds them (:mod:`store.search_words`)."""
    if model is Company or model is Contact:
        connection = await unit_connection(records.session)
        await remember(connection, (v["search_key"] for v in values))
        posted = [(i, v["owner_id"], v["search_key"]) for i, v in zip(ids, values, strict=True)]
        await post(connection, model, posted)


def _attrs(model: type[Any]) -> tuple[ColumnProperty[Any], ...]:
    return _new_row_columns(inspect(model))


@functools.cache
def _new_row_columns(mapper: Mapper[Any]) -> tuple[ColumnProperty[Any], ...]:
    """The columns a new row is given (not its id), found once per model. Keyed by the
    mapper, not the model: the typing of ``functools.cache`` takes a model class for
    unhashable."""
    return tuple(a for a in mapper.column_attrs if a.key != "id")


@functools.cache
def _keys(attrs: tuple[ColumnProperty[Any], ...]) -> frozenset[str]:
    return frozenset(a.key for a in attrs)


def _prepared(
    records: Records, attrs: tuple[ColumnProperty[Any], ...], row: dict[str, Any]
) -> dict[str, Any]:
    """A row's full column values as the ORM and the session's hooks would write them:
    defaults, the principal as owner, stamps, cleaned text; refused outside the record
    rules."""
    unknown = row.keys() - _keys(attrs)
    if unknown:
        raise AttributeError(f"{attrs[0].parent.class_.__name__} has no field {sorted(unknown)[0]}")
    full = {a.key: row[a.key] if a.key in row else _default(a) for a in attrs}
    if full.get("owner_id") is None:
        full["owner_id"] = records.principal.user_id
    if not records.principal.can_see_owner(full["owner_id"]):
        raise NotAllowed("owner")
    for stamp in _STAMPS:
        if stamp in full and full[stamp] is None:
            full[stamp] = records.now
    clean = records.session.info.get(BULK_CLEANER)
    if clean is not None:
        for key, value in full.items():
            if isinstance(value, str) and key not in _SKIP_CLEANING and not value.isprintable():
                full[key] = clean(value)
    return full


async def _audit(
    records: Records, model: type[Any], ids: list[int], values: list[dict[str, Any]]
) -> None:
    """The audit rows the flush hook would have written for these new records."""
    connection = await unit_connection(records.session)
    await connection.execute(insert(table_of(AuditEntry)), _audit_rows(records, model, ids, values))


def _audit_rows(
    records: Records, model: type[Any], ids: list[int], values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    at, user_id, platform = _who_and_when(records)
    name, keys = table_of(model).name, audited_keys(model)
    return [
        entry(at, user_id, platform, name, record_id, "create", creation_fields(keys, full))
        for record_id, full in zip(ids, values, strict=True)
    ]


def _who_and_when(records: Records) -> tuple[datetime, int | None, str]:
    """The audit stamp the flush hook uses: the session's clock, user and platform."""
    info = records.session.info
    clock = info.get(BULK_CLOCK)
    at = clock.now() if clock is not None else records.now
    return at, info.get("audit_user_id"), info.get("audit_platform", "system")


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


__all__ = [
    "BULK_CLEANER",
    "BULK_CLOCK",
    "Together",
    "create_many",
    "create_one",
    "created_together",
    "table_of",
]
