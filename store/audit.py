"""Every create / update / delete of an owned record becomes audit rows, in the same flush.

Hooking the session (rather than each handler) means no code path can change a record
without leaving a trace: handlers, CLI commands and the demo loader all go through it.

A record created or deleted is one row: its fields that are set, as one JSON object of
their rendered values in the mapper's column order (``new_value`` for a create,
``old_value`` for a delete; ``field`` empty). A change to a record is a row per field
changed, with its old and new value. Written a row per field, a one-message log's
activity and follow-up made eleven rows, each with its index entries: a third of what the
log wrote to the database (BENCHMARKS.md, per-message round 20). :func:`changes` reads any
row, of either form or from before this one, as the per-field changes it holds.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from store.models import AuditEntry
from store.types import Clock

#: Derived columns: the search key and the blind indexes (store/blind_index.py) follow
#: the fields they are computed from, which are recorded themselves.
SKIPPED_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "search_key",
        "name_core",
        "mobile_bidx",
        "phone_bidx",
        "email_bidx",
    }
)


def render(value: Any) -> str | None:
    """A field value as the audit log stores it (text; dates and times in ISO form)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _is_audited(obj: object) -> bool:
    return bool(getattr(obj, "audited", False))


def _changes(obj: object) -> list[tuple[str | None, Any, Any]]:
    state = inspect(obj)
    changed: list[tuple[str | None, Any, Any]] = []
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if render(old) != render(new):
            changed.append((attr.key, old, new))
    return changed


def _set_fields(obj: Any) -> list[tuple[str, Any]]:
    keys = audited_keys(type(obj))
    return creation_fields(keys, {key: getattr(obj, key) for key in keys})


def entry(
    at: datetime,
    user_id: int | None,
    platform: str,
    table: str,
    record_id: int,
    action: str,
    change: tuple[str | None, Any, Any] | list[tuple[str, Any]],
) -> dict[str, Any]:
    """One audit row's values: shared by the flush hook and the bulk writer
    (:mod:`store.bulk`), so a record created either way leaves the same trace. ``change``
    is one field's ``(field, old, new)``, or a record's set fields ``[(field, value), …]``
    as it was created (into ``new_value``) or deleted (into ``old_value``)."""
    name: str | None
    if isinstance(change, list):
        whole = snapshot(change)
        name, old, new = (None, whole, None) if action == "delete" else (None, None, whole)
    else:
        name, old, new = change
    return {
        "at": at,
        "user_id": user_id,
        "platform": platform,
        "table_name": table,
        "record_id": record_id,
        "action": action,
        "field": name,
        "old_value": render(old),
        "new_value": render(new),
    }


_SNAPSHOT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every snapshot: ``json.dumps`` with options makes one a call."""


def snapshot(fields: list[tuple[str, Any]]) -> str:
    """Fields and their values as one audit value: a JSON object, each value as
    :func:`render` writes it, in the order given."""
    return _SNAPSHOT.encode({key: render(value) for key, value in fields})


def changes(
    field: str | None, old_value: str | None, new_value: str | None
) -> list[tuple[str, str | None, str | None]]:
    """An audit row as the per-field changes it holds, ``(field, old, new)``: one for a
    field's change; each field of a record created or deleted; none for a row about no
    field (an erasure, a record created with nothing set, or one whose values an erasure
    cleared)."""
    if field is not None:
        return [(field, old_value, new_value)]
    if (created := _fields(new_value)) is not None:
        return [(key, None, value) for key, value in created.items()]
    if (deleted := _fields(old_value)) is not None:
        return [(key, value, None) for key, value in deleted.items()]
    return []


def changes_of(entry: AuditEntry) -> list[tuple[str, str | None, str | None]]:
    """A stored entry's per-field changes (:func:`changes` of its three columns)."""
    return changes(entry.field, entry.old_value, entry.new_value)


def blanked(value: str | None, keys: frozenset[str]) -> str | None:
    """A record's snapshot (see :func:`entry`) with the values of ``keys`` blanked,
    for an erasure; None when it is not a snapshot or holds none of them."""
    fields = _fields(value)
    if fields is None or not keys & fields.keys():
        return None
    return snapshot([(key, None if key in keys else held) for key, held in fields.items()])


def _fields(value: str | None) -> dict[str, str | None] | None:
    """A snapshot's fields; None for a value that is not a snapshot."""
    if value is None or not value.startswith("{"):
        return None
    found = json.loads(value)
    assert isinstance(found, dict), value
    return found


def audited_keys(model: type[Any]) -> tuple[str, ...]:
    """The fields the hook records, in the mapper's column order."""
    return _audited_keys(inspect(model))


@functools.cache
def _audited_keys(mapper: Mapper[Any]) -> tuple[str, ...]:
    """Found once per model: every record created or changed asks. Keyed by the mapper,
    not the model: the typing of ``functools.cache`` takes a model class for unhashable."""
    return tuple(a.key for a in mapper.column_attrs if a.key not in SKIPPED_FIELDS)


def creation_fields(keys: tuple[str, ...], values: dict[str, Any]) -> list[tuple[str, Any]]:
    """What is recorded of a new record, from its column values (``keys``: from
    :func:`audited_keys`): every field that is set. The bulk writer and the hook
    (:func:`_set_fields`, after the flush) both take it from here."""
    return [(key, values[key]) for key in keys if values.get(key) is not None]


def install_audit_hooks(session_class: type[Session], clock: Clock) -> None:
    insert_audit = insert(AuditEntry)  # built once: it runs on every flush

    @event.listens_for(session_class, "after_flush")
    def _write_audit(session: Session, _ctx: UOWTransaction) -> None:
        rows: list[dict[str, Any]] = []
        at = clock.now()
        user_id = session.info.get("audit_user_id")
        platform = session.info.get("audit_platform", "system")

        def add(
            obj: Any, action: str, change: tuple[str | None, Any, Any] | list[tuple[str, Any]]
        ) -> None:
            rows.append(entry(at, user_id, platform, obj.__tablename__, obj.id, action, change))

        for obj in session.new:
            if _is_audited(obj):
                add(obj, "create", _set_fields(obj))
        for obj in session.dirty:
            if _is_audited(obj) and session.is_modified(obj, include_collections=False):
                for change in _changes(obj):
                    add(obj, "update", change)
        for obj in session.deleted:
            if _is_audited(obj):
                add(obj, "delete", _set_fields(obj))
        if rows:
            session.connection().execute(insert_audit, rows)
