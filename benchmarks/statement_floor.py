"""What one statement costs our process, by the layer that sends it (issue 20).

    .venv/bin/python -m benchmarks.statement_floor [--statements 3000] [--rounds 3]
        [--postgres postgresql+asyncpg://…] [--skip-sqlite]

On PostgreSQL, per-message CPU grows with round-trips, not with SQL: the server's work is
not ours, but every statement crosses SQLAlchemy and its asyncpg adapter. This measures
that crossing for one small statement (a customer read by its primary key, one row back)
inside one open transaction, through each layer a handler could use:

* ``driver``: the DB-API driver itself (asyncpg's ``fetchrow`` on PostgreSQL; the
  ``sqlite3`` cursor under our SQLite driver), no SQLAlchemy;
* ``driver_sql``: SQLAlchemy's ``exec_driver_sql`` (the adapter, no compilation);
* ``core``: a cached Core ``select`` of the table's columns (what ``store/bulk.py`` and
  the hot path's plain INSERTs use);
* ``orm``: ``session.execute(select(Company))`` with the ORM building the object;
* ``orm_new`` / ``loaded``: the customer as a record the session did not hold yet (each
  read's record let go of after it, as a new unit's would be), built once per statement
  through the ORM, and read as columns through :func:`store.prepared.read` and made a
  record by :func:`store.loaded.attach`, as a known log's two reads are;
* ``insert``: a Core INSERT of one audit row, built for the row;
* ``core_once`` / ``prepared``: the read by a ``select`` built once, through
  ``Connection.execute`` and through :func:`store.prepared.run` (compiled once per
  engine, sent with ``exec_driver_sql`` on SQLite and by asyncpg itself on PostgreSQL,
  the transaction having begun: :mod:`store.asyncpg_direct`);
* ``insert_once`` / ``insert_prepared``: one audit row by an INSERT built once
  (:func:`store.riders.plain_insert`), the same two ways;
* ``audit12_once`` / ``audit12_prepared``: twelve audit rows in one INSERT built once
  (``store.riders.Rows``, as a log's rows ride on PostgreSQL), the same two ways.

On PostgreSQL, also what a whole **transaction** with one such read costs (BEGIN, the
read, COMMIT: three round trips), a transaction opened for each: through crmbot's
``Database.transaction``, through a plain ``async_sessionmaker`` as the peer's, and through
asyncpg alone (``transaction()`` and ``fetchrow``); and a **unit with three prepared
reads**, as a known log's unit sends its statements (``store.unit_connection`` and
:func:`store.prepared.run`), against asyncpg alone. Every message is such a transaction
plus its statements, on both sides of ``per_message``: this is the floor SQLAlchemy's
asyncio layer sets under both.

Each through crmbot's own ``store.db.Database`` (its engine, pool and session hooks) and,
for ``core`` and ``orm``, through a plain ``create_async_engine`` as the peer uses, to show
whether our hooks add anything. Printed: CPU µs per statement of this process (best of the
rounds) and the wall time. The peer's log makes 7 statements and crmbot's about 17, so
these figures times the difference is the part of the gap no handler code can close.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.per_message import reset_postgres
from bot.clock import SystemClock
from store.db import Database
from store.loaded import attach, record_columns
from store.migrate import upgrade
from store.models import AuditEntry, Company, User
from store.prepared import read, run
from store.riders import Rows, plain_insert
from store.unit_connection import unit_connection

Shape = Callable[[AsyncSession, int], Awaitable[Any]]
BY_ID_SQLITE = "select * from companies where id = ?"
BY_ID_POSTGRES = "select * from companies where id = $1"


async def seed(db: Database) -> int:
    """One user owning one customer; the customer's id."""
    now = datetime.now(UTC)
    async with db.transaction(platform="bench") as session:
        user = User(name="floor", display_name="Floor", role="rep", created_at=now)
        session.add(user)
        await session.flush()
        company = Company(name="Floor Ltd", owner_id=user.id, created_at=now, updated_at=now)
        session.add(company)
        await session.flush()
        return company.id


def shapes(is_sqlite: bool) -> dict[str, Shape]:
    columns = select(*Company.__table__.c)
    by_id = BY_ID_SQLITE if is_sqlite else BY_ID_POSTGRES

    async def driver(session: AsyncSession, company_id: int) -> Any:
        raw = await (await session.connection()).get_raw_connection()
        if is_sqlite:
            return raw.driver_connection.execute(by_id, (company_id,)).fetchone()  # type: ignore[union-attr]
        return await raw.driver_connection.fetchrow(by_id, company_id)  # type: ignore[union-attr]

    async def driver_sql(session: AsyncSession, company_id: int) -> Any:
        connection = await session.connection()
        return (await connection.exec_driver_sql(by_id, (company_id,))).first()

    async def core(session: AsyncSession, company_id: int) -> Any:
        return (await session.execute(columns.where(Company.id == company_id))).first()

    async def orm(session: AsyncSession, company_id: int) -> Any:
        return await session.scalar(select(Company).where(Company.id == company_id))

    def audit_row(company_id: int) -> dict[str, Any]:
        return {
            "at": datetime.now(UTC),
            "user_id": None,
            "platform": "bench",
            "table_name": "companies",
            "record_id": company_id,
            "action": "update",
            "field": "note",
            "old_value": None,
            "new_value": "x",
        }

    async def audit_insert(session: AsyncSession, company_id: int) -> Any:
        return await session.execute(insert(AuditEntry).values(audit_row(company_id)))

    read_once = select(*record_columns(Company)).where(Company.id == bindparam("company_id"))
    audit_table = cast(Table, AuditEntry.__table__)
    one_row = plain_insert(audit_table, tuple(audit_row(0)))
    twelve = Rows(audit_table, tuple(audit_row(0)), 12)
    twelve_rows = twelve.build("")

    def twelve_params(company_id: int) -> dict[str, Any]:
        return twelve.params("", [audit_row(company_id)] * 12)

    by_id_record = select(Company).where(Company.id == bindparam("company_id"))

    async def orm_new(session: AsyncSession, company_id: int) -> Any:
        record = await session.scalar(by_id_record, {"company_id": company_id})
        session.expunge_all()  # the next read builds its record again, as a new unit's does
        return record

    async def loaded(session: AsyncSession, company_id: int) -> Any:
        (row,) = await read(session, read_once, {"company_id": company_id})
        record = attach(session, Company, row)
        session.expunge_all()
        return record

    async def core_once(session: AsyncSession, company_id: int) -> Any:
        connection = await session.connection()
        return (await connection.execute(read_once, {"company_id": company_id})).first()

    async def prepared(session: AsyncSession, company_id: int) -> Any:
        return await run(await session.connection(), read_once, {"company_id": company_id})

    async def insert_once(session: AsyncSession, company_id: int) -> Any:
        connection = await session.connection()
        return await connection.execute(one_row, audit_row(company_id))

    async def insert_prepared(session: AsyncSession, company_id: int) -> Any:
        return await run(await session.connection(), one_row, audit_row(company_id))

    async def audit12_once(session: AsyncSession, company_id: int) -> Any:
        connection = await session.connection()
        return await connection.execute(twelve_rows, twelve_params(company_id))

    async def audit12_prepared(session: AsyncSession, company_id: int) -> Any:
        return await run(await session.connection(), twelve_rows, twelve_params(company_id))

    return {
        "driver": driver,
        "driver_sql": driver_sql,
        "core": core,
        "orm": orm,
        "insert": audit_insert,
        "orm_new": orm_new,
        "loaded": loaded,
        "core_once": core_once,
        "prepared": prepared,
        "insert_once": insert_once,
        "insert_prepared": insert_prepared,
        "audit12_once": audit12_once,
        "audit12_prepared": audit12_prepared,
    }


async def timed(
    sessions: Callable[[], Any], shape: Shape, company_id: int, count: int
) -> tuple[float, float]:
    async with sessions() as session:
        return await per_call(lambda: shape(session, company_id), count)


async def per_call(call: Callable[[], Awaitable[Any]], count: int) -> tuple[float, float]:
    """CPU and wall µs of one ``call()``, after 50 unmeasured ones (the statement cache and
    the prepared statement warm)."""
    for _ in range(50):
        await call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        await call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count * 1e6, wall / count * 1e6


def best(db: str, shape: str, engine: str, runs: list[tuple[float, float]]) -> dict[str, Any]:
    """One printed result: the best of the rounds' CPU and wall µs."""
    row = {
        "db": db,
        "shape": shape,
        "engine": engine,
        "cpu_us": round(min(r[0] for r in runs), 1),
        "wall_us": round(min(r[1] for r in runs), 1),
    }
    print(json.dumps(row), flush=True)
    return row


async def transactions(
    ways: list[tuple[str, Callable[[], Any]]],
    plain: Any,
    company_id: int,
    count: int,
    rounds: int,
) -> list[dict[str, Any]]:
    """A transaction with one read (PostgreSQL): through each of ``ways`` to open one, and
    through asyncpg alone."""
    held = await plain.connect()  # its asyncpg connection, used without SQLAlchemy
    raw: Any = (await held.get_raw_connection()).driver_connection

    def through(sessions: Callable[[], Any]) -> Callable[[], Awaitable[None]]:
        async def one() -> None:
            async with sessions() as session:
                await (await session.connection()).exec_driver_sql(BY_ID_POSTGRES, (company_id,))

        return one

    async def driver() -> None:
        async with raw.transaction():
            await raw.fetchrow(BY_ID_POSTGRES, company_id)

    def three_prepared(sessions: Callable[[], Any]) -> Callable[[], Awaitable[None]]:
        read_by_id = select(*Company.__table__.c).where(Company.id == bindparam("company_id"))

        async def one() -> None:
            async with sessions() as session:
                connection = await unit_connection(session)
                for _ in range(3):
                    await run(connection, read_by_id, {"company_id": company_id})

        return one

    async def driver_three() -> None:
        async with raw.transaction():
            for _ in range(3):
                await raw.fetchrow(BY_ID_POSTGRES, company_id)

    crmbot = ways[0][1]
    begins = [("transaction, one read", label, through(sessions)) for label, sessions in ways] + [
        ("transaction, one read", "asyncpg", driver),
        ("unit, three prepared reads", "crmbot", three_prepared(crmbot)),
        ("unit, three prepared reads", "asyncpg", driver_three),
    ]
    try:
        return [
            best(
                "postgresql",
                shape,
                label,
                [await per_call(begin, count) for _ in range(rounds)],
            )
            for shape, label, begin in begins
        ]
    finally:
        await held.close()


async def measure(url: str, count: int, rounds: int) -> list[dict[str, Any]]:
    if url.startswith("postgresql"):
        await reset_postgres(url)
    db = Database(url, SystemClock())
    await upgrade(db)
    company_id = await seed(db)
    plain = create_async_engine(url)
    plain_sessions = async_sessionmaker(plain, expire_on_commit=False)

    def ours() -> Any:
        return db.transaction(platform="bench")

    def theirs() -> Any:
        return plain_sessions.begin()

    database = "sqlite" if db.is_sqlite else "postgresql"
    results = []
    try:
        for name, shape in shapes(db.is_sqlite).items():
            engines = [("crmbot", ours)]
            if name in ("core", "orm") and not db.is_sqlite:
                engines.append(("plain engine", theirs))
            for label, sessions in engines:
                runs = [await timed(sessions, shape, company_id, count) for _ in range(rounds)]
                results.append(best(database, name, label, runs))
        if not db.is_sqlite:
            ways = [("crmbot", ours), ("plain engine", theirs)]
            results += await transactions(ways, plain, company_id, count, rounds)
    finally:
        await plain.dispose()
        await db.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose schema may be dropped")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_sqlite:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'floor.db'}"
            rows += await measure(url, args.statements, args.rounds)
        if args.postgres:
            rows += await measure(args.postgres, args.statements, args.rounds)
    print(f"\nmachine: {platform.machine()}, Python {platform.python_version()}")
    print("| db | shape | engine | CPU µs / statement | wall µs |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['db']} | {row['shape']} | {row['engine']} | {row['cpu_us']:.0f} | "
            f"{row['wall_us']:.0f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
