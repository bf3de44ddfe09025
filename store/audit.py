"""Every create / update / delete of an owned record becomes audit rows, in the same flush.

Hooking the session (rather than each handler) means no code path can change a record
without leaving a trace: handlers, CLI commands and the demo loader all go through it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

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


def _snapshot(obj: object) -> list[tuple[str | None, Any, Any]]:
    state = inspect(obj)
    return [
        (attr.key, None, getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in SKIPPED_FIELDS and getattr(obj, attr.key) is not None
    ]


def entry(
    at: datetime,
    user_id: int | None,
    platform: str,
    table: str,
    record_id: int,
    action: str,
    change: tuple[str | None, Any, Any],
) -> dict[str, Any]:
    """One audit row's values: shared by the flush hook and the bulk writer
    (:mod:`store.bulk`), so a record created either way leaves the same trace."""
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


def audited_keys(model: type[Any]) -> tuple[str, ...]:
    """The fields the hook records, in the mapper's column order."""
    return tuple(a.key for a in inspect(model).column_attrs if a.key not in SKIPPED_FIELDS)


def creation_fields(
    keys: tuple[str, ...], values: dict[str, Any]
) -> list[tuple[str | None, Any, Any]]:
    """What the hook records for a new record, from its column values (``keys``: from
    :func:`audited_keys`): every field that is set, as :func:`_snapshot` after the flush."""
    return [(key, None, values[key]) for key in keys if values.get(key) is not None] or [
        (None, None, None)
    ]


def install_audit_hooks(session_class: type[Session], clock: Clock) -> None:
    insert_audit = insert(AuditEntry)  # built once: it runs on every flush

    @event.listens_for(session_class, "after_flush")
    def _write_audit(session: Session, _ctx: UOWTransaction) -> None:
        rows: list[dict[str, Any]] = []
        at = clock.now()
        user_id = session.info.get("audit_user_id")
        platform = session.info.get("audit_platform", "system")

        def add(obj: Any, action: str, fields: list[tuple[str | None, Any, Any]]) -> None:
            for change in fields or [(None, None, None)]:
                rows.append(entry(at, user_id, platform, obj.__tablename__, obj.id, action, change))

        for obj in session.new:
            if _is_audited(obj):
                add(obj, "create", _snapshot(obj))
        for obj in session.dirty:
            if _is_audited(obj) and session.is_modified(obj, include_collections=False):
                fields = _changes(obj)
                if fields:
                    add(obj, "update", fields)
        for obj in session.deleted:
            if _is_audited(obj):
                add(obj, "delete", [(k, v, None) for k, _, v in _snapshot(obj)])
        if rows:
            session.connection().execute(insert_audit, rows)
