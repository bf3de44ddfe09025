"""Platform-neutral replies -> the Bot API calls that show them (pure: no I/O).

Plain replies go without a parse mode, so nothing a user typed can be taken for markup. A
card's title is bold: that message uses ``parse_mode=HTML`` and every piece of text in it is
escaped (``<``, ``>``, ``&``), which is all Telegram's HTML mode needs.

Limits (Bot API): 4096 characters per message and 1024 per caption — Telegram counts UTF-16
code units, so an emoji counts twice. Longer text is split on line boundaries (on a space, or
hard, only when one line is longer than a whole message); buttons go on the last part.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.constants import MessageLimit, ParseMode

from bot.replies import Button, Card, Choices, Document, Image, Reply, Text

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
SHORT_LABEL = 10
"""Labels up to this wide (CJK counts double) go three to a row; longer ones two."""
LONG_LABEL = 24
"""Wider than this, a label gets a row of its own (Telegram would cut it short)."""
CHOICE_ARROW = "\n→ "
EMPTY_PROMPT = "👇"
"""Telegram refuses a message without text; buttons with no prompt get this one."""


@dataclass(frozen=True, slots=True)
class SendText:
    text: str
    parse_mode: str | None = None
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class SendPhoto:
    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class SendDocument:
    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class EditText:
    """Replace a message's text; leaving out ``reply_markup`` drops its inline keyboard."""

    text: str
    parse_mode: str = ParseMode.HTML


@dataclass(frozen=True, slots=True)
class RemoveKeyboard:
    """``editMessageReplyMarkup`` without a markup: the text stays, the buttons go."""


SendCall = SendText | SendPhoto | SendDocument
EditCall = EditText | RemoveKeyboard


def render(reply: Reply, *, private: bool = False) -> list[SendCall]:
    """The calls that deliver one reply, in order (one per part of an over-long text).

    ``private``: a one-to-one chat with the bot, the only place Telegram accepts ``web_app``
    inline buttons; elsewhere a button that opens a page does what its payload says."""
    if isinstance(reply, Text):
        return [SendText(part) for part in split_text(reply.text, TEXT_LIMIT)]
    if isinstance(reply, Choices):
        return _with_keyboard(
            [SendText(p) for p in split_text(reply.text or EMPTY_PROMPT, TEXT_LIMIT)],
            reply.buttons,
            private,
        )
    if isinstance(reply, Card):
        return _with_keyboard(_card(reply), reply.buttons, private)
    if isinstance(reply, Document):
        return _document(reply)
    return _image(reply)


def is_private(chat_id: str) -> bool:
    """Telegram's ids: a person's chat with the bot is positive, groups and channels negative
    (an ``@username`` target is a public group or channel)."""
    return chat_id.isdigit()


def render_choice(html_text: str, label: str) -> EditCall:
    """Show what was chosen under the clicked message (``html_text`` is the message as
    Telegram HTML, see ``parse._button``) and drop its buttons; without text or label, or
    when the result would be too long, only the buttons are dropped."""
    if not html_text.strip() or not label:
        return RemoveKeyboard()
    edited = html_text + CHOICE_ARROW + html.escape(label, quote=False)
    if utf16_len(_visible(edited)) > TEXT_LIMIT:
        return RemoveKeyboard()
    return EditText(edited)


def keyboard(buttons: tuple[Button, ...], private: bool = False) -> InlineKeyboardMarkup:
    """Buttons in rows: three short labels, two longer ones, or one very long one per row.
    A button with an https ``url`` opens it as a Mini App in a private chat (Telegram
    then hands the page ``initData``, so it signs in as whoever pressed)."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    widest = 0
    for button in buttons:
        width = max(widest, display_width(button.label))
        if row and len(row) >= _per_row(width):
            rows.append(row)
            row, width = [], display_width(button.label)
        row.append(_button(button, private))
        widest = width
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def _button(button: Button, private: bool) -> InlineKeyboardButton:
    if private and button.url and button.url.startswith("https://"):  # web_app needs https
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.url))
    return InlineKeyboardButton(button.label, callback_data=button.payload)


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most ``limit`` UTF-16 units, cut at line ends where possible."""
    if utf16_len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = ""
        while utf16_len(line) > limit:
            head, line = _cut(line, limit)
            parts.append(head)
        current = line
    if current:
        parts.append(current)
    return parts


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def display_width(text: str) -> int:
    """How wide a label looks: CJK and emoji take about two Latin letters' room."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _per_row(width: int) -> int:
    if width <= SHORT_LABEL:
        return 3
    return 2 if width <= LONG_LABEL else 1


def _cut(line: str, limit: int) -> tuple[str, str]:
    """Split one over-long line, preferably on a space, never inside a character."""
    units, end = 0, 0
    for index, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        end = index + 1
    space = line.rfind(" ", 0, end)
    if space > end // 2:
        return line[:space], line[space + 1 :]
    return line[:end], line[end:]


def _with_keyboard(
    calls: list[SendCall], buttons: tuple[Button, ...], private: bool
) -> list[SendCall]:
    if not buttons or not calls:
        return calls
    last = calls[-1]
    assert isinstance(last, SendText)
    calls[-1] = SendText(last.text, last.parse_mode, keyboard(buttons, private))
    return calls


def _card(card: Card) -> list[SendCall]:
    plain = "\n".join([card.title, *card.lines]) or EMPTY_PROMPT
    parts = split_text(plain, TEXT_LIMIT)
    calls: list[SendCall] = []
    for index, part in enumerate(parts):
        title = card.title if index == 0 and card.title else ""
        if title and (part == title or part.startswith(title + "\n")):
            rest = part[len(title) :]
            markup = f"<b>{_escape(title)}</b>{_escape(rest)}"
        else:
            markup = _escape(part)
        calls.append(SendText(markup, ParseMode.HTML))
    return calls


def _image(image: Image) -> list[SendCall]:
    caption_parts = split_text(image.caption, CAPTION_LIMIT)
    caption = caption_parts[0] if caption_parts else ""
    calls: list[SendCall] = [SendPhoto(image.data, image.filename or "image.png", caption)]
    rest = image.caption[len(caption) :].lstrip("\n ")
    calls += [SendText(part) for part in split_text(rest, TEXT_LIMIT)]
    return calls


def _document(document: Document) -> list[SendCall]:
    """``sendDocument`` with the caption's first 1,024 characters; the rest as text after."""
    caption_parts = split_text(document.caption, CAPTION_LIMIT)
    caption = caption_parts[0] if caption_parts else ""
    calls: list[SendCall] = [SendDocument(document.data, document.filename or "file", caption)]
    rest = document.caption[len(caption) :].lstrip("\n ")
    calls += [SendText(part) for part in split_text(rest, TEXT_LIMIT)]
    return calls


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


TAG = re.compile(r"<[^>]*>")


def _visible(markup: str) -> str:
    """The text Telegram will count, from HTML: tags removed, entities decoded."""
    return html.unescape(TAG.sub("", markup))
