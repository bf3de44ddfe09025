"""Card reading and chart drawing in a lower-priority worker process (bot.workers)."""

from __future__ import annotations

import os

from bot.cardscan.scanner import scan_or_refusal, shared_engine
from bot.server import build_server
from bot.workers import NICENESS, SlowWorkers
from charts.kinds import render
from tests import cardset
from tests.fakes.telegram_api import FakeTelegram, telegram_settings, timestamp
from tests.test_charts import specs


def _niceness() -> int:
    return os.nice(0)


async def test_a_card_is_read_and_a_chart_drawn_in_a_nicer_process():
    workers = SlowWorkers(1)
    try:
        # 19 is the lowest priority there is: under `nice -n 10` the worker stops there.
        assert await workers.run(_niceness) == min(os.nice(0) + NICENESS, 19)
        generated = cardset.make_card(2)
        result = await workers.run(scan_or_refusal, generated.jpeg, "CN", 20 * 1_048_576)
        assert not isinstance(result, str)
        assert result.fields.name == generated.truth["name"]
        assert await workers.run(scan_or_refusal, b"not an image", "CN", 1_048_576) == ("not_image")
        png = await workers.run(render, specs()["pipeline"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        workers.close()


def _models_loaded() -> bool:
    return shared_engine().loaded


async def test_a_started_server_is_warm_once_its_worker_has_loaded_the_models(settings, clock):
    """``Server.warmed``: what a benchmark waits for before it measures a running server
    (the worker's start and the models' loading are seconds of CPU on another core)."""
    fake = FakeTelegram(now=timestamp(clock.now()))
    await fake.start()
    one_worker = telegram_settings(settings, fake).model_copy(update={"slow_work_processes": 1})
    server = await build_server(one_worker, clock)
    try:
        assert await server.warmed() is False  # not started
        await server.start_background()
        assert await server.warmed() is True
        assert await server.app.engine.parts.workers.run(_models_loaded)
    finally:
        await server.close()
        await fake.close()


async def test_no_processes_means_a_thread():
    workers = SlowWorkers(0)
    assert await workers.run(_niceness) == os.nice(0)
