"""WeChat callbacks -> platform-neutral :class:`InboundEvent` (pure: no I/O, no clock).

Shared by the Official Account (``/wechat``) and the WeCom app (``/wecom``): both post the
same XML (``ToUserName``, ``FromUserName``, ``CreateTime``, ``MsgType`` ...), sign it the
same way and, in safe mode, wrap it in the same AES envelope.

What wechatpy does here, and what we do around it:

* **Signatures and crypto** are wechatpy's (``wechatpy.utils.check_signature``,
  ``WeChatCrypto.decrypt_message`` / ``check_signature``): they check the SHA1 signature
  (over ``Encrypt`` too in safe mode), decrypt AES-256-CBC, and refuse a message whose
  AppID / CorpID inside the cipher text is not ours. We add the age check (5 minutes, as on
  Slack), which wechatpy leaves to the caller.
* **XML** is read with xmltodict (what wechatpy itself uses) with entity declarations
  refused (``disable_entities``, its default): a billion-laughs document fails at its
  ``<!ENTITY`` before anything expands, and expat never fetches external entities. The
  envelope is parsed once by us (size-capped by the server first) and handed to wechatpy
  as a dict; the decrypted message is classified by ``wechatpy.parse_message``, and the few
  elements wechatpy has no field for (``bizmsgmenuid`` of a msgmenu click, a WeCom
  ``template_card_event``'s ``TaskId``) are read from the same safe parse.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.utils import check_signature

from bot.events import Actor, Chat, EventKind, InboundEvent, Location, split_command

log = logging.getLogger(__name__)

PLATFORM = "wechat"
MAX_AGE = 300
"""Seconds a callback's ``timestamp`` may be away from now (as for Slack)."""
MENU_PREFIX = "cmd:"
"""A custom-menu CLICK key ``cmd:today`` runs ``/today``."""


class Refused(Exception):
    """A callback refused before anything is acted on: ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Query:
    """The query string WeChat adds to every callback."""

    signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    msg_signature: str = ""
    encrypt_type: str = ""
    echostr: str = ""

    @classmethod
    def of(cls, params: Any) -> Query:
        return cls(**{name: str(params.get(name, "")) for name in cls.__slots__})

    @property
    def encrypted(self) -> bool:
        return self.encrypt_type.lower() == "aes"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A decrypted message, read: ``event`` for the engine (``None``: nothing to do),
    or ``notice``, a locale key the adapter answers with itself (an unsupported type,
    a voice message WeChat could not transcribe)."""

    sender: str
    account: str
    event: InboundEvent | None = None
    notice: str | None = None
    media_id: str | None = None
    """An image to download (``media/get``) before the event goes to the engine."""
    file_name: str | None = None
    """Set when ``media_id`` is a file (a WeCom ``file`` message), not a photo: its name,
    by which a spreadsheet is told from anything else."""
    heard: str | None = None
    """A voice message's recognised text, echoed back ("🎤 …")."""
    fields: dict[str, Any] = field(default_factory=dict, repr=False)


def fresh(timestamp: str, now: datetime, max_age: int = MAX_AGE) -> bool:
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= max_age


def verify_plain(token: str, query: Query, now: datetime) -> None:
    """The plain-mode signature (SHA1 of sorted token, timestamp, nonce) and its age."""
    try:
        check_signature(token, query.signature, query.timestamp, query.nonce)
    except InvalidSignatureException:
        raise Refused(403, "signature does not verify") from None
    if not fresh(query.timestamp, now):
        raise Refused(403, f"timestamp {query.timestamp!r} is more than {MAX_AGE} s away")


def read_xml(body: bytes | str) -> dict[str, Any]:
    """``<xml>…</xml>`` as a dict of its elements; 400 for anything else (including any
    document that declares entities)."""
    try:
        data = xmltodict.parse(body, disable_entities=True)
    except Exception as exc:  # expat errors, entity refusals, bad encodings
        raise Refused(400, f"malformed XML ({type(exc).__name__})") from None
    root = data.get("xml") if isinstance(data, dict) else None
    if not isinstance(root, dict):
        raise Refused(400, "not a <xml> document")
    return dict(root)


def decrypt(crypto: Any, envelope: dict[str, Any], query: Query, now: datetime) -> str:
    """The message inside a safe-mode envelope; 403 when the signature (over ``Encrypt``)
    or the AppID / CorpID inside does not match, 400 when it does not decrypt."""
    if not isinstance(envelope.get("Encrypt"), str):
        raise Refused(400, "no Encrypt element")
    if not fresh(query.timestamp, now):
        raise Refused(403, f"timestamp {query.timestamp!r} is more than {MAX_AGE} s away")
    try:
        text = crypto.decrypt_message(envelope, query.msg_signature, query.timestamp, query.nonce)
    except InvalidSignatureException:
        raise Refused(403, "msg_signature does not verify") from None
    except (InvalidAppIdException, InvalidCorpIdException):
        raise Refused(403, "the AppID / CorpID inside the message is not ours") from None
    except Exception as exc:  # bad base64, bad padding, truncated plain text
        raise Refused(400, f"cipher text does not decrypt ({type(exc).__name__})") from None
    return str(text)


def same_text(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


Classify = Callable[[str], BaseMessage]


def parse(xml: str, *, platform: str = PLATFORM, classify: Classify = parse_message) -> Parsed:
    """One decrypted message -> what to do with it. Raises :class:`Refused` (400) when it
    is not a message at all. ``classify``: wechatpy's parser for the product (the Official
    Account's, or ``wechatpy.enterprise.parse_message`` for WeCom)."""
    fields = read_xml(xml)
    sender, account = fields.get("FromUserName"), fields.get("ToUserName")
    if not isinstance(sender, str) or not sender or not isinstance(account, str):
        raise Refused(400, "no FromUserName / ToUserName")
    if not isinstance(fields.get("MsgType"), str):
        raise Refused(400, "no MsgType")
    try:
        message = classify(xml)
        created = int(fields.get("CreateTime") or 0)
        sent_at = datetime.fromtimestamp(created, UTC)  # OverflowError: no such date
    except Exception as exc:
        raise Refused(400, f"not a WeChat message ({type(exc).__name__})") from None
    base = Parsed(sender=sender, account=account, fields=fields)
    msg_id = str(fields.get("MsgId") or "")
    event_id = msg_id or f"ev:{sender}:{created}"

    def event(kind: EventKind, **values: Any) -> InboundEvent:
        return InboundEvent(
            event_id=event_id,
            platform=platform,
            kind=kind,
            actor=Actor(sender),
            chat=Chat(sender, is_private=True),
            sent_at=sent_at,
            raw=fields,
            **values,
        )

    kind = str(message.type)
    if kind == "event":
        kind = str(getattr(message, "event", "") or "")
    if kind == "text":
        text = str(getattr(message, "content", "") or "")
        menu_id = fields.get("bizmsgmenuid")
        if isinstance(menu_id, str) and menu_id:
            # A msgmenu option: its id is the button's payload (see render.msgmenu).
            return _with(base, event(EventKind.BUTTON, text=text, payload=menu_id))
        return _with(base, event(EventKind.MESSAGE, text=text))
    if kind == "voice":
        heard = str(getattr(message, "recognition", "") or "").strip()
        if not heard:
            return _with(base, None, notice="wechat.voice_unreadable")
        return _with(base, event(EventKind.MESSAGE, text=heard), heard=heard)
    if kind == "image":
        media = str(getattr(message, "media_id", "") or "")
        return _with(base, event(EventKind.IMAGE), media_id=media or None)
    if fields.get("MsgType") == "file":  # WeCom: a document shared with the app
        media = str(fields.get("MediaId") or "")
        name = str(fields.get("FileName") or fields.get("Title") or "file")
        return _with(base, event(EventKind.IMAGE), media_id=media or None, file_name=name)
    if kind == "location":
        return _with(base, _location(message, event))
    if kind in ("subscribe", "subscribe_scan"):
        # Following the account (or the WeCom app): greet, or say how to link.
        return _with(base, event(EventKind.MESSAGE, command="start", args=""))
    if kind == "click":
        return _with(base, _menu(str(getattr(message, "key", "") or ""), event))
    if fields.get("MsgType") == "event":  # unsubscribe, view, a template's receipt ...
        log.info("%s: event %r ignored", platform, fields.get("Event"))
        return _with(base, None)
    return _with(base, None, notice="wechat.unsupported")


def _with(base: Parsed, event: InboundEvent | None, **values: Any) -> Parsed:
    return Parsed(
        sender=base.sender, account=base.account, event=event, fields=base.fields, **values
    )


def _menu(key: str, event: Any) -> InboundEvent | None:
    if not key.startswith(MENU_PREFIX):
        return None
    command, args = split_command("/" + key.removeprefix(MENU_PREFIX))
    if command is None:
        return None
    result: InboundEvent = event(EventKind.MESSAGE, command=command, args=args)
    return result


def _location(message: BaseMessage, event: Any) -> InboundEvent | None:
    try:
        latitude = float(getattr(message, "location_x", "") or "")
        longitude = float(getattr(message, "location_y", "") or "")
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    label = str(getattr(message, "label", "") or "")
    result: InboundEvent = event(
        EventKind.LOCATION, location=Location(latitude, longitude, label.strip())
    )
    return result
