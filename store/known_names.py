"""The company names a user may see, for recognising a customer named as written."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import Label

from store.access import Records, owner_scope
from store.json_list import json_list
from store.models import Company, User
from store.roles import Role
from store.unit_connection import unit_connection

KNOWN_NAMES_CAP = 5000
"""The most recently touched names are enough: older ones are still found by search."""


async def known_names(records: Records) -> list[str]:
    """Names only, read on the connection: no ORM entities to build, and nothing of the
    event is pending yet (this runs before the message changes anything)."""
    connection = await unit_connection(records.session)
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


def own_names_column(dialect: str) -> Label[Any]:
    """A rep's own customers' names (what :func:`known_names` reads for a rep: a rep sees
    their own) as one JSON array, for the statement every message already runs
    (``bot.engine``): a separate read was a round trip on every free-text message. Empty
    for anyone else, whose names depend on their team and are read on their own."""
    recent = aliased(Company)
    latest = (
        select(recent.id)
        .where(recent.owner_id == User.id)
        .order_by(recent.updated_at.desc())
        .limit(KNOWN_NAMES_CAP)
        .correlate(User)
    )
    names = select(json_list(dialect, Company.name)).where(
        Company.id.in_(latest), User.role == Role.REP.value
    )
    return names.scalar_subquery().label("own_names")


def own_names(value: Any) -> list[str]:
    return [str(name) for name in value or ()]
