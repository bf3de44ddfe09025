"""Calling the WeChat / WeCom HTTP APIs with aiohttp, on one access token shared through the
database.

Why not wechatpy's ``WeChatClient``: it is blocking (requests), keeps its token in process
memory unless given a storage, and retries on its own schedule. Our outbox sender already
owns pacing, retries and backoff on the injected clock, so the calls are a thin aiohttp
layer here, and wechatpy stays what it is good at (signatures, crypto, XML).

The token: each fetch invalidates the previous one (after a 5-minute overlap), so workers
must share one. It lives in ``platform_tokens``; a worker keeps a copy in memory until it
is near expiry, and the refresh happens under a lock (an advisory lock on PostgreSQL, so
exactly one worker fetches; the others then read the new row). ``errcode`` 40001 / 42001 /
40014 (token invalid or expired) refresh once and retry the call once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.adapters.base import DeliveryError
from bot.clock import Clock
from store.db import Database
from store.platform_tokens import current, lock_refresh, save

log = logging.getLogger(__name__)

API_TIMEOUT = 30.0
TOKEN_MARGIN = timedelta(minutes=10)
"""A token this close to expiry is refreshed before use (it lives 7,200 s)."""
STALE_TOKEN = frozenset({40001, 40014, 42001})
QUOTA = frozenset({45009, 45047, 45033, 45011})
"""Call quota, per-user customer-service quota, WeCom's per-member / per-app limits."""
WINDOW_CLOSED = frozenset({43004, 45015})
"""Not following the account / not written in 48 hours: wait until they write again."""
BUSY = frozenset({-1})
QUOTA_PAUSE = 60.0
"""Seconds to wait after a quota refusal before trying that chat again."""


class ApiError(Exception):
    def __init__(self, path: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{path}: errcode {errcode} {errmsg}".rstrip())
        self.errcode = errcode
        self.errmsg = errmsg


def classify(exc: ApiError) -> DeliveryError:
    """A refused call in the outbox's terms."""
    if exc.errcode in WINDOW_CLOSED:
        return DeliveryError(str(exc), until_they_write=True)
    if exc.errcode in QUOTA:
        return DeliveryError(str(exc), retry_after=QUOTA_PAUSE)
    if exc.errcode in BUSY or exc.errcode in STALE_TOKEN:
        return DeliveryError(str(exc))
    return DeliveryError(str(exc), permanent=True)


def part_way(exc: BaseException, platform: str, sent_ids: list[str]) -> DeliveryError:
    """A failure while sending the parts of a split reply, saying which parts went out, so
    the outbox's retry resumes after them (``Resumable``) instead of resending them."""
    if isinstance(exc, ApiError):
        exc = classify(exc)
    if not isinstance(exc, DeliveryError):  # transport: a refused connection, a timeout
        exc = DeliveryError(f"{platform}: {type(exc).__name__}: {exc}")
    return DeliveryError(
        str(exc),
        retry_after=exc.retry_after,
        permanent=exc.permanent,
        until_they_write=exc.until_they_write,
        sent_ids=sent_ids,
    )


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: datetime


FetchToken = Callable[[aiohttp.ClientSession], Awaitable[tuple[str, int]]]
"""Asks the platform for a new token: (token, lifetime in seconds)."""


class WeixinApi:
    """One platform's API root, token and HTTP pool."""

    def __init__(
        self, *, platform: str, root: str, db: Database, clock: Clock, fetch_token: FetchToken
    ) -> None:
        self.platform = platform
        self.root = root.rstrip("/")
        self.db = db
        self.clock = clock
        self._fetch_token = fetch_token
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, path: str) -> str:
        return f"{self.root}/{path.lstrip('/')}"

    # ----------------------------------------------------------------------- token

    async def token(self, *, stale: str | None = None) -> str:
        """A valid token; ``stale``: the platform just refused this one."""
        held = self._token
        if held is not None and held.value != stale and self._usable(held.expires_at):
            return held.value
        async with self._lock:
            held = self._token
            if held is not None and held.value != stale and self._usable(held.expires_at):
                return held.value
            self._token = await self._refresh(stale)
            return self._token.value

    def _usable(self, expires_at: datetime) -> bool:
        return expires_at - TOKEN_MARGIN > self.clock.now()

    async def _refresh(self, stale: str | None) -> Token:
        if self.db.is_sqlite:
            # One process serves SQLite: our lock is the only one needed, and the write lock
            # is not held across the HTTP call.
            async with self.db.transaction(platform=self.platform) as session:
                row = await current(session, self.platform)
                if row is not None and row.token != stale and self._usable(row.expires_at):
                    return Token(row.token, row.expires_at)
            fetched = await self._fetch()
            async with self.db.transaction(platform=self.platform) as session:
                await save(
                    session,
                    self.platform,
                    fetched.value,
                    expires_at=fetched.expires_at,
                    now=self.clock.now(),
                )
            return fetched
        async with self.db.transaction(platform=self.platform) as session:
            await lock_refresh(session, self.platform)
            row = await current(session, self.platform)
            if row is not None and row.token != stale and self._usable(row.expires_at):
                return Token(row.token, row.expires_at)  # another worker just refreshed it
            fetched = await self._fetch()
            await save(
                session,
                self.platform,
                fetched.value,
                expires_at=fetched.expires_at,
                now=self.clock.now(),
            )
            return fetched

    async def _fetch(self) -> Token:
        session = await self.start()
        value, lifetime = await self._fetch_token(session)
        log.info("%s: fetched a new access token (valid %d s)", self.platform, lifetime)
        return Token(value, self.clock.now() + timedelta(seconds=lifetime))

    # ----------------------------------------------------------------------- calls

    async def call(
        self,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        data: aiohttp.FormData | Callable[[], aiohttp.FormData] | None = None,
    ) -> dict[str, Any]:
        """POST (or GET without a body) ``path`` with the token; the answer's JSON. Raises
        :class:`ApiError` for a non-zero ``errcode``, aiohttp's errors for transport."""
        token = await self.token()
        try:
            return await self._once(path, token, json=json, params=params, data=data)
        except ApiError as exc:
            if exc.errcode not in STALE_TOKEN:
                raise
            log.warning("%s: token refused (%s); refreshing once", self.platform, exc.errcode)
            token = await self.token(stale=token)
            return await self._once(path, token, json=json, params=params, data=data)

    async def _once(
        self,
        path: str,
        token: str,
        *,
        json: dict[str, Any] | None,
        params: dict[str, str] | None,
        data: aiohttp.FormData | Callable[[], aiohttp.FormData] | None,
    ) -> dict[str, Any]:
        session = await self.start()
        query = {**(params or {}), "access_token": token}
        body = data() if callable(data) else data
        method = "POST" if json is not None or body is not None else "GET"
        async with session.request(
            method, self.url(path), params=query, json=json, data=body
        ) as response:
            if response.status >= 500:
                raise DeliveryError(f"{self.platform}: {path}: HTTP {response.status}")
            if response.status >= 400:
                raise DeliveryError(
                    f"{self.platform}: {path}: HTTP {response.status}", permanent=True
                )
            answer = await response.json(content_type=None)
        return check(path, answer)

    async def download(
        self, path: str, params: dict[str, str], limit: int
    ) -> tuple[bytes | None, str]:
        """A media file: (bytes, content type), or (None, why) when it is over ``limit``
        bytes or the platform answered with an error instead of the file."""
        token = await self.token()
        session = await self.start()
        async with session.get(
            self.url(path), params={**params, "access_token": token}
        ) as response:
            response.raise_for_status()
            kind = response.headers.get("Content-Type", "")
            if kind.startswith(("application/json", "text/plain")):
                answer = await response.json(content_type=None)
                check(path, answer)
                return None, "unavailable"
            if response.content_length is not None and response.content_length > limit:
                return None, "too_large"
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    return None, "too_large"
                chunks.append(chunk)
        return b"".join(chunks), kind


def check(path: str, answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise DeliveryError(f"{path}: the answer is not a JSON object")
    code = answer.get("errcode", 0)
    if code not in (0, None, "0"):
        try:
            number = int(code)
        except (TypeError, ValueError):
            number = -2
        raise ApiError(path, number, str(answer.get("errmsg", "")))
    return answer
