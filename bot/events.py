"""The platform-neutral message every adapter produces and the engine consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.safe_text import strip_controls


class EventKind(StrEnum):
    MESSAGE = "message"
    BUTTON = "button"
    IMAGE = "image"
    LOCATION = "location"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sent the event, as the platform verified it (never taken from message text)."""

    platform_user_id: str
    display_name: str = ""
    language_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "display_name", strip_controls(self.display_name))


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: str
    is_private: bool = True
    thread_id: str | None = None
    """The thread or forum topic the message was said in: the replies go there too."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """``kind``: ``image`` (``data`` holds the checked bytes), ``file`` (a spreadsheet sent
    as a document: ``data`` holds its bytes, ``filename`` its name, for the importer), or why
    an upload was refused before it reached us: ``too_large``, ``not_image``, or
    ``unavailable`` (the download failed); or something said without words: ``contact``
    (``data``: a vCard), ``voice``, ``sticker``."""

    kind: str
    data: bytes = b""
    filename: str = ""
    mime_type: str = ""


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls")
"""Documents taken as spreadsheets to import, by name (the importer checks the content),
whichever platform they were shared on."""


def is_spreadsheet(filename: str) -> bool:
    return filename.lower().endswith(SPREADSHEET_SUFFIXES)


SAID_WITHOUT_WORDS = frozenset({"voice", "sticker"})
"""Attachment kinds that carry nothing we can read: answered politely, and never taken as
the answer to a waiting question (nor do they drop it)."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place the user shared from the chat (a check-in)."""

    latitude: float
    longitude: float
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", strip_controls(self.label))


@dataclass(frozen=True, slots=True)
class ButtonOrigin:
    """The platform message that carried the pressed button, so it can be edited to show
    what was chosen."""

    message_id: str
    text: str
    label: str


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One delivery from a platform; ``event_id`` is the platform's delivery id, used to dedupe."""

    event_id: str
    platform: str
    kind: EventKind
    actor: Actor
    chat: Chat
    sent_at: datetime
    text: str = ""
    command: str | None = None
    args: str = ""
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    origin: ButtonOrigin | None = None
    location: Location | None = None
    addressed: bool = True
    """The sender spoke to the bot unmistakably: a private chat, a mention, a reply to the
    bot, or a command with our ``@name``. A bare ``/roll`` in a group is not: it may be
    meant for another bot there, and is answered only if it is one of our commands."""
    private_link: str = ""
    """Where the sender can talk to the bot alone (``https://t.me/<bot>``), for what must
    not happen in a group (linking with an invite code); empty where unknown."""
    raw: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Every adapter's text enters here: what is stored from a message, and printed in
        a terminal later, carries no control or bidi-override character (bot/safe_text.py)."""
        object.__setattr__(self, "text", strip_controls(self.text))
        object.__setattr__(self, "args", strip_controls(self.args))
        if self.command is not None:
            object.__setattr__(self, "command", strip_controls(self.command))


def is_free_text(command: str | None, payload: str | None, text: str) -> bool:
    """Free text: neither a command nor a pressed button, and not empty (a photo's caption
    counts; a photo alone does not). ``text`` is the message's text, stripped."""
    return command is None and payload is None and bool(text)


def split_command(text: str) -> tuple[str | None, str]:
    """``"/find@crmbot acme"`` -> ``("find", "acme")``; plain text -> ``(None, text)``.

    The ``@botname`` suffix that Telegram groups add is dropped here so every
    adapter shares one rule. Full-width slashes typed on Chinese keyboards count.
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "/／":
        return None, stripped
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].strip().lower()
    if not name:
        return None, stripped
    return name, rest.strip()


SLACK_SLASH_COMMAND = "/crm"
"""The one slash command a Slack app registers; every crmbot command is its first word."""

SLASH_PREFIX = {"slack": f"{SLACK_SLASH_COMMAND} "}
"""Platforms where our commands live under one slash command (``/crm start CODE``)."""


def command_hint(platform: str, command: str) -> str:
    """How a user types ``command`` on ``platform``: ``/start`` or ``/crm start``."""
    return f"{SLASH_PREFIX.get(platform, '/')}{command}"
