"""The outbox sender: delivers committed replies and pushes, at the platforms' pace.

Rows are claimed and leased: on PostgreSQL by one statement that locks them ``FOR UPDATE
SKIP LOCKED`` and marks them, on SQLite (one writer) by a read and an UPDATE. A worker that
dies mid-way leaves rows that another claims once the lease runs out. A claim takes every
due row of the chats not being served, so it is repeated at once only when it came back
full, and after a chat is served only if rows for it were committed meanwhile.

A 429 waits out ``retry_after``; 5xx and timeouts back off and retry; a failure that
cannot heal is marked and logged, not retried, and ``on_failed`` is told in the same
transaction (the reminders mark a blocked account).

Outcomes are recorded by group commit: a row's outcome is written together with the others
that finished while the previous write was in flight, in one transaction (on PostgreSQL
one statement with no transaction around it, when they were all sent). At hundreds of
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
import functools
import json
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Select,
    Table,
    Text,
    Update,
    all_,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.adapters.base import DeliveryError, Platform, Resumable
from bot.clock import Clock
from bot.delivery.limits import RateLimiter, Sleep
from bot.delivery.wakeups import Wakeups
from bot.replies import from_json
from store import leases
from store.db import Database
from store.lane import StatementLane
from store.models import OutboxMessage
from store.outbox import WAITING, ChatKey
from store.prepared import run
from store.reminders import reminder_id_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderPolicy:
    batch: int = 500
    lease: timedelta = timedelta(seconds=120)
    max_attempts: int = 8
    """Kept for callers that size their own retries by it (the reminders' failure notes);
    a transient failure is retried for ``reply_window`` / ``push_window``, not a count."""
    first_backoff: float = 2.0
    max_backoff: float = 600.0
    reply_window: timedelta = timedelta(hours=24)
    """How long a reply to a message is retried through 5xx, timeouts and refused
    connections before it is failed for good: an outage of hours loses nothing."""
    push_window: timedelta = timedelta(hours=20)
    """The same for pushes (reminders, digests, notices): until about the next digest."""
    idle_poll: float = 1.0
    lease_ttl: timedelta = timedelta(seconds=30)
    """How long the sending worker's lease lasts unless renewed (renewed at half-time): how
    long a dead worker's bot can go unserved before another worker takes over."""


@dataclass(frozen=True)
class Outcome:
    message_ids: list[str] | None = None
    retry_in: float | None = None
    sent_ids: tuple[str, ...] = ()
    """With ``retry_in`` or ``waiting``: the parts of a split reply delivered before the
    failure."""
    error: str | None = None
    give_up: bool = False
    permanent: bool = False
    """With ``give_up``: the platform refused for good (blocked, chat gone), rather than
    retries running out."""
    waiting: bool = False
    """The platform takes it only once the person writes again: wait for that."""
    deferred: bool = False
    """With ``retry_in``: not tried, a count cap (per hour, per day) is full; it waits in
    the outbox without counting as an attempt."""


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
        chats: frozenset[str] | None = None,
    ) -> None:
        """``lease``: the name of the lease to send under when several workers share the
        database (``crmbot serve``); ``None`` sends without one (the console's own pushes).
        ``chats``: deliver only to these chats (a terminal delivers only its own user's)."""
        self.db = db
        self.clock = clock
        self.platforms = dict(platforms)
        self.policy = policy or SenderPolicy()
        self.limiter = RateLimiter(clock, sleep)
        self.on_failed = on_failed
        self._wake = asyncio.Event()
        self._passed_over: set[tuple[str, str]] = set()
        """Chats being served when rows were committed: their new rows were left out of
        any claim meanwhile, so they are claimed for again when the chat is done."""
        self._outcomes: list[_Pending] = []
        self._recorder: asyncio.Task[None] | None = None
        self.lease = lease
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_until: datetime | None = None
        self.wakeups = Wakeups(db)
        self._notifying: asyncio.Task[None] | None = None
        self._notify_again = False
        self.chats = chats
        self._busy: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._heard_in_claim: set[ChatKey] | None = None
        """While a claim is under way: the chats rows were committed for meanwhile, which
        that claim may not have seen (``None`` again when it returns)."""
        self._heard_unknown_in_claim = False
        """While a claim is under way: rows were committed meanwhile for chats not named."""
        self._reclaimed: set[int] = set()
        self._idling = False
        self._lane = StatementLane(db)
        """The claims' and records' connection while chats are served (``store.lane``)."""

    @property
    def quiet(self) -> bool:
        """Whether the run loop waits for a wake-up with none pending and serves no chat:
        nothing is claimed or sent until rows are committed or the idle poll comes round
        (what a test waits for before it counts the statements of the next reply)."""
        return self._idling and not self._wake.is_set() and not self._busy

    @property
    def serving(self) -> int:
        """How many chats are being served (their rows claimed and not all recorded)."""
        return len(self._busy)

    def wake(self, chats: frozenset[ChatKey] | None = None) -> None:
        """Called after a transaction that wrote outbox rows has committed: wake this
        worker's sender, or, when another worker holds the lease, that worker's. Commits
        made while a notice is on its way are told by one more notice after it, not one
        each: a worker taking hundreds of messages a second sends a few notices, not a
        transaction per message.

        ``chats``: the chats the rows are for, when the committer knows (the engine does);
        none or an empty set is not knowing, and claims as before, so that a row written
        some way the committer did not note never waits for the idle poll. Rows for a chat
        this worker is serving now are claimed when it is done with that chat
        (:meth:`_chat_done`), so a commit only for such chats claims nothing now:
        under load most commits are for chats held to the platform's pace, and each claim
        that could only have found other chats' rows was a statement (about a quarter of a
        statement a message in issue 20's known log)."""
        if self.lease is None or self._lease_until is not None or not self.wakeups.supported:
            self._woken(chats)
            return
        if self._notifying is not None:
            self._notify_again = True
            return
        self._notifying = asyncio.create_task(self._notify(), name="outbox-notify")

    async def _notify(self) -> None:
        try:
            while True:
                self._notify_again = False
                await self.wakeups.notify()
                if not self._notify_again:
                    return
        finally:
            self._notifying = None

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._run(stop)
        finally:
            await self.release()

    async def _run(self, stop: asyncio.Event) -> None:
        """Each chat is delivered by a task of its own, so a chat with a backlog (paced to
        one message a second) never holds up another chat's reply: new rows are claimed
        for every chat that is not already being served as soon as they are committed."""
        try:
            while not stop.is_set():
                self._wake.clear()  # before claiming: a wake meanwhile is not lost
                try:
                    started = await self._start_due()
                except Exception:
                    log.exception("outbox sender pass failed; retrying")
                    started = 0
                if started >= self.policy.batch:
                    continue  # a full claim: more may be due at once
                await self._idle(stop)
        finally:
            busy = list(self._busy.values())
            for task in busy:
                task.cancel()
            await asyncio.gather(*busy, return_exceptions=True)

    async def _start_due(self) -> int:
        """Claim what is due for chats not being served now and start serving them."""
        if not await self.holds_lease():
            return 0
        self._heard_in_claim, self._heard_unknown_in_claim = set(), False
        try:
            rows = await self._claim(exclude=frozenset(self._busy))
        finally:
            heard, self._heard_in_claim = self._heard_in_claim, None
        for key, chat_rows in _by_chat(rows).items():
            task = asyncio.create_task(self._deliver_chat(chat_rows), name=f"outbox {key}")
            self._busy[key] = task
            task.add_done_callback(functools.partial(self._chat_done, key))
            if self._heard_unknown_in_claim or key in heard:
                # Rows committed for it while the claim ran may be past the claim's view;
                # the claim that follows leaves it out as busy, so claim again when done.
                self._passed_over.add(key)
        return len(rows)

    def _woken(self, chats: frozenset[ChatKey] | None = None) -> None:
        """Rows were committed (here or by another worker, for ``chats`` when known):
        claim again, unless every one of those chats is being served now."""
        if self._heard_in_claim is not None:
            if chats:
                self._heard_in_claim.update(chats)
            else:
                self._heard_unknown_in_claim = True
        if chats and chats <= self._busy.keys():
            self._passed_over.update(chats)
            return
        self._passed_over.update(self._busy)
        self._wake.set()

    def _chat_done(self, key: tuple[str, str], _task: asyncio.Task[None]) -> None:
        """A claim takes every due row of the chats not being served, so only a chat that
        had rows committed while it was served needs another claim now. Claiming after
        every reply anyway was two empty claims a message when messages come one by one."""
        self._busy.pop(key, None)
        if key in self._passed_over:
            self._passed_over.discard(key)
            self._wake.set()

    async def _idle(self, stop: asyncio.Event) -> None:
        """Until a commit wakes us, a chat finishes, a stop, or the idle poll."""
        if not self._busy:
            await self._lane.release()
        waiter = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        self._idling = True
        try:
            await asyncio.wait(
                {waiter, stopper},
                timeout=self.policy.idle_poll,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            self._idling = False
        waiter.cancel()
        stopper.cancel()

    async def deliver_due(self) -> int:
        """One pass to the end: claim what is due and deliver it; the number of rows
        handled (0 when another worker holds the lease). Tests and tools drive the sender
        this way; ``run`` serves chats continuously instead."""
        if not await self.holds_lease():
            return 0
        try:
            rows = await self._claim()
            by_chat = _by_chat(rows)
            await asyncio.gather(*(self._deliver_chat(chat_rows) for chat_rows in by_chat.values()))
        finally:
            await self._lane.release()
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
            await self.wakeups.listen(self._woken)
        elif not held and self.wakeups.listening:
            await self.wakeups.stop()
        self._lease_until = now + ttl if held else None
        return held

    async def release(self) -> None:
        """Hand the lease over at once on a clean stop (and let a notice on its way go)."""
        if self._recorder is not None:  # its next batch would take the lane's connection again
            await asyncio.gather(self._recorder, return_exceptions=True)
        await self._lane.release()
        if self._notifying is not None:
            await asyncio.gather(self._notifying, return_exceptions=True)
        await self.wakeups.stop()
        if self.lease is None or self._lease_until is None:
            return
        self._lease_until = None
        try:
            async with self.db.transaction(platform="outbox") as session:
                await leases.release(session, self.lease, self.holder)
        except Exception:  # the lease runs out by itself
            log.warning("could not release the %s lease", self.lease, exc_info=True)

    async def _claim(
        self, exclude: frozenset[tuple[str, str]] = frozenset()
    ) -> list[OutboxMessage]:
        """Due rows, oldest first, marked ``sending`` for ``policy.lease``. A row that was
        already ``sending`` was claimed by a worker that died (or stalled): it is checked
        again just before it is sent, in case that worker finished it meanwhile."""
        now = self.clock.now()
        until = now + self.policy.lease
        shape = (self.policy.batch, self.chats is not None, bool(exclude))
        params: dict[str, Any] = {"now": now, "until": until, "platforms": sorted(self.platforms)}
        if self.chats is not None:
            params["chats"] = sorted(self.chats)
        if exclude:
            params["busy"] = _chat_keys(exclude, self.db.is_sqlite)
        if self.db.is_sqlite:
            rows, was = await self._claim_in_two(shape, params)
        else:
            async with self._lane.statement() as connection:
                returned = (await connection.execute(_claim_locked(*shape), params)).all()
            claimed = sorted(returned, key=lambda back: int(back.id))  # RETURNING: no order
            was = [back.was for back in claimed]
            rows = [_row(back._mapping) for back in claimed]
        for row, state in zip(rows, was, strict=True):
            if state == "sending":
                self._reclaimed.add(row.id)
        return rows

    async def _claim_in_two(
        self, shape: tuple[int, bool, bool], params: dict[str, Any]
    ) -> tuple[list[OutboxMessage], list[str]]:
        """SQLite's claim: the due rows, then one UPDATE marking them (SQLite's RETURNING
        cannot name the row's state before the UPDATE). One writer: nothing to lock."""
        async with self.db.transaction(platform="outbox") as session:
            rows = list((await session.scalars(_due(*shape, is_sqlite=True), params)).all())
            if rows:
                ids = [row.id for row in rows]
                await session.execute(_MARK_CLAIMED, {"ids": ids, "until": params["until"]})
        was = [row.state for row in rows]
        for row in rows:
            set_committed_value(row, "state", "sending")
            set_committed_value(row, "next_attempt_at", params["until"])
        return rows, was

    async def _deliver_chat(self, rows: list[OutboxMessage]) -> None:
        """One chat's rows in order; a chat that must wait keeps its later rows waiting too.
        The lease is checked before each row: a worker that lost it (it stalled longer than
        the lease) stops, and its rows go back for the new holder."""
        for index, row in enumerate(rows):
            if not await self.holds_lease():
                await self._postpone(rows[index:], 0)
                return
            if row.id in self._reclaimed:
                self._reclaimed.discard(row.id)
                if await self._already_sent(row):
                    continue
            outcome = await self._deliver(row)
            await self._record(row, outcome)
            if outcome.waiting:  # their later rows keep their place behind it
                await self._wait_for_reader(rows[index + 1 :])
                return
            if outcome.retry_in is not None:
                await self._postpone(rows[index + 1 :], outcome.retry_in)
                return

    async def _deliver(self, row: OutboxMessage) -> Outcome:
        platform = self.platforms[row.platform]
        limits = platform.limits
        await self.limiter.wait(row.platform, row.chat_id, limits, row.is_private)
        # A choice edits a sent message: not a new one, so no count cap applies.
        room_at = (
            None if row.kind == "choice" else self.limiter.take(row.platform, row.chat_id, limits)
        )
        if room_at is not None:
            wait = (room_at - self.clock.now()).total_seconds()
            note = f"{row.platform}: sending cap reached; due {room_at.isoformat()}"
            return Outcome(retry_in=wait, error=note, deferred=True)
        before = len(row.message_ids or ())
        try:
            if row.kind == "choice":
                assert row.target_message_id is not None
                await platform.show_choice(
                    row.chat_id, row.target_message_id, row.body["text"], row.body["label"]
                )
                return Outcome(message_ids=[row.target_message_id])
            reply = from_json(row.body, row.image)
            if row.message_ids and isinstance(platform, Resumable):
                ids = await platform.resume(
                    row.chat_id, reply, list(row.message_ids), row.thread_id
                )
            else:
                ids = await platform.send(row.chat_id, reply, row.thread_id)
            self.limiter.add(row.platform, row.chat_id, limits, len(ids) - before - 1)
            return Outcome(message_ids=ids)
        except DeliveryError as exc:
            if row.kind != "choice":
                parts = len(exc.sent_ids) - before - 1
                self.limiter.add(row.platform, row.chat_id, limits, parts)
            if exc.until_they_write:
                return Outcome(error=str(exc), waiting=True, sent_ids=tuple(exc.sent_ids))
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
        """A transient failure (5xx, timeout, refused connection): retry with a capped
        backoff until the row's window has passed since it was written."""
        is_push = reminder_id_of(row.event_id) is not None
        window = self.policy.push_window if is_push else self.policy.reply_window
        if self.clock.now() - row.created_at >= window:
            return Outcome(error=error, give_up=True)
        attempt = min(row.attempts, 30) + 1
        delay = min(self.policy.first_backoff * 2 ** (attempt - 1), self.policy.max_backoff)
        return Outcome(retry_in=delay, error=error)

    async def _already_sent(self, row: OutboxMessage) -> bool:
        """A re-claimed row may have been delivered by the worker that claimed it first."""
        async with self.db.transaction(platform="outbox") as session:
            state = await session.scalar(
                select(OutboxMessage.state).where(OutboxMessage.id == row.id)
            )
        return state in ("sent", "failed")

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
        waiting: list[dict[str, Any]] = []
        deferred: list[dict[str, Any]] = []
        for row, outcome, _ in batch:
            if outcome.message_ids is not None:
                sent.append({"rid": row.id, "ids": outcome.message_ids, "at": now})
            elif outcome.waiting:
                ids = list(outcome.sent_ids) or list(row.message_ids or ())
                waiting.append({"rid": row.id, "err": outcome.error, "ids": ids})
            elif outcome.deferred:
                deferred.append({"rid": row.id, "err": outcome.error, "at": _later(now, outcome)})
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
        outcomes = (sent, failed, retry, deferred, waiting)  # in _RECORD's order
        writes = [
            (statement, rows) for statement, rows in zip(_RECORD, outcomes, strict=True) if rows
        ]
        on_failed = self.on_failed if failed else None
        if len(writes) == 1 and on_failed is None:
            # The usual case, replies sent: one UPDATE (executed for each row, atomically).
            async with self._lane.statement() as connection:
                await run(connection, *writes[0])
            return
        async with self.db.transaction(platform="outbox") as session:
            for statement, rows in writes:
                await session.execute(statement, rows)
            if on_failed is not None:
                for row, outcome, _ in batch:
                    if outcome.give_up:
                        await on_failed(session, row, outcome.error, outcome.permanent)

    async def _wait_for_reader(self, rows: list[OutboxMessage]) -> None:
        if not rows:
            return
        async with self.db.transaction(platform="outbox") as session:
            for row in rows:
                fresh = await session.get(OutboxMessage, row.id, with_for_update=True)
                if fresh is not None and fresh.state == "sending":
                    fresh.state = WAITING

    async def _postpone(self, rows: list[OutboxMessage], seconds: float) -> None:
        """Rows claimed but not tried go back to ``pending``, due in ``seconds``."""
        if not rows:
            return
        until = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction(platform="outbox") as session:
            for row in rows:
                fresh = await session.get(OutboxMessage, row.id, with_for_update=True)
                if fresh is not None and fresh.state == "sending":
                    fresh.state = "pending"
                    fresh.next_attempt_at = until


@functools.lru_cache(maxsize=8)
def _due(batch: int, for_chats: bool, skip_busy: bool, *, is_sqlite: bool) -> Select[Any]:
    """The rows a claim takes, built once per shape: the first ``batch`` due rows, oldest
    first, of the sender's platforms (and chats), leaving out the chats being served."""
    due = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state.in_(("pending", "sending")),
            OutboxMessage.next_attempt_at <= bindparam("now"),
            OutboxMessage.platform.in_(bindparam("platforms", expanding=True)),
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
    )
    if for_chats:
        due = due.where(OutboxMessage.chat_id.in_(bindparam("chats", expanding=True)))
    if skip_busy:
        due = due.where(_not_busy(is_sqlite))
    return due


def _not_busy(is_sqlite: bool) -> ColumnElement[bool]:
    """The row's chat is not among the ``busy`` parameter's (:func:`_chat_keys`), passed as
    one array, not one parameter a chat: the claim is then one statement, prepared and
    planned once, whatever the number of chats being served (issue 20: at 50 busy chats
    the claim had been re-planned on most calls, and checked each row's chat against 50
    pairs). ``text[]``, not ``varchar[]``: asyncpg has a codec of its own for the first and
    would look the second up in the catalogue on each new connection."""
    key = OutboxMessage.platform.concat(":").concat(OutboxMessage.chat_id)
    if is_sqlite:
        listed = func.json_each(bindparam("busy")).table_valued("value")
        return key.not_in(select(listed.c.value))
    return key != all_(bindparam("busy", type_=ARRAY(Text)))


def _chat_keys(chats: frozenset[tuple[str, str]], is_sqlite: bool) -> list[str] | str:
    """The ``busy`` parameter of :func:`_not_busy`: a platform's name has no ``:``."""
    keys = sorted(f"{platform}:{chat_id}" for platform, chat_id in chats)
    return json.dumps(keys) if is_sqlite else keys


@functools.lru_cache(maxsize=8)
def _claim_locked(batch: int, for_chats: bool, skip_busy: bool) -> Update:
    """PostgreSQL's claim in one statement: the due rows locked (``SKIP LOCKED``: rows
    another worker is claiming are passed over for the next ones), marked ``sending``
    until ``until``, and returned with the state they had."""
    taken = (
        _due(batch, for_chats, skip_busy, is_sqlite=False)
        .with_only_columns(OutboxMessage.id, OutboxMessage.state.label("was"))
        .with_for_update(skip_locked=True)
        .subquery("taken")
    )
    return _marked_claimed(_OUTBOX.c.id == taken.c.id).returning(*_OUTBOX.c, taken.c.was)


def _row(found: Mapping[Any, Any]) -> OutboxMessage:
    """A claimed row as the sender reads it (not in any session)."""
    return OutboxMessage(**{column.key: found[column.key] for column in _OUTBOX.c})


_OUTBOX = cast(Table, OutboxMessage.__table__)
_UNTIL = _OUTBOX.c.next_attempt_at.type


def _record_statements() -> tuple[Update, Update, Update, Update, Update]:
    """The outcome writes, built once: sent, failed, to retry, deferred, waiting."""
    common = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("rid"))
    at = bindparam("at", type_=_OUTBOX.c.sent_at.type)
    retry_at = bindparam("at", type_=_UNTIL)
    message_ids = bindparam("ids", type_=_OUTBOX.c.message_ids.type)
    error: BindParameter[Any] = bindparam("err")
    attempted = _OUTBOX.c.attempts + 1
    return (
        common.values(
            state="sent", attempts=attempted, sent_at=at, last_error=None, message_ids=message_ids
        ),
        common.values(state="failed", attempts=attempted, last_error=error),
        common.values(
            state="pending",
            attempts=attempted,
            last_error=error,
            next_attempt_at=retry_at,
            message_ids=message_ids,
        ),
        common.values(state="pending", last_error=error, next_attempt_at=retry_at),
        common.values(state=WAITING, last_error=error, message_ids=message_ids),
    )


_RECORD = _record_statements()


def _marked_claimed(rows: ColumnElement[bool]) -> Update:
    """What a claim writes to ``rows``: ``sending``, leased until the ``until`` parameter."""
    return (
        update(_OUTBOX)
        .where(rows)
        .values(state="sending", next_attempt_at=bindparam("until", type_=_UNTIL))
    )


_MARK_CLAIMED = _marked_claimed(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))


def _by_chat(rows: list[OutboxMessage]) -> dict[tuple[str, str], list[OutboxMessage]]:
    by_chat: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_chat[(row.platform, row.chat_id)].append(row)
    return by_chat


def _later(now: datetime, outcome: Outcome) -> datetime:
    return now + timedelta(seconds=outcome.retry_in or 0)
