"""A prepared statement run on SQLite's own connection, inside SQLAlchemy's transaction.

On SQLite every statement already runs on the event loop's thread
(:mod:`store.sqlite_driver`), so what a statement costs our process is Python's: through
``exec_driver_sql``, SQLAlchemy's greenlet into its synchronous core, an execution context,
a cursor and a result, about two thirds of a small statement's cost. Once SQLAlchemy's
connection is in its transaction (or in autocommit), the statements :mod:`store.prepared`
compiled once can go to the ``sqlite3`` connection the same way the driver's cursor sends
them, awaited with no greenlet: the same SQL, the same values, the same transaction, the
same hand-off to a worker thread when offloaded or locked out by another process. Most of
a known log's statements are such: on SQLite its CPU went 3.14 → 2.38 ms (BENCHMARKS.md,
per-message round 31).

As :mod:`store.asyncpg_direct` does for PostgreSQL, what SQLAlchemy does around a
statement is done here too: errors arrive as SQLAlchemy's exceptions (``IntegrityError``
for a constraint, the driver's error as ``orig``), with the values left out of the message;
a statement cut off by a cancellation while it waited for a worker thread leaves its
connection invalidated, not back in the pool. SQLAlchemy's statement events do not fire:
what counts statements (``tests/sql_trace.py``) counts these sends as well.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection

from store.sqlite_driver import InlineSQLiteConnection, InlineSQLiteDialect


def inline_for(connection: AsyncConnection) -> InlineSQLiteConnection | None:
    """The SQLite connection under ``connection`` when a statement may be run on it
    directly: SQLAlchemy's transaction has begun (SQLite's own begins with the first
    write, as through SQLAlchemy) or the connection is in autocommit; ``None`` otherwise,
    and for another database."""
    sync = connection.sync_connection
    if (
        sync is None
        or not isinstance(sync.dialect, InlineSQLiteDialect)
        or sync.closed
        or sync.invalidated
    ):
        return None
    inline = sync.connection.dbapi_connection
    if not isinstance(inline, InlineSQLiteConnection):
        return None
    if sync.in_transaction():
        return inline
    autocommit = sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    return inline if autocommit else None


async def fetch_inline(
    connection: AsyncConnection, inline: InlineSQLiteConnection, sql: str, values: Sequence[Any]
) -> list[Any]:
    """The rows ``sql`` returns for ``values``, run on ``inline`` (from :func:`inline_for`)."""
    try:
        return await inline.rows(sql, values)
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(
            sql, values, error, sqlite3.Error, hide_parameters=True, dialect=connection.dialect
        ) from error
    except Exception:
        raise  # not a database error: passed on as it came, as SQLAlchemy does
    except BaseException as error:
        # Cut off while a worker thread ran it (a cancelled task): what the connection
        # holds now is unknown, so it is not used again, as SQLAlchemy does for its own.
        await connection.invalidate(error)
        raise
