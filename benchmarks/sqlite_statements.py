"""What one SQLite statement costs the event loop, through ``store.db.Database``.

    .venv/bin/python benchmarks/sqlite_statements.py [--statements 20000] [--rounds 5]

Three shapes, each timed ``--rounds`` times on a fresh SQLite file (best round shown):

- ``select``: ``session.execute(text("select 1"))`` inside one open transaction;
- ``insert``: ``session.execute(insert ...)`` of one small row, inside one transaction;
- ``txn``: a whole transaction per row (``Database.transaction()``, one insert, commit).

Prints microseconds per statement (per transaction for ``txn``) of wall time and of the
event-loop thread's CPU time (``time.thread_time``), which is what every other chat waits
for. Uses only ``Database``'s public face, so it runs unchanged on older trees.
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
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock
from store.db import Database


async def timed(run: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    await run()
    return (
        (time.perf_counter() - wall) / count * 1e6,
        (time.thread_time() - cpu) / count * 1e6,
    )


async def measure(directory: Path, statements: int, rounds: int) -> dict[str, list[float]]:
    db = Database(f"sqlite+aiosqlite:///{directory / 'statements.db'}", SystemClock())
    async with db.transaction() as session:
        await session.execute(text("create table t (id integer primary key, v text)"))
    insert = text("insert into t (v) values (:v)")

    async def selects() -> None:
        async with db.transaction() as session:
            for _ in range(statements):
                await session.execute(text("select 1"))

    async def inserts() -> None:
        async with db.transaction() as session:
            for n in range(statements):
                await session.execute(insert, {"v": str(n)})

    async def transactions() -> None:
        for n in range(statements // 10):
            async with db.transaction() as session:
                await session.execute(insert, {"v": str(n)})

    best: dict[str, list[float]] = {}
    for name, run, count in (
        ("select", selects, statements),
        ("insert", inserts, statements),
        ("txn", transactions, statements // 10),
    ):
        results = [await timed(run, count) for _ in range(rounds)]
        best[name] = [round(min(r[0] for r in results), 1), round(min(r[1] for r in results), 1)]
    await db.dispose()
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        best = asyncio.run(measure(Path(tmp), args.statements, args.rounds))
    print(f"machine: {platform.machine()}, {platform.python_version()}")
    for name, (wall, cpu) in best.items():
        print(json.dumps({"shape": name, "wall_us": wall, "loop_cpu_us": cpu}))


if __name__ == "__main__":
    main()
