"""Audit entries read back as per-field changes, as ``crmbot audit`` reads them: a record
created or deleted is one entry holding all its fields (store/audit.py)."""

from __future__ import annotations

from collections.abc import Iterable

from store.audit import changes_of
from store.models import AuditEntry


def field_changes(entries: Iterable[AuditEntry]) -> list[tuple[str, str, str | None, str | None]]:
    """``(action, field, old, new)`` for each field each entry changed, in order."""
    return [
        (entry.action, field, old, new)
        for entry in entries
        for field, old, new in changes_of(entry)
    ]
