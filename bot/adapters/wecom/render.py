"""Platform-neutral replies -> WeCom app messages (pure: no I/O).

* Text -> ``text`` (split under 2,048 bytes); a card without buttons -> ``markdown`` with
  its title in bold; an image -> upload + ``image``, its caption as text after it.
* Buttons -> a ``template_card`` of type ``button_interaction``: native buttons whose click
  comes back as a ``template_card_event``. A card holds at most 6 buttons, so more go on
  further cards; its title and sub-title are short, so a long prompt goes first as text and
  the card carries only its first line.
* Every message asks for ``enable_duplicate_check``: a resend after a crash (the outbox
  delivers at least once) is not shown twice within half an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.adapters.wechat.render import TEXT_BYTES, split_text
from bot.adapters.wecom.parse import button_key
from bot.replies import Button, Card, Choices, Document, Image, Reply, Text, link_lines
from locales.formatting import shorten

CARD_BUTTONS = 6
TITLE_CHARS = 36
SUBTITLE_CHARS = 160
BUTTON_CHARS = 10
DUPLICATE_CHECK = {"enable_duplicate_check": 1, "duplicate_check_interval": 1800}


@dataclass(frozen=True, slots=True)
class Message:
    """One ``message/send`` body without ``touser`` / ``agentid`` (the adapter adds them)."""

    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Upload:
    """Temporary media to upload, then send as ``image`` (or ``file``: a document)."""

    data: bytes
    filename: str
    kind: str = "image"


Call = Message | Upload


def render(reply: Reply, task_ids: list[str]) -> list[Call]:
    """``task_ids``: fresh unique ids, one per card this reply may need (WeCom refuses a
    task id it has seen)."""
    if isinstance(reply, Image):
        calls: list[Call] = [Upload(reply.data, reply.filename)]
        if reply.caption:
            calls.extend(_texts(reply.caption))
        return calls
    if isinstance(reply, Document):
        # The caption first: WeCom shows a file message as its name and size only.
        return [*_texts(reply.caption), Upload(reply.data, reply.filename, "file")]
    if isinstance(reply, Text):
        return list(_texts(reply.text))
    if isinstance(reply, Card) and not reply.buttons:
        return [Message({"msgtype": "markdown", "markdown": {"content": markdown(reply)}})]
    text = reply.text if isinstance(reply, Choices) else "\n".join([reply.title, *reply.lines])
    text = "\n".join([text, *link_lines(reply.buttons)])  # a card's buttons open no pages
    return cards(text, reply.buttons, task_ids)


def markdown(card: Card) -> str:
    lines = [f"**{_plain(card.title)}**", *(_plain(line) for line in card.lines)]
    return shorten("\n".join(lines), TEXT_BYTES // 3)


def cards(text: str, buttons: tuple[Button, ...], task_ids: list[str]) -> list[Call]:
    lines = [line for line in text.splitlines() if line.strip()] or ["👇"]
    title, rest = lines[0], "\n".join(lines[1:])
    calls: list[Call] = []
    if len(title) > TITLE_CHARS or len(rest) > SUBTITLE_CHARS:
        calls.extend(_texts(text))  # the whole prompt as text; the card just points at it
        title, rest = shorten(title, TITLE_CHARS), ""
    groups = [buttons[i : i + CARD_BUTTONS] for i in range(0, len(buttons), CARD_BUTTONS)]
    for index, group in enumerate(groups):
        card: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": title if index == 0 else "…"},
            "task_id": task_ids[index],
            "button_list": [
                {
                    "text": shorten(b.label, BUTTON_CHARS),
                    "style": 1,
                    "key": button_key(b.label, b.payload),
                }
                for b in group
            ],
        }
        if rest and index == 0:
            card["sub_title_text"] = rest
        calls.append(Message({"msgtype": "template_card", "template_card": card}))
    return calls


def cards_needed(reply: Reply) -> int:
    buttons = reply.buttons if isinstance(reply, Choices | Card) else ()
    return -(-len(buttons) // CARD_BUTTONS)


def _texts(text: str) -> list[Message]:
    return [
        Message({"msgtype": "text", "text": {"content": part}})
        for part in split_text(text, TEXT_BYTES)
        if part
    ]


def _plain(text: str) -> str:
    """User text inside markdown: no accidental links, headings or emphasis."""
    return text.replace("*", "＊").replace("[", "［").replace("`", "'").replace("#", "＃")
