"""Requests per credential (an API token, or a signed-in page): a token bucket each, so a
runaway integration gets 429 with ``Retry-After`` instead of slowing everyone down.

Kept per worker process, in memory: with N workers a token may do N times the rate, which
bounds it well enough for a guard against loops (the chat's send limits, which must hold
in total, are in the database instead: bot/delivery)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.clock import Clock

CAPACITY = 60
"""Requests a credential may make at once (``CRMBOT_API_BURST``)."""
PER_SECOND = 2.0
"""Refill: 120 requests a minute, sustained (``CRMBOT_API_RATE_PER_MINUTE``)."""
TRACKED = 10_000
"""Buckets kept; beyond it, the full ones are forgotten (a full bucket is the default)."""


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(
        self, clock: Clock, *, capacity: int = CAPACITY, per_second: float = PER_SECOND
    ) -> None:
        self.clock = clock
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        now = self.clock.now().timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= TRACKED:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _forget_full(self, now: float) -> None:
        self._buckets = {
            key: b
            for key, b in self._buckets.items()
            if b.tokens + (now - b.at) * self.per_second < self.capacity
        }


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
