"""Platform-neutral replies; each adapter renders what it can and falls back for the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.payloads import MAX_PAYLOAD_BYTES, Action, PayloadTooLong


@dataclass(frozen=True, slots=True, init=False)
class Button:
    """A button's label and payload; made from an :class:`~bot.payloads.Action` (encoded
    here), or from a payload string already encoded (read back from the outbox).

    ``url``: a button that *opens* this page in the chat app's web view (a Telegram Mini
    App in a private chat, a Slack link button) instead of coming back to the bot. The
    payload stays, through the same codec, as what the button does where a platform cannot
    open pages from a button (a Telegram group, a typed digit on WeChat or the console),
    and those platforms show the link itself in the text (:func:`link_lines`)."""

    label: str
    payload: str
    url: str | None

    def __init__(self, label: str, payload: Action | str, url: str | None = None) -> None:
        encoded = payload if isinstance(payload, str) else payload.encode()
        if len(encoded.encode()) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLong(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {encoded!r}")
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError(f"a button opens only http(s) pages: {url!r}")
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "payload", encoded)
        object.__setattr__(self, "url", url)


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Notice(Text):
    """A short answer for the one person who pressed a button, shown to them alone (a
    Telegram alert, a Slack ephemeral message): why their press in a group changed
    nothing, without telling the whole group. Never written to the outbox; a platform
    without such answers shows it as text."""


@dataclass(frozen=True, slots=True)
class Choices:
    """A prompt with buttons; without buttons it becomes a numbered list answered by a digit."""

    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Image:
    data: bytes
    caption: str = ""
    filename: str = "image.png"


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent as a file (an export): the adapter uploads it the platform's way, or,
    where files cannot be sent (the WeChat Official Account), shows only its caption; the
    handler checks :mod:`bot.uploads` first, so the user is told why instead."""

    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    """A titled block of lines with optional buttons (a customer card, a confirmation)."""

    title: str
    lines: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()


Reply = Text | Choices | Image | Card | Document
Upload = Image | Document
"""The replies that carry bytes: they travel beside their JSON in the outbox."""


def reply_buttons(reply: Reply) -> tuple[Button, ...]:
    if isinstance(reply, Choices | Card):
        return reply.buttons
    return ()


def reply_text(reply: Reply) -> str:
    """A plain-text fallback of any reply, used by the console and platforms without rich UI."""
    if isinstance(reply, Text):
        return reply.text
    if isinstance(reply, Choices):
        return reply.text
    if isinstance(reply, Card):
        return "\n".join([reply.title, *reply.lines])
    if isinstance(reply, Document):
        return "\n".join(part for part in (reply.caption, f"📎 {reply.filename}") if part)
    return reply.caption


def link_lines(buttons: tuple[Button, ...]) -> list[str]:
    """``📱 App: https://…`` for each button that opens a page, for platforms that show
    links in text rather than as a web-view button (WeChat, WeCom, the console)."""
    return [f"{b.label}: {b.url}" for b in buttons if b.url]


def numbered(buttons: tuple[Button, ...], start: int = 1) -> str:
    """``1. Acme Ltd  2. Acme Trading`` — how buttons look where buttons don't exist.

    Numbering runs on across the messages of one answer (``start``), matching the order
    in which the engine maps a typed digit back to a button.
    """
    return "  ".join(f"{i}. {b.label}" for i, b in enumerate(buttons, start=start))


def to_json(reply: Reply) -> dict[str, Any]:
    """Serialise a reply (images and documents excluded from JSON by design: their bytes
    travel beside it)."""
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text}
    if isinstance(reply, Choices):
        return {"type": "choices", "text": reply.text, "buttons": _buttons(reply.buttons)}
    if isinstance(reply, Card):
        return {
            "type": "card",
            "title": reply.title,
            "lines": list(reply.lines),
            "buttons": _buttons(reply.buttons),
        }
    if isinstance(reply, Document):
        return {"type": "document", "caption": reply.caption, "filename": reply.filename}
    return {"type": "image", "caption": reply.caption, "filename": reply.filename}


def from_json(data: dict[str, Any], image: bytes | None = None) -> Reply:
    """The inverse of :func:`to_json`; an image's or a document's bytes travel beside the
    JSON."""
    kind = data.get("type")
    buttons = tuple(Button(b["label"], b["payload"], b.get("url")) for b in data.get("buttons", ()))
    if kind == "text":
        return Text(data["text"])
    if kind == "choices":
        return Choices(data["text"], buttons)
    if kind == "card":
        return Card(data["title"], tuple(data["lines"]), buttons)
    if kind == "image":
        return Image(image or b"", data.get("caption", ""), data.get("filename", "image.png"))
    if kind == "document":
        return Document(image or b"", data.get("filename", "file"), data.get("caption", ""))
    raise ValueError(f"unknown reply type {kind!r}")


def map_text(reply: Reply, change: Callable[[str], str]) -> Reply:
    """The same reply with ``change`` applied to every piece of text a person reads."""
    if isinstance(reply, Text):
        return Text(change(reply.text))
    if isinstance(reply, Choices):
        return Choices(change(reply.text), reply.buttons)
    if isinstance(reply, Card):
        return Card(change(reply.title), tuple(change(line) for line in reply.lines), reply.buttons)
    if isinstance(reply, Document):
        return Document(reply.data, reply.filename, change(reply.caption))
    return Image(reply.data, change(reply.caption), reply.filename)


def _buttons(buttons: tuple[Button, ...]) -> list[dict[str, str]]:
    return [
        {"label": b.label, "payload": b.payload, **({"url": b.url} if b.url else {})}
        for b in buttons
    ]


__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Button",
    "Card",
    "Choices",
    "Document",
    "Image",
    "Notice",
    "Reply",
    "Text",
    "Upload",
    "from_json",
    "link_lines",
    "map_text",
    "numbered",
    "reply_buttons",
    "reply_text",
    "to_json",
]
