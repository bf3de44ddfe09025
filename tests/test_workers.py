"""Two workers, one database: every due reminder pushed exactly once, and nothing lost when a
worker is killed mid-way.

Each worker has its own ``Database`` (engine and connection pool), ``ReminderService`` and
outbox sender, as two ``crmbot serve`` processes would; they run concurrently in this event
loop. On PostgreSQL they claim with ``FOR UPDATE SKIP LOCKED`` and plan under advisory locks.
SQLite is a single-worker database, so there the same tests hand the work from one worker to
the next instead of running them side by side — they still show that a second worker neither
repeats nor loses anything.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.delivery.sender import OutboxSender
from bot.replies import reply_text
from handlers.reminders.config import ReminderConfig
from locales.catalog import Translator
from scheduler.service import ReminderService
from store.db import Database
from store.models import Activity, ChatIdentity, Company, OutboxMessage, Reminder, Role, Task
from store.users import create_user
from tests.clocks import clock_sleep
from tests.reminders_support import Recorder

SH = ZoneInfo("Asia/Shanghai")
USERS = 30
PER_USER = 10
N = USERS * PER_USER
DUE = datetime(2026, 11, 18, 15, 0, tzinfo=SH)
MAX_ROUNDS = 200  # a bug must fail the test, not hang the suite


class Worker:
    def __init__(self, name: str, settings, clock: FrozenClock, translator: Translator) -> None:
        self.name = name
        self.db = Database(settings.database_url, clock)
        self.service = ReminderService(
            self.db,
            clock,
            settings,
            translator,
            ReminderConfig(batch=20),
            platforms=("telegram",),
        )
        self.platform = Recorder()
        self.sender = OutboxSender(
            self.db, clock, {"telegram": self.platform}, sleep=clock_sleep(clock)
        )
        self.queued = 0

    async def deliver_reminders(self) -> int:
        """Claim batches until none is left for this worker."""
        for _ in range(MAX_ROUNDS):
            batch = await self.service.deliver_batch()
            self.queued += batch.queued
            if batch.claimed == 0:
                return self.queued
        raise AssertionError("reminders still due after too many rounds")

    async def send_outbox(self) -> int:
        total = 0
        for _ in range(MAX_ROUNDS):
            handled = await asyncio.wait_for(self.sender.deliver_due(), timeout=60)
            if not handled:
                return total
            total += handled
        raise AssertionError("outbox still busy after too many rounds")

    async def close(self) -> None:
        await self.db.dispose()


@pytest.fixture
async def workers(settings, clock):
    translator = Translator.load()
    pair = [Worker(name, settings, clock, translator) for name in ("a", "b")]
    yield pair
    for worker in pair:
        await worker.close()


@pytest.fixture
async def due_reminders(db, clock):
    """30 reps with a Telegram account and 10 tasks each, all due at 15:00."""
    now = clock.now()
    async with db.transaction(platform="test") as session:
        for n in range(USERS):
            user = await create_user(session, f"rep{n}", role=Role.REP, now=now, lang="en")
            session.add(
                ChatIdentity(
                    platform="telegram", external_id=f"tg{n}", user_id=user.id, linked_at=now
                )
            )
            session.add_all(
                Task(owner_id=user.id, title=f"task {n}-{k}", due_at=DUE, created_at=now)
                for k in range(PER_USER)
            )
    clock.set(DUE)
    return N


async def outbox_pushes(db) -> Counter[str]:
    async with db.transaction() as session:
        ids = await session.scalars(
            select(OutboxMessage.event_id).where(OutboxMessage.event_id.like("rm:%"))
        )
        return Counter(str(i) for i in ids)


def delivered(*workers: Worker) -> Counter[str]:
    return Counter(
        f"{chat}|{reply_text(reply).splitlines()[1]}"
        for worker in workers
        for chat, reply in worker.platform.sent
    )


async def test_two_workers_deliver_each_due_reminder_exactly_once(
    db, workers, due_reminders, clock
):
    a, b = workers
    concurrent = not db.is_sqlite
    await asyncio.gather(a.service.plan_tasks(), b.service.plan_tasks())
    if concurrent:
        await asyncio.gather(a.deliver_reminders(), b.deliver_reminders())
        assert min(a.queued, b.queued) > 0, "both workers should have claimed some"
    else:
        await a.deliver_reminders()
        await b.deliver_reminders()
    assert a.queued + b.queued == N
    pushes = await outbox_pushes(db)
    assert len(pushes) == N
    assert set(pushes.values()) == {1}
    async with db.transaction() as session:
        states = Counter(await session.scalars(select(Reminder.state)))
    assert states == {"queued": N}
    # Both senders deliver the outbox: every push reaches the platform once.
    if concurrent:
        await asyncio.gather(a.send_outbox(), b.send_outbox())
    else:
        await a.send_outbox()
        await b.send_outbox()
    sent = delivered(a, b)
    assert len(sent) == N
    assert set(sent.values()) == {1}
    # Later ticks by either worker add nothing.
    clock.advance(timedelta(minutes=5))
    assert await a.service.tick() == 0
    assert await b.service.tick() == 0


async def test_a_worker_killed_after_claiming_loses_nothing(db, workers, due_reminders):
    a, b = workers
    await a.service.plan_tasks()
    claimed, release = asyncio.Event(), asyncio.Event()
    render = a.service._render
    calls = 0

    async def stuck_render(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 25:  # first batch (20) committed; stuck in the middle of the second
            claimed.set()
            await release.wait()
        return await render(*args, **kwargs)

    a.service._render = stuck_render
    victim = asyncio.create_task(a.deliver_reminders())
    await asyncio.wait_for(claimed.wait(), timeout=10)
    if not db.is_sqlite:
        # While A holds its second batch, B takes everything else (skipping A's locked rows).
        await b.deliver_reminders()
        assert b.queued == N - 40
    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert a.queued == 20
    await b.deliver_reminders()  # the killed batch is back to pending and is taken over
    assert a.queued + b.queued == N
    pushes = await outbox_pushes(db)
    assert len(pushes) == N
    assert set(pushes.values()) == {1}


async def test_a_worker_killed_while_sending_loses_nothing(db, workers, due_reminders, clock):
    a, b = workers
    await a.service.tick()
    started = asyncio.Event()

    async def hang(chat_id, reply, thread_id=None):
        started.set()
        await asyncio.Event().wait()

    a.platform.send = hang
    victim = asyncio.create_task(a.send_outbox())
    await asyncio.wait_for(started.wait(), timeout=10)
    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert await b.send_outbox() == 0  # A's claim is leased, not lost...
    clock.advance(a.sender.policy.lease + timedelta(seconds=1))
    await b.send_outbox()  # ...and once the lease runs out, B delivers it
    sent = delivered(b)
    assert len(sent) == N
    assert set(sent.values()) == {1}


async def test_digest_planning_and_rule_sweeps_happen_once(db, workers, due_reminders, clock):
    a, b = workers
    async with db.transaction(platform="test") as session:
        owner = await session.scalar(select(ChatIdentity.user_id).limit(1))
        company = Company(
            owner_id=owner, name="Nebula", created_at=clock.now(), updated_at=clock.now()
        )
        session.add(company)
        await session.flush()
        session.add(
            Activity(
                owner_id=owner,
                company_id=company.id,
                kind="visit",
                summary="first",
                occurred_at=clock.now(),
                created_at=clock.now(),
            )
        )
    clock.set(datetime(2026, 11, 21, 16, 0, tzinfo=SH))
    if db.is_sqlite:
        made = (await a.service.sweep_rules(), await b.service.sweep_rules())
        planned = (await a.service.plan_digests(), await b.service.plan_digests())
    else:
        made = await asyncio.gather(a.service.sweep_rules(), b.service.sweep_rules())
        planned = await asyncio.gather(a.service.plan_digests(), b.service.plan_digests())
    assert sum(made) == 1
    assert sum(planned) == USERS
    async with db.transaction() as session:
        digests = await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.kind == "digest")
        )
    assert digests == USERS
