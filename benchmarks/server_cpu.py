"""The PostgreSQL server's CPU over a window, when the server runs on this machine.

Throughput on a shared machine is not the whole cost of a message: a statement planned at
every run, or a heavier write, costs the database server's CPU, which on a 2-core machine
competes with the bot and in production is the one shared resource every worker uses. So
the per-message benchmark reports the server's CPU per message too, for both sides.

Read from ``/proc``: every server process (``pg_stat_activity`` lists the backends and the
server's own workers) plus what the postmaster collected from children that exited (a
connection closed during the window). Linux only; a remote server gives ``None``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` after the command's name (field 3 onwards), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _own_ticks(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # utime, stime


def _reaped_ticks(fields: list[str]) -> int:
    return int(fields[13]) + int(fields[14])  # cutime, cstime: children that exited


@dataclass
class ServerCpu:
    """The server's processes found at the start; :meth:`seconds_since` reads them again."""

    url: str
    postmaster: int
    start_ticks: int

    @classmethod
    async def start(cls, url: str) -> ServerCpu | None:
        """None for SQLite, a server elsewhere, or a ``/proc`` this user cannot read."""
        if not url.startswith("postgres"):
            return None
        pids = await _server_pids(url)
        if not pids:
            return None
        first = _fields(pids[0])
        if first is None:
            return None
        postmaster = int(first[1])  # a backend's parent
        ticks = _total_ticks(postmaster, pids)
        return None if ticks is None else cls(url, postmaster, ticks)

    async def seconds_since(self) -> float | None:
        """CPU seconds the server spent since :meth:`start` (processes that started
        meanwhile are counted whole)."""
        ticks = _total_ticks(self.postmaster, await _server_pids(self.url))
        return None if ticks is None else (ticks - self.start_ticks) / _TICK


def with_server_cpu(row: dict[str, Any], seconds: float | None, messages: int) -> None:
    """``row``'s ``server_cpu_ms_per_msg``, when the server's CPU was measured."""
    if seconds is not None:
        row["server_cpu_ms_per_msg"] = round(seconds / messages * 1000, 2)


def _total_ticks(postmaster: int, pids: list[int]) -> int | None:
    master = _fields(postmaster)
    if master is None:
        return None
    total = _own_ticks(master) + _reaped_ticks(master)
    for pid in pids:
        fields = _fields(pid)
        if fields is not None and int(fields[1]) == postmaster:
            total += _own_ticks(fields)
    return total


async def _server_pids(url: str) -> list[int]:
    """Every server process but the one this query runs in. That one exits as the query
    ends, and its few milliseconds join what the postmaster collected: over hundreds of
    messages, noise of about 0.01 ms a message."""
    engine = create_async_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
            )
            return [int(pid) for (pid,) in rows]
    except Exception:
        return []
    finally:
        await engine.dispose()
