"""Pacing sends to each platform's limits: overall rate, and a gap per chat.

Time comes from the injected clock and waiting from an injected ``sleep``, so tests drive a
frozen clock forward instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.adapters.base import RateLimits
from bot.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._platform_free: dict[str, float] = {}
        self._chat_free: dict[tuple[str, str], float] = {}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def wait(self, platform: str, chat_id: str, limits: RateLimits, private: bool) -> None:
        key = (platform, chat_id)
        while True:
            now = self._now()
            ready = max(self._platform_free.get(platform, 0.0), self._chat_free.get(key, 0.0))
            if ready <= now + 1e-6:  # a microsecond is close enough, and ends the loop
                break
            await self.sleep(ready - now)
        start = max(now, self._platform_free.get(platform, 0.0))
        self._platform_free[platform] = start + 1.0 / limits.per_second
        gap = limits.private_interval if private else limits.group_interval
        self._chat_free[key] = now + gap
        if len(self._chat_free) > 10_000:
            self._forget_idle(now)

    def pause_chat(self, platform: str, chat_id: str, seconds: float) -> None:
        key = (platform, chat_id)
        self._chat_free[key] = max(self._chat_free.get(key, 0.0), self._now() + seconds)

    def pause_platform(self, platform: str, seconds: float) -> None:
        free = self._platform_free.get(platform, 0.0)
        self._platform_free[platform] = max(free, self._now() + seconds)

    def _forget_idle(self, now: float) -> None:
        self._chat_free = {k: v for k, v in self._chat_free.items() if v > now}
