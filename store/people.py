"""A customer's people as a log matches them against what was written ("张总", "Wang",
"CFO", "met Helen Carter"): id, name and title only, and read with the customer itself
when a log names it exactly (the common case), so that a log costs no read of its own
for them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.sql.elements import Label

from store.access import Records, owner_scope
from store.json_list import json_list, json_row
from store.models import Company, Contact

_HELD = "people_held"
"""``Session.info`` key of the people read with their company, by the viewer's owners and
the company's id (a narrower view of the same transaction does not see a wider one's)."""


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    title: str | None


def people_column(dialect: str, owner_ids: frozenset[int] | None) -> Label[Any]:
    """The people of the company a statement reads, as one JSON array of
    ``[id, name, title]`` in id order, within the viewer's owner scope."""
    inner = (
        select(Contact.id, Contact.name, Contact.title)
        .where(Contact.company_id == Company.id, owner_scope(Contact, owner_ids))
        .order_by(Contact.id)
        .correlate(Company)
        .subquery()
    )
    people = select(json_list(dialect, json_row(dialect, inner.c.id, inner.c.name, inner.c.title)))
    return people.scalar_subquery().label("people")


def hold(records: Records, company_id: int, value: Any) -> None:
    """Keep the people :func:`people_column` read for the rest of the transaction."""
    if not records.reads(Contact):
        return
    found = sorted(
        (Person(int(i), str(name), title) for i, name, title in value or ()), key=lambda p: p.id
    )
    key = (records.principal.visible_owner_ids, company_id)
    records.session.info.setdefault(_HELD, {})[key] = found


async def people_of(records: Records, company_id: int) -> list[Person]:
    """The company's people the viewer sees, in id order: those held, else one read."""
    held: dict[tuple[frozenset[int] | None, int], list[Person]]
    held = records.session.info.get(_HELD, {})
    key = (records.principal.visible_owner_ids, company_id)
    if key in held:
        return held[key]
    if not records.reads(Contact):
        return []
    rows = await records.session.execute(
        _people(records.principal.visible_owner_ids), {"company_id": company_id}
    )
    return [Person(i, name, title) for i, name, title in rows]


@functools.lru_cache(maxsize=1024)
def _people(owner_ids: frozenset[int] | None) -> Select[int, str, str | None]:
    return (
        select(Contact.id, Contact.name, Contact.title)
        .where(owner_scope(Contact, owner_ids), Contact.company_id == bindparam("company_id"))
        .order_by(Contact.id)
    )
