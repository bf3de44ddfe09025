"""Which SQLite statements leave the event loop's thread (see ``store.sqlite_driver``).

A module of its own so that the code running long queries (lookup, reports, the reminder
worker) can mark them without importing the database machinery.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_OFFLOADED: ContextVar[bool] = ContextVar("crmbot_sqlite_offloaded", default=False)


@contextmanager
def offloaded() -> Iterator[None]:
    """Run this task's SQLite statements in a worker thread while inside the block.

    For statements that may take long (report aggregates, lookups in a big workspace,
    the reminder worker's sweeps): there the thread hand-off (≈ 150 µs) costs little next
    to the query, and the event loop stays free to take webhooks and deliver replies
    meanwhile. No effect on PostgreSQL, whose driver never blocks the loop."""
    token = _OFFLOADED.set(True)
    try:
        yield
    finally:
        _OFFLOADED.reset(token)


def is_offloaded() -> bool:
    return _OFFLOADED.get()
