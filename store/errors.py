"""Which database failures are worth the platform's trying again.

A message whose transaction failed because the database was *busy* — SQLite locked by
another process past the busy timeout, PostgreSQL out of connections, restarting, or a
serialization / deadlock victim — was not wrong; the same message a minute later will go
in. Those are :func:`is_transient`. Anything else (a bug, a constraint) would fail again,
and gets the apology.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

#: SQLite primary result codes: SQLITE_BUSY, SQLITE_LOCKED.
SQLITE_BUSY_CODES = frozenset({5, 6})
#: PostgreSQL SQLSTATEs: connection exceptions (class 08), serialization failure,
#: deadlock, too many connections, cannot connect now / shutting down.
PG_TRANSIENT_STATES = frozenset({"40001", "40P01", "53300", "57P01", "57P02", "57P03"})


def is_transient(error: BaseException) -> bool:
    """True when ``error`` (or what it wraps) says the database was busy or unreachable."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return True
            current = current.orig
            continue
        if isinstance(current, sqlite3.OperationalError):
            return current.sqlite_errorcode & 0xFF in SQLITE_BUSY_CODES
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state in PG_TRANSIENT_STATES or state.startswith("08")
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        current = current.__cause__ or current.__context__
    return False


__all__ = ["is_transient"]
