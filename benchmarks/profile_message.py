"""Where a message's CPU goes: crmbot serving one ``per_message`` scenario under cProfile.

    .venv/bin/python -m benchmarks.profile_message [--scenario known|unknown|find]
        [--messages 600] [--postgres postgresql+asyncpg://…] [--top 16] [--out prof.out]

Runs the same workload as ``benchmarks/per_message.py`` (16 in flight, the client in its
own process), with the fake Bot API in this process (its share shows as ``fake``), and
profiles the posting window on **CPU time** (``time.thread_time``): a profile on wall time
would charge a statement's wait for PostgreSQL to whatever coroutine was suspended. Prints
each group's share of the profiled CPU (SQLAlchemy, asyncpg, python-telegram-bot, aiohttp,
asyncio, crmbot's own packages, the rest by file) and writes the raw profile for
``pstats``. cProfile roughly doubles the cost of Python calls, so read shares, not times;
coroutine resumptions count as calls.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.per_message import SCENARIOS, bodies, reset_postgres
from benchmarks.webhook import InProcessTelegram, crmbot_run, post_from_process, prepare
from tests.fakes.telegram_api import FakeTelegram

ROOT = str(Path(__file__).resolve().parent.parent) + "/"
OURS = ("bot", "handlers", "store", "conversations", "locales", "scheduler", "charts")


def group_of(filename: str, function: str) -> str:
    """The library or package a profiled function belongs to."""
    for marker, name in (
        ("/sqlalchemy/", "SQLAlchemy"),
        ("asyncpg", "asyncpg"),
        ("/telegram/", "python-telegram-bot"),
        ("/aiohttp/", "aiohttp"),
        ("/multidict/", "aiohttp"),
        ("/yarl/", "aiohttp"),
        ("/asyncio/", "asyncio"),
        ("selectors", "asyncio"),
        ("/tests/fakes/", "fake Bot API"),
    ):
        if marker in filename:
            return name
    if filename.startswith(ROOT):
        package = filename[len(ROOT) :].split("/")[0]
        return f"crmbot {package}/" if package in OURS else f"crmbot {package}"
    if filename == "~":
        return "builtin " + function[:48]
    return "other " + filename.rsplit("/", 1)[-1]


def shares(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: collections.Counter[str] = collections.Counter()
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in entries.items():
        totals[group_of(filename, function)] += own
    whole = sum(totals.values()) or 1.0
    return [(name, seconds / whole) for name, seconds in totals.most_common()]


async def profile(scenario: str, messages: int, postgres: str | None, out: Path) -> None:
    fake = FakeTelegram(now=int(time.time()))
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = postgres or f"sqlite+aiosqlite:///{workdir / 'crmbot.db'}"
            if postgres:
                await reset_postgres(postgres)
            await prepare(url)
            payloads = bodies(fake, scenario, messages)

            async def poster(
                target: str, posted: list[bytes], concurrency: int
            ) -> tuple[float, list[float]]:
                profiler = cProfile.Profile(time.thread_time)
                profiler.enable()
                try:
                    return await post_from_process(target, posted, concurrency, workdir=workdir)
                finally:
                    profiler.disable()
                    profiler.dump_stats(str(out))

            row = await crmbot_run(payloads, 16, url, InProcessTelegram(fake), poster)
            print({k: row[k] for k in ("messages", "per_second", "sql_per_msg")})
    finally:
        await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="known")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose schema may be dropped")
    parser.add_argument("--top", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("prof.out"))
    args = parser.parse_args()
    asyncio.run(profile(args.scenario, args.messages, args.postgres, args.out))
    for name, share in shares(pstats.Stats(str(args.out)))[: args.top]:
        print(f"{share * 100:5.1f} %  {name}")


if __name__ == "__main__":
    main()
