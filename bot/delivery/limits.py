"""Pacing sends to each platform's limits: overall rate, a gap per chat, and counts over
longer windows (messages per chat per hour, per platform per day).

Time comes from the injected clock and waiting from an injected ``sleep``, so tests drive a
frozen clock forward instead of sleeping. A gap is slept out; a count cap is not (it can
take hours): :meth:`RateLimiter.take` says when there is room, and the sender leaves the
row in the outbox, due then.

The counts live in the sending worker's memory (one worker sends for the bot, under the
sender lease), so a restart or a lease handover starts them from zero: keep the configured
caps a little under the platform's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.adapters.base import RateLimits
from bot.clock import Clock

Sleep = Callable[[float], Awaitable[None]]
_CLOSE_ENOUGH = 1e-6
"""Float timestamps: a wait shorter than a microsecond is none (a frozen test clock could
not advance by it, and the loop would never end)."""


HOUR = 3600.0
DAY = 86_400.0


class SlidingCount:
    """Messages sent in the last ``window`` seconds, kept in ``buckets`` slices so a day's
    count is a few hundred numbers, not one per message. A message is counted until its
    whole slice has left the window: a count never lags behind the truth, it only frees
    room up to one slice late."""

    def __init__(self, window: float, buckets: int = 240) -> None:
        self.window = window
        self.slice = window / buckets
        self._counts: deque[tuple[float, int]] = deque()  # (slice start, messages)
        self.total = 0

    def _expire(self, now: float) -> None:
        while self._counts and self._counts[0][0] + self.slice + self.window <= now:
            self.total -= self._counts.popleft()[1]

    def count(self, now: float) -> int:
        self._expire(now)
        return self.total

    def add(self, now: float, messages: int) -> None:
        if messages <= 0:
            return
        start = now - now % self.slice
        if self._counts and self._counts[-1][0] == start:
            self._counts[-1] = (start, self._counts[-1][1] + messages)
        else:
            self._counts.append((start, messages))
        self.total += messages

    def room_at(self, now: float, cap: int) -> float:
        """When one more message fits under ``cap`` (``now`` if it does already)."""
        self._expire(now)
        over = self.total - cap + 1
        for start, messages in self._counts:
            if over <= 0:
                break
            over -= messages
            if over <= 0:
                return start + self.slice + self.window
        return now


TICK = 0.1
"""Seconds between the platform-wide sending slots, at the least. A slot takes as many
messages as the overall rate allows in it: Telegram's 30 a second, 3 every 0.1 s."""


@dataclass
class _Slot:
    """The platform's latest sending slot: when it opens, and how many messages it holds."""

    at: float
    taken: int


class RateLimiter:
    """Paces each platform to its overall rate and each chat to its gap.

    The overall rate is kept in slots at least :data:`TICK` apart, each holding the
    messages the rate allows in it, not in one message every ``1 / per_second``: the
    messages of a slot wake the sender together, so at Telegram's pace it wakes 10 times
    a second instead of 30, and a paced reply costs 35-45 % less CPU
    (``benchmarks/reply_cost.py``, BENCHMARKS.md "Round 44"). A message may join the
    current slot after it opened; so that no one-second window ever holds more than
    ``per_second`` messages, a message is also sent no sooner than a second after the one
    ``per_second`` places before it.
    """

    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._slot: dict[str, _Slot] = {}
        self._sent_at: dict[str, deque[float]] = {}  # the last per_second slots given
        self._chat_free: dict[tuple[str, str], float] = {}
        self._paused: dict[str, float] = {}
        self._chat_hour: dict[tuple[str, str], SlidingCount] = {}
        self._day: dict[str, SlidingCount] = {}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def wait(self, platform: str, chat_id: str, limits: RateLimits, private: bool) -> None:
        """Wait out this chat's gap, then reserve a place in the platform's next slot with
        room and sleep once until it. Each sender holds its own reservation, so a batch of
        hundreds of chats does not wake at every slot to re-check (which cost ≈ 90 wake-ups
        per message); only the senders of one slot wake together. A platform-wide pause (a
        429 for the whole bot) is re-checked after waking."""
        key = (platform, chat_id)
        while True:
            now = self._now()
            ready = max(self._chat_free.get(key, 0.0), self._paused.get(platform, 0.0))
            if ready > now + _CLOSE_ENOUGH:
                await self.sleep(ready - now)
                continue
            slot = self._reserve(platform, now, limits.per_second)
            gap = limits.private_interval if private else limits.group_interval
            self._chat_free[key] = slot + gap
            if slot > now + _CLOSE_ENOUGH:
                await self.sleep(slot - now)
            if self._paused.get(platform, 0.0) <= self._now() + _CLOSE_ENOUGH:
                break
        if len(self._chat_free) > 10_000:
            self._forget_idle(self._now())

    def _reserve(self, platform: str, now: float, per_second: float) -> float:
        """When the next message to the platform may go: in its latest slot if that has
        room and is not over, else in a new one opening now or a slot's length after the
        latest, whichever is later; and never sooner than a second after the message
        ``per_second`` places before it. The times given never decrease."""
        length = max(TICK, 1.0 / per_second)
        holds = max(1, int(per_second * length + _CLOSE_ENOUGH))
        slot = self._slot.get(platform)
        if slot is None or slot.taken >= holds or slot.at + length <= now:
            opens = now if slot is None else max(now, slot.at + length)
            slot = self._slot[platform] = _Slot(opens, 0)
        slot.taken += 1
        at = max(now, slot.at)
        if holds > 1:
            window = int(per_second)
            sent = self._sent_at.setdefault(platform, deque(maxlen=window))
            if len(sent) == window:
                at = max(at, sent[0] + 1.0)
            sent.append(at)
        return at

    def take(self, platform: str, chat_id: str, limits: RateLimits) -> datetime | None:
        """Count one message to ``chat_id`` now and return ``None``; or, when the chat's
        hourly cap or the platform's daily cap is reached, count nothing and return when
        there will be room. Call after :meth:`wait`, just before sending."""
        if limits.per_chat_hour is None and limits.per_day is None:
            return None
        now = self._now()
        room = now
        if limits.per_chat_hour is not None:
            hour = self._chat_hour.get((platform, chat_id))
            if hour is not None:
                room = max(room, hour.room_at(now, limits.per_chat_hour))
        if limits.per_day is not None:
            day = self._day.get(platform)
            if day is not None:
                room = max(room, day.room_at(now, limits.per_day))
        if room > now + _CLOSE_ENOUGH:
            return datetime.fromtimestamp(room, self.clock.now().tzinfo)
        self.add(platform, chat_id, limits, 1)
        return None

    def add(self, platform: str, chat_id: str, limits: RateLimits, messages: int) -> None:
        """Count ``messages`` more sent to ``chat_id`` (the further parts of a split reply)."""
        now = self._now()
        if limits.per_chat_hour is not None:
            key = (platform, chat_id)
            self._chat_hour.setdefault(key, SlidingCount(HOUR, buckets=60)).add(now, messages)
        if limits.per_day is not None:
            self._day.setdefault(platform, SlidingCount(DAY)).add(now, messages)

    def pause_chat(self, platform: str, chat_id: str, seconds: float) -> None:
        key = (platform, chat_id)
        self._chat_free[key] = max(self._chat_free.get(key, 0.0), self._now() + seconds)

    def pause_platform(self, platform: str, seconds: float) -> None:
        self._paused[platform] = max(self._paused.get(platform, 0.0), self._now() + seconds)

    def _forget_idle(self, now: float) -> None:
        self._chat_free = {k: v for k, v in self._chat_free.items() if v > now}
        self._chat_hour = {k: v for k, v in self._chat_hour.items() if v.count(now)}
