"""Telegram updates -> platform-neutral :class:`InboundEvent` (pure: no I/O, no clock).

python-telegram-bot's ``Update.de_json`` does the decoding. It works without a live ``Bot``
(``bot=None``: nothing here calls back into the API), and it gets the fiddly parts right that a
hand-written dict walk tends to get wrong: UTC-aware ``date``, UTF-16 entity offsets (an emoji
before ``@botname`` shifts every offset), ``InaccessibleMessage`` for old callback messages, and
fields newer than the library kept in ``api_kwargs`` instead of crashing.

A shared location (or a venue picked from the map) is a ``LOCATION`` event, the visit
check-in WeChat reps send the same way (``handlers/checkin``). A live location counts once,
when it is first shared: its updates arrive as edits, which are not for us.

Group rules: Telegram (with privacy mode off, or as admin) shows the bot everything said in a
group. Only messages addressed to the bot become events — a command (``/find`` or
``/find@ourbot``; ``/find@otherbot`` is for another bot), a mention of ``@ourbot`` (removed from
the text), or a reply to one of the bot's messages. Everything else is chatter and is dropped
before it reaches the engine, so nothing of it is stored.

``de_json`` trusts the JSON's types (``text`` may arrive as a number or a list, ``chat``
missing). The reading below checks what it uses and raises :class:`MalformedUpdate` for an
update that can never become an event, so the adapter acknowledges it instead of having
Telegram deliver it again for ever.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram import Chat as TelegramChat

from bot.events import (
    Actor,
    Attachment,
    ButtonOrigin,
    Chat,
    EventKind,
    InboundEvent,
    Location,
    is_spreadsheet,
    split_command,
)
from bot.safe_text import strip_controls

T = TypeVar("T")
PLATFORM = "telegram"
PRIVATE = "private"


class MalformedUpdate(ValueError):
    """An update whose fields do not have the types the Bot API documents."""


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who "we" are in a chat, learnt from ``getMe``. ``username`` is empty until known; then
    commands are still recognised in groups, but mentions are not."""

    id: int = 0
    username: str = ""

    def is_us(self, name: str) -> bool:
        return bool(self.username) and name.lstrip("@").lower() == self.username.lower()

    @property
    def private_link(self) -> str:
        """The bot's private chat, one tap away (empty until ``getMe`` answered)."""
        return f"https://t.me/{self.username}" if self.username else ""


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file the adapter must download (``getFile``) before the event reaches the engine."""

    file_id: str
    file_size: int | None
    filename: str
    mime_type: str
    is_image: bool = True  # False: a spreadsheet for the importer (not checked as an image)


def parse_update(
    data: dict[str, Any], me: BotIdentity, *, received_at: datetime
) -> InboundEvent | None:
    """A raw update (the webhook's JSON object) -> an event, or None when it is not for us.

    Raises ``KeyError`` / ``TypeError`` / ``ValueError`` on an object that is not an update.
    """
    return event_from_update(Update.de_json(data, None), me, received_at=received_at)


def event_from_update(
    update: Update, me: BotIdentity, *, received_at: datetime
) -> InboundEvent | None:
    """``received_at`` stands in for ``sent_at`` where Telegram gives no time: a button press
    carries only the date of the message the button is on, which is the bot's, not the user's.

    Raises :class:`MalformedUpdate` when the update's fields have the wrong types."""
    try:
        return _event(update, me, received_at)
    except MalformedUpdate:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError, IndexError) as exc:
        # Reading is pure: whatever fails here fails the same way on every redelivery.
        raise MalformedUpdate(f"{type(exc).__name__} while reading the update") from None


def _event(update: Update, me: BotIdentity, received_at: datetime) -> InboundEvent | None:
    if update.callback_query is not None:
        return _button(update, update.callback_query, me, received_at)
    message = update.message  # edited_message, channel_post, my_chat_member... are not for us
    if message is None:
        return None
    return _message(update, message, me)


def file_to_fetch(update: Update) -> FileRef | None:
    """The file an image event needs: the largest ``PhotoSize``, or a document sent "as a file"
    whose declared type is an image (the bytes are still checked after download).

    Raises :class:`MalformedUpdate` when the sizes or ids have the wrong types."""
    try:
        return _file(update)
    except MalformedUpdate:
        raise
    except (AttributeError, TypeError, ValueError) as exc:
        raise MalformedUpdate(f"{type(exc).__name__} while reading the file") from None


def _file(update: Update) -> FileRef | None:
    message = update.message
    if message is None:
        return None
    if message.photo:
        for size in message.photo:
            _expect(size.file_id, str)
            _expect(size.width, int)
            _expect(size.height, int)
            _expect(size.file_size, int, optional=True)
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return FileRef(largest.file_id, largest.file_size, "photo.jpg", "image/jpeg")
    document = message.document
    if document is not None and _is_image_type(document.mime_type):
        return FileRef(
            _expect(document.file_id, str),
            _expect(document.file_size, int, optional=True),
            _expect(document.file_name, str, optional=True) or "image",
            document.mime_type or "",
        )
    name = _expect(document.file_name, str, optional=True) if document is not None else None
    if document is not None and name and is_spreadsheet(name):
        return FileRef(
            _expect(document.file_id, str),
            _expect(document.file_size, int, optional=True),
            name,
            document.mime_type or "",
            is_image=False,
        )
    return None


def _message(update: Update, message: Message, me: BotIdentity) -> InboundEvent | None:
    user = message.from_user
    # Anonymous group admins and linked channels post as a chat: no person to link to.
    if user is None or user.is_bot or message.sender_chat is not None:
        return None
    _expect(message.text, str, optional=True)
    _expect(message.caption, str, optional=True)
    chat = _chat(message.chat)
    is_private = chat.is_private
    if message.text is not None:
        body, entities = message.text, message.parse_entities()
    elif message.photo or message.document is not None:
        body, entities = message.caption or "", message.parse_caption_entities()
    elif message.location is not None or _kept_kind(message) is not None:
        body, entities = "", {}
    else:  # service messages (joins, pins, topic edits...): not something said to the bot
        return None
    suffix = _command_suffix(body, entities)
    names_us = suffix is not None and me.is_us(suffix)
    if suffix and me.username and not names_us:
        return None  # "/cmd@otherbot": another bot's command, in any chat
    command_for_us = suffix is not None
    mentioned = [
        e for e, text in entities.items() if e.type == MessageEntity.MENTION and me.is_us(text)
    ]
    replied_to_us = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and me.id != 0
        and message.reply_to_message.from_user.id == me.id
    )
    if not is_private and not (command_for_us or mentioned or replied_to_us):
        return None
    addressed = is_private or bool(mentioned) or replied_to_us or names_us
    topic = _topic(message)
    text = _without(body, mentioned)
    # A text's command is read from it as the event will hold it (controls stripped), and
    # the event made once: each dataclass made again was a cost of every message.
    command, args = split_command(strip_controls(text)) if message.text is not None else (None, "")
    event = InboundEvent(
        event_id=str(update.update_id),
        platform=PLATFORM,
        kind=EventKind.MESSAGE,
        actor=_actor(user.id, user.first_name, user.last_name, user.language_code),
        chat=chat if topic is None else replace(chat, thread_id=topic),
        sent_at=_expect(message.date, datetime),
        text=text,
        command=command,
        args=args,
        addressed=addressed,
        private_link=me.private_link,
        raw=update,
    )
    if message.text is not None:
        return event
    if message.location is not None and not (message.photo or message.document is not None):
        return replace(event, kind=EventKind.LOCATION, location=_place(message))
    kept = _kept_kind(message)
    if kept is not None:
        # Said without words: the features answer what they can do with it.
        return replace(event, attachments=(_kept(message, kept),))
    attachments: tuple[Attachment, ...] = ()
    document = message.document
    if file_to_fetch(update) is None and document is not None:
        # A PDF or a spreadsheet: say clearly that only photos are read rather than stay
        # silent (the sender obviously expected something).
        attachments = (
            Attachment(
                "not_image",
                filename=document.file_name or "",
                mime_type=document.mime_type or "",
            ),
        )
    # Photos leave with no attachment yet: the adapter downloads them (see file_to_fetch).
    return replace(event, kind=EventKind.IMAGE, attachments=attachments)


def _kept_kind(message: Message) -> str | None:
    """What a message without text, photo or place holds that deserves an answer: a voice
    note (or audio, or a round video), a sticker, a shared contact."""
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return "voice"
    if message.sticker is not None:
        return "sticker"
    if message.contact is not None:
        return "contact"
    return None


def _kept(message: Message, kind: str) -> Attachment:
    """A shared contact travels as a vCard (Telegram's own, or one made of its fields) for
    the card review to read; the others need no content."""
    contact = message.contact
    if kind != "contact" or contact is None:
        return Attachment(kind)
    vcard = _expect(contact.vcard, str, optional=True)
    if not vcard:
        first = _expect(contact.first_name, str)
        last = _expect(contact.last_name, str, optional=True) or ""
        phone = _expect(contact.phone_number, str)
        name = f"{first} {last}".strip()
        vcard = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"FN:{name}\r\nN:{last};{first};;;\r\nTEL;TYPE=CELL:{phone}\r\nEND:VCARD\r\n"
        )
    return Attachment("contact", vcard.encode(), "contact.vcf", "text/vcard")


def _place(message: Message) -> Location:
    """Where the person is: the map pin, labelled with the venue's name and address when
    they picked a place rather than sent their own position."""
    location = message.location
    assert location is not None
    venue = message.venue
    label = ", ".join(part for part in (venue.title, venue.address) if part) if venue else ""
    return Location(location.latitude, location.longitude, label.strip())


def _button(
    update: Update, query: CallbackQuery, me: BotIdentity, received_at: datetime
) -> InboundEvent | None:
    message = query.message
    if query.data is None or message is None:  # a game button, or an inline-mode message
        return None
    _expect(query.data, str)
    user = query.from_user
    origin = None
    chat = _chat(message.chat)
    if isinstance(message, Message):
        chat = replace(chat, thread_id=_topic(message))
    if isinstance(message, Message) and message.is_accessible:  # not deleted, not too old
        # ``text_html`` keeps the message's formatting (a card's bold title) so the edit that
        # shows the choice looks like the original; it is only ever read back by this adapter.
        text = message.text_html if message.text is not None else ""
        origin = ButtonOrigin(str(message.message_id), text, _label(message, query.data))
    return InboundEvent(
        event_id=f"cb{query.id}",
        platform=PLATFORM,
        kind=EventKind.BUTTON,
        actor=_actor(user.id, user.first_name, user.last_name, user.language_code),
        chat=chat,
        sent_at=received_at,
        payload=query.data,
        origin=origin,
        private_link=me.private_link,
        raw=update,
    )


def _label(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def _command_suffix(body: str, entities: dict[MessageEntity, str]) -> str | None:
    """The bot a leading command names: ``"otherbot"`` for ``/cmd@otherbot``, ``""`` for a
    bare ``/cmd``; None when the message is not a command."""
    for entity, text in entities.items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text.partition("@")[2]
    if body.lstrip().startswith(("/", "／")):
        return ""  # not marked by Telegram, e.g. a full-width slash typed on a Chinese keyboard
    return None


def _without(text: str, entities: list[MessageEntity]) -> str:
    """``text`` with the given entities cut out; offsets are in UTF-16 code units."""
    if not entities:
        return text
    units = text.encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        units = units[:start] + units[end:]
    cleaned = units.decode("utf-16-le")
    # "@crmbot, find acme" -> "find acme"
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip().lstrip(",:，：").strip()


def _actor(user_id: int, first: str, last: str | None, language_code: str | None) -> Actor:
    _expect(user_id, int)
    _expect(first, str)
    _expect(last, str, optional=True)
    _expect(language_code, str, optional=True)
    name = f"{first} {last}".strip() if last else first
    return Actor(str(user_id), name, language_code)


def _chat(chat: object) -> Chat:
    if not isinstance(chat, TelegramChat):
        raise MalformedUpdate("no chat")
    _expect(chat.id, int)
    _expect(chat.type, str)
    return Chat(str(chat.id), chat.type == PRIVATE)


def _topic(message: Message) -> str | None:
    """The forum topic a message is in (a supergroup with topics), where the answer goes;
    none for the General topic and for plain reply chains, which are not topics."""
    if not message.is_topic_message:
        return None
    return str(_expect(message.message_thread_id, int))


def _expect(value: object, kind: type[T], *, optional: bool = False) -> T:
    """``value`` when it has the documented type (``bool`` is not an ``int`` here)."""
    if (value is None and optional) or (isinstance(value, kind) and type(value) is not bool):
        return value  # type: ignore[return-value]
    raise MalformedUpdate(f"{type(value).__name__} where the Bot API has {kind.__name__}")


def _is_image_type(mime_type: str | None) -> bool:
    checked = _expect(mime_type, str, optional=True)
    return checked is not None and checked.lower().startswith("image/")
