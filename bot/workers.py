"""A small pool of lower-priority processes for CPU-heavy work: reading a card, drawing a chart.

In a thread, that work competes with the event loop for the GIL and, on a 2-core machine,
for the cores (onnxruntime takes both): other people's one-line answers then waited 100 ms to
a second behind a card. In a process started at a lower scheduling priority (``nice``), the
loop's process always gets the CPU first and the work uses what is left. The pool belongs
to the app (``bot.app``) and starts on first use; ``processes=0`` runs the same functions in
a thread instead (tests, where the work is replaced by recorded results).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
NICENESS = 10


def _lower_priority() -> None:
    """Runs first in each worker process."""
    with contextlib.suppress(OSError):  # not allowed here: run at normal priority
        os.nice(NICENESS)


def _ready() -> bool:
    return True


class SlowWorkers:
    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker process (or a thread with ``processes=0``); ``fn``, its
        arguments and its result cross the process boundary, so they must pickle."""
        if self.processes <= 0:
            return await asyncio.to_thread(fn, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), fn, *args)

    async def warm_up(self, preload: Callable[[], object] = _ready) -> None:
        """Start the processes now (and ``preload`` in them: the OCR models) rather than on
        the first user's photo, which would wait seconds for them."""
        if self.processes > 0:
            for _ in range(self.processes):
                await self.run(preload)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the parent runs threads (offloaded SQLite statements,
            # executors) that a fork would copy mid-flight.
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
