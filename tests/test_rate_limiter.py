"""The outbox's pacing: a platform's overall rate kept in slots that wake several senders
together, never more than the rate in any one second, each chat's gap kept (issue 20).

The senders run as they do in the outbox sender, one coroutine a chat, on a timeline: a
sleep waits until the test moves the frozen clock to its end, earliest first, so that
many sleepers are simulated as they would run, with no real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from bot.adapters.base import RateLimits
from bot.clock import FrozenClock
from bot.delivery.limits import RateLimiter
from tests.clocks import FROZEN_AT

TELEGRAM = RateLimits(per_second=30, private_interval=1.0, group_interval=3.0)


class Timeline:
    """Sleeps that end when the frozen clock reaches them; :meth:`run` moves the clock to
    the next one due once every runnable sender has had its turn."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self._due: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self.clock.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._due, (self.now() + seconds, next(self._order), woken))
        await woken

    async def run(self, senders: list[Awaitable[None]]) -> None:
        tasks = [asyncio.ensure_future(sender) for sender in senders]
        while not all(task.done() for task in tasks):
            for _ in range(3):  # let every woken sender reach its next sleep, or finish
                await asyncio.sleep(0)
            if not self._due:
                continue
            at = self._due[0][0]
            self.clock.set(datetime.fromtimestamp(at, UTC))
            while self._due and self._due[0][0] <= at:
                heapq.heappop(self._due)[2].set_result(None)
        for task in tasks:
            task.result()


def start() -> tuple[FrozenClock, Timeline, RateLimiter]:
    clock = FrozenClock(FROZEN_AT)
    timeline = Timeline(clock)
    return clock, timeline, RateLimiter(clock, timeline.sleep)


def seconds_since(at: datetime) -> float:
    return (at - FROZEN_AT).total_seconds()


async def send_all(
    arrivals: list[tuple[float, str]], limits: RateLimits = TELEGRAM
) -> list[tuple[float, float, str]]:
    """Each (arrival, chat) paced as the sender paces it: (arrival, sent, chat)."""
    clock, timeline, limiter = start()
    sent: list[tuple[float, float, str]] = []

    async def one(arrival: float, chat: str) -> None:
        await timeline.sleep(arrival)
        await limiter.wait("telegram", chat, limits, private=True)
        sent.append((arrival, seconds_since(clock.now()), chat))

    await timeline.run([one(arrival, chat) for arrival, chat in arrivals])
    return sorted(sent, key=lambda s: s[1])


def busiest_second(times: list[float]) -> int:
    """The most messages in any one-second window [t, t + 1)."""
    times = sorted(times)
    return max(sum(1 for other in times[i:] if other < t + 1.0 - 1e-9) for i, t in enumerate(times))


async def test_a_burst_goes_out_three_at_a_time_at_telegrams_rate() -> None:
    sent = await send_all([(0.0, f"chat-{n}") for n in range(90)])
    instants = sorted({round(at, 4) for _, at, _ in sent})
    assert instants == [round(0.1 * k, 4) for k in range(30)]  # 0.0, 0.1, … 2.9
    for instant in instants:
        assert sum(1 for _, at, _ in sent if round(at, 4) == instant) == 3
    assert busiest_second([at for _, at, _ in sent]) == 30


async def test_no_second_holds_more_than_the_rate_whenever_messages_come() -> None:
    """Bursts, lulls and a steady trickle to 40 chats: every send waits for its arrival and
    its chat's gap, no second holds more than 30, and senders share their wake-ups."""
    rng = random.Random(20261207)
    arrivals: list[tuple[float, str]] = []
    for burst_at in (0.0, 4.0, 4.05, 9.5):
        arrivals += [
            (burst_at + rng.random() * 0.02, f"chat-{rng.randrange(40)}") for _ in range(45)
        ]
    t = 1.0
    while t < 12.0:  # a trickle that joins slots already opened, between and after bursts
        arrivals.append((t, f"chat-{rng.randrange(40)}"))
        t += rng.uniform(0.005, 0.08)
    sent = await send_all(arrivals)

    assert len(sent) == len(arrivals)
    assert all(at >= arrival - 1e-6 for arrival, at, _ in sent)
    assert busiest_second([at for _, at, _ in sent]) <= 30
    by_chat: dict[str, list[float]] = {}
    for _, at, chat in sent:
        by_chat.setdefault(chat, []).append(at)
    for times in by_chat.values():
        assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(times))
    wake_ups = len({round(at, 4) for _, at, _ in sent})
    assert wake_ups <= 0.6 * len(sent), "senders of one slot should wake together"


async def test_a_slow_platform_is_paced_one_message_at_a_time() -> None:
    """Five a second is a slot every 0.2 s holding one message, as before the slots."""
    slow = RateLimits(per_second=5, private_interval=0.0, group_interval=0.0)
    sent = await send_all([(0.0, f"chat-{n}") for n in range(12)], slow)
    times = [at for _, at, _ in sent]
    assert all(b - a >= 0.2 - 1e-6 for a, b in itertools.pairwise(times))
    assert times[-1] <= 11 * 0.2 + 1e-6


async def test_a_pause_for_the_whole_platform_holds_every_slot() -> None:
    """A 429 for the bot (``retry_after``) holds back the senders already given a slot."""
    clock, timeline, limiter = start()
    sent: list[float] = []

    async def one(chat: str) -> None:
        await limiter.wait("telegram", chat, TELEGRAM, private=True)
        sent.append(seconds_since(clock.now()))

    async def pause_after_first() -> None:
        await timeline.sleep(0.05)
        limiter.pause_platform("telegram", 5.0)

    await timeline.run([pause_after_first(), *(one(f"chat-{n}") for n in range(9))])
    assert sorted(sent)[:3] == [0.0, 0.0, 0.0]
    assert all(at >= 5.05 - 1e-6 for at in sorted(sent)[3:])
    assert busiest_second(sent) <= 30
    assert clock.now() >= FROZEN_AT + timedelta(seconds=5.05)
