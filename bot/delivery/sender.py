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
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.base import DeliveryError, Platform
from bot.clock import Clock
from bot.delivery.limits import RateLimiter, Sleep
from bot.replies import from_json
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


@dataclass(frozen=True)
class Outcome:
    message_ids: list[str] | None = None
    retry_in: float | None = None
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
    ) -> None:
        self.db = db
        self.clock = clock
        self.platforms = dict(platforms)
        self.policy = policy or SenderPolicy()
        self.limiter = RateLimiter(clock, sleep)
        self.on_failed = on_failed
        self._wake = asyncio.Event()
        self._outcomes: list[_Pending] = []
        self._recorder: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Called after a transaction that wrote outbox rows has committed."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
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
        """One pass: claim what is due and deliver it; the number of rows handled."""
        rows = await self._claim()
        by_chat: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_chat[(row.platform, row.chat_id)].append(row)
        await asyncio.gather(*(self._deliver_chat(chat_rows) for chat_rows in by_chat.values()))
        return len(rows)

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
            ids = await platform.send(row.chat_id, from_json(row.body, row.image))
            return Outcome(message_ids=ids)
        except DeliveryError as exc:
            if exc.permanent:
                return Outcome(error=str(exc), give_up=True, permanent=True)
            if exc.retry_after is not None:
                self.limiter.pause_chat(row.platform, row.chat_id, exc.retry_after)
                return Outcome(retry_in=exc.retry_after, error=str(exc))
            return self._backoff(row, str(exc))
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
                retry.append({"rid": row.id, "err": outcome.error, "at": _later(now, outcome)})
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
