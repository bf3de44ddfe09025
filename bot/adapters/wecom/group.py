"""WeCom group robots: delivery of a team's subscribed reports to the team's group.

A group robot is only a webhook URL (``crmbot wecom add-group-bot TEAM URL``): no callback,
no token. It takes ``markdown`` and ``image`` (the bytes as base64 with their MD5), about 20
messages a minute per robot. The outbox addresses it as platform :data:`PLATFORM` with the
robot's row id as the chat id, so reports to groups are paced, retried and recorded like
every other message.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import aiohttp

from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.wechat.api import QUOTA, QUOTA_PAUSE
from bot.adapters.wecom.render import markdown
from bot.app import App
from bot.replies import Card, Choices, Document, Image, Reply, Text
from store.group_bots import PLATFORM, url_of

log = logging.getLogger(__name__)

IMAGE_BYTES = 2 * 1024 * 1024
"""A group robot refuses images over 2 MB."""
MARKDOWN_BYTES = 4096


def render_group(reply: Reply) -> list[dict[str, Any]]:
    """The robot messages for one reply: its text as markdown (buttons dropped: a group
    cannot answer them), then the image."""
    if isinstance(reply, Image):
        bodies = [_markdown(reply.caption)] if reply.caption else []
        if len(reply.data) <= IMAGE_BYTES:
            bodies.append(
                {
                    "msgtype": "image",
                    "image": {
                        "base64": base64.b64encode(reply.data).decode(),
                        "md5": hashlib.md5(reply.data).hexdigest(),  # noqa: S324 (the API's checksum)
                    },
                }
            )
        return bodies
    if isinstance(reply, Card):
        return [{"msgtype": "markdown", "markdown": {"content": markdown(reply)}}]
    if isinstance(reply, Document):  # a group robot posts no files: only the caption
        return [_markdown(reply.caption)] if reply.caption else []
    text = reply.text if isinstance(reply, Text | Choices) else ""
    return [_markdown(text)] if text else []


def _markdown(text: str) -> dict[str, Any]:
    content = text.encode()[:MARKDOWN_BYTES].decode(errors="ignore")
    return {"msgtype": "markdown", "markdown": {"content": content}}


class WeComGroupBots:
    """The outbox's view of group robots (no routes: they never call us)."""

    name = PLATFORM
    limits = RateLimits(per_second=10, private_interval=3.0, group_interval=3.0)

    def __init__(self, app: App) -> None:
        self.app = app
        self._session: aiohttp.ClientSession | None = None

    def routes(self) -> list[Any]:
        return []

    async def start(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        async with self.app.db.transaction(platform=PLATFORM) as session:
            url = await url_of(session, int(chat_id))
        if url is None:
            raise DeliveryError(f"group bot {chat_id} was removed", permanent=True)
        await self.start()
        assert self._session is not None
        sent: list[str] = []
        for number, body in enumerate(render_group(reply)):
            try:
                async with self._session.post(url, json=body) as response:
                    if response.status >= 500:
                        raise DeliveryError(f"group bot: HTTP {response.status}")
                    if response.status >= 400:
                        raise DeliveryError(f"group bot: HTTP {response.status}", permanent=True)
                    answer = await response.json(content_type=None)
            except aiohttp.ClientError as exc:
                raise DeliveryError(f"group bot: {type(exc).__name__}") from exc
            code = int(answer.get("errcode", 0)) if isinstance(answer, dict) else -1
            if code in QUOTA:
                raise DeliveryError("group bot: quota", retry_after=QUOTA_PAUSE)
            if code == -1:
                raise DeliveryError("group bot: busy")
            if code != 0:
                raise DeliveryError(f"group bot: errcode {code}", permanent=True)
            sent.append(f"group:{number}")
        return sent

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """Group robot messages have no buttons."""
