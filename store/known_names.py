"""The company names a user may see, for recognising a customer named as written."""

from __future__ import annotations

import functools

from sqlalchemy import Select, select

from store.access import Records, owner_scope
from store.models import Company

KNOWN_NAMES_CAP = 5000
"""The most recently touched names are enough: older ones are still found by search."""


async def known_names(records: Records) -> list[str]:
    """Names only, read on the connection: no ORM entities to build, and nothing of the
    event is pending yet (this runs before the message changes anything)."""
    connection = await records.session.connection()
    rows = await connection.execute(_known_names(records.principal.visible_owner_ids))
    return list(rows.scalars())


@functools.lru_cache(maxsize=1024)
def _known_names(owner_ids: frozenset[int] | None) -> Select[str]:
    """Built once per set of visible owners: it runs for every message, and building a
    statement costs more than SQLite running it."""
    return (
        select(Company.name)
        .where(owner_scope(Company, owner_ids))
        .order_by(Company.updated_at.desc())
        .limit(KNOWN_NAMES_CAP)
    )
