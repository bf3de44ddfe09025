"""APScheduler drives the reminder worker's clockwork; the database decides what is due.

An ``AsyncIOScheduler`` with its in-memory job store (job stores are never shared between
processes: every worker runs the same jobs and the database keeps them from doubling up).
Jobs never miss a run for being late (``misfire_grace_time=None``: APScheduler's default of one
second would drop a tick after a long pause), a job never overlaps itself, and on start a
catch-up run delivers whatever fell due while no worker was running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from scheduler.backups import NightlyBackups, due_check_seconds
from scheduler.pool import CHECK_SECONDS as POOL_CHECK_SECONDS
from scheduler.pool import PoolReturns
from scheduler.service import ReminderService
from store.offload import offloaded

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class ReminderScheduler:
    """Start with :meth:`start` inside the running event loop; stop with :meth:`shutdown`."""

    def __init__(self, service: ReminderService, backups: NightlyBackups | None = None) -> None:
        self.service = service
        self.backups = backups
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._closing = False
        self._busy: set[str] = set()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def jobs(self) -> dict[str, float]:
        """Job id -> interval in seconds (for tests and ``/healthz``-style reports)."""
        if self._scheduler is None:
            return {}
        return {
            job.id: job.trigger.interval.total_seconds()
            for job in self._scheduler.get_jobs()
            if isinstance(job.trigger, IntervalTrigger)
        }

    def start(self) -> None:
        self._closing = False
        config, service = self.service.config, self.service
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            # Two instances allowed so that APScheduler never logs a warning for a tick that
            # comes while the last one still works through a backlog; the job skips itself
            # instead (see _guarded): still one at a time.
            job_defaults={"coalesce": True, "max_instances": 2, "misfire_grace_time": None},
        )
        now = datetime.now(UTC)

        def every(job_id: str, seconds: float, job: Job) -> None:
            scheduler.add_job(
                self._guarded(job_id, job),
                IntervalTrigger(seconds=seconds, timezone=UTC),
                id=job_id,
                next_run_time=now + timedelta(seconds=seconds),
            )

        scheduler.add_job(self._guarded("catch-up", service.catch_up), id="catch-up")
        every("tick", config.tick_seconds, service.tick)
        every("digests", config.digest_check_seconds, self._then_tick(service.plan_digests))
        every("rules", config.rules_minutes * 60, self._then_tick(self._rules_and_reconcile))
        if self.backups is not None:
            every("backup", due_check_seconds(), self.backups.run_due)
        if service.settings.pool_return_days:  # the lead pool's quiet customers go back
            every("pool", POOL_CHECK_SECONDS, PoolReturns(service).run)
        scheduler.start()
        self._scheduler = scheduler

    async def _rules_and_reconcile(self) -> int:
        made = await self.service.sweep_rules() + await self.service.plan_alerts()
        made += await self.service.plan_tiers()
        await self.service.reconcile()
        return made

    def _then_tick(self, plan: Callable[[], Awaitable[int]]) -> Job:
        """Deliver at once what a planning job just made due, instead of at the next tick."""

        async def job() -> None:
            if await plan():
                await self.service.tick()

        return job

    def _guarded(self, name: str, job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self._closing or name in self._busy:
                # Shutting down, or the previous run is still busy: it covers this one.
                return
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            self._busy.add(name)
            try:
                with offloaded():  # sweeps over many rows: keep them off the event loop
                    await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder job %s failed; it runs again at its next time", name)
            finally:
                self._busy.discard(name)
                if task is not None:
                    self._running.discard(task)

        return run

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop scheduling, let running jobs finish (each is a short transaction), cancel
        stragglers: a cancelled job rolls back and another worker, or the next start, redoes it."""
        self._closing = True
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # jobs submitted just before see ``_closing`` and return
        running = list(self._running)
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._scheduler = None
