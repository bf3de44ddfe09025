"""python-telegram-bot's networking backend on aiohttp instead of httpx.

Why: every reply the outbox sends goes through ``Bot.send_message``, and with PTB's default
``HTTPXRequest`` httpx's own Python was about a tenth of a worker's CPU under a burst of
one-message logs (py-spy, ``benchmarks/webhook.py``, issue 20) — as much as the whole log's
database writes. aiohttp, which already serves our webhooks, does the same request for a
fraction of that. PTB documents this seam: a subclass of :class:`telegram.request.BaseRequest`
that implements ``do_request`` (status and body back, PTB parses and raises), passed as
``Bot(request=…, get_updates_request=…)``; every Bot API method, uploads and file downloads
included, goes through it unchanged.

A request without an upload goes as JSON, which the Bot API documents for every method
("application/json (except for uploading files)"); an upload goes as ``multipart/form-data``,
as with httpx.

Errors follow ``HTTPXRequest``: a timeout is :class:`telegram.error.TimedOut`, any other
transport failure :class:`telegram.error.NetworkError`, so the adapter's retry logic sees
what it saw before.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
"""PTB's ``HTTPXRequest`` defaults, seconds (an upload may take longer to write)."""


class AiohttpRequest(BaseRequest):
    """One aiohttp client session, opened by :meth:`initialize` (``Bot.initialize``, or the
    first request) and closed by :meth:`shutdown` (``Bot.shutdown``)."""

    __slots__ = ("_connections", "_session")

    def __init__(self, connections: int = 256) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        await self.initialize()
        assert self._session is not None
        files = False
        body: Any = None
        if request_data is not None:
            files = request_data.contains_files
            if files:
                body = _form(request_data.json_parameters, request_data.multipart_data)
            elif parameters := request_data.parameters:
                # JSON: an object such as ``reply_markup`` goes as itself, and a sendMessage
                # costs about a fifth less of our CPU than urlencoding it (``quote_plus``) did.
                body = aiohttp.JsonPayload(parameters)
        read = _seconds(read_timeout, READ_TIMEOUT)
        write = _seconds(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _seconds(connect_timeout, CONNECT_TIMEOUT)
        pool = _seconds(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no write timeout: the whole request is bounded by the sum instead,
            # and a stalled read is caught sooner by sock_read.
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name only: an aiohttp error's text may hold the URL, and with it
            # the bot token.
            raise NetworkError(f"aiohttp.{err.__class__.__name__}") from err


def _seconds(value: object, default: float) -> float | None:
    """A timeout PTB passes on: left unset (``DEFAULT_NONE``) → ours; ``None`` → none."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"a timeout in seconds, not {value!r}")


def _sum(*parts: float | None) -> float | None:
    """A bound made of several timeouts; none if any of them is unbounded."""
    return None if any(part is None for part in parts) else sum(p for p in parts if p is not None)


def _form(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body as httpx builds it from ``data=`` and ``files=``."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


__all__ = ["AiohttpRequest"]
