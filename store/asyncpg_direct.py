"""A prepared statement sent by asyncpg itself, inside the unit's transaction.

:mod:`store.prepared` compiles the hot path's statements once and sends them as driver
SQL. Through ``exec_driver_sql`` each still pays SQLAlchemy's execution: a greenlet to
cross into its synchronous core, an execution context, a cursor and a result, about a
third of what the statement costs our process on PostgreSQL. When SQLAlchemy's
connection is already in its transaction on the server (or in autocommit), the same SQL
with the same values can go straight to the asyncpg connection underneath
(``PoolProxiedConnection.driver_connection``), which is what SQLAlchemy would have done
last. A one-row statement then costs our process what asyncpg alone costs, 120–129 µs
of CPU against 181–221 (BENCHMARKS.md, per-message round 24): about 5 % of a known log.

What SQLAlchemy does around a statement is done here too, so nothing changes for callers:

- **errors** arrive as SQLAlchemy's exceptions (``IntegrityError`` for a constraint, the
  driver's error as ``orig``), with the values left out of the message (they may be a
  customer's details, and errors are logged);
- **a dead connection** (the server gone, the statement cut off by a cancellation) is
  invalidated, never handed back to the pool, and the error says so
  (``connection_invalidated``), which :func:`store.errors.is_transient` reads;
- the statement runs in the unit's transaction, which asyncpg began on a connection kept
  between units (:mod:`store.kept_connections`), so from the unit's first statement on.
  On a connection whose transaction SQLAlchemy began but has not sent yet (a session of
  one's own, not a unit), the statement goes through SQLAlchemy, which sends it.

SQLAlchemy's statement events do not fire for these statements: what counts statements
(``tests/sql_trace.py``) counts the driver's sends as well.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")

_TRANSLATED: tuple[tuple[type[BaseException], type[exc.DBAPIError]], ...] = (
    # The order SQLAlchemy's asyncpg dialect maps them in: the most specific first.
    (asyncpg.IntegrityConstraintViolationError, exc.IntegrityError),
    (asyncpg.exceptions.SyntaxOrAccessError, exc.ProgrammingError),
    (asyncpg.InternalServerError, exc.InternalError),
    (asyncpg.InterfaceError, exc.InterfaceError),
    (asyncpg.PostgresError, exc.DBAPIError),
)


def driver_for(connection: AsyncConnection) -> asyncpg.Connection | None:
    """The asyncpg connection under ``connection`` when a statement may be sent to it
    directly; ``None`` for another database, a connection closed or invalidated, or one
    whose transaction SQLAlchemy has begun but not yet sent."""
    sync = connection.sync_connection
    if sync is None or sync.dialect.driver != "asyncpg" or sync.closed or sync.invalidated:
        return None
    driver = sync.connection.driver_connection
    if not isinstance(driver, asyncpg.Connection) or driver.is_closed():
        return None
    if driver.is_in_transaction():
        return driver
    autocommit = sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    return driver if autocommit else None


async def fetch(
    connection: AsyncConnection, driver: asyncpg.Connection, sql: str, values: Sequence[Any]
) -> list[asyncpg.Record]:
    """The rows ``sql`` returns for ``values``, sent by ``driver`` (from :func:`driver_for`)."""
    return await sent(connection, driver, lambda: driver.fetch(sql, *values), sql, values)


async def sent(
    connection: AsyncConnection,
    driver: asyncpg.Connection,
    operation: Callable[[], Awaitable[T]],
    sql: str,
    values: Sequence[Any] = (),
) -> T:
    """What ``operation`` (a call of ``driver``, ``connection``'s asyncpg connection, that
    sends ``sql``) gives, its errors SQLAlchemy's: :func:`fetch`, and a unit's ``BEGIN`` and
    ``COMMIT`` (:mod:`store.kept_connections`)."""
    try:
        return await operation()
    except Exception as error:
        dead = driver.is_closed()
        if dead:
            await connection.invalidate(error)
        translated = _translated(error, sql, values, dead)
        if translated is None:
            raise  # not a database error: passed on as it came, as SQLAlchemy does
        raise translated from error
    except BaseException as error:
        # Cut off mid-statement (a cancelled task): what the connection holds now is
        # unknown, so it is not used again, as SQLAlchemy does for its own statements.
        await connection.invalidate(error)
        raise


def _translated(
    error: Exception, sql: str, values: Sequence[Any], dead: bool
) -> exc.DBAPIError | None:
    """SQLAlchemy's exception for the driver's ``error``; ``None`` for one that is not the
    database's, which SQLAlchemy passes on as it came too."""
    for driver_error, ours in _TRANSLATED:
        if isinstance(error, driver_error):
            return ours(sql, values, error, hide_parameters=True, connection_invalidated=dead)
    if dead:  # a socket's error on a connection the driver has closed
        return exc.OperationalError(
            sql, values, error, hide_parameters=True, connection_invalidated=True
        )
    return None
