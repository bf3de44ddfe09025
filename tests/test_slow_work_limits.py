"""One photo cannot hold the server: card reading has a time limit, a memory cap and a
bounded number of readings at once (bot.workers, issue 21 item 3)."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import open_app
from bot.cardscan import scanner as scanner_module
from bot.cardscan.scanner import CardScanner, ScanResult
from bot.events import Attachment
from bot.workers import SlowWorkers, SlowWorkFailed
from store.models import Contact, ContactPhoto, Conversation
from tests import cardset
from tests.harness import BotHarness

TOO_SLOW = "That photo took too long to read"


@pytest.fixture
async def slow_bot(settings, clock) -> AsyncIterator[BotHarness]:
    app = await open_app(settings.model_copy(update={"card_read_seconds": 0.05}), clock)
    harness = BotHarness(app, clock, settings)
    yield harness
    await harness.app.close()


async def test_a_photo_that_reads_too_long_is_given_up_and_nothing_is_kept(slow_bot, monkeypatch):
    release = threading.Event()

    def stuck(self: CardScanner, data: bytes, *, region: str = "CN") -> ScanResult:
        release.wait(30)  # a dense card: still reading long after the limit
        raise AssertionError("the reading should have been given up")

    monkeypatch.setattr(scanner_module.CardScanner, "scan", stuck)
    rep = await slow_bot.user("li", lang="en")
    photo = Attachment("image", data=cardset.make_card(0).jpeg, mime_type="image/jpeg")
    try:
        r = await rep.deliver(rep.event(attachments=(photo,)))
    finally:
        release.set()
    assert TOO_SLOW in r.text
    assert "Nothing was saved" in r.text
    for model in (Contact, ContactPhoto):
        assert await slow_bot.scalar(select(func.count()).select_from(model)) == 0
    pending = select(func.count()).select_from(Conversation).where(Conversation.flow.is_not(None))
    assert await slow_bot.scalar(pending) == 0  # no half-started card review either
    # and the rep can carry on at once
    assert "Nothing was saved" not in (await rep.send("/help")).text


async def test_the_same_message_in_chinese(slow_bot, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(
        scanner_module.CardScanner, "scan", lambda self, data, region="CN": release.wait(30)
    )
    rep = await slow_bot.user("wang", lang="zh")
    photo = Attachment("image", data=b"\xff\xd8\xff", mime_type="image/jpeg")
    try:
        r = await rep.deliver(rep.event(attachments=(photo,)))
    finally:
        release.set()
    assert "识别时间太长" in r.text


async def test_at_most_k_jobs_run_at_once_and_the_next_waits():
    workers = SlowWorkers(0, at_once=2)
    running = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Event()

    def compute(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        gate.wait(30)
        with lock:
            running -= 1
        return n

    jobs = [asyncio.create_task(workers.run(compute, n)) for n in range(5)]
    for _ in range(200):  # until the first two are inside compute
        await asyncio.sleep(0.005)
        with lock:
            if running == 2:
                break
    await asyncio.sleep(0.05)  # would let a third one in, were it allowed
    with lock:
        assert running == 2
    gate.set()
    assert await asyncio.gather(*jobs) == [0, 1, 2, 3, 4]
    assert most == 2


def test_never_more_at_once_than_processes():
    assert SlowWorkers(1, at_once=4).at_once == 1
    assert SlowWorkers(3, at_once=2).at_once == 2


# --------------------------------------------------------------------------- in a process


def _sleeps(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _deaf_to_the_alarm(seconds: float) -> str:
    """Stuck where the alarm cannot reach it, like a long call into onnxruntime."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return "done"


def _allocates(megabytes: int) -> int:
    return len(bytearray(megabytes * 1_048_576))


async def test_in_a_process_the_time_limit_stops_the_work(monkeypatch):
    monkeypatch.setattr("bot.workers.HARD_GRACE", 0.5)
    workers = SlowWorkers(1)
    try:
        with pytest.raises(SlowWorkFailed) as failed:
            await workers.run(_sleeps, 30.0, seconds=0.2)
        assert failed.value.reason == "time"
        # the same process serves the next job
        assert (
            await workers.run(_sleeps, 0.0, seconds=60) == "done"
        )  # a new process: slow on a busy machine
    finally:
        workers.close()


async def test_a_process_stuck_past_the_limit_is_ended_and_the_pool_replaced(monkeypatch):
    monkeypatch.setattr("bot.workers.HARD_GRACE", 0.3)
    workers = SlowWorkers(1)
    try:
        with pytest.raises(SlowWorkFailed) as failed:
            await workers.run(_deaf_to_the_alarm, 30.0, seconds=0.2)
        assert failed.value.reason in {"crashed", "time"}
        assert (
            await workers.run(_sleeps, 0.0, seconds=60) == "done"
        )  # a new process: slow on a busy machine
    finally:
        workers.close()


async def test_the_memory_cap_turns_a_huge_allocation_into_a_clear_failure():
    workers = SlowWorkers(1, memory_bytes=1024 * 1_048_576)
    try:
        with pytest.raises(SlowWorkFailed) as failed:
            await workers.run(_allocates, 4096, seconds=20)
        assert failed.value.reason == "memory"
        assert await workers.run(_allocates, 16, seconds=20) == 16 * 1_048_576
    finally:
        workers.close()
