"""PostgreSQL connections are checked at checkout only after sitting idle (issue 20): a
check is three round-trips with asyncpg, a fifth of a logged message's. A connection the
server dropped while it sat idle is replaced before use; one in use a moment ago is not
checked, so a server gone in that moment costs one message a delivery the platform makes
again (the error is transient), and the pool is renewed for the next."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from bot.clock import FrozenClock
from store.db import Database
from store.errors import is_transient
from tests.clocks import FROZEN_AT

pytestmark = pytest.mark.postgresql_only


async def backend_pid(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(url: str, pid: int) -> None:
    other = Database(url, FrozenClock(FROZEN_AT))
    try:
        async with other.transaction() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(database_url):
    db = Database(database_url, FrozenClock(FROZEN_AT), ping_idle_after=0.0)
    try:
        first = await backend_pid(db)
        await terminate(database_url, first)
        second = await backend_pid(db)  # checked at checkout, found dead, replaced
        assert second != first
    finally:
        await db.dispose()


async def test_a_connection_in_use_a_moment_ago_is_not_checked(database_url):
    """Not pinged: either asyncpg has already seen its socket closed, and the unit takes
    another (store/kept_connections.py), or its ``BEGIN`` finds it gone and the error is
    transient, so the platform's redelivery brings the message back. Which one depends on
    when the event loop read the server's goodbye."""
    db = Database(database_url, FrozenClock(FROZEN_AT), ping_idle_after=3600.0)
    try:
        first = await backend_pid(db)
        await terminate(database_url, first)
        failure: DBAPIError | None = None
        try:
            second = await backend_pid(db)
        except DBAPIError as failed:
            failure = failed
            second = await backend_pid(db)
        assert failure is None or is_transient(failure)
        assert second not in (first, None)  # a new connection
    finally:
        await db.dispose()


async def test_a_second_burst_finds_the_first_ones_connections_open(database_url):
    """A pool smaller than a burst closes what it cannot keep, and the next burst opens
    them again, each a few ms and a cold statement cache (issue 20: 15 connections opened
    in a run of 800 messages, and its first 20 answers three times slower). ``pool_size``
    keeps as many as the updates served at once."""
    db = Database(database_url, FrozenClock(FROZEN_AT), pool_size=16)
    opened = 0

    def count(*_args: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(db.engine.sync_engine.pool, "connect", count)

    async def burst() -> None:
        together = asyncio.Barrier(16)

        async def one() -> None:
            async with db.transaction() as session:
                await session.execute(text("SELECT 1"))
                await together.wait()  # all 16 hold a connection at once

        await asyncio.gather(*(one() for _ in range(16)))

    try:
        await burst()
        await burst()
        assert opened == 16
    finally:
        await db.dispose()
