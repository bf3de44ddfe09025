"""The outbox sender: delivers committed replies and pushes, at the platforms' pace.

Rows are claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers share the work) and leased: a worker that dies mid-way leaves rows that
another claims once the lease runs out. A 429 waits out ``retry_after``; 5xx and
timeouts back off and retry; a failure that cannot heal is marked and logged, not retried,
and ``on_failed`` is told in the same transaction (the reminders mark a blocked account).

Outcomes are recorded by group commit: a row's outcome is written together with the others
that finished while the previous write was in flight, in one transaction. At hundreds of
messages a second, one commit per row was most of a worker's CPU on SQLite; each chat still
waits for its row to be recorded before sending the next, so a crash can only repeat what
finished during the last write.

Several workers (on PostgreSQL) send through one of them: the sender that holds the bot's
lease (``store.leases``) is the only one that claims rows, so the platform's rate limits,
kept by its one :class:`RateLimiter`, hold for the whole bot, not N times over. The others
write replies to the outbox and wait; if the holder dies its lease runs out and another
worker's sender takes over. A reply split over several messages that fails part-way keeps
the ids of the parts already sent in its row, so whichever worker retries it resumes after
them (:class:`bot.adapters.base.Resumable`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.base import DeliveryError, Platform, Resumable
from bot.clock import Clock
from bot.delivery.limits import RateLimiter, Sleep
from bot.delivery.wakeups import Wakeups
from bot.replies import from_json
from store import leases
from store.db import Database
from store.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderPolicy:
    batch: int = 500
    lease: timedelta = timedelta(seconds=120)
    max_attempts: int = 8
    first_backoff: float = 2.0
    max_backoff: float = 600.0
    idle_poll: float = 1.0
    lease_ttl: timedelta = timedelta(seconds=30)
    """How long the sending worker's lease lasts unless renewed (renewed at half-time): how
    long a dead worker's bot can go unserved before another worker takes over."""


@dataclass(frozen=True)
class Outcome:
    message_ids: list[str] | None = None
    retry_in: float | None = None
    sent_ids: tuple[str, ...] = ()
    """With ``retry_in``: the parts of a split reply delivered before the failure."""
    error: str | None = None
    give_up: bool = False
    permanent: bool = False
    """With ``give_up``: the platform refused for good (blocked, chat gone), rather than
    retries running out."""


PushFailed = Callable[[AsyncSession, OutboxMessage, str | None, bool], Awaitable[None]]
"""Called in the transaction that marks a row failed: (session, row, error, permanent)."""

_Pending = tuple[OutboxMessage, Outcome, "asyncio.Future[None]"]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        platforms: Mapping[str, Platform],
        *,
        sleep: Sleep = asyncio.sleep,
        policy: SenderPolicy | None = None,
        on_failed: PushFailed | None = None,
        lease: str | None = None,
    ) -> None:
        """``lease``: the name of the lease to send under when several workers share the
        database (``crmbot serve``); ``None`` sends without one (the console's own pushes)."""
        self.db = db
        self.clock = clock
        self.platforms = dict(platforms)
        self.policy = policy or SenderPolicy()
        self.limiter = RateLimiter(clock, sleep)
        self.on_failed = on_failed
        self._wake = asyncio.Event()
        self._outcomes: list[_Pending] = []
        self._recorder: asyncio.Task[None] | None = None
        self.lease = lease
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_until: datetime | None = None
        self.wakeups = Wakeups(db)
        self._notices: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Called after a transaction that wrote outbox rows has committed: wake this
        worker's sender, or, when another worker holds the lease, that worker's."""
        if self.lease is None or self._lease_until is not None or not self.wakeups.supported:
            self._wake.set()
            return
        task = asyncio.create_task(self.wakeups.notify(), name="outbox-notify")
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._run(stop)
        finally:
            await self.release()

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delivered = await self.deliver_due()
            except Exception:
                log.exception("outbox sender pass failed; retrying")
                delivered = 0
            if delivered:
                continue
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper},
                timeout=self.policy.idle_poll,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiter.cancel()
            stopper.cancel()

    async def deliver_due(self) -> int:
        """One pass: claim what is due and deliver it; the number of rows handled (0 when
        another worker holds the lease)."""
        if not await self.holds_lease():
            return 0
        rows = await self._claim()
        by_chat: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_chat[(row.platform, row.chat_id)].append(row)
        await asyncio.gather(*(self._deliver_chat(chat_rows) for chat_rows in by_chat.values()))
        return len(rows)

    async def holds_lease(self) -> bool:
        """Take or renew the lease when it is due (at half its time); True while ours."""
        if self.lease is None:
            return True
        now = self.clock.now()
        ttl = self.policy.lease_ttl
        if self._lease_until is not None and now < self._lease_until - ttl / 2:
            return True
        async with self.db.transaction(platform="outbox") as session:
            held = await leases.take(session, self.lease, self.holder, now=now, ttl=ttl)
        if held and self._lease_until is None:
            log.info("this worker now sends for %s", self.lease)
            await self.wakeups.listen(self._wake.set)
        elif not held and self.wakeups.listening:
            await self.wakeups.stop()
        self._lease_until = now + ttl if held else None
        return held

    async def release(self) -> None:
        """Hand the lease over at once on a clean stop."""
        await self.wakeups.stop()
        if self.lease is None or self._lease_until is None:
            return
        self._lease_until = None
        try:
            async with self.db.transaction(platform="outbox") as session:
                await leases.release(session, self.lease, self.holder)
        except Exception:  # the lease runs out by itself
            log.warning("could not release the %s lease", self.lease, exc_info=True)

    async def _claim(self) -> list[OutboxMessage]:
        now = self.clock.now()
        async with self.db.transaction(platform="outbox") as session:
            stmt = (
                select(OutboxMessage)
                .where(
                    or_(OutboxMessage.state == "pending", OutboxMessage.state == "sending"),
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.platform.in_(list(self.platforms)),
                )
                .order_by(OutboxMessage.id)
                .limit(self.policy.batch)
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.scalars(stmt)).all())
            for row in rows:
                row.state = "sending"
                row.next_attempt_at = now + self.policy.lease
        return rows

    async def _deliver_chat(self, rows: list[OutboxMessage]) -> None:
        """One chat's rows in order; a chat that must wait keeps its later rows waiting too."""
        for index, row in enumerate(rows):
            outcome = await self._deliver(row)
            await self._record(row, outcome)
            if outcome.retry_in is not None:
                await self._postpone(rows[index + 1 :], outcome.retry_in)
                return

    async def _deliver(self, row: OutboxMessage) -> Outcome:
        platform = self.platforms[row.platform]
        await self.limiter.wait(row.platform, row.chat_id, platform.limits, row.is_private)
        try:
            if row.kind == "choice":
                assert row.target_message_id is not None
                await platform.show_choice(
                    row.chat_id, row.target_message_id, row.body["text"], row.body["label"]
                )
                return Outcome(message_ids=[row.target_message_id])
            reply = from_json(row.body, row.image)
            if row.message_ids and isinstance(platform, Resumable):
                ids = await platform.resume(row.chat_id, reply, list(row.message_ids))
            else:
                ids = await platform.send(row.chat_id, reply)
            return Outcome(message_ids=ids)
        except DeliveryError as exc:
            if exc.permanent:
                return Outcome(error=str(exc), give_up=True, permanent=True)
            sent = tuple(exc.sent_ids)
            if exc.retry_after is not None:
                self.limiter.pause_chat(row.platform, row.chat_id, exc.retry_after)
                return Outcome(retry_in=exc.retry_after, error=str(exc), sent_ids=sent)
            return replace(self._backoff(row, str(exc)), sent_ids=sent)
        except (TimeoutError, OSError) as exc:
            return self._backoff(row, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug in rendering must not wedge the queue
            log.exception("outbox row %s could not be rendered", row.id)
            return Outcome(error=f"{type(exc).__name__}: {exc}", give_up=True)

    def _backoff(self, row: OutboxMessage, error: str) -> Outcome:
        attempt = row.attempts + 1
        if attempt >= self.policy.max_attempts:
            return Outcome(error=error, give_up=True)
        delay = min(self.policy.first_backoff * 2 ** (attempt - 1), self.policy.max_backoff)
        return Outcome(retry_in=delay, error=error)

    async def _record(self, row: OutboxMessage, outcome: Outcome) -> None:
        """Queue the outcome for the next group write and wait until it is committed."""
        if outcome.give_up:
            log.warning(
                "outbox row %s to %s:%s failed for good: %s",
                row.id,
                row.platform,
                row.chat_id,
                outcome.error,
            )
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((row, outcome, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_outcomes(), name="outbox-record")
        await done

    async def _write_outcomes(self) -> None:
        await asyncio.sleep(0)  # let the outcomes that finished in this same step join
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                await self._write(batch)
            except Exception as exc:
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _write(self, batch: list[_Pending]) -> None:
        now = self.clock.now()
        sent: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        retry: list[dict[str, Any]] = []
        for row, outcome, _ in batch:
            if outcome.message_ids is not None:
                sent.append({"rid": row.id, "ids": outcome.message_ids, "at": now})
            elif outcome.give_up:
                failed.append({"rid": row.id, "err": outcome.error})
            else:
                retry.append(
                    {
                        "rid": row.id,
                        "err": outcome.error,
                        "at": _later(now, outcome),
                        "ids": list(outcome.sent_ids) or list(row.message_ids or ()),
                    }
                )
        table = cast(Table, OutboxMessage.__table__)
        common = update(table).where(table.c.id == bindparam("rid"))
        at = bindparam("at", type_=table.c.sent_at.type)
        async with self.db.transaction(platform="outbox") as session:
            if sent:
                await session.execute(
                    common.values(
                        state="sent",
                        attempts=table.c.attempts + 1,
                        sent_at=at,
                        last_error=None,
                        message_ids=bindparam("ids", type_=table.c.message_ids.type),
                    ),
                    sent,
                )
            if failed:
                await session.execute(
                    common.values(
                        state="failed", attempts=table.c.attempts + 1, last_error=bindparam("err")
                    ),
                    failed,
                )
            if retry:
                await session.execute(
                    common.values(
                        state="pending",
                        attempts=table.c.attempts + 1,
                        last_error=bindparam("err"),
                        next_attempt_at=bindparam("at", type_=table.c.next_attempt_at.type),
                        message_ids=bindparam("ids", type_=table.c.message_ids.type),
                    ),
                    retry,
                )
            if failed and self.on_failed is not None:
                for row, outcome, _ in batch:
                    if outcome.give_up:
                        await self.on_failed(session, row, outcome.error, outcome.permanent)

    async def _postpone(self, rows: list[OutboxMessage], seconds: float) -> None:
        if not rows:
            return
        until = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction(platform="outbox") as session:
            for row in rows:
                fresh = await session.get(OutboxMessage, row.id, with_for_update=True)
                if fresh is not None and fresh.state == "sending":
                    fresh.state = "pending"
                    fresh.next_attempt_at = until


def _later(now: datetime, outcome: Outcome) -> datetime:
    return now + timedelta(seconds=outcome.retry_in or 0)
