"""``crmbot send`` in a process of its own beside the measured server (``--sender-process``
of ``benchmarks/per_message.py``): the deployment where the workers taking updates leave the
platforms' HTTP calls to one sending worker (PostgreSQL only).

Its CPU is read from ``/proc`` (Linux), so that a run reports what the sending costs beside
the CPU of the process taking the updates: the two together are crmbot's cost a message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from bot.server import SENDER_LEASE
from store.db import Database
from store.models import Lease

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


@dataclass
class SendingWorker:
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, environment: dict[str, str], log: Path) -> SendingWorker:
        """Start ``crmbot send`` with ``environment`` (the ``CRMBOT_*`` settings) and wait
        until it holds the sender's lease."""
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                "from bot.cli import main; main()",
                "send",
                cwd=ROOT,
                env={**os.environ, **environment},
                stdout=output,
                stderr=output,
            )
        worker = cls(process)
        await worker._until_it_sends(environment["CRMBOT_DATABASE_URL"])
        return worker

    async def _until_it_sends(self, database_url: str) -> None:
        db = Database(database_url, SystemClock())
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"crmbot send stopped ({self.process.returncode})")
                async with db.transaction(platform="bench") as session:
                    if await session.scalar(select(Lease).where(Lease.name == SENDER_LEASE)):
                        return
                await asyncio.sleep(0.1)
        finally:
            await db.dispose()
        raise RuntimeError("crmbot send did not take the sender's lease in time")

    def cpu_seconds(self) -> float:
        """The process's user and system CPU so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await self.process.wait()
