"""Does a slow job make other people wait? ``/me`` latency while cards are read and charts drawn.

    .venv/bin/python -m benchmarks.slow_work                  # 4 cards + 2 charts, SQLite
    .venv/bin/python -m benchmarks.slow_work --cards 4 --charts 2 --probes 200

The demo workspace in a throwaway SQLite file, the real engine (as every platform drives it),
real business-card reading (rapidocr) and real charts. Four reps send a card photo and two
managers ask for ``/pipeline`` at the same moment; meanwhile another user sends ``/me`` again
and again, one at a time, until the slow work is done, and every ``/me``'s time from send to
answer is recorded. The bar (issue 19): p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.memory.chat import LocalChat
from bot.app import open_app
from bot.cardscan.scanner import preload_models
from bot.clock import SystemClock
from bot.config import Settings
from bot.events import Attachment
from store import demo
from store.users import find_user, link_identity
from tests import cardset

PLATFORM = "memory"


async def run(cards: int, charts: int, processes: int, directory: Path) -> dict[str, float]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'slow.db'}",
        slow_work_processes=processes,
    )
    clock = SystemClock()
    app = await open_app(settings, clock)
    try:
        await demo.load(app.db, clock)
        names = ("admin", "wang", "li", "zhang", "tom")
        async with app.db.transaction() as session:
            for name in names:
                user = await find_user(session, name)
                assert user is not None
                await link_identity(
                    session, user, platform=PLATFORM, external_id=f"m-{name}", now=clock.now()
                )
        chats = {
            n: LocalChat(app.engine, clock, platform=PLATFORM, external_id=f"m-{n}") for n in names
        }
        photos = [cardset.make_card(i).jpeg for i in range(cards)]
        app.engine.warm_up()
        await app.engine.parts.workers.warm_up(preload_models)  # as `crmbot serve` does
        await chats["admin"].send("/me")  # first-use costs out of the way
        senders = ["li", "zhang", "tom", "wang"]
        slow: list[asyncio.Task[object]] = []
        for i, photo in enumerate(photos):
            chat = chats[senders[i % len(senders)]]
            event = chat.event(attachments=(Attachment("image", photo, "card.jpg", "image/jpeg"),))
            slow.append(asyncio.create_task(chat.deliver(event)))
        for i in range(charts):
            slow.append(asyncio.create_task(chats[("wang", "li")[i % 2]].send("/pipeline")))
        started = time.perf_counter()
        waits: list[float] = []
        while not all(task.done() for task in slow):
            sent = time.perf_counter()
            await chats["admin"].send("/me")
            waits.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.005)
        total = time.perf_counter() - started
        await asyncio.gather(*slow)
    finally:
        await app.close()
    waits.sort()
    return {
        "probes": len(waits),
        "p50": statistics.median(waits),
        "p99": waits[min(len(waits) - 1, int(len(waits) * 0.99))],
        "max": waits[-1],
        "slow_seconds": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=4)
    parser.add_argument("--charts", type=int, default=2)
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes (0: a thread, as before)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(run(args.cards, args.charts, args.processes, Path(tmp)))
    print(
        f"{datetime.now(UTC):%Y-%m-%d} /me while {args.cards} cards are read and "
        f"{args.charts} charts drawn, {args.processes} worker processes: "
        f"{figures['probes']:.0f} probes, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, max {figures['max']:.1f} ms "
        f"(slow work done in {figures['slow_seconds']:.1f} s)"
    )


if __name__ == "__main__":
    main()
