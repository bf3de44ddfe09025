"""What encryption at rest costs (store/sealing.py), with and without a key, on SQLite.

    .venv/bin/python -m benchmarks.encryption --contacts 20000

Prints: sealing and opening one phone number (µs); writing N contacts with the bulk writer
(store/bulk.py: search keys, blind indexes, audit rows); a lookup by the last four digits
and by a whole e-mail (store/search.py, the median of 50); and ``crmbot keys encrypt`` of
the same N contacts (store/reseal.py), rows a second. Each figure is taken on a fresh
migrated database per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.clock import FrozenClock  # noqa: E402
from store import migrate  # noqa: E402
from store.access import Principal, Records  # noqa: E402
from store.bulk import create_many  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import Contact, Role, User  # noqa: E402
from store.reseal import reseal  # noqa: E402
from store.sealing import Keyring  # noqa: E402
from store.search import search  # noqa: E402

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
KEY = "c0ffee" * 8


def micro(keyring: Keyring, rounds: int = 20000) -> tuple[float, float]:
    started = time.perf_counter()
    sealed = [keyring.seal("+8613912345678", "contacts.mobile") for _ in range(rounds)]
    seal = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for value in sealed:
        keyring.open(value, "contacts.mobile")
    return seal, (time.perf_counter() - started) / rounds * 1e6


async def fresh(directory: Path, name: str, keyring: Keyring | None) -> tuple[Database, int]:
    db = Database(f"sqlite+aiosqlite:///{directory / name}", FrozenClock(NOW), keyring=keyring)
    await migrate.upgrade(db)
    async with db.transaction() as session:
        user = User(name="admin", display_name="Admin", role=Role.ADMIN, created_at=NOW)
        session.add(user)
        await session.flush()
        return db, user.id


async def write(db: Database, user_id: int, count: int) -> float:
    rows = [
        {"name": f"联系人{i}", "mobile": f"+86139{i:08d}", "email": f"p{i}@firm{i % 97}.cn"}
        for i in range(count)
    ]
    started = time.perf_counter()
    for start in range(0, count, 2000):
        async with db.transaction() as session:
            records = Records(session, Principal(user_id, Role.ADMIN, None), NOW)
            await create_many(records, Contact, rows[start : start + 2000])
    return time.perf_counter() - started


async def lookups(db: Database, user_id: int, count: int) -> tuple[float, float]:
    async def timed(query: str) -> float:
        times = []
        for _ in range(50):
            async with db.transaction() as session:
                records = Records(session, Principal(user_id, Role.ADMIN, None), NOW)
                started = time.perf_counter()
                hits = await search(records, query)
                times.append(time.perf_counter() - started)
            assert hits, query
        return statistics.median(times) * 1000

    last = count // 2
    return await timed(f"{last % 10000:04d}"), await timed(f"p{last}@firm{last % 97}.cn")


async def run(count: int) -> None:
    keyring = Keyring(KEY)
    seal, open_ = micro(keyring)
    print(f"seal one phone {seal:.1f} µs, open {open_:.1f} µs")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for label, ring in (("plaintext", None), ("encrypted", keyring)):
            db, user_id = await fresh(directory, f"{label}.db", ring)
            try:
                took = await write(db, user_id, count)
                by_digits, by_email = await lookups(db, user_id, count)
            finally:
                await db.dispose()
            print(
                f"{label}: wrote {count} contacts in {took:.2f} s; lookup by last 4 digits "
                f"{by_digits:.1f} ms, by e-mail {by_email:.1f} ms (median of 50)"
            )
        db = Database(
            f"sqlite+aiosqlite:///{directory / 'plaintext.db'}", FrozenClock(NOW), keyring=keyring
        )
        try:
            started = time.perf_counter()
            report = await reseal(db, action="encrypt")
            took = time.perf_counter() - started
        finally:
            await db.dispose()
        done = sum(report.resealed.values())
        print(f"keys encrypt: {done} rows in {took:.2f} s ({done / took:.0f} rows/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=20000)
    asyncio.run(run(parser.parse_args().contacts))


if __name__ == "__main__":
    main()
