"""PostgreSQL's units of work on kept connections, their transactions begun and ended by
asyncpg (store/kept_connections.py, issue 20). What must hold: a unit is one transaction
(nothing seen by others before it commits, nothing left after it fails, savepoints inside
it), the connection serves the next unit only when it is clean, never goes back to the pool
inside a transaction, goes back when unused for a while or when more are idle than kept,
and a server gone while one sat kept costs at most one transient failure."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import kept_connections as kept_module
from store.db import Database
from store.errors import is_transient
from store.kept_connections import KeptConnections
from store.models import AuditEntry
from tests.clocks import FROZEN_AT
from tests.test_asyncpg_direct import until_activity
from tests.test_db_liveness import backend_pid
from tests.test_prepared import audit_row
from tests.test_statement_lane import Ticks, checked_out

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
async def pg(db: Database) -> AsyncIterator[Database]:
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE IF EXISTS kept_marks"))
        await session.execute(text("CREATE TABLE kept_marks (n int PRIMARY KEY)"))
    yield db
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE IF EXISTS kept_marks"))


@pytest.fixture
def other(another_database: Database) -> Database:
    return another_database


async def marks(db: Database) -> list[int]:
    async with db.transaction() as session:
        return list((await session.scalars(text("SELECT n FROM kept_marks ORDER BY n"))).all())


def checkouts(db: Database) -> list[object]:
    """The pool's checkouts from now on."""
    seen: list[object] = []
    event.listen(db.engine.sync_engine.pool, "checkout", lambda *args: seen.append(args))
    return seen


async def test_units_reuse_one_connection_and_each_is_one_transaction(pg, other):
    first = await backend_pid(pg)
    taken = checkouts(pg)
    async with pg.transaction() as session:
        assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar() == first
        await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
        await session.execute(text("INSERT INTO kept_marks VALUES (2)"))
        assert await marks(other) == []  # not committed yet: another connection sees none
    assert await marks(other) == [1, 2]
    assert await backend_pid(pg) == first
    assert taken == []  # no checkout from the pool after the first unit's
    assert checked_out(pg) == 1


async def fails_after_a_write(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
        raise ZeroDivisionError


async def writes_one_twice(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO kept_marks VALUES (2)"))
        await session.execute(text("INSERT INTO kept_marks VALUES (2)"))


async def test_a_failed_unit_writes_nothing_and_its_clean_connection_is_kept(pg):
    first = await backend_pid(pg)
    with pytest.raises(ZeroDivisionError):
        await fails_after_a_write(pg)
    with pytest.raises(IntegrityError):
        await writes_one_twice(pg)
    assert await marks(pg) == []
    assert await backend_pid(pg) == first  # rolled back, so clean, so kept


async def test_a_savepoint_inside_a_unit_rolls_back_alone(pg):
    async with pg.transaction() as session:
        await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
        await session.execute(text("INSERT INTO kept_marks VALUES (2)"))
    assert await marks(pg) == [1, 2]


async def test_a_transaction_lock_is_held_until_the_unit_commits(pg, other):
    """``pg_advisory_xact_lock`` (store/platform_tokens.py) lasts as long as the unit: the
    session's autocommit does not end it early."""
    async with pg.transaction() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        async with other.transaction() as probe:
            assert (
                await probe.execute(text("SELECT pg_try_advisory_xact_lock(4242)"))
            ).scalar() is False
    async with other.transaction() as probe:
        assert (
            await probe.execute(text("SELECT pg_try_advisory_xact_lock(4242)"))
        ).scalar() is True


async def test_a_unit_cancelled_mid_statement_leaves_no_transaction_open(pg, other):
    first = await backend_pid(pg)
    sleeping = "SELECT pg_sleep(30)"

    async def slow() -> None:
        async with pg.transaction() as session:
            await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
            await session.execute(text(sleeping))

    task = asyncio.create_task(slow())
    await until_activity(other, first, "query", sleeping)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await backend_pid(pg) != first  # that connection was discarded, not reused
    assert await marks(other) == []
    async with other.single_statement() as connection:
        left = await connection.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND state <> 'idle'"),
            {"pid": first},
        )
    assert left == 0  # no transaction left open on it


async def test_a_unit_cancelled_between_statements_rolls_back_and_keeps_its_connection(pg):
    first = await backend_pid(pg)
    inside = asyncio.Event()

    async def waits() -> None:
        async with pg.transaction() as session:
            await session.execute(text("INSERT INTO kept_marks VALUES (1)"))
            inside.set()
            await asyncio.Event().wait()  # cancelled here, with no statement under way

    task = asyncio.create_task(waits())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await marks(pg) == []
    assert await backend_pid(pg) == first


async def test_an_unused_connection_goes_back_to_the_pool(pg):
    ticks = Ticks()
    kept = KeptConnections(pg.autocommit_connection, keep=4, ping_idle_after=10.0, monotonic=ticks)

    async def pid() -> int:
        async with kept.transaction() as connection:
            return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    before = checked_out(pg)  # the fixture's unit's, kept by ``pg`` itself
    taken = checkouts(pg)
    await pid()
    ticks.now += kept_module.KEEP / 2
    await pid()
    assert len(taken) == 1
    assert kept.idle == 1
    ticks.now += kept_module.KEEP + 0.1
    await pid()
    assert len(taken) == 2  # given back, then checked out again: the pool's idle check ran
    assert kept.idle == 1
    await kept.close()
    assert kept.idle == 0
    assert checked_out(pg) == before


async def test_no_more_than_keep_are_kept(pg):
    kept = KeptConnections(pg.autocommit_connection, keep=2, ping_idle_after=10.0)
    before = checked_out(pg)
    together = asyncio.Barrier(4)

    async def one() -> None:
        async with kept.transaction() as connection:
            await connection.execute(text("SELECT 1"))
            await together.wait()

    await asyncio.gather(*(one() for _ in range(4)))
    assert kept.idle == 2
    assert checked_out(pg) == before + 2
    await kept.close()


async def test_a_kept_connection_seen_closed_is_replaced_before_use(pg):
    first = await backend_pid(pg)
    async with pg.transaction() as session:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
    driver.terminate()  # as asyncpg marks a connection whose server said goodbye
    assert await backend_pid(pg) != first


async def test_a_server_gone_unnoticed_costs_one_transient_failure(pg, other):
    first = await backend_pid(pg)

    async def end_it() -> None:
        async with other.single_statement() as connection:  # waits until it has ended
            await connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}
            )

    # Ended from another thread while this loop is blocked: asyncpg cannot have read the
    # server's goodbye before the next unit's BEGIN is sent.
    ending = threading.Thread(target=lambda: asyncio.run(end_it()))
    ending.start()
    ending.join()
    with pytest.raises(DBAPIError) as failed:
        await backend_pid(pg)
    assert is_transient(failed.value)
    assert await backend_pid(pg) not in (first, None)


async def test_a_unit_ending_after_close_gives_its_connection_back(pg):
    """A unit still under way when the worker stops (in a task being stopped) ends after
    the idle ones went back: its connection goes back too, not into a list no one reads."""
    kept = KeptConnections(pg.autocommit_connection, keep=4, ping_idle_after=10.0)
    before = checked_out(pg)
    async with kept.transaction() as connection:
        await kept.close()
        await connection.execute(text("SELECT 1"))
    assert kept.idle == 0
    assert checked_out(pg) == before


async def flushed_at_the_end(db: Database, n: int, audit: AuditEntry) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO kept_marks VALUES (:n)"), {"n": n})
        session.add(audit)  # not flushed by anything in the unit


async def test_what_the_session_holds_unsent_is_written_with_the_unit(pg, other):
    """The session's own transaction is not begun for a unit: what it holds is flushed
    before asyncpg commits, and a flush that fails takes the whole unit back."""
    marker = "kept-connections flush"
    await flushed_at_the_end(pg, 1, AuditEntry(**audit_row(FROZEN_AT, marker)))
    with pytest.raises(IntegrityError):  # no table name: NOT NULL
        await flushed_at_the_end(
            pg, 2, AuditEntry(**audit_row(FROZEN_AT, marker) | {"table_name": None})
        )
    assert await marks(other) == [1]
    async with other.transaction() as session:
        written = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.new_value == marker)
        )
    assert written == 1
