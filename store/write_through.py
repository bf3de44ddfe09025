"""One UPDATE for a loaded record's bookkeeping columns, without the ORM's flush.

Nearly every message ends by stamping two rows: the customer's ``updated_at`` after a log
and the conversation's buttons and ``updated_at``. Left to the flush at commit, those
stamps cost the unit of work, every flush hook and an UPDATE each — on a one-message log
the flush was a tenth of crmbot's CPU (issue 20, profiled). When the object is already in
the database and has no other pending change, the same UPDATE is sent here directly and
the loaded object is told that the new values are what the database holds.

Anything else is left to the flush exactly as before: a new object, one with other
pending changes (the flush then writes them all in one UPDATE), or a column the audit
trail records — so the audit trail stays complete by construction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from store.audit import SKIPPED_FIELDS
from store.riders import Riders, plain_update


async def write_through(
    session: AsyncSession, obj: Any, riders: Riders | None = None, **values: Any
) -> None:
    """Set ``values`` on ``obj``: now, by one UPDATE of the columns that change, when
    that is safe (see the module's docstring); otherwise as attributes for the flush.
    With ``riders``, the UPDATE is one of them (on PostgreSQL it goes out inside the next
    statement they send: :mod:`store.riders`)."""
    state = inspect(obj)
    audited_columns = getattr(obj, "audited", False) and not values.keys() <= SKIPPED_FIELDS
    if not state.persistent or state.modified or audited_columns:
        for key, value in values.items():
            setattr(obj, key, value)
        return
    loaded = state.dict
    changed = {key: value for key, value in values.items() if loaded.get(key) != value}
    if not changed:
        return
    mapper = state.mapper
    (key_column,) = mapper.primary_key
    row_key = mapper.primary_key_from_instance(obj)[0]
    if riders is not None:
        await riders.update(mapper.local_table, key_column.key, row_key, changed)
    else:
        statement = plain_update(mapper.local_table, key_column.key, tuple(sorted(changed)))
        await session.execute(statement, {"_row_key": row_key, **changed})
    for key, value in changed.items():
        set_committed_value(obj, key, value)
