"""Custom fields: what admins add to companies, contacts and deals, and their values.

Values are typed key-value rows (:class:`store.models.CustomValue`; docs/DESIGN.md says
why). This module takes values already read into their type (a number, a date, an amount
with its currency): reading what a person typed is the chat's and the import's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Label

from store.access import Records
from store.json_list import json_list, json_row
from store.models import Company, Contact, CustomField, CustomValue, Deal

Entity = Literal["company", "contact", "deal"]
ENTITIES: tuple[Entity, ...] = ("company", "contact", "deal")
KINDS = ("text", "number", "money", "date", "choice", "multi")
MODELS: dict[str, type[Company] | type[Contact] | type[Deal]] = {
    "company": Company,
    "contact": Contact,
    "deal": Deal,
}
MAX_TEXT = 200


class FieldError(Exception):
    """A field that does not exist or cannot be made as asked (``key`` names why)."""

    def __init__(self, key: str, value: str = "") -> None:
        super().__init__(f"{key}: {value}")
        self.key = key
        self.value = value


@dataclass(frozen=True)
class Typed:
    """One value in its type: ``text`` for text and choices, ``number`` (and ``currency``
    for money), or ``day`` for a date."""

    text: str | None = None
    number: Decimal | None = None
    day: date | None = None
    currency: str | None = None


def record_column(entity: str) -> Any:
    return {
        "company": CustomValue.company_id,
        "contact": CustomValue.contact_id,
        "deal": CustomValue.deal_id,
    }[entity]


def make_key(name: str) -> str:
    """A field's key from its name: lower case, words joined by ``_`` (CJK kept)."""
    return re.sub(r"[\s\-/]+", "_", name.strip().casefold())[:60]


async def fields_for(session: AsyncSession, entity: str | None = None) -> Sequence[CustomField]:
    stmt = select(CustomField).order_by(CustomField.entity, CustomField.id)
    if entity is not None:
        stmt = stmt.where(CustomField.entity == entity)
    return (await session.scalars(stmt)).all()


@dataclass(frozen=True)
class FieldName:
    """A custom field as free text is matched against it ("星辰科技 产品型号 X200"): the
    whole field is read only when a message names one."""

    id: int
    entity: str
    key: str
    name_en: str
    name_zh: str


def field_names_column(dialect: str) -> Label[Any]:
    """Every field's :class:`FieldName` as one JSON value, for the statement each message
    already runs (``bot.engine``): reading the fields on their own was a round trip on
    every free-text message, for a list that changes a few times a year. Always current,
    so nothing is cached and nothing needs invalidating."""
    row = (
        CustomField.id,
        CustomField.entity,
        CustomField.key,
        CustomField.name_en,
        CustomField.name_zh,
    )
    every = json_list(dialect, json_row(dialect, *row))
    return select(every).scalar_subquery().label("custom_field_names")


def field_names(value: Any) -> tuple[FieldName, ...]:
    """The column's value as fields, in :func:`fields_for`'s order (entity, then id)."""
    found = [FieldName(int(i), str(e), str(k), str(en), str(zh)) for i, e, k, en, zh in value or ()]
    return tuple(sorted(found, key=lambda f: (f.entity, f.id)))


async def read_field_names(session: AsyncSession) -> tuple[FieldName, ...]:
    """The fields' names on their own, when the message's first statement did not read them."""
    column = field_names_column(session.get_bind().dialect.name)
    return field_names(await session.scalar(select(column)))


def field_named(found: Sequence[CustomField], name: str) -> CustomField | None:
    folded = name.strip().casefold()
    for field in found:
        if folded in (field.key.casefold(), field.name_en.casefold(), field.name_zh.casefold()):
            return field
    return None


async def add_field(
    session: AsyncSession,
    now: datetime,
    *,
    entity: str,
    name_en: str,
    name_zh: str,
    kind: str,
    choices: Sequence[str] = (),
    key: str | None = None,
) -> CustomField:
    """A new field (admins only: the caller checks). Refused: an unknown entity or kind, a
    choice field without choices, a name already used on that entity."""
    if entity not in ENTITIES:
        raise FieldError("unknown_entity", entity)
    if kind not in KINDS:
        raise FieldError("unknown_kind", kind)
    cleaned = [c.strip() for c in choices if c.strip()]
    if kind in ("choice", "multi") and not cleaned:
        raise FieldError("no_choices", kind)
    if kind not in ("choice", "multi"):
        cleaned = []
    if not name_en.strip() or not name_zh.strip():
        raise FieldError("no_name", "")
    existing = await fields_for(session, entity)
    for name in (name_en, name_zh, key or ""):
        if name and field_named(existing, name) is not None:
            raise FieldError("exists", name)
    field = CustomField(
        entity=entity,
        key=key or make_key(name_en),
        name_en=name_en.strip()[:80],
        name_zh=name_zh.strip()[:80],
        kind=kind,
        choices=list(dict.fromkeys(cleaned)),
        created_at=now,
    )
    session.add(field)
    await session.flush()
    return field


async def values_of(
    session: AsyncSession, entity: str, record_id: int
) -> list[tuple[CustomField, list[CustomValue]]]:
    """Every field of the entity that has a value on this record, with its values."""
    return [(f, v) for f, v in await fields_with_values(session, entity, record_id) if v]


async def fields_with_values(
    session: AsyncSession, entity: str, record_id: int
) -> list[tuple[CustomField, list[CustomValue]]]:
    """Every field of the entity, with its values on this record (none: an empty list), in
    one statement: a card shows the values and, when the entity has fields, a button."""
    on_record = and_(CustomValue.field_id == CustomField.id, record_column(entity) == record_id)
    rows = (
        await session.execute(
            select(CustomField, CustomValue)
            .outerjoin(CustomValue, on_record)
            .where(CustomField.entity == entity)
            .order_by(CustomField.id, CustomValue.id)
        )
    ).all()
    grouped: dict[int, tuple[CustomField, list[CustomValue]]] = {}
    for field, value in rows:
        values = grouped.setdefault(field.id, (field, []))[1]
        if value is not None:
            values.append(value)
    return list(grouped.values())


async def values_by_record(
    session: AsyncSession, entity: str
) -> dict[int, dict[int, list[CustomValue]]]:
    """Every value of the entity's fields: record id -> field id -> values (an export)."""
    column = record_column(entity)
    rows = await session.execute(
        select(column, CustomValue)
        .join(CustomField, CustomField.id == CustomValue.field_id)
        .where(CustomField.entity == entity)
        .order_by(CustomValue.id)
    )
    out: dict[int, dict[int, list[CustomValue]]] = {}
    for record_id, value in rows.all():
        out.setdefault(record_id, {}).setdefault(value.field_id, []).append(value)
    return out


async def has_value(session: AsyncSession, field: CustomField, record_id: int) -> bool:
    found = await session.scalar(
        select(CustomValue.id)
        .where(CustomValue.field_id == field.id, record_column(field.entity) == record_id)
        .limit(1)
    )
    return found is not None


async def set_values(
    records: Records, field: CustomField, record_id: int, values: Sequence[Typed]
) -> None:
    """Replace the field's values on a record the principal sees (none: clear it). Rows
    are deleted and added through the session, so the audit log has both."""
    await records.get(MODELS[field.entity], record_id)
    session = records.session
    column = record_column(field.entity)
    old = (
        await session.scalars(
            select(CustomValue).where(CustomValue.field_id == field.id, column == record_id)
        )
    ).all()
    for row in old:
        await session.delete(row)
    for value in values:
        row = CustomValue(
            field_id=field.id,
            text_value=value.text[:MAX_TEXT] if value.text is not None else None,
            number_value=value.number,
            date_value=value.day,
            currency=value.currency,
            created_at=records.now,
        )
        setattr(row, f"{field.entity}_id", record_id)
        session.add(row)
    await session.flush()


def matching(field: CustomField, op: str, value: Typed) -> ColumnElement[bool]:
    """Records of ``field``'s entity whose value compares with ``value`` (``=``, ``>``,
    ``<``, ``>=``, ``<=``; text and choices: equal, as stored — a choice is stored as the
    field lists it): an ``IN`` over the value rows, which the ``(field_id, <type>_value)``
    indexes serve."""
    column: Any
    wanted: Any
    if value.number is not None:
        column, wanted = CustomValue.number_value, value.number
    elif value.day is not None:
        column, wanted = CustomValue.date_value, value.day
    else:
        column, wanted = CustomValue.text_value, value.text or ""
    if column is CustomValue.text_value:
        condition = column == wanted
    else:
        condition = {
            "=": column == wanted,
            ">": column > wanted,
            "<": column < wanted,
            ">=": column >= wanted,
            "<=": column <= wanted,
        }[op]
    ids = select(record_column(field.entity)).where(CustomValue.field_id == field.id, condition)
    return MODELS[field.entity].id.in_(ids)


async def values_count(session: AsyncSession, field: CustomField) -> int:
    """How many values the field holds (what deleting it would take away)."""
    count = await session.scalar(
        select(func.count()).select_from(CustomValue).where(CustomValue.field_id == field.id)
    )
    return int(count or 0)


async def rename_field(
    session: AsyncSession,
    field: CustomField,
    *,
    name_en: str | None = None,
    name_zh: str | None = None,
) -> tuple[str, str]:
    """Rename a field (admins); its key and values stay. A name another field of the same
    entity has is a :class:`FieldError`. Returns the old (English, Chinese) names."""
    others = [f for f in await fields_for(session, field.entity) if f.id != field.id]
    for name in (name_en, name_zh):
        if name is not None and not name.strip():
            raise FieldError("no_name", "")
        if name and field_named(others, name) is not None:
            raise FieldError("exists", name.strip())
    old = (field.name_en, field.name_zh)
    if name_en is not None:
        field.name_en = name_en.strip()[:80]
    if name_zh is not None:
        field.name_zh = name_zh.strip()[:80]
    await session.flush()
    return old


async def remove_field(session: AsyncSession, field: CustomField) -> int:
    """Delete a field and its values (admins), each through the session so the audit log
    keeps every value that went. Returns how many values went."""
    gone = (
        await session.scalars(select(CustomValue).where(CustomValue.field_id == field.id))
    ).all()
    for row in gone:
        await session.delete(row)
    await session.flush()  # the values first: the field's delete would cascade to them
    await session.delete(field)
    await session.flush()
    return len(gone)
