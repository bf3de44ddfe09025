"""The per-message benchmark's meter of the PostgreSQL server's CPU (benchmarks/server_cpu.py):
it must see the work a window's statements cost the server, and say nothing for SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from benchmarks.server_cpu import ServerCpu


@pytest.mark.sqlite_only
async def test_sqlite_has_no_server_to_measure(database_url):
    assert await ServerCpu.start(database_url) is None


@pytest.mark.postgresql_only
async def test_the_servers_cpu_over_a_window_counts_its_statements(bot, database_url):
    meter = await ServerCpu.start(database_url)
    assert meter is not None, "the test server runs on this machine: /proc must show it"
    async with bot.db.engine.connect() as connection:
        for _ in range(3):  # about a second of the server's CPU, whatever the machine
            await connection.execute(text("SELECT count(*) FROM generate_series(1, 3000000)"))
    spent = await meter.seconds_since()
    assert spent is not None
    assert spent > 0.1
