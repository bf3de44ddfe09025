"""Engine throughput through the real Telegram webhook, beside a bare aiohttp baseline.

    .venv/bin/python benchmarks/webhook.py [--messages 2000] [--concurrency 16] [--client-process]

Posts "log a call" Telegram updates (each from one of 50 linked reps, each a one-message log
with a customer and a follow-up) to ``/telegram/webhook`` of one ``crmbot serve`` worker on a
fresh SQLite file, replies going through the outbox to a local fake Bot API on 127.0.0.1. In
the same run, the same client posts the same bodies to a bare aiohttp handler that only
parses the JSON and answers 200. Prints messages/s, p50 / p99 latency, and the ratio; for
crmbot also the SQL statements per message, the CPU time per message of the event-loop
thread (client, server, engine and outbox sender all share it) and of the whole process,
and how many replies had reached the fake Bot API when the last webhook was answered (the
sender keeps to Telegram's ~30 messages/s, so replies trail the webhook answers).

By default the load-generating client runs in the server's process and event loop, so its
CPU counts against the worker. ``--client-process`` runs it in a separate process instead,
as Telegram's servers would be: the worker's loop then does only the worker's own work (the
machine has two cores, one for each). Both servers are measured the same way in a run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from aiohttp import ClientSession, web
from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sending_worker import SendingWorker
from bot.clock import SystemClock
from bot.config import Settings
from bot.heap import settle_after_start
from bot.server import Duties, build_server
from store.db import Database
from store.migrate import upgrade
from store.models import Company, Role
from store.users import create_user, link_identity
from tests.fakes.telegram_api import FakeTelegram, user
from tests.sql_trace import driver_sends

SECRET = "bench_secret"  # noqa: S105
REPS = 50


async def post_all(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def worker(session: ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def post_from_process(
    url: str, bodies: list[bytes], concurrency: int, *, workdir: Path
) -> tuple[float, list[float]]:
    """``post_all`` run by a child process (see ``--client-process``)."""
    bodies_file = workdir / "bodies.json"
    bodies_file.write_text(json.dumps([b.decode() for b in bodies]))
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        url,
        "--bodies",
        str(bodies_file),
        "--concurrency",
        str(concurrency),
        stdout=subprocess.PIPE,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"client process failed ({child.returncode})")
    result = json.loads(out)
    return result["seconds"], result["latencies"]


async def client_main(url: str, bodies: list[bytes], concurrency: int) -> None:
    seconds, latencies = await post_all(url, bodies, concurrency)
    print(json.dumps({"seconds": seconds, "latencies": latencies}))


def summary(name: str, seconds: float, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "name": name,
        "messages": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    }


DRAIN_SETTLE = 60.0
"""How long a run waits at most for the replies to its settling updates."""

Poster = Callable[[str, list[bytes], int], Awaitable[tuple[float, list[float]]]]


class BotApi(Protocol):
    """The Bot API crmbot replies to: ``InProcessTelegram`` here, or a fake in a child
    process (``benchmarks/remote_telegram.py``)."""

    root: str
    token: str

    async def reset_calls(self) -> None: ...

    async def replies(self) -> int:
        """The ``sendMessage`` calls answered so far."""
        ...


class InProcessTelegram:
    """A started ``FakeTelegram`` in this process and event loop, as a ``BotApi``."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.root = fake.root
        self.token = fake.token

    async def reset_calls(self) -> None:
        self.fake.reset_calls()

    async def replies(self) -> int:
        return len(self.fake.sent())


async def bare_baseline(bodies: list[bytes], concurrency: int, poster: Poster) -> dict[str, Any]:
    async def handler(request: web.Request) -> web.Response:
        json.loads(await request.read())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/telegram/webhook", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        seconds, latencies = await poster(
            f"http://127.0.0.1:{port}/telegram/webhook", bodies, concurrency
        )
    finally:
        await runner.cleanup()
    return summary("bare aiohttp (parse JSON, 200)", seconds, latencies)


class StatementCounter:
    """The statements an engine sends (through SQLAlchemy, and by asyncpg or SQLite's
    connection by themselves) and its pool's checkouts, while :meth:`counting`. On
    PostgreSQL each checkout is one more round trip, the pool's pre-ping, not a statement."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.statements = 0
        self.checkouts = 0

    def taken(self) -> tuple[int, int]:
        return self.statements, self.checkouts

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        def sent(*_args: Any) -> None:
            self.statements += 1

        def checked_out(*_args: Any) -> None:
            self.checkouts += 1

        self.statements = self.checkouts = 0
        event.listen(self._engine, "before_cursor_execute", sent)
        event.listen(self._engine.pool, "checkout", checked_out)
        try:
            with driver_sends(sent):  # what asyncpg sends by itself, too
                yield
        finally:
            event.remove(self._engine, "before_cursor_execute", sent)
            event.remove(self._engine.pool, "checkout", checked_out)


async def crmbot_run(
    bodies: list[bytes],
    concurrency: int,
    database_url: str,
    api: BotApi,
    poster: Poster = post_all,
    name: str = "crmbot serve, SQLite, log a call",
    drain_timeout: float | None = None,
    settle: list[bytes] | None = None,
    sending_worker_log: Path | None = None,
    count_over: list[bytes] | None = None,
) -> dict[str, Any]:
    """``drain_timeout``: also wait (that long at most) until a reply per message has been
    sent, and report the CPU per message to that point (``cpu_ms_per_msg_delivered``):
    the outbox delivers at Telegram's pace, so the intake window alone holds a share of
    the replies' cost that varies with the run's length. ``settle``: updates the server
    takes first, unmeasured, their replies delivered (within ``drain_timeout``), so that
    the run measures a server that has been serving: its pool's connections open, its
    statements compiled and prepared on them. ``sending_worker_log``: leave the sending to
    ``crmbot send`` in a process of its own (PostgreSQL; its output to that file), and
    report its CPU apart (``sender_cpu_ms_per_msg``). ``count_over``: updates the server
    takes after the window, their replies delivered, over which the statements and the
    pool's checkouts a message are counted instead of in the window."""
    settings = Settings(
        database_url=database_url,
        telegram_token=api.token,
        telegram_webhook_secret=SECRET,
        telegram_api_url=api.root,
    )
    sending: SendingWorker | None = None
    if sending_worker_log is not None:
        sending = await SendingWorker.start(
            {
                "CRMBOT_DATABASE_URL": database_url,
                "CRMBOT_TELEGRAM_TOKEN": api.token,
                "CRMBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
                "CRMBOT_TELEGRAM_API_URL": api.root,
            },
            sending_worker_log,
        )
    server = await build_server(settings, duties=Duties(sends=sending is None))
    runner = web.AppRunner(server.webapp, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    webhook = f"http://127.0.0.1:{port}/telegram/webhook"
    await server.start_background()
    await server.warmed()  # a running server is measured, not one spawning its workers
    unsettle = settle_after_start()  # as `crmbot serve` does; undone after the run, for the peer
    counter = StatementCounter(server.app.db.engine.sync_engine)
    # With ``count_over`` the statements are counted over those messages, after the window:
    # counting costs the process a few per cent (an event on every statement SQLAlchemy
    # sends, a wrapper on every one asyncpg sends), which the peer, counting none, does not.
    try:
        if settle:
            await api.reset_calls()
            await poster(webhook, settle, concurrency)
            await wait_for_replies(api, len(settle), drain_timeout or DRAIN_SETTLE)
        await api.reset_calls()
        with contextlib.nullcontext() if count_over else counter.counting():
            sender_cpu = sending.cpu_seconds() if sending else 0.0
            thread_cpu, process_cpu = time.thread_time(), time.process_time()
            seconds, latencies = await poster(webhook, bodies, concurrency)
            intake_cpu = time.process_time() - process_cpu
            thread_cpu = time.thread_time() - thread_cpu
            intake_sender_cpu = (sending.cpu_seconds() - sender_cpu) if sending else 0.0
            intake_counted = counter.taken()
            replies = await api.replies()
            delivered: int | None = None
            if drain_timeout is not None:
                delivered = await wait_for_replies(api, len(bodies), drain_timeout)
            total_cpu = time.process_time() - process_cpu
            total_sender_cpu = (sending.cpu_seconds() - sender_cpu) if sending else 0.0
            delivered_counted = counter.taken()
        if count_over:
            with counter.counting():
                await api.reset_calls()
                await poster(webhook, count_over, concurrency)
                intake_counted = counter.taken()
                await wait_for_replies(api, len(count_over), drain_timeout or DRAIN_SETTLE)
                delivered_counted = counter.taken()
    finally:
        await runner.cleanup()
        await server.close()
        if sending is not None:
            await sending.stop()
        unsettle()
    row = summary(name, seconds, latencies)
    n = len(latencies)
    counted = len(count_over) if count_over else n
    row["sql_per_msg"] = round(intake_counted[0] / counted, 2)
    # through the delivery of the replies, as before (the sender checks out one a send)
    row["pool_checkouts_per_msg"] = round(delivered_counted[1] / counted, 2)
    row["statements_counted_over"] = counted
    row["loop_cpu_ms_per_msg"] = round(thread_cpu / n * 1000, 2)
    row["process_cpu_ms_per_msg"] = round(intake_cpu / n * 1000, 2)
    row["replies_sent_by_then"] = replies
    if delivered is not None:
        row["replies_delivered"] = delivered
        row["cpu_ms_per_msg_delivered"] = round(total_cpu / n * 1000, 2)
        row["sql_per_msg_delivered"] = round(delivered_counted[0] / counted, 2)
    if sending is not None:
        row["sender_cpu_ms_per_msg"] = round(intake_sender_cpu / n * 1000, 2)
        row["sender_cpu_ms_per_msg_delivered"] = round(total_sender_cpu / n * 1000, 2)
    return row


async def wait_for_replies(api: BotApi, wanted: int, seconds: float) -> int:
    """The replies sent once ``wanted`` have been, or ``seconds`` have passed."""
    sent = await api.replies()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while sent < wanted:
                await asyncio.sleep(0.1)
                sent = await api.replies()
    return sent


async def prepare(database_url: str) -> None:
    """A fresh crmbot database (migrated) with ``REPS`` linked reps, one customer each."""
    # Workers never migrate PostgreSQL themselves (`crmbot db upgrade` does, once).
    db = Database(database_url, SystemClock())
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    settings = Settings(database_url=database_url)
    server = await build_server(settings)
    now = server.app.clock.now()
    async with server.app.db.transaction(platform="bench") as session:
        for i in range(REPS):
            rep = await create_user(session, f"rep{i}", role=Role.REP, now=now, lang="en")
            await link_identity(
                session, rep, platform="telegram", external_id=str(10_000 + i), now=now
            )
            session.add(
                Company(
                    name=f"Customer {i:02d} Ltd", owner_id=rep.id, created_at=now, updated_at=now
                )
            )
    await server.app.close()


def bodies_for(fake: FakeTelegram, count: int) -> list[bytes]:
    bodies = []
    for n in range(count):
        i = n % REPS
        sender = user(10_000 + i, first_name=f"Rep{i}")
        text = f"called Customer {i:02d} Ltd, they want a revised quote #{n}, follow up Friday 10am"
        bodies.append(json.dumps(fake.text_update(sender, text)).encode())
    return bodies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--client-process", action="store_true")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # the child of --client-process
    parser.add_argument("--bodies", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        bodies = [b.encode() for b in json.loads(args.bodies.read_text())]
        await client_main(args.client, bodies, args.concurrency)
        return
    fake = FakeTelegram(now=int(time.time()))
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            await prepare(database_url)
            bodies = bodies_for(fake, args.messages)
            poster: Poster = post_all
            if args.client_process:
                poster = partial(post_from_process, workdir=workdir)
            bare = await bare_baseline(bodies, args.concurrency, poster)
            crm = await crmbot_run(
                bodies, args.concurrency, database_url, InProcessTelegram(fake), poster
            )
    finally:
        await fake.close()
    where = "separate process" if args.client_process else "same process and loop"
    print(f"machine: {platform.machine()}, {platform.python_version()}, client: {where}")
    for row in (bare, crm):
        print(json.dumps(row, ensure_ascii=False))
    print(f"ratio crmbot / bare: {crm['per_second'] / bare['per_second']:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
