"""What a reply costs crmbot's process to send: back to back, and at Telegram's pace.

    .venv/bin/python -m benchmarks.reply_cost [--postgres postgresql+asyncpg://…]
        [--replies 2000] [--paced 300] [--rounds 3]

The outbox holds a logged call's reply (its card with two buttons) for each of 50 chats
in turn; a built server's outbox sender delivers them to the fake Bot API, which runs in a
process of its own (``benchmarks/remote_telegram.py``: Telegram's CPU is not ours). Two
ways, each round:

* **back to back** (``--replies``): Telegram's limits lifted, the sender delivers as fast
  as it can, the records of what was sent written several at a time;
* **paced** (``--paced``): Telegram's limits (30 messages a second, one a second to a
  chat), as in production: one reply at a time, each with its own record, the process
  idle in between.

Printed: the process's CPU (user and system) per reply, each round's and the median. On a
machine shared with other work, the paced figure carries what waking up costs a process
whose caches others have used meanwhile (BENCHMARKS.md, per-message round 43).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.per_message import fresh_database
from benchmarks.remote_telegram import RemoteTelegram
from benchmarks.webhook import REPS, SECRET, prepare
from bot.adapters.base import RateLimits
from bot.config import Settings
from bot.heap import settle_after_start
from bot.outbox import enqueue
from bot.replies import Button, Choices
from bot.server import Server, build_server

UNLIMITED = RateLimits(per_second=1e9, private_interval=0.0, group_interval=0.0)
REPLY = Choices(
    "📞 Call logged · <b>Customer 07 Ltd</b>\nthey want a revised quote\n⏰ Follow-up Fri 10:00",
    (Button("Undo", "undo:1"), Button("Edit", "edit:1")),
)
FIRST_CHAT = 10_000


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def queue(server: Server, count: int) -> None:
    app = server.app
    async with app.db.transaction(platform="bench") as session:
        for n in range(count):
            chat_id = str(FIRST_CHAT + n % REPS)
            enqueue(
                session, platform="telegram", chat_id=chat_id, replies=[REPLY], now=app.clock.now()
            )


async def delivered_cpu_ms(server: Server, count: int) -> float:
    """Queue ``count`` replies and deliver them; our CPU per reply, in ms."""
    await queue(server, count)
    before = cpu_seconds()
    sent = 0
    while handled := await server.sender.deliver_due():
        sent += handled
    assert sent == count, f"{sent} of {count} replies delivered"
    return (cpu_seconds() - before) / count * 1000


async def measure(url: str, replies: int, paced: int, rounds: int) -> dict[str, list[float]]:
    api = await RemoteTelegram.start(int(time.time()))
    try:
        await prepare(url)
        settings = Settings(
            database_url=url,
            telegram_token=api.token,
            telegram_webhook_secret=SECRET,
            telegram_api_url=api.root,
        )
        server = await build_server(settings)
        unsettle = settle_after_start()  # the collector as `crmbot serve` sets it
        adapter = server.adapters["telegram"]
        paced_limits = adapter.limits
        try:
            await adapter.start()  # as the server starts it: its HTTP pool, closed by close()
            adapter.limits = UNLIMITED
            await delivered_cpu_ms(server, 200)  # statements prepared, connections open
            figures: dict[str, list[float]] = {"back to back": [], "paced": []}
            for _ in range(rounds):
                adapter.limits = UNLIMITED
                figures["back to back"].append(await delivered_cpu_ms(server, replies))
                adapter.limits = paced_limits
                figures["paced"].append(await delivered_cpu_ms(server, paced))
            return figures
        finally:
            await server.close()
            unsettle()
    finally:
        await api.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL URL whose schema may be dropped")
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--paced", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_database(args.postgres, Path(tmp), "replies.db")
        figures = await measure(url, args.replies, args.paced, args.rounds)
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    for way, values in figures.items():
        rounds = ", ".join(f"{value:.3f}" for value in values)
        print(f"{way}: {statistics.median(values):.3f} ms of CPU a reply (rounds {rounds})")


if __name__ == "__main__":
    asyncio.run(main())
