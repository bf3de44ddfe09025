"""Waking the sending worker from another worker: PostgreSQL's LISTEN / NOTIFY.

Only the worker holding the sender lease sends (see :mod:`bot.delivery.sender`); a reply
committed by any other worker would otherwise wait for the sender's next idle poll. So the
sender listens on a dedicated connection while it holds the lease, and the other workers
notify it after each commit that wrote outbox rows. SQLite serves one worker, which wakes
its own sender directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from store.db import Database

log = logging.getLogger(__name__)
CHANNEL = "crmbot_outbox"


class Wakeups:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None
        # The sender's loop and a direct call may renew the lease at once: each would open
        # a listening connection, and one of them would never be closed.
        self._changing = asyncio.Lock()

    @property
    def supported(self) -> bool:
        return not self.db.is_sqlite

    @property
    def listening(self) -> bool:
        return self._connection is not None

    async def listen(self, on_notice: Callable[[], None]) -> None:
        """Call ``on_notice`` whenever another worker has queued something to send."""
        if not self.supported:
            return

        def notified(*_: Any) -> None:
            on_notice()

        async with self._changing:
            if self._connection is not None:
                return
            connection = await self.db.engine.connect()
            try:
                driver = (await connection.get_raw_connection()).driver_connection
                if driver is None:
                    raise RuntimeError("no driver connection to listen on")
                await driver.add_listener(CHANNEL, notified)  # asyncpg's own API
            except BaseException:
                await connection.close()
                raise
            self._connection = connection

    async def stop(self) -> None:
        async with self._changing:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    # The connection goes back to the pool: LISTEN must not stay on it.
                    await connection.execute(text("UNLISTEN *"))
                finally:
                    await connection.close()

    async def notify(self) -> None:
        """Tell the sending worker (wherever it runs) that rows are waiting."""
        if not self.supported:
            return
        try:
            async with self.db.transaction(platform="outbox") as session:
                await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        except Exception:  # the sender's idle poll still finds the rows
            log.warning("could not wake the sending worker", exc_info=True)
