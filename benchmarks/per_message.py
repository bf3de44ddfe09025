"""Per-message cost: crmbot against a hand-written peer doing the same logical writes
(issue 20), interleaved in one run, on SQLite and (with ``--postgres URL``) PostgreSQL.

    .venv/bin/python benchmarks/per_message.py [--messages 1500] [--rounds 3]
        [--concurrency 16] [--postgres postgresql+asyncpg://…] [--only known,unknown,find]
        [--who crmbot|peer]  # one side alone, to profile it
        [--sender-process]  # on PostgreSQL, crmbot's replies sent by `crmbot send` apart
        [--fake-in-process]  # the fake Bot API in crmbot's process, as before
        [--warm-up 200]  # messages each side runs, unmeasured, before the rounds (0: none)
        [--settle 100]  # messages each run's server takes first, unmeasured (0: none)
        [--count-over 200]  # messages crmbot's server takes after, its statements counted

Each round runs, for every scenario and database, the peer (``benchmarks/peer_bot.py``)
and crmbot one after the other (the order alternates between rounds), each on a freshly
made database with the same 50 linked reps and one customer each, the same update bodies
posted by a client in its own process, 16 in flight. Scenarios:

* ``known``: "called Customer 07 Ltd, …, follow up Friday 10am" (activity, task, reply);
* ``unknown``: the same naming a customer nobody has ("create it?");
* ``find``: ``/find Customer 07``.

Each run's server first takes ``--settle`` messages of its scenario, unmeasured (crmbot's
replies to them delivered), then the measured ones: a server that has been serving, its
pool's connections open and its statements prepared on them, as in production. Without
it, a fresh server's first burst of 16 opened its connections and compiled its statements
inside the measured window (crmbot's first 20 answers took 220–320 ms against 90 after,
and they alone were its p99). Both sides keep 20 PostgreSQL connections (crmbot's
default; SQLAlchemy's own 5 made the peer open 48 in 800 messages).

crmbot's statements and pool checkouts a message (``sql_per_msg``, ``pool_checkouts_per_msg``,
``sql_per_msg_delivered``) are counted over ``--count-over`` more messages of the scenario its
server takes after the window, their replies delivered, not in the window: the counting (an
event on each statement SQLAlchemy sends, a wrapper on each one asyncpg sends) cost crmbot's
process about 4.7 % of its CPU a known log (BENCHMARKS.md, round 39), and the peer counts
nothing (issue 20). With ``--count-over 0`` they are counted in the window, as before.

Printed per scenario and database: messages/s, p99 latency and process CPU per message,
each as the median of the rounds with their range, and crmbot / peer as the ratio of the
medians. The PostgreSQL server's own CPU is not in either side's process CPU; when the
server runs on this machine it is printed apart, per message of the posting window, as
"server CPU ms/msg" (``benchmarks/server_cpu.py``; crmbot's includes the replies it delivered
meanwhile). Say in the results whether the server ran with ``fsync`` and
``synchronous_commit`` on (``SHOW`` them).

crmbot's replies go to the fake Telegram Bot API (``tests/fakes/telegram_api.py``), which by
default runs in a child process of its own (``benchmarks/remote_telegram.py``), like the
client: the real Telegram is remote, so the CPU the platform spends answering crmbot's
``sendMessage`` calls is not crmbot's, and must neither be counted in its CPU per message
nor compete with it for its event loop. crmbot's process pays only the client side of each
reply, as in production. ``--fake-in-process`` runs the fake in the benchmark's process and
event loop instead, as earlier versions did, so a before / after can be measured in one run.
``replies_sent_by_then`` is how many replies the fake had answered when the client finished
posting (the outbox keeps to Telegram's rate, so replies trail the webhook answers). The
peer sends no replies, as the issue defines it; with ``--peer-sends`` it sends them too, to
the same fake, at the same overall pace (``PeerSender`` in ``benchmarks/peer_bot.py``),
from its settling messages to the end of the posting window, and its row says how many went
out in the window. Its CPU then holds its sends in the window, as crmbot's does.

"process busy" is the share of one core each side's process used in the window (its CPU a
message times its messages a second). On the 2-core machine of BENCHMARKS.md it is about
1.0 for both sides while the machine is a quarter idle: each side is bound by its own one
process, so the ratio of messages a second is about the inverse ratio of process CPU a
message, and work moved to the database server costs latency, not throughput.

So crmbot's "CPU ms/msg" (the posting window) holds however many replies went out in it —
more in a slower run, which makes slow runs look dearer still. The last column waits
(``DRAIN_TIMEOUT`` at most) until every message's reply has been sent and divides the CPU
to that point by the messages: the whole cost of a message, reply included, the same in
every run. For the peer, whose reply is its outbox row, the two columns are the same.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.peer_bot import PeerBot, PeerSender
from benchmarks.remote_telegram import RemoteTelegram
from benchmarks.server_cpu import ServerCpu, with_server_cpu
from benchmarks.webhook import (
    DRAIN_SETTLE,
    REPS,
    SECRET,
    BotApi,
    InProcessTelegram,
    crmbot_run,
    post_from_process,
    prepare,
    summary,
    wait_for_replies,
)
from tests.fakes.telegram_api import FakeTelegram, user

FIRST_CHAT = 10_000
DRAIN_TIMEOUT = 120.0
"""How long a crmbot run waits after the last post for its replies to be delivered."""
SCENARIOS: dict[str, Callable[[int], str]] = {
    "known": lambda n: (
        f"called Customer {n % REPS:02d} Ltd, they want a revised quote #{n}, follow up Friday 10am"
    ),
    "unknown": lambda n: f"called Nobody Trading {n}, asked for a brochure",
    "find": lambda n: f"/find Customer {n % REPS:02d}",
}


def bodies(fake: FakeTelegram, scenario: str, count: int) -> list[bytes]:
    made = []
    for n in range(count):
        sender = user(FIRST_CHAT + n % REPS, first_name=f"Rep{n % REPS}")
        made.append(json.dumps(fake.text_update(sender, SCENARIOS[scenario](n))).encode())
    return made


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def fresh_database(postgres: str | None, folder: Path, name: str) -> str:
    """A run's database URL: ``postgres`` with its schema emptied, or else a new SQLite
    file ``name`` in ``folder``."""
    if postgres:
        await reset_postgres(postgres)
        return postgres
    return f"sqlite+aiosqlite:///{folder / name}"


async def postgres_durability(url: str) -> str:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        fsync = (await connection.execute(text("SHOW fsync"))).scalar()
        commit = (await connection.execute(text("SHOW synchronous_commit"))).scalar()
    await engine.dispose()
    return f"fsync={fsync}, synchronous_commit={commit}"


async def peer_run(
    database_url: str,
    payloads: list[bytes],
    concurrency: int,
    workdir: Path,
    settle: list[bytes] | None = None,
    sends_to: BotApi | None = None,
) -> dict[str, Any]:
    """``sends_to``: the peer also sends its replies there (``--peer-sends``), from the
    start of the settling messages (whose replies are all sent before the measured ones are
    posted, as in crmbot's run) to the end of the measured ones."""
    peer = PeerBot(database_url, SECRET)
    await peer.create_schema()
    await peer.seed(REPS, FIRST_CHAT)
    runner = web.AppRunner(peer.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/telegram/webhook"
    stop = asyncio.Event()
    sending: asyncio.Task[None] | None = None
    bot: Bot | None = None
    replies: int | None = None
    try:
        if sends_to is not None:
            bot = Bot(token=sends_to.token, base_url=f"{sends_to.root}/bot")
            await bot.initialize()
            sending = asyncio.create_task(PeerSender(peer, bot).run(stop), name="peer sender")
            await sends_to.reset_calls()
        if settle:
            await post_from_process(url, settle, concurrency, workdir=workdir)
            if sends_to is not None:  # as crmbot's run: the window starts with none queued
                await wait_for_replies(sends_to, len(settle), DRAIN_SETTLE)
        if sends_to is not None:
            await sends_to.reset_calls()
        server = await ServerCpu.start(database_url)  # None on SQLite
        cpu = time.process_time()
        seconds, latencies = await post_from_process(url, payloads, concurrency, workdir=workdir)
        cpu = time.process_time() - cpu
        server_seconds = await server.seconds_since() if server else None
        if sends_to is not None:
            replies = await sends_to.replies()
    finally:
        stop.set()
        if sending is not None:
            await sending
        if bot is not None:
            await bot.shutdown()
        await runner.cleanup()
        await peer.close()
    row = summary("peer", seconds, latencies)
    row["process_cpu_ms_per_msg"] = round(cpu / len(latencies) * 1000, 2)
    if replies is not None:
        row["replies_sent_by_then"] = replies
    with_server_cpu(row, server_seconds, len(latencies))
    return row


async def crmbot_once(
    database_url: str,
    payloads: list[bytes],
    concurrency: int,
    workdir: Path,
    api: BotApi,
    settle: list[bytes] | None = None,
    sending_worker: bool = False,
    count_over: list[bytes] | None = None,
) -> dict[str, Any]:
    await prepare(database_url)
    server_seconds: list[float] = []

    async def poster(url: str, bodies: list[bytes], n: int) -> tuple[float, list[float]]:
        server = await ServerCpu.start(database_url) if bodies is payloads else None
        posted = await post_from_process(url, bodies, n, workdir=workdir)
        spent = await server.seconds_since() if server else None
        if spent is not None:
            server_seconds.append(spent)
        return posted

    row = await crmbot_run(
        payloads,
        concurrency,
        database_url,
        api,
        poster,
        name="crmbot",
        drain_timeout=DRAIN_TIMEOUT,
        settle=settle,
        sending_worker_log=workdir / "crmbot-send.log" if sending_worker else None,
        count_over=count_over,
    )
    with_server_cpu(row, server_seconds[0] if server_seconds else None, len(payloads))
    return row


def busy(row: dict[str, Any]) -> float:
    """The share of one core the side's process was busy in the window: its CPU a message
    times its messages a second. Near 1.0, the process is the bottleneck (one Python
    process runs on one core), and its messages a second are about 1 / its CPU a message,
    whatever the server and the rest of the machine could still do."""
    return round(float(row["process_cpu_ms_per_msg"]) * float(row["per_second"]) / 1000, 2)


def median_range(rows: list[dict[str, Any]], key: str) -> tuple[float, float, float]:
    values = [float(r[key]) for r in rows]
    return statistics.median(values), min(values), max(values)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose schema may be dropped")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="PostgreSQL only (with --postgres)"
    )
    parser.add_argument(
        "--who",
        choices=("both", "crmbot", "peer"),
        default="both",
        help="run one side only (for profiling it alone); no ratio is printed",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=200,
        help="messages each side runs once per database before the rounds, not measured",
    )
    parser.add_argument(
        "--settle",
        type=int,
        default=100,
        help="messages each run's server takes first, unmeasured (crmbot: their replies "
        "delivered), so that a serving server is measured, not a cold one (0: none)",
    )
    parser.add_argument(
        "--count-over",
        type=int,
        default=200,
        help="messages crmbot's server takes after the window, over which its statements a "
        "message are counted, so that counting costs the window nothing (0: in the window)",
    )
    parser.add_argument(
        "--peer-sends",
        action="store_true",
        help="the peer also sends its replies at Telegram's pace (benchmarks/peer_bot.py's "
        "PeerSender), as crmbot does; by default it only writes them to its outbox",
    )
    parser.add_argument(
        "--sender-process",
        action="store_true",
        help="on PostgreSQL, crmbot's replies are sent by `crmbot send` in a process of its "
        "own beside `crmbot serve --no-send`; its CPU is printed apart",
    )
    parser.add_argument(
        "--fake-in-process",
        action="store_true",
        help="run the fake Bot API in crmbot's process and loop (its CPU then counts as crmbot's)",
    )
    args = parser.parse_args()
    scenarios = [s for s in args.only.split(",") if s]
    now = int(time.time())
    fake = FakeTelegram(now=now)  # builds the update bodies; started only if in process
    api: BotApi
    if args.fake_in_process:
        await fake.start()
        api = InProcessTelegram(fake)
    else:
        api = await RemoteTelegram.start(now)
    results: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    durability = ""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            databases = ([] if args.skip_sqlite else ["sqlite"]) + (
                ["postgresql"] if args.postgres else []
            )
            if args.postgres:
                durability = await postgres_durability(args.postgres)
            sides = [w for w in ("peer", "crmbot") if args.who in ("both", w)]

            async def run(
                who: str, database: str, label: str, scenario: str, payloads: list[bytes]
            ) -> Any:
                if database == "sqlite":
                    url = f"sqlite+aiosqlite:///{workdir / f'{who}-{label}.db'}"
                else:
                    url = args.postgres
                    await reset_postgres(url)
                settle = bodies(fake, scenario, args.settle) if args.settle else None
                if who == "peer":
                    sends_to = api if args.peer_sends else None
                    return await peer_run(
                        url, payloads, args.concurrency, workdir, settle, sends_to
                    )
                return await crmbot_once(
                    url,
                    payloads,
                    args.concurrency,
                    workdir,
                    api,
                    settle,
                    sending_worker=args.sender_process and database == "postgresql",
                    count_over=bodies(fake, scenario, args.count_over) if args.count_over else None,
                )

            # The first run in a process pays one-time costs (imports on first use, the
            # statement caches, the allocator): measured, it made the first side's figure
            # swing by up to 2x. Each side runs once per database before the rounds.
            if args.warm_up:
                for database in databases:
                    for who in sides:
                        warm = bodies(fake, scenarios[0], args.warm_up)
                        row = await run(who, database, "warm-up", scenarios[0], warm)
                        print(json.dumps({"warm_up": True, "db": database, **row}))
            for round_number in range(args.rounds):
                for database in databases:
                    for scenario in scenarios:
                        payloads = bodies(fake, scenario, args.messages)
                        order = sides if round_number % 2 == 0 else sides[::-1]
                        for who in order:
                            row = await run(
                                who, database, f"{round_number}-{scenario}", scenario, payloads
                            )
                            row["process_busy"] = busy(row)
                            results.setdefault((database, scenario, who), []).append(row)
                            print(
                                json.dumps(
                                    {
                                        "round": round_number,
                                        "db": database,
                                        "scenario": scenario,
                                        **row,
                                    }
                                )
                            )
    finally:
        if isinstance(api, RemoteTelegram):
            await api.close()
        else:
            await fake.close()
    where = "crmbot's process" if args.fake_in_process else "a child process"
    print(f"\nfake Bot API in {where}")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    if durability:
        print(f"PostgreSQL: {durability}")
    sends = "sends its replies too (--peer-sends)" if args.peer_sends else "sends no replies"
    print(f"the peer {sends}")
    if args.sender_process:
        print("crmbot's replies on PostgreSQL sent by `crmbot send` in its own process")
    header = (
        "| db | scenario | who | msg/s median [range] | p99 ms median [range] | CPU ms/msg "
        "| CPU ms/msg, replies delivered | server CPU ms/msg | process busy "
        "| sending worker CPU ms/msg [replies delivered] |"
    )
    print(header)
    print("|" + "---|" * 10)
    for (database, scenario, who), rows in sorted(results.items()):
        rate, low, high = median_range(rows, "per_second")
        p99, p99_low, p99_high = median_range(rows, "p99_ms")
        cpu, _, _ = median_range(rows, "process_cpu_ms_per_msg")
        key = "cpu_ms_per_msg_delivered" if who == "crmbot" else "process_cpu_ms_per_msg"
        whole, _, _ = median_range(rows, key)
        served = [r for r in rows if "server_cpu_ms_per_msg" in r]
        server = f"{median_range(served, 'server_cpu_ms_per_msg')[0]:.2f}" if served else "–"
        loaded, _, _ = median_range(rows, "process_busy")
        apart = [r for r in rows if "sender_cpu_ms_per_msg" in r]
        sender = (
            f"{median_range(apart, 'sender_cpu_ms_per_msg')[0]:.2f} "
            f"[{median_range(apart, 'sender_cpu_ms_per_msg_delivered')[0]:.2f}]"
            if apart
            else "–"
        )
        print(
            f"| {database} | {scenario} | {who} | {rate:.0f} [{low:.0f}–{high:.0f}] | "
            f"{p99:.0f} [{p99_low:.0f}–{p99_high:.0f}] | {cpu:.2f} | {whole:.2f} | {server} "
            f"| {loaded:.2f} | {sender} |"
        )
    for database in sorted({k[0] for k in results}):
        for scenario in scenarios:
            crm = results.get((database, scenario, "crmbot"))
            peer = results.get((database, scenario, "peer"))
            if crm and peer:
                ratio = median_range(crm, "per_second")[0] / median_range(peer, "per_second")[0]
                print(f"ratio crmbot / peer, {database}, {scenario}: {ratio:.2f}")
                print(f"  round by round, {database}, {scenario}: {by_round(crm, peer)}")


def by_round(crm: list[dict[str, Any]], peer: list[dict[str, Any]]) -> str:
    """Each round's own ratio and their median. A round's two runs follow one another, so
    on a machine whose host slows it by half for seconds at a time (BENCHMARKS.md, round
    42) they are more often slowed alike than runs of different rounds."""
    ratios = [
        float(c["per_second"]) / float(p["per_second"]) for c, p in zip(crm, peer, strict=True)
    ]
    listed = ", ".join(f"{r:.2f}" for r in ratios)
    return f"{listed} (median {statistics.median(ratios):.2f})"


if __name__ == "__main__":
    asyncio.run(main())
