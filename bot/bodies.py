"""Reading webhook request bodies under a time limit and a cap on unverified ones.

aiohttp bounds a body's size (``client_max_size``) but not the time it takes to arrive, and
a platform whose signature covers the body (Slack, WeChat, WeCom) can only be verified once
all of it is here. Without limits, anyone could hold many slow 1 MB bodies open at once
(150 of them cost 186 MB). So every body is read within ``CRMBOT_HTTP_BODY_TIMEOUT``, and
at most ``CRMBOT_MAX_UNVERIFIED_BODIES`` are read at once before verification; one more is
refused at once (Slack and WeChat deliver it again later). A request already verified by a
header (Telegram's secret token) is not counted against that cap.

One instance per server (it lives on :class:`bot.app.App`), shared by every adapter; the
HTTP side (the 408 and 503 answers) is :func:`bot.adapters.http.read_body`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class BodyRefused(Exception):
    """The body was not read."""


class TooManyUnverified(BodyRefused):
    """As many unverified bodies as allowed are being read already."""


class TooSlow(BodyRefused):
    """The body did not arrive within the time limit."""


class BodyLimits:
    def __init__(self, *, timeout: float, unverified: int) -> None:
        self.timeout = timeout
        self.unverified = unverified
        self._reading = 0

    @property
    def reading_unverified(self) -> int:
        """How many unverified bodies are being read right now."""
        return self._reading

    async def read(
        self, read: Callable[[], Awaitable[bytes]], *, verified: bool, arrived: bool = False
    ) -> bytes:
        """``read()``'s bytes, within the time limit (else :class:`TooSlow`); an unverified
        body only while fewer than the cap are read (else :class:`TooManyUnverified`).
        ``arrived``: the whole body is here already (the connection has given its end), so
        there is nothing to wait for and no timer is set: a webhook's small body usually
        comes with its headers, and a timer set and cancelled for every message was about
        1 % of a known log's CPU (issue 20)."""
        if verified:
            return await self._timed(read, arrived)
        if self._reading >= self.unverified:
            raise TooManyUnverified(f"{self._reading} unverified bodies already being read")
        self._reading += 1
        try:
            return await self._timed(read, arrived)
        finally:
            self._reading -= 1

    async def _timed(self, read: Callable[[], Awaitable[bytes]], arrived: bool) -> bytes:
        if arrived:
            return await read()
        try:
            async with asyncio.timeout(self.timeout):
                return await read()
        except TimeoutError:
            raise TooSlow(f"not received within {self.timeout:g} s") from None
