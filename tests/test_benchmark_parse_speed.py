"""The parser benchmark measures a checkout's own parser and compares what it reads."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from benchmarks.parse_speed import ROOT, measure, texts
from bot.nlu.message import parse_log


def test_a_checkouts_parser_reads_the_benchmarks_texts_as_this_process_does():
    sets = texts()
    assert len(sets["per_message"]) == 1200
    assert len(sets["corpus"]) > 500
    few = {name: cases[:40] for name, cases in sets.items()}
    result = measure(sys.executable, ROOT, few)
    now = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for cases in few.values():
        for text, known in cases:
            assert result["readings"][text] == repr(parse_log(text, now, known_customers=known))
    assert all(ms > 0 for ms in result["cpu_ms"].values())
