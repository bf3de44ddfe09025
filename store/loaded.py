"""Records read as plain rows, then put in the session as if the ORM had loaded them.

The ORM's ``Session.execute`` of an entity pays, for every read, the statement's cache
key, the ORM's compile state and its loading pipeline. Two reads of every logged message
need whole records, which handlers then use and change as records: the sender with their
conversation, and the customer the message names. For those, the row is read as columns
through :func:`store.prepared.read` (on PostgreSQL sent by asyncpg itself) and the record
made from it here: :func:`sqlalchemy.orm.make_transient_to_detached` gives it the state a
loaded record has (its identity, nothing modified), and the session takes it in as
persistent. A change made to it afterwards is flushed as any loaded record's is, and the
audit hook sees its old and new values alike.

Measured (``benchmarks/statement_floor.py``, BENCHMARKS.md per-message round 25): a
record read costs our process 215 µs this way on PostgreSQL against 283 through the ORM,
and a known log, which makes three records in two reads, 4.32 → 3.91 ms. On SQLite, where
the ORM adds little to a read, one read costs 168 µs against 130, and a whole known log
measured the same before and after; one way serves both.

Like the ORM, a record the session already holds is the one returned, not replaced: what
the transaction changed in it and has not flushed yet is not overwritten by the read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

RecordT = TypeVar("RecordT")


def record_columns(model: type[Any]) -> tuple[ColumnElement[Any], ...]:
    """The columns a record of ``model`` is made from, in the order :func:`attach` takes
    its values: select these, as they are, in the statement that reads it."""
    return _shape(inspect(model)).columns


@dataclass(frozen=True)
class _Shape:
    mapper: Mapper[Any]
    columns: tuple[ColumnElement[Any], ...]
    keys: tuple[str, ...]
    identity: tuple[int, ...]
    """Where the primary key's values are among the columns."""


@functools.cache
def _shape(mapper: Mapper[Any]) -> _Shape:
    props = mapper.column_attrs
    keys = tuple(prop.key for prop in props)
    identity = tuple(keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key)
    return _Shape(mapper, tuple(prop.columns[0] for prop in props), keys, identity)


def attach(session: AsyncSession, model: type[RecordT], values: Sequence[Any]) -> RecordT:
    """The record of ``model`` whose columns (:func:`record_columns`) are ``values``, held
    by ``session`` as persistent; the session's own when it already holds that one."""
    shape = _shape(inspect(model))
    identity = tuple(values[i] for i in shape.identity)
    held = session.identity_map.get(shape.mapper.identity_key_from_primary_key(identity))
    if held is not None:
        return cast(RecordT, held)
    # The values go in all at once (:func:`transient`); the next call commits every value
    # there as loaded (no history), which ``set_committed_value`` did one column at a time,
    # for each of the three records a known log reads.
    record = transient(model, zip(shape.keys, values, strict=True))
    make_transient_to_detached(record)
    session.add(record)
    return record


def transient(
    model: type[RecordT], values: Mapping[str, Any] | Iterable[tuple[str, Any]]
) -> RecordT:
    """A record of ``model`` holding ``values``, in no session: what :func:`attach` makes
    persistent, and a copy of a row just written by a plain INSERT (:mod:`store.bulk`) for
    the caller to read. The values go into its dict as the ORM's loader puts a row's, not
    through each attribute's setter, which would record each as a change to flush (and
    costs a known log's two copies about twice as much); such a copy is never flushed."""
    record = model()
    instance_dict(record).update(values)
    return record
