"""Card reading and chart drawing in a lower-priority worker process (bot.workers)."""

from __future__ import annotations

import os

from bot.cardscan.scanner import scan_or_refusal
from bot.workers import NICENESS, SlowWorkers
from charts.kinds import render
from tests import cardset
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


async def test_no_processes_means_a_thread():
    workers = SlowWorkers(0)
    assert await workers.run(_niceness) == os.nice(0)
