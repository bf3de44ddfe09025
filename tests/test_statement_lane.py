"""A lane keeps one PostgreSQL connection for a run of single statements (store/lane.py,
issue 20): the outbox sender's claims and records of what was sent no longer each check a
connection out of the pool. What must hold: one connection for the run, given back when
released, when unused for a while (so the pool checks it again after it sat idle) and
after an error; each statement committed by itself; on SQLite, the plain unit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from store import lane as lanes
from store.db import Database
from store.lane import StatementLane
from tests.test_db_liveness import terminate


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def backend_pid(lane: StatementLane) -> int:
    async with lane.statement() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def checked_out(db: Database) -> int:
    return int(db.engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


@pytest.fixture
def pg(another_database: Database) -> Database:
    return another_database


@pytest.mark.postgresql_only
async def test_a_run_of_statements_holds_one_connection_until_released(pg):
    ticks = Ticks()
    lane = StatementLane(pg, monotonic=ticks)
    first = await backend_pid(lane)
    ticks.now += lanes.KEEP / 2
    assert await backend_pid(lane) == first
    assert checked_out(pg) == 1
    assert lane.holding
    await lane.release()
    assert checked_out(pg) == 0
    assert not lane.holding


@pytest.mark.postgresql_only
async def test_each_statement_is_committed_by_itself(pg):
    async with pg.transaction() as session:
        await session.execute(text("CREATE TABLE lane_marks (n int)"))
    lane = StatementLane(pg, monotonic=Ticks())

    async def marks() -> list[int]:
        async with pg.transaction() as session:
            return list((await session.scalars(text("SELECT n FROM lane_marks"))).all())

    async with lane.statement() as connection:
        await connection.execute(text("INSERT INTO lane_marks VALUES (1)"))
    assert lane.holding
    assert await marks() == [1]  # seen by another unit while the lane still holds it
    with pytest.raises(DBAPIError):
        async with lane.statement() as connection:
            await connection.execute(text("INSERT INTO lane_marks VALUES ('not a number')"))
    assert not lane.holding  # given back after the error
    async with lane.statement() as connection:
        await connection.execute(text("INSERT INTO lane_marks VALUES (2)"))
    assert await marks() == [1, 2]  # the failed one took nothing back with it
    await lane.release()
    assert checked_out(pg) == pg.kept_idle  # the units' own (store/kept_connections.py)


@pytest.mark.postgresql_only
async def test_a_connection_unused_for_a_while_goes_back_before_the_next_statement(pg):
    ticks = Ticks()
    lane = StatementLane(pg, monotonic=ticks)
    seen: list[object] = []
    for _ in range(2):
        async with lane.statement() as connection:
            seen.append(connection)
            await connection.execute(text("SELECT 1"))
    ticks.now += lanes.KEEP + 0.1
    async with lane.statement() as connection:
        seen.append(connection)
        await connection.execute(text("SELECT 1"))
    assert seen[0] is seen[1]
    assert seen[2] is not seen[1]  # checked out again (the pool's idle check applies)
    assert checked_out(pg) == 1
    await lane.release()


@pytest.mark.postgresql_only
async def test_a_dead_connection_is_given_back_and_the_next_statement_gets_a_live_one(
    pg, database_url
):
    lane = StatementLane(pg, monotonic=Ticks())
    first = await backend_pid(lane)
    await terminate(database_url, first)
    with pytest.raises(DBAPIError):
        await backend_pid(lane)
    assert not lane.holding
    assert await backend_pid(lane) != first
    await lane.release()
    assert checked_out(pg) == 0


@pytest.mark.postgresql_only
async def test_statements_from_several_tasks_take_turns_on_the_one_connection(pg):
    lane = StatementLane(pg, monotonic=Ticks())

    async def one(n: int) -> int:
        async with lane.statement() as connection:
            got = await connection.execute(text("SELECT CAST(:n AS integer)"), {"n": n})
            return int(got.scalar_one())

    assert await asyncio.gather(*(one(n) for n in range(8))) == list(range(8))
    assert checked_out(pg) == 1
    await lane.release()


@pytest.mark.sqlite_only
async def test_on_sqlite_a_statement_is_a_unit_of_its_own(db):
    lane = StatementLane(db)
    async with lane.statement() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    assert not lane.holding
