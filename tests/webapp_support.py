"""Using the quick-lookup page and its API as a rep would: ask the bot for ``/app`` in chat,
open the link (the page posts its token to ``/app/session``), then call ``/api/v1`` with
the session cookie — each user with their own HTTP client, so their cookies stay apart."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from bot.adapters.webapp.telegram_init import sign_init_data
from tests.harness import BotHarness, ChatUser
from tests.server_harness import Running
from tests.workspace import Workspace

LINK = re.compile(r"https?://\S+/app\?t=\S+")


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any


@dataclass
class WebUser:
    """One person's browser: their own cookie jar, and the CSRF token the page keeps."""

    client: TestClient[Any, Any]
    csrf: str | None = None
    token: str | None = None  # an API token instead of the page's session
    me: dict[str, Any] = field(default_factory=dict)

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> Answer:
        sent = dict(headers)
        if self.csrf and method != "GET":
            sent.setdefault("X-CSRF-Token", self.csrf)
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body)
        if data is not None:
            sent["Content-Type"] = "application/json"
        async with self.client.request(method, path, data=data, headers=sent) as response:
            text = await response.text()
            parsed = json.loads(text) if "json" in response.content_type else text
            return Answer(response.status, parsed, response.headers)

    async def get(self, path: str) -> Answer:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None, **headers: str) -> Answer:
        return await self.call("POST", path, body if body is not None else {}, **headers)

    async def sign_in(self, payload: dict[str, str]) -> Answer:
        answer = await self.call("POST", "/app/session", payload)
        if answer.status == 200:
            self.csrf = answer.body["csrf"]
            self.me = answer.body
        return answer


@dataclass
class Web:
    run: Running
    bot: BotHarness
    ws: Workspace
    clients: list[TestClient[Any, Any]] = field(default_factory=list)

    async def browser(self) -> WebUser:
        client: TestClient[Any, Any] = TestClient(self.run.client.server)
        await client.start_server()
        self.clients.append(client)
        return WebUser(client)

    async def link_for(self, chat: ChatUser) -> str:
        """What the bot sends on ``/app``: the token of its signed link."""
        reply = await chat.send("/app")
        found = LINK.search(reply.text)
        assert found, reply.text
        return parse_qs(urlsplit(found.group(0)).query)["t"][0]

    async def open_from_chat(self, chat: ChatUser) -> WebUser:
        """``/app`` in chat, then the link opened: a signed-in page."""
        browser = await self.browser()
        answer = await browser.sign_in({"token": await self.link_for(chat)})
        assert answer.status == 200, answer.body
        return browser

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


def init_data(bot_token: str, user_id: int, auth_date: int, **extra: str) -> str:
    """``initData`` as Telegram builds it for a Mini App opened by ``user_id``."""
    from urllib.parse import urlencode

    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Li", "language_code": "en"}),
        "auth_date": str(auth_date),
        **extra,
    }
    fields["hash"] = sign_init_data(fields, bot_token)
    return urlencode(fields)


@asynccontextmanager
async def web_over(run: Running) -> AsyncIterator[Web]:
    """The rep-workflow workspace on the running server, and browsers for its people."""
    from tests import workspace

    harness = BotHarness(run.server.app, run.clock, run.server.app.settings)
    web = Web(run, harness, await workspace.build(harness))
    try:
        yield web
    finally:
        await web.close()
