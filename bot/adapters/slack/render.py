"""Replies -> Block Kit: pure functions, so every limit is tested without a network.

Slack's limits shape this module: a section's text is at most 3,000 characters, a message
at most 50 blocks, an ``actions`` block at most 25 elements, a button label 75 characters,
and a message's top-level ``text`` (the notification / screen-reader fallback, always set)
is cut at 40,000. Text is sent as ``mrkdwn`` with ``&``, ``<`` and ``>`` escaped, so data
from the CRM (a company called ``<!channel>``) can never turn into a mention or a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.replies import Button, Card, Choices, Text, Upload

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
MAX_BUTTONS_PER_BLOCK = 25
BUTTON_LABEL_LIMIT = 75
TEXT_BUDGET = 39_000
"""Section text per message, so the fallback ``text`` (the sections joined) stays under
Slack's 40,000-character cut."""

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One ``chat.postMessage`` / ``chat.update``: fallback ``text`` plus ``blocks``."""

    text: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class SlackUpload:
    """One ``files_upload_v2`` call."""

    data: bytes
    filename: str
    title: str
    initial_comment: str | None


def escape(text: str) -> str:
    """Slack's three control characters; everything else is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a line break, else a space, else hard."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p.strip()]


def render(reply: Text | Choices | Card) -> list[SlackMessage]:
    """One reply as one or more messages; buttons go with the last one."""
    if isinstance(reply, Text):
        return _pack(_sections(escape(reply.text)), [])
    if isinstance(reply, Choices):
        return _pack(_sections(escape(reply.text)), _actions(reply.buttons))
    title = escape(reply.title.strip())
    head = [_section(f"*{title[: SECTION_LIMIT - 2]}*", fallback=title)] if title else []
    body = _sections(escape("\n".join(reply.lines))) if reply.lines else []
    return _pack(head + body, _actions(reply.buttons))


def render_upload(image: Upload) -> SlackUpload:
    """An image or a document (an export): the caption travels as the upload's comment in
    the channel; both go through ``files_upload_v2``."""
    caption = image.caption.strip()
    return SlackUpload(
        data=image.data,
        filename=image.filename or "image.png",
        title=caption[:250] or image.filename or "image",
        initial_comment=escape(caption) if caption else None,
    )


def render_choice(text: str, label: str) -> SlackMessage:
    """The clicked message after a click: its text, the buttons replaced by "→ label"."""
    chosen = f"→ {escape(label)}"
    blocks = [block for block, _ in _sections(escape(text))]
    blocks = blocks[: MAX_BLOCKS - 1]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": chosen}]})
    fallback = "\n".join(part for part in (escape(text)[:TEXT_BUDGET], chosen) if part)
    return SlackMessage(text=fallback, blocks=blocks)


def _section(text: str, *, fallback: str | None = None) -> tuple[Block, str]:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return block, text if fallback is None else fallback


def _sections(text: str) -> list[tuple[Block, str]]:
    return [_section(piece) for piece in split_text(text)]


def _actions(buttons: tuple[Button, ...]) -> list[Block]:
    """Rows of at most 25 buttons; ``action_id`` unique in the message, ``value`` the payload.
    A button that opens a page is a link button: ``url`` and no ``value`` (Slack still
    reports the click, which then carries nothing for the bot to do)."""
    elements = [_element(i, b) for i, b in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[start : start + MAX_BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK)
    ]


def _element(index: int, button: Button) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _label(button.label), "emoji": True},
        "action_id": f"b{index}",
    }
    if button.url:
        element["url"] = button.url
    else:
        element["value"] = button.payload
    return element


def _label(label: str) -> str:
    label = label.strip() or "·"
    return label if len(label) <= BUTTON_LABEL_LIMIT else label[: BUTTON_LABEL_LIMIT - 1] + "…"


def _pack(sections: list[tuple[Block, str]], actions: list[Block]) -> list[SlackMessage]:
    """Sections into messages within the block and text budgets, then the button rows."""
    messages: list[SlackMessage] = []
    blocks: list[Block] = []
    texts: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal blocks, texts, used
        if blocks:
            # Buttons pushed into a message of their own still need some fallback text.
            messages.append(SlackMessage(text="\n".join(texts) or " ", blocks=blocks))
        blocks, texts, used = [], [], 0

    for block, fallback in sections:
        if len(blocks) >= MAX_BLOCKS or used + len(fallback) > TEXT_BUDGET:
            flush()
        blocks.append(block)
        texts.append(fallback)
        used += len(fallback) + 1
    for row in actions:
        if len(blocks) >= MAX_BLOCKS:
            flush()
        blocks.append(row)
    flush()
    return messages
