"""WeCom callbacks -> :class:`InboundEvent` (pure): the Official Account's reading, plus the
``template_card_event`` a button click on one of our cards produces.

A card button's ``key`` carries the button's label and its payload (``label¦payload``): the
click comes back with only that key, and the clicked card is later updated to show the
label, as Telegram's edited message does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wechatpy.enterprise import parse_message

from bot.adapters.wechat.parse import Parsed, Refused, parse, read_xml
from bot.events import Actor, ButtonOrigin, Chat, EventKind, InboundEvent

PLATFORM = "wecom"
KEY_SEPARATOR = "¦"
KEY_BYTES = 1024
"""WeCom's limit for a button key."""


def button_key(label: str, payload: str) -> str:
    room = KEY_BYTES - len(payload.encode()) - len(KEY_SEPARATOR.encode())
    short = label.encode()[:room].decode(errors="ignore")
    return f"{short}{KEY_SEPARATOR}{payload}"


def split_key(key: str) -> tuple[str, str]:
    """(label, payload) of a button key; a key we did not make is all payload."""
    label, separator, payload = key.rpartition(KEY_SEPARATOR)
    return (label, payload) if separator else ("", key)


def parse_wecom(xml: str) -> Parsed:
    fields = read_xml(xml)
    if fields.get("MsgType") == "event" and fields.get("Event") == "template_card_event":
        return _card_click(fields)
    return parse(xml, platform=PLATFORM, classify=parse_message)


def _card_click(fields: dict[str, object]) -> Parsed:
    sender, account = fields.get("FromUserName"), fields.get("ToUserName")
    key = fields.get("EventKey")
    if not isinstance(sender, str) or not sender or not isinstance(account, str):
        raise Refused(400, "no FromUserName / ToUserName")
    if not isinstance(key, str) or not key:
        raise Refused(400, "a card click without EventKey")
    try:
        created = int(str(fields.get("CreateTime") or 0))
        sent_at = datetime.fromtimestamp(created, UTC)
    except (ValueError, OverflowError, OSError):
        raise Refused(400, "CreateTime is not a time") from None
    label, payload = split_key(key)
    task = str(fields.get("TaskId") or "")
    code = fields.get("ResponseCode")
    origin = ButtonOrigin(str(code), "", label) if isinstance(code, str) and code else None
    event = InboundEvent(
        event_id=f"card:{task}:{sender}:{created}",
        platform=PLATFORM,
        kind=EventKind.BUTTON,
        actor=Actor(sender),
        chat=Chat(sender, is_private=True),
        sent_at=sent_at,
        text=label,
        payload=payload,
        origin=origin,
        raw=fields,
    )
    return Parsed(sender=sender, account=account, event=event, fields=dict(fields))
