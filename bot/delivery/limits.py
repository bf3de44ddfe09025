"""Pacing sends to each platform's limits: overall rate, and a gap per chat.

Time comes from the injected clock and waiting from an injected ``sleep``, so tests drive a
frozen clock forward instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.adapters.base import RateLimits
from bot.clock import Clock

Sleep = Callable[[float], Awaitable[None]]
_CLOSE_ENOUGH = 1e-6
"""Float timestamps: a wait shorter than a microsecond is none (a frozen test clock could
not advance by it, and the loop would never end)."""


class RateLimiter:
    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._platform_free: dict[str, float] = {}
        self._chat_free: dict[tuple[str, str], float] = {}
        self._paused: dict[str, float] = {}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def wait(self, platform: str, chat_id: str, limits: RateLimits, private: bool) -> None:
        """Wait out this chat's gap, then reserve the platform's next free slot and sleep
        once until it. Each sender holds its own reservation, so a batch of hundreds of
        chats does not wake together and re-check at every slot (which cost ≈ 90 wake-ups
        per message). A platform-wide pause (a 429 for the whole bot) is re-checked after
        waking."""
        key = (platform, chat_id)
        while True:
            now = self._now()
            ready = max(self._chat_free.get(key, 0.0), self._paused.get(platform, 0.0))
            if ready > now + _CLOSE_ENOUGH:
                await self.sleep(ready - now)
                continue
            slot = max(now, self._platform_free.get(platform, 0.0))
            self._platform_free[platform] = slot + 1.0 / limits.per_second
            gap = limits.private_interval if private else limits.group_interval
            self._chat_free[key] = slot + gap
            if slot > now + _CLOSE_ENOUGH:
                await self.sleep(slot - now)
            if self._paused.get(platform, 0.0) <= self._now() + _CLOSE_ENOUGH:
                break
        if len(self._chat_free) > 10_000:
            self._forget_idle(self._now())

    def pause_chat(self, platform: str, chat_id: str, seconds: float) -> None:
        key = (platform, chat_id)
        self._chat_free[key] = max(self._chat_free.get(key, 0.0), self._now() + seconds)

    def pause_platform(self, platform: str, seconds: float) -> None:
        self._paused[platform] = max(self._paused.get(platform, 0.0), self._now() + seconds)

    def _forget_idle(self, now: float) -> None:
        self._chat_free = {k: v for k, v in self._chat_free.items() if v > now}
