"""The connection of a session's transaction, asked for again without a greenlet.

``AsyncSession.connection()`` crosses into SQLAlchemy's synchronous core through a new
greenlet every time, even when the session's transaction already holds its connection and
nothing is to be done but hand it back. The hot path asks for it three to five times a
message (the event's claim, the reads of columns, each batch of rows the riders carry), and
the crossings cost about 3 % of a known log on PostgreSQL (py-spy, BENCHMARKS.md per-message
round 31). The answer cannot change while the same transaction is active, so it is kept on
the session beside that transaction and reused; a new transaction (after a commit or a
rollback) or a connection closed or invalidated under it asks SQLAlchemy again.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_KEY = "store.unit_connection"


async def unit_connection(session: AsyncSession) -> AsyncConnection:
    """What ``await session.connection()`` returns, without asking twice in one transaction;
    for a session bound to a connection (a PostgreSQL unit's, whose transaction asyncpg
    began: ``store.kept_connections``), that connection, without asking at all."""
    if isinstance(session.bind, AsyncConnection):
        return session.bind
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_KEY)
    if transaction is not None and kept is not None and kept[0] is transaction:
        connection: AsyncConnection = kept[1]
        sync = connection.sync_connection
        if transaction.is_active and sync is not None and not sync.closed and not sync.invalidated:
            return connection
    connection = await session.connection()
    session.info[_KEY] = (session.sync_session.get_transaction(), connection)
    return connection
