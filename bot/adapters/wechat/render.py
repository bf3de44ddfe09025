"""Platform-neutral replies -> what a WeChat Official Account sends (pure: no I/O).

Two ways out, and each renders buttons differently:

* the **passive reply** (the XML answer to WeChat's own request) is plain text, so buttons
  become numbered lines the rep answers by typing the number (the engine maps it back);
* the **customer-service API** (``message/custom/send``) has ``msgmenu``: clickable options
  that come back as a text message carrying the option's id. The id is the button's payload,
  so a click reaches the engine exactly like a Telegram button press; each option also
  shows its number, so typing it works as well.

Text messages are capped at 2,048 bytes by WeChat; longer text is split on line boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wechatpy.replies import TextReply

from bot.adapters.wechat.parse import MENU_PREFIX
from bot.replies import (
    Button,
    Card,
    Choices,
    Document,
    Image,
    Reply,
    Text,
    link_lines,
    reply_text,
)
from locales.formatting import shorten

TEXT_BYTES = 2000
"""Under WeChat's 2,048-byte limit for one text message (passive or customer-service)."""
MENU_OPTIONS = 10
"""Options one msgmenu shows; more buttons go on as numbered text."""


@dataclass(frozen=True, slots=True)
class Send:
    """One ``message/custom/send`` body, without ``touser`` (the sender adds it)."""

    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SendImage:
    """Upload (``media/upload``, type image), then send the returned ``media_id``."""

    data: bytes
    filename: str


Call = Send | SendImage


def numbered_lines(buttons: tuple[Button, ...], start: int = 1) -> str:
    return "\n".join(f"{i}. {b.label}" for i, b in enumerate(buttons, start=start))


def plain(reply: Reply) -> str:
    """A reply as text only: what a passive reply or a template shows."""
    buttons = reply.buttons if isinstance(reply, Choices | Card) else ()
    text = "\n".join([reply_text(reply), *link_lines(buttons)])
    return f"{text}\n\n{numbered_lines(buttons)}".strip() if buttons else text


def passive(reply: Reply, *, account: str, person: str, now: datetime) -> str | None:
    """The passive-reply XML for ``reply``, or ``None`` when it cannot go that way (an
    image needs an upload first; a text over one message's size needs several)."""
    if isinstance(reply, Image):
        return None
    content = plain(reply)
    if not content or len(content.encode()) > TEXT_BYTES:
        return None
    answer = TextReply(
        source=account, target=person, time=int(now.timestamp()), content=cdata_safe(content)
    )
    return str(answer.render())


def cdata_safe(text: str) -> str:
    """wechatpy wraps text in ``<![CDATA[…]]>`` as is: a ``]]>`` typed by a user would end
    the section early. Split it across two sections, which reads back as the same text."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def render(reply: Reply) -> list[Call]:
    """The calls that deliver one reply through the API, in order."""
    if isinstance(reply, Image):
        calls: list[Call] = [SendImage(reply.data, reply.filename)]
        if reply.caption:
            calls.extend(_texts(reply.caption))
        return calls
    if isinstance(reply, Text | Document):
        # Customer-service messages have no file type: a document shows its caption and
        # name only (the export handler says so before it ever builds one, bot/uploads.py).
        return list(_texts(reply_text(reply)))
    buttons = reply.buttons
    text = "\n".join([reply_text(reply), *link_lines(buttons)])  # pages open from links
    if not buttons:
        return list(_texts(text))
    parts = split_text(text, TEXT_BYTES - 200)
    head = parts.pop() if parts else ""
    return [*(Send(_text(p)) for p in parts), *_menu(head, buttons)]


def template(reply: Reply, *, template_id: str, sent_at: str, more: str) -> dict[str, Any]:
    """A template message (``message/template/send``, without ``touser``) carrying a push
    to someone outside the 48-hour window: the first line, the rest shortened, the time."""
    lines = plain(reply).splitlines() or [""]
    first, rest = lines[0], " ".join(line.strip() for line in lines[1:] if line.strip())
    return {
        "template_id": template_id,
        "data": {
            "first": {"value": shorten(first, 60)},
            "keyword1": {"value": shorten(rest or first, 100)},
            "keyword2": {"value": sent_at},
            "remark": {"value": more},
        },
    }


def custom_menu(label: Callable[[str], str], app_url: str | None = None) -> dict[str, Any]:
    """The account's custom menu (at most 3 top-level buttons): each CLICK runs a command
    (its key is ``cmd:<command>``, see ``parse.MENU_PREFIX``); ``label`` names them.
    ``app_url``: a VIEW button opening the quick-lookup page signed in through OAuth."""

    def click(name: str, command: str) -> dict[str, str]:
        return {"type": "click", "name": label(name), "key": f"{MENU_PREFIX}{command}"}

    return {
        "button": [
            click("today", "today"),
            click("log", "log"),
            {
                "name": label("more"),
                "sub_button": [
                    click("find", "find"),
                    click("report", "pipeline"),
                    *([{"type": "view", "name": label("app"), "url": app_url}] if app_url else []),
                    click("help", "help"),
                ],
            },
        ]
    }


def _menu(head: str, buttons: tuple[Button, ...]) -> list[Call]:
    shown, rest = buttons[:MENU_OPTIONS], buttons[MENU_OPTIONS:]
    options = [
        {"id": b.payload, "content": f"{i}. {shorten(b.label, 40)}"}
        for i, b in enumerate(shown, start=1)
    ]
    calls: list[Call] = [
        Send(
            {
                "msgtype": "msgmenu",
                "msgmenu": {"head_content": head, "list": options, "tail_content": ""},
            }
        )
    ]
    if rest:
        calls.append(Send(_text(numbered_lines(rest, start=len(shown) + 1))))
    return calls


def _text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def _texts(text: str) -> list[Send]:
    return [Send(_text(part)) for part in split_text(text, TEXT_BYTES) if part]


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most ``limit`` UTF-8 bytes, cut at line ends where possible."""
    if len(text.encode()) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(line.encode()) > limit:
            cut = _cut(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        parts.append(current)
    return parts


def _cut(line: str, limit: int) -> int:
    """The longest prefix of ``line`` within ``limit`` bytes (never mid-character)."""
    size = 0
    for index, char in enumerate(line):
        size += len(char.encode())
        if size > limit:
            return max(index, 1)
    return len(line)
