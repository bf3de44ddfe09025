"""Reminder benchmark: N reminders falling due at once, pushed through the outbox to a local
fake platform API that enforces a rate ceiling.

    .venv/bin/python -m benchmarks.reminders                                  # SQLite, 1 worker
    .venv/bin/python -m benchmarks.reminders --database-url postgresql://... --workers 2
    .venv/bin/python -m benchmarks.reminders --count 2000 --rate 300 --markdown

What runs, each in its own process (as in production):

* a fake platform API (aiohttp on 127.0.0.1): ``POST /send`` accepts at most ``--rate``
  messages per second (a token bucket holding ``--burst`` tokens) and answers the excess
  with 429 and ``retry_after`` (whole seconds, as Telegram does); it records every accepted
  message so lost and duplicated pushes can be counted;
* ``--workers`` crmbot workers, each with its own database engine, the real reminder
  scheduler (:class:`scheduler.runner.ReminderScheduler`, APScheduler, ticking every second)
  and the real outbox sender (:class:`bot.delivery.sender.OutboxSender`) talking to the fake
  through a tiny :class:`HttpPlatform`. Each worker paces itself at ``rate / workers``
  (``RateLimits.per_second``): the outbox sender's limiter is per process.

``N`` users each get a linked account and one task due at the start instant ("10,000
reminders falling due at once"); the clock is the real one. Reported: the total time from
the instant they fell due to the fake's last accepted message, against the ceiling's minimum
``N / rate`` (target: within 10 %), messages refused with 429, and lost / duplicated pushes
(both must be 0). A PostgreSQL database given by URL is wiped (``DROP SCHEMA public
CASCADE``) first: point it at a throwaway cluster only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import platform as platform_module
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python benchmarks/reminders.py`
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import func, insert, select, text, update  # noqa: E402

from bot.adapters.base import DeliveryError, RateLimits  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.delivery.sender import OutboxSender, SenderPolicy  # noqa: E402
from bot.replies import Reply, reply_text  # noqa: E402
from handlers.reminders.config import ReminderConfig  # noqa: E402
from locales.catalog import Translator  # noqa: E402
from scheduler.runner import ReminderScheduler  # noqa: E402
from scheduler.service import ReminderService  # noqa: E402
from store import migrate  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import (  # noqa: E402
    ChatIdentity,
    OutboxMessage,
    Reminder,
    ReminderPreference,
    Task,
    User,
)

PLATFORM = "telegram"


# --- the fake platform API ------------------------------------------------------------------


@dataclass
class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    rate: float
    burst: float
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> float:
        """0 if a message may pass now, else the seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def fake_api_main(port_queue: Any, rate: float, burst: float) -> None:
    """Process entry: serve the fake API on a free port of 127.0.0.1 and report the port."""
    bucket = Bucket(rate, burst)
    accepted: Counter[str] = Counter()
    stats = {"refused": 0, "first": 0.0, "last": 0.0}

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        wait = bucket.take()
        if wait > 0:
            stats["refused"] += 1
            retry = max(1, math.ceil(wait))
            return web.json_response(
                {"ok": False, "error_code": 429, "parameters": {"retry_after": retry}},
                status=429,
            )
        now = time.time()
        stats["first"] = stats["first"] or now
        stats["last"] = now
        accepted[f"{body['chat_id']}|{body['text']}"] += 1
        return web.json_response({"ok": True, "message_id": sum(accepted.values())})

    async def report(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "accepted": sum(accepted.values()),
                "unique": len(accepted),
                "duplicates": sum(n - 1 for n in accepted.values() if n > 1),
                **stats,
            }
        )

    async def main() -> None:
        app = web.Application()
        app.add_routes([web.post("/send", send), web.get("/stats", report)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        port_queue.put(sock.getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


class HttpPlatform:
    """The smallest Platform that POSTs to the fake API (stands in for the Telegram adapter)."""

    name = PLATFORM

    def __init__(self, base_url: str, limits: RateLimits) -> None:
        self.base_url = base_url
        self.limits = limits
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=64)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=10)
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        assert self._session is not None
        payload = {"chat_id": chat_id, "text": reply_text(reply)}
        async with self._session.post(f"{self.base_url}/send", json=payload) as response:
            body = await response.json()
            if response.status == 429:
                retry = float(body.get("parameters", {}).get("retry_after", 1))
                raise DeliveryError("429 Too Many Requests", retry_after=retry)
            if response.status >= 500:
                raise DeliveryError(f"HTTP {response.status}")
            if response.status >= 400:
                raise DeliveryError(f"HTTP {response.status}", permanent=True)
            return [str(body["message_id"])]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        return None


# --- workers --------------------------------------------------------------------------------


def worker_main(
    url: str,
    api: str,
    per_second: float,
    batch: int,
    go: Any,
    stop: Any,
    done: Any,
    profile: str | None = None,
    lease: float = 120.0,
) -> None:
    """Process entry: one crmbot worker (reminder scheduler + outbox sender) until told to stop."""

    async def main() -> None:
        clock = SystemClock()
        settings = Settings(database_url=url)
        db = Database(settings.database_url, clock)
        platform = HttpPlatform(
            api, RateLimits(per_second=per_second, private_interval=1.0, group_interval=3.0)
        )
        await platform.start()
        sender = OutboxSender(
            db, clock, {PLATFORM: platform}, policy=SenderPolicy(lease=timedelta(seconds=lease))
        )
        service = ReminderService(
            db,
            clock,
            settings,
            Translator.load(),
            ReminderConfig(tick_seconds=1.0, batch=batch),
            platforms=(PLATFORM,),
            on_outbox=sender.wake,
        )
        runner = ReminderScheduler(service)
        halt = asyncio.Event()
        done.put("ready")
        await _until(go)
        cpu_at_go = time.process_time()
        sending = asyncio.create_task(sender.run(halt))
        runner.start()
        await _until(stop)
        cpu = time.process_time() - cpu_at_go
        await runner.shutdown()
        halt.set()
        await sending
        await platform.close()
        await db.dispose()
        done.put(round(cpu, 2))

    if profile is None:
        asyncio.run(main())
        return
    import cProfile

    with cProfile.Profile() as profiler:
        asyncio.run(main())
    profiler.dump_stats(profile)


async def _until(flag: Any) -> None:
    """Wait for a shared flag (a lock-free ``RawValue``) set by the coordinator.

    Not ``multiprocessing.Event``: its ``set()`` waits for every sleeper to acknowledge, and a
    worker killed on purpose never does, so the coordinator would hang.
    """
    while not flag.value:  # noqa: ASYNC110 - polling a value shared across processes
        await asyncio.sleep(0.01)


# --- the run --------------------------------------------------------------------------------


async def prepare(url: str, count: int, due: datetime) -> None:
    """Wipe and migrate the database; ``count`` users with an account and a task due at ``due``."""
    db = Database(url, SystemClock())
    try:
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(db)
        created = due - timedelta(seconds=5)
        async with db.engine.begin() as conn:
            for start in range(0, count, 2000):
                ids = range(start + 1, min(start + 2000, count) + 1)
                await conn.execute(
                    insert(User),
                    [
                        {
                            "id": i,
                            "name": f"rep{i}",
                            "display_name": f"Rep {i}",
                            "role": "rep",
                            "lang": "en",
                            "tz": "Asia/Shanghai",
                            "active": True,
                            "created_at": created,
                        }
                        for i in ids
                    ],
                )
                await conn.execute(
                    insert(ChatIdentity),
                    [
                        {
                            "platform": PLATFORM,
                            "external_id": f"chat{i}",
                            "user_id": i,
                            "display_name": f"Rep {i}",
                            "linked_at": created,
                        }
                        for i in ids
                    ],
                )
                await conn.execute(
                    insert(ReminderPreference),  # the digest is not what is measured
                    [{"user_id": i, "digest_enabled": False, "updated_at": created} for i in ids],
                )
                await conn.execute(
                    insert(Task),
                    [
                        {
                            "owner_id": i,
                            "title": f"Call customer #{i}",
                            "due_at": due,
                            "created_at": created,
                        }
                        for i in ids
                    ],
                )
            if not db.is_sqlite:
                await conn.execute(
                    text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
                )
    finally:
        await db.dispose()


async def database_counts(url: str) -> dict[str, Any]:
    db = Database(url, SystemClock())
    try:
        async with db.transaction() as session:
            reminders = dict(
                (
                    await session.execute(
                        select(Reminder.state, func.count()).group_by(Reminder.state)
                    )
                ).all()
            )
            outbox = dict(
                (
                    await session.execute(
                        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
                    )
                ).all()
            )
        return {"reminders": reminders, "outbox": outbox}
    finally:
        await db.dispose()


async def poll_stats(api: str, count: int, deadline: float) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(f"{api}/stats") as response:
                stats: dict[str, Any] = await response.json()
            if stats["unique"] >= count or time.time() > deadline:
                return stats
            await asyncio.sleep(0.2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    spawn = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="crmbot-bench-") as tmp:
        url = Settings(
            database_url=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        ).database_url
        if url.startswith("sqlite") and args.workers != 1:
            raise SystemExit("SQLite runs one worker; use --database-url postgresql://… for more")
        ports = spawn.Queue()
        fake = spawn.Process(target=fake_api_main, args=(ports, args.rate, args.burst), daemon=True)
        fake.start()
        api = f"http://127.0.0.1:{ports.get(timeout=30)}"
        due = datetime.now(UTC) + timedelta(seconds=60)
        asyncio.run(prepare(url, args.count, due))
        go, stop, done = spawn.RawValue("b", 0), spawn.RawValue("b", 0), spawn.Queue()
        procs = [
            spawn.Process(
                target=worker_main,
                args=(
                    url,
                    api,
                    args.rate / args.workers,
                    args.batch,
                    go,
                    stop,
                    done,
                    f"{args.profile}.{n}" if args.profile else None,
                    args.lease,
                ),
            )
            for n in range(args.workers)
        ]
        for proc in procs:
            proc.start()
        for _ in procs:
            done.get(timeout=120)
        # Everything is ready: let the reminders fall due now and the workers start.
        started = time.time()
        asyncio.run(_shift_due(url, datetime.fromtimestamp(started, UTC)))
        go.value = 1
        killer = None
        if args.kill_after is not None:
            # SIGKILL, mid-way: no shutdown, no rollback but the database's own.
            killer = threading.Timer(args.kill_after, procs[-1].kill)
            killer.start()
        floor = args.count / args.rate
        stats = asyncio.run(poll_stats(api, args.count, started + floor * 3 + 60 + args.lease))
        stop.value = 1
        survivors = procs[:-1] if killer is not None else procs
        cpu = [done.get(timeout=60) for _ in survivors]
        for proc in procs:
            proc.join(timeout=30)
        counts = asyncio.run(database_counts(url))
        fake.terminate()
    total = stats["last"] - started
    return {
        "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
        "workers": args.workers,
        "count": args.count,
        "rate": args.rate,
        "burst": args.burst,
        "batch": args.batch,
        "killed_after_s": args.kill_after,
        "lease_s": args.lease,
        "floor_s": round(floor, 2),
        "total_s": round(total, 2),
        "ratio": round(total / floor, 3),
        "first_after_s": round(stats["first"] - started, 3),
        "refused_429": stats["refused"],
        "worker_cpu_s": cpu,
        "delivered": stats["unique"],
        "lost": args.count - stats["unique"],
        "duplicates": stats["duplicates"],
        "db": counts,
        "cpus": os.cpu_count(),
        "python": platform_module.python_version(),
    }


async def _shift_due(url: str, due: datetime) -> None:
    """Move every task's due time (and the users' creation) to ``due``: they fall due now."""
    db = Database(url, SystemClock())
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                update(Task).values(due_at=due, created_at=due - timedelta(seconds=1))
            )
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders due at once")
    parser.add_argument("--rate", type=float, default=300.0, help="the fake API's ceiling, msg/s")
    parser.add_argument("--burst", type=float, default=30.0, help="tokens the fake saves up")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200, help="reminders claimed per commit")
    parser.add_argument("--database-url", help="postgresql://… (wiped!); default: SQLite temp")
    parser.add_argument(
        "--kill-after",
        type=float,
        metavar="SECONDS",
        help="SIGKILL the last worker this long after the reminders fell due",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=120.0,
        help="the outbox sender's lease (s): how long a dead worker's claim blocks its rows",
    )
    parser.add_argument("--markdown", action="store_true", help="one Markdown table row")
    parser.add_argument("--profile", metavar="PATH", help="cProfile each worker to PATH.<n>")
    args = parser.parse_args(argv)
    result = run(args)
    if args.markdown:
        print(
            f"| {result['database']} | {result['workers']} | {result['count']:,} "
            f"| {result['rate']:g}/s | {result['floor_s']} s | {result['total_s']} s "
            f"| {result['ratio']:.3f} | {result['refused_429']} | {result['lost']} "
            f"| {result['duplicates']} |"
        )
    else:
        print(json.dumps(result, indent=2))
    ok = result["lost"] == 0 and result["duplicates"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
