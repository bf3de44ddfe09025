"""One UPDATE for a loaded record's bookkeeping columns, without the ORM's flush.

Nearly every message ends by stamping two rows: the customer's ``updated_at`` after a log
and the conversation's buttons and ``updated_at``. Left to the flush at commit, those
stamps cost the unit of work, every flush hook and an UPDATE each — on a one-message log
the flush was a tenth of crmbot's CPU (issue 20, profiled). When the object is already in
the database and has no other pending change, the same UPDATE is sent here directly and
the loaded object is told that the new values are what the database holds.

A record the audit trail does not follow (a conversation) goes out whole the same way: its
other changed columns (the flow moved on, its data) join the stamp's UPDATE, and the
flush at commit finds nothing to write — on a message that leaves a question waiting the
flush was a tenth of crmbot's CPU again. Anything else is left to the flush exactly as
before: a new object, an audited record with other pending changes (the flush then
writes them all in one UPDATE, and audits them), a change to a relationship, or a column
the audit trail records — so the audit trail stays complete by construction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState
from sqlalchemy.orm.attributes import set_committed_value

from store.audit import SKIPPED_FIELDS
from store.prepared import run
from store.riders import Riders, plain_update
from store.unit_connection import unit_connection


async def write_through(
    session: AsyncSession, obj: Any, riders: Riders | None = None, **values: Any
) -> None:
    """Set ``values`` on ``obj``: now, by one UPDATE of the columns that change, when
    that is safe (see the module's docstring); otherwise as attributes for the flush.
    With ``riders``, the UPDATE is one of them (on PostgreSQL it goes out inside the next
    statement they send: :mod:`store.riders`)."""
    state = inspect(obj)
    audited = getattr(obj, "audited", False)
    unsent = _unsent(state) if state.persistent else None
    if unsent is None or (audited and (unsent or not values.keys() <= SKIPPED_FIELDS)):
        for key, value in values.items():
            setattr(obj, key, value)
        return
    loaded = state.dict
    changed = unsent | {
        key: value for key, value in values.items() if key in unsent or loaded.get(key) != value
    }
    if not changed:
        return
    mapper = state.mapper
    (key_column,) = mapper.primary_key
    row_key = mapper.primary_key_from_instance(obj)[0]
    if riders is not None:
        await riders.update(mapper.local_table, key_column.key, row_key, changed)
    else:
        # On the connection: the session's execute would first flush what this sends.
        statement = plain_update(mapper.local_table, key_column.key, tuple(sorted(changed)))
        await run(await unit_connection(session), statement, {"_row_key": row_key, **changed})
    for key, value in changed.items():
        set_committed_value(obj, key, value)


def _unsent(state: InstanceState[Any]) -> dict[str, Any] | None:
    """The loaded object's columns changed and not yet sent, with their new values (a
    conversation's flow moved on: it goes out in the same UPDATE as its stamp); ``None``
    when a change is one only the flush makes (a relationship, a column not of its table)."""
    if not state.modified:
        return {}
    table = state.mapper.local_table
    unsent: dict[str, Any] = {}
    for attribute in state.attrs:
        if attribute.history.has_changes():
            if attribute.key not in table.c:
                return None
            unsent[attribute.key] = state.dict[attribute.key]
    return unsent
