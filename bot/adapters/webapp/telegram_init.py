"""Telegram Mini App ``initData``, checked exactly as Telegram documents it
(core.telegram.org/bots/webapps, "Validating data received via the Mini App"):

* the data-check string is every received field except ``hash``, as ``key=value``, sorted
  by key, joined by ``\\n``;
* the secret key is HMAC-SHA256 of the bot token keyed with the string ``WebAppData``;
* ``hash`` must equal the hex HMAC-SHA256 of the data-check string under that key;
* ``auth_date`` must be recent (24 hours here, as the issue asks).

Neither python-telegram-bot nor another maintained dependency of ours validates
``initData`` (PTB's ``WebAppData`` is the other direction, data a Mini App sends to the
bot), and Telegram is an optional extra: so the few documented lines live here, stdlib only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=24)
MAX_LENGTH = 4096


class InvalidInitData(Exception):
    """Forged, altered, stale or malformed ``initData``."""


@dataclass(frozen=True)
class TelegramUser:
    id: int
    language_code: str | None
    auth_date: datetime


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram puts on ``fields`` (used to check, and by tests to build data)."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, _data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def validate_init_data(init_data: str, bot_token: str, *, now: datetime) -> TelegramUser:
    """The Telegram user ``init_data`` vouches for; raises :class:`InvalidInitData`."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InvalidInitData("missing or too long")
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field is repeated")
    given = fields.pop("hash", "")
    if not hmac.compare_digest(given.encode(), sign_init_data(fields, bot_token).encode()):
        raise InvalidInitData("hash does not match")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInitData("auth_date or user missing") from exc
    if not timedelta(minutes=-5) <= now - auth_date <= MAX_AGE:
        raise InvalidInitData("stale")
    language = user.get("language_code") if isinstance(user, dict) else None
    return TelegramUser(user_id, language if isinstance(language, str) else None, auth_date)
