"""The one frozen time the tests start at, and a sleep that moves it instead of waiting."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.delivery.limits import Sleep

# Wednesday 18 November 2026, 10:00 in Shanghai.
FROZEN_AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def clock_sleep(clock: FrozenClock) -> Sleep:
    """Waiting advances the frozen clock, rounded *up* to the microsecond: a rate limiter
    left with a sub-microsecond remainder (float timestamps) would otherwise sleep for 0
    and spin for ever."""

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(microseconds=max(1, math.ceil(seconds * 1_000_000))))

    return sleep
