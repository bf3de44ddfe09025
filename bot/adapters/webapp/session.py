"""The page's session cookie: set once a sign-in checked out (Telegram ``initData``, a
signed link, WeChat / WeCom OAuth), and ``Me`` as the page learns who it is."""

from __future__ import annotations

from aiohttp import web

from bot.adapters.webapp.acting import SESSION_COOKIE, Acting
from bot.adapters.webapp.headers import is_https
from bot.adapters.webapp.schemas import Me
from bot.applinks import SESSION_TTL
from store.models import User


def set_session(
    response: web.StreamResponse, request: web.Request, acting: Acting, user_id: int
) -> str:
    """Sign ``response``'s browser in as ``user_id``; returns the session's CSRF token."""
    cookie, csrf = acting.tokens.session_cookie(user_id)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        secure=is_https(request, acting.app.settings.public_url),
        samesite="Lax",
    )
    return csrf


def me_of(acting: Acting, user: User, csrf: str | None) -> Me:
    settings = acting.app.settings
    return Me(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        lang=user.lang or settings.default_lang,
        tz=user.tz or settings.default_tz,
        csrf=csrf,
    )
