"""Work an adapter carries on after it has answered the platform's HTTP request.

WeChat and WeCom are answered within their time limits while the engine may still be busy
with the message; the adapter keeps those tasks here so a failure is logged (nobody awaits
them any more), tests can wait for them (``settle``), and a shutdown finishes or cancels
them instead of leaving them behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def settle(self, seconds: float | None = None) -> None:
        """Wait until nothing is running (or ``seconds`` pass without a task finishing)."""
        while self._tasks:
            done, _ = await asyncio.wait(set(self._tasks), timeout=seconds)
            if not done:
                return

    async def close(self, seconds: float = 10) -> None:
        """Let running work finish for a while, then cancel what is left."""
        await self.settle(seconds)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        """A message finished after its callback was answered: a failure is logged here,
        as nobody awaits it any more (the engine has already queued its apology)."""
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "%s: a message failed after the answer", self.owner, exc_info=task.exception()
            )
