"""Sustained load: messages arrive at a steady rate for a while, replies leave at the
platform's pace, and ``/healthz`` shows the outbox backlog staying bounded (issue 20).

    .venv/bin/python -m benchmarks.sustained [--rate 20] [--seconds 60] [--rate 40 ...]
        [--postgres postgresql+asyncpg://…]

For each ``--rate`` (messages per second), one ``crmbot serve`` worker on a fresh database
(50 linked reps, one customer each, as ``benchmarks.webhook`` prepares it) gets one-message
logs posted to its Telegram webhook at that steady rate for ``--seconds``, the reps taking
turns. Replies go through the outbox to the local fake Bot API, whose pace the sender keeps
to (Telegram's ~30 messages/s per bot, one per second per chat). Every second the run reads
``/healthz`` with the health token and keeps ``outbox_backlog`` and
``oldest_undelivered_seconds``; after the last message it goes on reading until the backlog
is empty (or ``--drain-limit`` seconds pass).

Printed per rate: webhook answers p50 / p99, the backlog's largest value and its value at the
end of the posting, the oldest reply's largest wait, and how long the backlog took to drain.
Below the platform's pace the backlog stays near zero; above it the backlog grows by the
difference and drains afterwards at the platform's pace, never lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.per_message import fresh_database
from benchmarks.webhook import REPS, SECRET, bodies_for, prepare
from bot.config import Settings
from bot.server import build_server
from tests.fakes.telegram_api import FakeTelegram

HEALTH_TOKEN = "bench-health-token"  # noqa: S105


async def _post_steadily(
    url: str, bodies: list[bytes], rate: float, latencies: list[float]
) -> None:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    started = time.perf_counter()
    async with ClientSession() as session:

        async def one(body: bytes) -> None:
            sent = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
            latencies.append(time.perf_counter() - sent)

        tasks = []
        for n, body in enumerate(bodies):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)


async def _health(session: ClientSession, url: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    async with session.get(url, headers=headers) as response:
        body: dict[str, Any] = await response.json()
        return body


async def run_rate(
    rate: float, seconds: float, database_url: str, drain_limit: float
) -> dict[str, Any]:
    fake = FakeTelegram(now=int(time.time()))
    await fake.start()
    settings = Settings(
        database_url=database_url,
        telegram_token=fake.token,
        telegram_webhook_secret=SECRET,
        telegram_api_url=fake.root,
        health_token=HEALTH_TOKEN,
    )
    server = await build_server(settings)
    runner = web.AppRunner(server.webapp, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await server.start_background()
    await server.warmed()  # as benchmarks.webhook: a running server, not one starting
    base = f"http://127.0.0.1:{port}"
    made = bodies_for(fake, REPS + int(rate * seconds))
    warm, bodies = made[:REPS], made[REPS:]
    latencies: list[float] = []
    samples: list[tuple[float, int, int]] = []  # (seconds since start, backlog, oldest wait)
    try:
        async with ClientSession() as probe:
            # Every rep once first (first-use costs: parser tables, statement caches), and
            # their replies delivered, so the timed part starts from an empty outbox.
            await _post_steadily(f"{base}/telegram/webhook", warm, rate, [])
            for _ in range(600):  # polling a server in another task: no event to wait on
                if not (await _health(probe, f"{base}/healthz"))["outbox_backlog"]:
                    break
                await asyncio.sleep(0.5)
            fake.reset_calls()
            started = time.perf_counter()
            posting = asyncio.create_task(
                _post_steadily(f"{base}/telegram/webhook", bodies, rate, latencies)
            )
            posted_at: float | None = None
            while True:
                await asyncio.sleep(1.0)
                health = await _health(probe, f"{base}/healthz")
                at = time.perf_counter() - started
                samples.append(
                    (at, int(health["outbox_backlog"]), int(health["oldest_undelivered_seconds"]))
                )
                if posting.done() and posted_at is None:
                    await posting
                    posted_at = at
                if posted_at is not None and (samples[-1][1] == 0 or at - posted_at > drain_limit):
                    break
    finally:
        await runner.cleanup()
        await server.close()
        await fake.close()
    assert posted_at is not None
    during = [s for s in samples if s[0] <= posted_at]
    ordered = sorted(latencies)
    return {
        "rate": rate,
        "messages": len(bodies),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "backlog_max": max(s[1] for s in samples),
        "backlog_at_end_of_posting": during[-1][1] if during else 0,
        "oldest_wait_max_s": max(s[2] for s in samples),
        "drained_after_s": round(samples[-1][0] - posted_at, 1) if samples[-1][1] == 0 else None,
        "replies_delivered": len(fake.sent()),
    }


async def _postgres_settings(url: str) -> str:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        fsync = (await connection.execute(text("SHOW fsync"))).scalar()
        synchronous = (await connection.execute(text("SHOW synchronous_commit"))).scalar()
    await engine.dispose()
    return f"fsync={fsync}, synchronous_commit={synchronous}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drain-limit", type=float, default=120.0)
    parser.add_argument("--postgres", help="a PostgreSQL URL (its public schema is emptied)")
    args = parser.parse_args()
    rates = args.rate or [20.0, 40.0]
    rows = []
    for rate in rates:
        with tempfile.TemporaryDirectory() as tmp:
            url = await fresh_database(args.postgres, Path(tmp), "sustained.db")
            await prepare(url)
            rows.append(await run_rate(rate, args.seconds, url, args.drain_limit))
    result: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "database": "postgresql" if args.postgres else "sqlite",
        "seconds": args.seconds,
        "reps": REPS,
        "rows": rows,
    }
    if args.postgres:
        result["postgres"] = await _postgres_settings(args.postgres)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
