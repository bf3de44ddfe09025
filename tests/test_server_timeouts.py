"""Slow clients against the real server (``bot.server.http_options`` and ``bot.bodies``):
a body that never completes is dropped after the body timeout, a connection that never
finishes its headers after the idle timeout, at most N unverified bodies are read at once,
and what can be verified before the body (Telegram's secret header, Slack's timestamp) is.

The timeouts are configured short (a few tenths of a second); each test waits for the
server to act, never sleeps by itself. Requests are written by hand on a raw connection, as
a slow or malicious client would send them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.bodies import BodyLimits, TooSlow
from bot.config import Settings
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, SlackWorkspace, sign
from tests.fakes.telegram_api import WEBHOOK_SECRET, Rig, telegram_rig, user

BODY_TIMEOUT = 0.3
IDLE_TIMEOUT = 0.4
CAP = 2
PATIENCE = 10.0
"""Seconds a test waits for the server at most (never reached when it works)."""
SAM = user(4242, "Sam")


@dataclass
class Both:
    """One server with Telegram and Slack, each on its local fake."""

    tg: Rig
    slack: SlackWorkspace

    @property
    def address(self) -> tuple[str, int]:
        client = self.tg.run.client
        assert client.port is not None
        return client.host, client.port


@pytest.fixture
async def both(settings: Settings, clock) -> AsyncIterator[Both]:
    api = FakeSlackApi()
    await api.start()
    config = settings.model_copy(
        update={
            "http_body_timeout": BODY_TIMEOUT,
            "http_idle_timeout": IDLE_TIMEOUT,
            "max_unverified_bodies": CAP,
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": api.api_url,
        }
    )
    try:
        async with telegram_rig(Settings.model_validate(config.model_dump()), clock) as rig:
            yield Both(rig, SlackWorkspace(rig.run, api))
    finally:
        await api.close()


class Slow:
    """A raw connection that sends a request's head and part of its body, then stalls."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, both: Both, path: str, headers: dict[str, str], sent: bytes = b"", length: int = 0
    ) -> Slow:
        reader, writer = await asyncio.open_connection(*both.address)
        lines = [f"POST {path} HTTP/1.1", f"Host: {both.address[0]}"]
        if length:
            lines.append(f"Content-Length: {length}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
        await writer.drain()
        return cls(reader, writer)

    async def status(self) -> int:
        line = await asyncio.wait_for(self.reader.readline(), PATIENCE)
        return int(line.split()[1])

    async def closed_by_server(self) -> bool:
        """Read until the server closes; True when it did (EOF), whatever it sent first."""
        while await asyncio.wait_for(self.reader.read(65536), PATIENCE):
            pass
        return True

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def slack_head(stale: bool = False) -> dict[str, str]:
    """Headers that pass every check that needs no body (the signature itself needs it)."""
    timestamp = int(time.time()) - (600 if stale else 0)
    return {"Content-Type": "application/json", **sign(b"", timestamp=timestamp)}


async def until(condition, what: str) -> None:
    """Yield to the server until ``condition()`` holds (no time passes on purpose)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not condition():
        assert loop.time() < deadline, what
        await asyncio.sleep(0)


async def telegram_served(both: Both) -> bool:
    status, _ = await both.tg.post(both.tg.fake.text_update(SAM, "hello"))
    return status == 200


async def served(both: Both) -> None:
    assert await telegram_served(both)
    said = await both.slack.person("U0SAM", "D0SAMDM").say("hello")
    assert said.answer.status == 200


async def test_a_body_that_never_completes_is_dropped_after_the_body_timeout(both, caplog):
    loop = asyncio.get_running_loop()
    started = loop.time()
    slow = await Slow.open(both, "/slack/events", slack_head(), b'{"type": "eve', length=5000)
    assert await slow.status() == 408
    assert loop.time() - started >= BODY_TIMEOUT
    assert await slow.closed_by_server()
    await slow.close()
    assert "not received within 0.3 s (408)" in caplog.text
    # Telegram's body (verified by its header) is timed too.
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    slow = await Slow.open(both, "/telegram/webhook", headers, b'{"update_id": 1', length=5000)
    assert await slow.status() == 408
    assert await slow.closed_by_server()
    await slow.close()
    assert both.tg.run.server.app.bodies.reading_unverified == 0
    await served(both)


async def test_a_connection_that_never_finishes_its_headers_is_closed(both):
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(*both.address)
    started = loop.time()
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Sig")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), PATIENCE) == b""  # closed, nothing said
    assert loop.time() - started >= IDLE_TIMEOUT * 0.9  # aiohttp rounds its timer
    writer.close()
    await served(both)


async def test_at_most_n_unverified_bodies_are_read_at_once(both, caplog):
    bodies = both.tg.run.server.app.bodies
    stalled = [
        await Slow.open(both, "/slack/events", slack_head(), b"{", length=900_000)
        for _ in range(CAP)
    ]
    await until(lambda: bodies.reading_unverified == CAP, "the stalled bodies being read")
    # One more unverified body: refused at once, before its body is read.
    data = both.slack.person("U0SAM", "D0SAMDM").dm_event("hello")
    answer = await both.slack.send_json(data)
    assert answer.status == 503
    assert "unverified bodies already being read" in caplog.text
    # Telegram's request was verified by its header: it is not held up by the cap.
    assert await telegram_served(both)
    for slow in stalled:
        await slow.close()
    await until(lambda: bodies.reading_unverified == 0, "the stalled bodies let go")
    await served(both)


async def test_what_the_headers_prove_is_checked_before_the_body_is_read(both):
    """A wrong Telegram secret or a stale Slack timestamp is refused at once: the body that
    never comes is not waited for (that would be a 408 after the body timeout)."""
    bodies = both.tg.run.server.app.bodies
    # Headers only (no body byte sent): a byte the server never read would make its close a
    # reset, which can overtake the answer on a busy machine.
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
    slow = await Slow.open(both, "/telegram/webhook", wrong, b"", length=900_000)
    assert await slow.status() == 403
    await slow.close()
    for headers in (slack_head(stale=True), {"Content-Type": "application/json"}):
        slow = await Slow.open(both, "/slack/events", headers, b"", length=900_000)
        assert await slow.status() == 401
        await slow.close()
    assert bodies.reading_unverified == 0
    body = json.dumps(both.slack.person("U0SAM", "D0SAMDM").dm_event("hi")).encode()
    slow = await Slow.open(
        both, "/slack/events", {"Content-Type": "application/json", **sign(body)}, body[:10], 900
    )
    await until(lambda: bodies.reading_unverified == 1, "a plausible Slack body being read")
    await slow.close()
    await served(both)


async def test_an_api_body_that_never_completes_is_dropped_too(both):
    """The quick-lookup API's bodies (issue 12) are read under the same time limit, and the
    connection is closed as the webhooks' are, not kept for the rest of the body."""
    from store.api_tokens import create_token
    from store.models import Role
    from store.users import create_user

    app = both.tg.run.server.app
    async with app.db.transaction() as session:
        li = await create_user(session, "li", role=Role.REP, now=app.clock.now())
        _, token = await create_token(session, li, "erp", now=app.clock.now())
    head = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    slow = await Slow.open(both, "/api/v1/log", head, b'{"company_id": 1, "no', length=5000)
    assert await slow.status() == 408
    assert await slow.closed_by_server()
    await slow.close()
    await served(both)


async def test_a_body_already_here_is_read_without_a_timer():
    """A webhook's small body usually comes with its headers: there is nothing to wait for,
    so no timer is set for it (issue 20: about 1 % of a known log's CPU). A body still
    arriving is timed, here with no time at all."""
    limits = BodyLimits(timeout=0, unverified=CAP)

    async def read() -> bytes:
        await asyncio.sleep(0)  # reading yields once, as aiohttp's may
        return b"{}"

    assert await limits.read(read, verified=True, arrived=True) == b"{}"
    assert await limits.read(read, verified=False, arrived=True) == b"{}"
    with pytest.raises(TooSlow):
        await limits.read(read, verified=True)
    assert limits.reading_unverified == 0
