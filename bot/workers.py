"""A small pool of lower-priority processes for CPU-heavy work: reading a card, drawing a chart.

In a thread, that work competes with the event loop for the GIL and, on a 2-core machine,
for the cores (onnxruntime takes both): other people's one-line answers then waited 100 ms to
a second behind a card. In a process started at a lower scheduling priority (``nice``), the
loop's process always gets the CPU first and the work uses what is left. The pool belongs
to the app (``bot.app``) and starts on first use; ``processes=0`` runs the same functions in
a thread instead (tests, where the work is replaced by recorded results).

One photo must not be able to take the server with it (a dense card once read for 64 s in
1.4 GB), so the work is bounded three ways:

- **at once**: at most ``at_once`` jobs run together (never more than the processes); the
  next one waits its turn here rather than in the pool's queue, so that its time limit
  counts from when it starts, not from when it was queued;
- **time**: a job given ``seconds`` is interrupted in its process by ``SIGALRM`` when they
  run out (between two calls into C: onnxruntime returns to Python between stages); if it
  is stuck inside one call, a timer thread ends the process ``HARD_GRACE`` seconds later
  and the pool is replaced. Either way the caller gets :class:`SlowWorkFailed` ("time");
- **memory**: each process's address space is capped (``RLIMIT_AS``, ``memory_bytes``), so
  a runaway allocation fails in that process as a ``MemoryError`` ("memory") — or kills
  it ("crashed", the pool is replaced) — instead of pushing the server into swap.

In a thread (``processes=0``) only the time limit applies, and only to the waiting: a
thread cannot be stopped, it finishes in the background and its result is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, Literal, TypeVar

T = TypeVar("T")
NICENESS = 10
#: Seconds a job stuck in C code gets after its limit before its process is ended.
HARD_GRACE = 2.0
#: The exit status of a process ended that way (seen in the pool's error, not by users).
EXIT_TIMED_OUT = 70

Failure = Literal["time", "memory", "crashed"]


class SlowWorkFailed(Exception):
    """A job ran out of time (``"time"``) or memory (``"memory"``), or its process died
    (``"crashed"``). Picklable: it is raised in the worker process and re-raised here."""

    def __init__(self, reason: Failure) -> None:
        super().__init__(reason)
        self.reason: Failure = reason


class _TimeUp(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` in the work
    (Pillow's decoder guards, say) can mistake it for a bad input and carry on."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _TimeUp


def _start_worker(memory_bytes: int | None) -> None:
    """Runs first in each worker process: lower priority, capped address space."""
    with contextlib.suppress(OSError):  # not allowed here: run at normal priority
        os.nice(NICENESS)
    if memory_bytes is not None:
        import resource

        with contextlib.suppress(ValueError, OSError):  # a lower hard limit is already set
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _run_limited(fn: Callable[..., T], args: Sequence[Any], seconds: float | None) -> T:
    """``fn(*args)`` in a worker process's main thread, within ``seconds``."""
    if seconds is None:
        try:
            return fn(*args)
        except MemoryError:
            raise SlowWorkFailed("memory") from None
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    hard = threading.Timer(seconds + HARD_GRACE, os._exit, args=(EXIT_TIMED_OUT,))
    hard.daemon = True
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        hard.start()
        return fn(*args)
    except _TimeUp:
        raise SlowWorkFailed("time") from None
    except MemoryError:
        raise SlowWorkFailed("memory") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        hard.cancel()
        signal.signal(signal.SIGALRM, previous)


def _in_thread(fn: Callable[..., T], args: Sequence[Any]) -> T:
    try:
        return fn(*args)
    except MemoryError:
        raise SlowWorkFailed("memory") from None


def _ready() -> bool:
    return True


class SlowWorkers:
    def __init__(
        self,
        processes: int = 1,
        *,
        at_once: int = 1,
        memory_bytes: int | None = None,
    ) -> None:
        self.processes = processes
        self.memory_bytes = memory_bytes
        self.at_once = max(1, min(at_once, processes) if processes > 0 else at_once)
        self._slots = asyncio.Semaphore(self.at_once)
        self._pool: ProcessPoolExecutor | None = None

    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        seconds: float | None = None,
        in_thread: bool = False,
    ) -> T:
        """``fn(*args)`` in a worker process (or a thread with ``processes=0`` or
        ``in_thread``, for work that does not pickle); in a process, ``fn``, its arguments
        and its result cross the process boundary, so they must pickle.

        Waits for a free slot first (see the module docstring). Raises
        :class:`SlowWorkFailed` when ``fn`` runs out of ``seconds`` or of memory."""
        async with self._slots:
            if self.processes <= 0 or in_thread:
                try:
                    return await asyncio.wait_for(asyncio.to_thread(_in_thread, fn, args), seconds)
                except TimeoutError:
                    raise SlowWorkFailed("time") from None
            pool = self._executor()
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(pool, _run_limited, fn, args, seconds)
            patience = None if seconds is None else seconds + 2 * HARD_GRACE
            try:
                return await asyncio.wait_for(future, patience)
            except TimeoutError:  # not even the process's own timer got it back
                self._replace(pool)
                raise SlowWorkFailed("time") from None
            except BrokenProcessPool:
                self._replace(pool)
                raise SlowWorkFailed("crashed") from None

    async def warm_up(self, preload: Callable[[], bool] = _ready) -> bool:
        """Start the processes now (and ``preload`` in them: the OCR models) rather than on
        the first user's photo, which would wait seconds for them; whether ``preload`` said
        yes in every one (there are none with ``processes=0``)."""
        results = [await self.run(preload) for _ in range(self.processes)]
        return all(results)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the parent runs threads (offloaded SQLite statements,
            # executors) that a fork would copy mid-flight.
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.memory_bytes,),
            )
        return self._pool

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """Drop a pool whose process died or hangs; the next job starts a fresh one."""
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
