"""Several workers, one set of limits: only the worker holding the bot's sender lease sends,
so the platform's rate limit holds for the whole bot, and a dead worker's bot is taken over.

Each "worker" here has its own database pool and its own outbox sender, as two
``crmbot serve`` processes would; the platform is a recording fake with a strict limit.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.adapters.base import DeliveryError, RateLimits
from bot.app import App, open_app
from bot.clock import FrozenClock
from bot.config import Settings
from bot.delivery.sender import OutboxSender, SenderPolicy
from bot.outbox import enqueue
from bot.replies import Reply, Text
from bot.server import SENDER_LEASE
from store.db import Database
from store.models import OutboxMessage
from tests.clocks import clock_sleep
from tests.sql_trace import Executed, executed

PER_SECOND = 5.0


@dataclass
class RecordingPlatform:
    """A platform API that only records: when each message left, to whom, from which worker."""

    worker: str
    log: list[tuple[datetime, str, str]]
    clock: FrozenClock
    name: str = "fake"
    limits: RateLimits = field(
        default_factory=lambda: RateLimits(
            per_second=PER_SECOND, private_interval=0, group_interval=0
        )
    )

    sent: asyncio.Event | None = None
    after_send: Callable[[str], Awaitable[None]] | None = None

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        self.log.append((self.clock.now(), chat_id, self.worker))
        if self.sent is not None:
            self.sent.set()
        if self.after_send is not None:
            await self.after_send(chat_id)
        return [f"{self.worker}-{len(self.log)}"]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        raise AssertionError("no choices here")


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    opened = await open_app(settings, clock)
    yield opened
    await opened.close()


def worker(
    name: str, settings: Settings, clock: FrozenClock, log: list[tuple[datetime, str, str]]
) -> OutboxSender:
    db = Database(settings.database_url, clock)
    platform = RecordingPlatform(name, log, clock)
    policy = SenderPolicy(batch=10)
    return OutboxSender(
        db, clock, {"fake": platform}, sleep=clock_sleep(clock), policy=policy, lease=SENDER_LEASE
    )


async def close(*workers: OutboxSender) -> None:
    """What a worker's shutdown does: hand the lease over, close the pool."""
    for sender in workers:
        await sender.release()
        await sender.db.dispose()


@asynccontextmanager
async def sending(sender: OutboxSender) -> AsyncIterator[None]:
    """The sender's run loop for the block (as ``crmbot serve`` runs it); then a clean stop."""
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        yield
    finally:
        stop.set()
        sender.wake()
        await running
        await close(sender)


async def queue(app: App, chats: range) -> None:
    async with app.db.transaction(platform="test") as session:
        for n in chats:
            enqueue(
                session,
                platform="fake",
                chat_id=f"chat-{n}",
                replies=[Text(f"hello {n}")],
                now=app.clock.now(),
            )


async def states(app: App) -> list[str]:
    async with app.db.transaction(platform="test") as session:
        return list(await session.scalars(select(OutboxMessage.state)))


async def test_two_workers_send_through_one_and_keep_the_platform_limit(app, settings, clock):
    log: list[tuple[datetime, str, str]] = []
    a, b = worker("a", settings, clock, log), worker("b", settings, clock, log)
    try:
        await queue(app, range(20))
        # Each pass claims at most 10 rows, so without the lease both workers would send
        # at once, each at the platform's full rate.
        handled = [await asyncio.gather(a.deliver_due(), b.deliver_due()) for _ in range(3)]
        assert sorted(sum(pair) for pair in handled) == [0, 10, 10]
        assert len({w for _, _, w in log}) == 1
        assert sorted(chat for _, chat, _ in log) == sorted(f"chat-{n}" for n in range(20))
        times = sorted(at for at, _, _ in log)
        gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 1 / PER_SECOND - 1e-6  # 5 a second for the bot, not 10
        assert await states(app) == ["sent"] * 20
    finally:
        await close(a, b)


async def test_a_dead_workers_bot_is_taken_over_and_nothing_is_lost(app, settings, clock):
    log: list[tuple[datetime, str, str]] = []
    a, b = worker("a", settings, clock, log), worker("b", settings, clock, log)
    try:
        await queue(app, range(3))
        assert await a.deliver_due() == 3
        await queue(app, range(3, 6))
        assert await b.deliver_due() == 0  # a holds the lease: b only writes replies
        # a dies without a word (no release): its lease runs out, then b sends.
        clock.advance(a.policy.lease_ttl + timedelta(seconds=1))
        assert await b.deliver_due() == 3
        assert [w for _, _, w in log] == ["a"] * 3 + ["b"] * 3
        # a comes back from a long pause: it finds the lease taken and sends nothing.
        await queue(app, range(6, 7))
        assert await a.deliver_due() == 0
        assert await b.deliver_due() == 1
        assert await states(app) == ["sent"] * 7
    finally:
        await close(a, b)


async def test_a_clean_stop_hands_the_lease_over_at_once(app, settings, clock):
    log: list[tuple[datetime, str, str]] = []
    a, b = worker("a", settings, clock, log), worker("b", settings, clock, log)
    try:
        await queue(app, range(2))
        stop = asyncio.Event()
        stop.set()  # run() returns at once, releasing the lease on the way out
        assert await a.deliver_due() == 2
        await a.run(stop)
        await queue(app, range(2, 4))
        assert await b.deliver_due() == 2  # no waiting for a's lease to run out
        assert [w for _, _, w in log] == ["a", "a", "b", "b"]
    finally:
        await close(a, b)


@pytest.mark.postgresql_only
async def test_a_reply_from_another_worker_wakes_the_sending_one(app, settings, clock):
    """The sending worker sleeps until told (its idle poll is an hour here); a reply
    committed by the other worker reaches it through PostgreSQL's NOTIFY at once."""
    log: list[tuple[datetime, str, str]] = []
    a, b = worker("a", settings, clock, log), worker("b", settings, clock, log)
    a.policy = SenderPolicy(batch=10, idle_poll=3600)
    sent = asyncio.Event()
    platform = a.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)
    platform.sent = sent
    assert await a.holds_lease()  # a sends for the bot and listens
    assert a.wakeups.listening
    stop = asyncio.Event()
    sending = asyncio.create_task(a.run(stop))
    try:
        assert await b.deliver_due() == 0
        await queue(app, range(1))
        b.wake()  # as b's engine does after its commit
        await asyncio.wait_for(sent.wait(), timeout=10)
        assert [w for _, _, w in log] == ["a"]
    finally:
        stop.set()
        a.wake()
        await sending
        await close(a, b)


@pytest.mark.postgresql_only
async def test_two_renewals_at_once_open_one_listening_connection(app, settings, clock):
    """The sender's loop and a direct call may take the lease at the same moment, and each
    then starts listening: both used to open a connection for it, and one was never closed
    (a pool connection lost each time, found by the garbage collector)."""
    a = worker("a", settings, clock, [])
    pool = a.db.engine.sync_engine.pool
    opened: list[object] = []
    event.listen(pool, "checkout", lambda *args: opened.append(args))
    before = pool.checkedout()  # type: ignore[attr-defined]
    await asyncio.gather(a.wakeups.listen(a.wake), a.wakeups.listen(a.wake))
    assert a.wakeups.listening
    assert len(opened) == 1  # one listening connection
    await a.wakeups.stop()
    assert pool.checkedout() == before  # type: ignore[attr-defined]
    await close(a)


# --- one chat's backlog, outages, long passes (issue 21) ----------------------------------


@dataclass
class FlakyPlatform:
    """Answers 502 until ``up_at``, like an API during an outage; records what got through."""

    clock: FrozenClock
    up_at: datetime | None
    delivered: list[str] = field(default_factory=list)
    calls: int = 0
    name: str = "fake"
    limits: RateLimits = field(
        default_factory=lambda: RateLimits(per_second=30, private_interval=0, group_interval=0)
    )

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        self.calls += 1
        if self.up_at is None or self.clock.now() < self.up_at:
            raise DeliveryError("HTTP 502 Bad Gateway")
        self.delivered.append(chat_id)
        return [str(len(self.delivered))]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        raise AssertionError("no choices here")


async def _retry_until_settled(app: App, sender: OutboxSender, clock: FrozenClock) -> str:
    """Deliver, then move the clock to the row's next attempt, until it is sent or failed."""
    for _ in range(400):
        await sender.deliver_due()
        async with app.db.transaction(platform="test") as session:
            row = await session.scalar(select(OutboxMessage))
        assert row is not None
        if row.state in ("sent", "failed"):
            return str(row.state)
        clock.set(max(clock.now(), row.next_attempt_at))
    raise AssertionError("the row never settled")


async def test_a_four_minute_outage_loses_no_reply(app, clock):
    platform = FlakyPlatform(clock, up_at=clock.now() + timedelta(minutes=4, seconds=30))
    sender = OutboxSender(app.db, clock, {"fake": platform}, sleep=clock_sleep(clock))
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="fake",
            chat_id="rep",
            replies=[Text("Logged: call with Acme")],
            now=clock.now(),
            event_id="tg:1",
        )
    assert await _retry_until_settled(app, sender, clock) == "sent"
    assert platform.delivered == ["rep"]
    assert platform.calls > sender.policy.max_attempts  # it kept trying past the old limit


async def test_a_reply_is_failed_only_after_its_window(app, clock):
    platform = FlakyPlatform(clock, up_at=None)  # down for good
    sender = OutboxSender(app.db, clock, {"fake": platform}, sleep=clock_sleep(clock))
    written = clock.now()
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="fake",
            chat_id="rep",
            replies=[Text("Logged")],
            now=written,
            event_id="tg:2",
        )
    assert await _retry_until_settled(app, sender, clock) == "failed"
    waited = clock.now() - written
    assert (
        sender.policy.reply_window
        <= waited
        <= sender.policy.reply_window + timedelta(seconds=sender.policy.max_backoff)
    )


async def test_a_chats_backlog_does_not_hold_up_another_chats_reply(app, settings, clock):
    """25 queued messages to one chat (paced a second apart) and then a rep's reply: the
    reply goes out at once, not after the backlog."""
    log: list[tuple[datetime, str, str]] = []
    sender = worker("a", settings, clock, log)
    platform = sender.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)
    platform.limits = RateLimits(per_second=30, private_interval=1.0, group_interval=1.0)
    replied = asyncio.Event()

    async def after_send(chat_id: str) -> None:
        if chat_id == "backlog" and sum(1 for _, c, _ in log if c == "backlog") == 3:
            async with app.db.transaction(platform="test") as session:
                enqueue(
                    session, platform="fake", chat_id="rep", replies=[Text("ok")], now=clock.now()
                )
            sender.wake()
        if chat_id == "rep":
            replied.set()

    platform.after_send = after_send
    async with app.db.transaction(platform="test") as session:
        for n in range(25):
            enqueue(
                session, platform="fake", chat_id="backlog", replies=[Text(f"{n}")], now=clock.now()
            )
    async with sending(sender):
        await asyncio.wait_for(replied.wait(), timeout=30)
        order = [chat for _, chat, _ in log]
        assert order.index("rep") <= 6, order  # not behind the 25


async def test_a_pass_longer_than_a_claim_sends_nothing_twice(app, settings, clock):
    """150 messages to one chat take 150 s to pace out, longer than a row's claim (120 s):
    the other worker must not take them over and send them again."""
    log: list[tuple[datetime, str, str]] = []
    a, b = worker("a", settings, clock, log), worker("b", settings, clock, log)
    platform = a.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)
    platform.limits = RateLimits(per_second=30, private_interval=1.0, group_interval=1.0)
    a.policy = b.policy = SenderPolicy(batch=500)

    async def meanwhile(_chat_id: str) -> None:
        if len(log) % 10 == 0:
            await b.deliver_due()  # the other worker tries every ten messages

    platform.after_send = meanwhile
    async with app.db.transaction(platform="test") as session:
        for n in range(150):
            enqueue(
                session, platform="fake", chat_id="busy", replies=[Text(f"{n}")], now=clock.now()
            )
    try:
        assert await a.deliver_due() == 150
        assert len(log) == 150
        assert {w for _, _, w in log} == {"a"}
        assert await states(app) == ["sent"] * 150
    finally:
        await close(a, b)


# --- replies one at a time (issue 20) -----------------------------------------------------


def _is_claim(executed: Executed) -> bool:
    """A sender's claim: the statement that looks for due rows."""
    return "outbox.next_attempt_at <=" in executed.statement


async def test_replies_one_at_a_time_cost_one_claim_each(app, settings, clock):
    """A rep's message at a time: its reply is claimed once. The sender used to claim again
    at once after every claim that found rows, and again when the chat was done: three
    claims (two of them empty) for each reply, each a read and a flush."""
    log: list[tuple[datetime, str, str]] = []
    sender = worker("a", settings, clock, log)
    sender.policy = SenderPolicy(batch=10, idle_poll=3600)  # only a wake-up claims
    platform = sender.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)

    async def one_reply(n: int) -> None:
        sent = platform.sent = asyncio.Event()
        await queue(app, range(n, n + 1))
        sender.wake()
        await asyncio.wait_for(sent.wait(), timeout=10)
        await _settled(app, sender, n + 1)

    # Held before the loop starts, so every wake-up goes straight to the loop; a wake-up
    # sent before the lease was taken went by NOTIFY and could claim once more, later.
    assert await sender.holds_lease()
    async with sending(sender):
        await one_reply(0)  # after the sender's first pass, which claims at its start
        with executed() as seen:
            for n in range(1, 4):
                await one_reply(n)
        assert [chat for _, chat, _ in log] == ["chat-0", "chat-1", "chat-2", "chat-3"]
        claims = [s.statement for s in seen if _is_claim(s)]
        assert len(claims) == 3, claims
        # Each reply: its claim and its outcome. On PostgreSQL the claim is one UPDATE of
        # the rows it locks; SQLite reads them, then marks them.
        updates = [s for s in seen if s.statement.lstrip().startswith("UPDATE outbox")]
        assert len(updates) == 6, [s.statement[:60] for s in updates]
        if not app.db.is_sqlite:
            assert all(c.lstrip().startswith("UPDATE outbox") for c in claims), claims


async def test_a_reply_committed_while_its_chat_is_served_is_claimed_after(app, settings, clock):
    """A claim leaves out the chats being served; a reply committed for such a chat is
    claimed when that chat is done, without waiting for the idle poll (an hour here)."""
    log: list[tuple[datetime, str, str]] = []
    sender = worker("a", settings, clock, log)
    sender.policy = SenderPolicy(batch=10, idle_poll=3600)
    platform = sender.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)
    second = asyncio.Event()

    async def after_send(chat_id: str) -> None:
        if len(log) == 1:  # chat-0 is being served: its next reply is committed now
            await queue(app, range(0, 1))
            sender.wake()
        elif len(log) == 2:
            second.set()

    platform.after_send = after_send
    async with sending(sender):
        await queue(app, range(0, 1))
        sender.wake()
        await asyncio.wait_for(second.wait(), timeout=10)
        assert [chat for _, chat, _ in log] == ["chat-0", "chat-0"]


async def test_a_commit_only_for_a_chat_being_served_claims_nothing_until_it_is_done(
    app, settings, clock
):
    """Told the chats a commit wrote for (the engine tells), the sender claims nothing for
    a chat it is serving: that chat's new rows are claimed in one claim once it is done.
    Each such commit used to be a claim that could only find other chats' rows (issue 20:
    under load most commits are for chats held to the platform's pace). A commit for a
    chat not being served is still claimed at once."""
    log: list[tuple[datetime, str, str]] = []
    sender = worker("a", settings, clock, log)
    sender.policy = SenderPolicy(batch=10, idle_poll=3600)  # only a wake-up claims
    platform = sender.platforms["fake"]
    assert isinstance(platform, RecordingPlatform)
    platform.limits = RateLimits(per_second=30, private_interval=1.0, group_interval=1.0)
    served = ("fake", "chat-0")
    everything = asyncio.Event()

    async def after_send(chat_id: str) -> None:
        if len(log) == 1:  # chat-0 is being served: three more replies to it, one by one
            for _ in range(3):
                await queue(app, range(0, 1))
                sender.wake(frozenset({served}))
            await queue(app, range(1, 2))  # and one to a chat nobody serves
            sender.wake(frozenset({("fake", "chat-1")}))
        if len(log) == 5:
            everything.set()

    platform.after_send = after_send
    assert await sender.holds_lease()
    with executed() as seen:
        async with sending(sender):
            # The first pass done before anything is queued: a commit while a claim is
            # under way costs the chat one more claim when it is done (it may have been
            # past what the claim saw), which is not what this test counts.
            await _settled(app, sender, 0)
            await queue(app, range(0, 1))
            sender.wake(frozenset({served}))
            await asyncio.wait_for(everything.wait(), timeout=10)
            await _settled(app, sender, 5)
    assert sorted(chat for _, chat, _ in log) == ["chat-0"] * 4 + ["chat-1"]
    # The sender's first pass, chat-0's first reply, chat-1's, and chat-0's next three once
    # chat-0 was done; none for the three commits made while chat-0 was served.
    claims = [s for s in seen if _is_claim(s)]
    assert len(claims) == 4, [s.statement[:60] for s in claims]


@pytest.mark.parametrize("named", [True, False], ids=["chats-named", "chats-unknown"])
async def test_a_row_committed_while_a_claim_is_under_way_is_not_left_behind(
    app, settings, clock, named
):
    """A row committed for a chat while a claim is under way may be past what that claim
    saw; the claim still takes the chat's earlier rows, so the chat is busy by the next
    claim and left out of it. It is claimed for again once that chat is done, whether the
    commit named its chats (the engine) or not (another worker's notice, the scheduler);
    it used to wait for the idle poll (here an hour, so the test would time out)."""
    log: list[tuple[datetime, str, str]] = []
    sender = worker("a", settings, clock, log)
    sender.policy = SenderPolicy(batch=10, idle_poll=3600)  # only a wake-up claims
    served = ("fake", "chat-0")
    claim = sender._claim
    claims = 0

    async def a_commit_lands_during_the_first_claim(
        exclude: frozenset[tuple[str, str]] = frozenset(),
    ) -> list[OutboxMessage]:
        nonlocal claims
        rows = await claim(exclude)
        claims += 1
        if claims == 1:  # the claim has read; the rows it returns are only the first
            await queue(app, range(0, 1))
            sender.wake(frozenset({served}) if named else None)
        return rows

    sender._claim = a_commit_lands_during_the_first_claim  # type: ignore[method-assign]
    assert await sender.holds_lease()
    async with sending(sender):
        await queue(app, range(0, 1))
        sender.wake(frozenset({served}))
        await _settled(app, sender, 2)
    assert [chat for _, chat, _ in log] == ["chat-0", "chat-0"]


async def _settled(app: App, sender: OutboxSender, sent: int) -> None:
    """Until ``sent`` rows are recorded as sent (the outcome is written after the send) and
    the sender is quiet: no chat served, no claim under way or due (a commit while a chat
    was served claims again after it; counted in the next reply's statements, that claim
    made the count one too many now and then)."""
    async with asyncio.timeout(10):
        while True:
            if sender.quiet and (await states(app)).count("sent") >= sent:
                return
            await asyncio.sleep(0)  # yield to the sender; a condition, not a time


async def test_a_claim_is_one_statement_whatever_the_number_of_chats_being_served(
    app, settings, clock
):
    """The chats being served are left out by one parameter, not one for each chat: the
    claim is one statement to prepare and plan, and still leaves them out (issue 20: with
    50 chats served, most claims had been a new statement, planned again)."""
    sender = worker("a", settings, clock, [])
    await queue(app, range(6))
    served = [("fake", f"chat-{n}") for n in range(6)]
    try:
        claimed: list[list[str]] = []
        with executed() as seen:
            for busy in (5, 3, 1):
                rows = await sender._claim(exclude=frozenset(served[:busy]))
                claimed.append([row.chat_id for row in rows])
        assert claimed == [["chat-5"], ["chat-3", "chat-4"], ["chat-1", "chat-2"]]
        claims = {s.statement for s in seen if _is_claim(s)}
        assert len(claims) == 1, claims
    finally:
        await close(sender)
