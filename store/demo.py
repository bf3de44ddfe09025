"""Placeholder replaced by the demo workspace generator."""

from __future__ import annotations

from bot.clock import Clock
from store.db import Database

SUMMARY = "Demo workspace loaded."


async def load(db: Database, clock: Clock, *, seed: int = 7) -> None:
    raise NotImplementedError


def reset_sqlite(url: str) -> None:
    raise NotImplementedError
