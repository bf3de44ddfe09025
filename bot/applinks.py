"""Signed, short-lived tokens for the quick-lookup page: the single-use sign-in link the bot
sends in chat (``/app?t=…``) and the page's session cookie; and the customer survey's
e-mailed link (``/survey?t=…``, seven days, once), signed the same way under its own salt.

Both are itsdangerous timed serializations (HMAC-SHA1 over the payload and its timestamp
with a key derived from ``CRMBOT_SECRET_KEY`` and a per-purpose salt), so a link cannot be
turned into a cookie or the other way round. Time comes from the injected clock through
``get_timestamp``, the hook itsdangerous documents for it, so tests freeze and advance it.

Expiry is checked here; single use is the database's job (``store/app_links.py``), since a
signature cannot know whether it was seen before.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.clock import Clock

LINK_TTL = timedelta(minutes=10)
"""How long a sign-in link sent in chat is good for (once)."""
SURVEY_TTL = timedelta(days=7)
"""How long the survey link e-mailed to a customer is good for (once)."""
SESSION_TTL = timedelta(hours=8)
"""How long the page stays signed in: a working day, then the chat's button again."""


class BadToken(Exception):
    """Forged, altered, expired or of the wrong kind; ``expired`` tells which for the page."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads the injected clock instead of ``time.time()``."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock.now().timestamp())


@dataclass(frozen=True)
class LinkClaim:
    user_id: int
    nonce: str
    expires_at: datetime


@dataclass(frozen=True)
class SurveyClaim:
    """A customer's survey link: the ticket and which closing of it (``reopened``) it asks
    about, so a link from before a reopening cannot rate the next closing."""

    ticket_id: int
    reopened: int
    lang: str
    nonce: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionClaim:
    user_id: int
    csrf: str


class AppTokens:
    """Makes and reads the page's links and session cookies under one server secret."""

    def __init__(self, secret: str, clock: Clock) -> None:
        self.clock = clock
        kwargs: dict[str, Any] = {"signer": _ClockSigner, "signer_kwargs": {"clock": clock}}
        self._links = URLSafeTimedSerializer(secret, salt="crmbot.app-link", **kwargs)
        self._sessions = URLSafeTimedSerializer(secret, salt="crmbot.app-session", **kwargs)
        self._states = URLSafeTimedSerializer(secret, salt="crmbot.oauth-state", **kwargs)
        self._surveys = URLSafeTimedSerializer(secret, salt="crmbot.survey-link", **kwargs)

    def link_token(self, user_id: int) -> str:
        return str(self._links.dumps({"u": user_id, "n": secrets.token_urlsafe(12)}))

    def link_url(self, public_url: str, user_id: int) -> str:
        return f"{public_url.rstrip('/')}/app?t={quote(self.link_token(user_id))}"

    def read_link(self, token: str) -> LinkClaim:
        data, signed_at = self._load(self._links, token, LINK_TTL)
        user_id, nonce = data.get("u"), data.get("n")
        if not isinstance(user_id, int) or not isinstance(nonce, str):
            raise BadToken("malformed link")
        return LinkClaim(user_id, nonce, signed_at + LINK_TTL)

    def survey_url(self, public_url: str, ticket_id: int, reopened: int, lang: str) -> str:
        """The e-mailed survey page's link (``/survey?t=…``), good once for seven days; the
        page speaks ``lang``, the e-mail's language."""
        payload = {"k": ticket_id, "r": reopened, "l": lang, "n": secrets.token_urlsafe(12)}
        token = str(self._surveys.dumps(payload))
        return f"{public_url.rstrip('/')}/survey?t={quote(token)}"

    def read_survey(self, token: str) -> SurveyClaim:
        data, signed_at = self._load(self._surveys, token, SURVEY_TTL)
        ticket_id, reopened, nonce = data.get("k"), data.get("r"), data.get("n")
        lang = data.get("l")
        if not (
            isinstance(ticket_id, int)
            and isinstance(reopened, int)
            and isinstance(nonce, str)
            and isinstance(lang, str)
        ):
            raise BadToken("malformed survey link")
        return SurveyClaim(ticket_id, reopened, lang, nonce, signed_at + SURVEY_TTL)

    def session_cookie(self, user_id: int) -> tuple[str, str]:
        """A session value and its CSRF token (the page echoes it in a header)."""
        csrf = secrets.token_urlsafe(18)
        return str(self._sessions.dumps({"u": user_id, "c": csrf})), csrf

    def read_session(self, value: str) -> SessionClaim:
        data, _ = self._load(self._sessions, value, SESSION_TTL)
        user_id, csrf = data.get("u"), data.get("c")
        if not isinstance(user_id, int) or not isinstance(csrf, str):
            raise BadToken("malformed session")
        return SessionClaim(user_id, csrf)

    def oauth_state(self, platform: str) -> str:
        """The ``state`` of a WeChat / WeCom OAuth round trip (bot/adapters/webapp/oauth.py)."""
        return str(self._states.dumps({"p": platform, "n": secrets.token_urlsafe(6)}))

    def read_oauth_state(self, state: str) -> str:
        """The platform ``state`` was made for; raises :class:`BadToken`."""
        data, _ = self._load(self._states, state, LINK_TTL)
        platform = data.get("p")
        if not isinstance(platform, str):
            raise BadToken("malformed state")
        return platform

    @staticmethod
    def _load(
        serializer: URLSafeTimedSerializer, token: str, ttl: timedelta
    ) -> tuple[dict[str, Any], datetime]:
        if len(token) > 512:
            raise BadToken("too long")
        try:
            data, signed_at = serializer.loads(
                token, max_age=int(ttl.total_seconds()), return_timestamp=True
            )
        except SignatureExpired as exc:
            raise BadToken("expired", expired=True) from exc
        except BadSignature as exc:
            raise BadToken("bad signature") from exc
        if not isinstance(data, dict):
            raise BadToken("malformed")
        return data, signed_at.astimezone(UTC)
