"""Who a web request is, and a chat :class:`~bot.context.Context` for them.

A request is signed in by the page's session cookie (CSRF token required on every write)
or by a personal API token (``Authorization: Bearer crm_…``). Either way it then works
through a Context like a chat message's — same user, role, language, time zone, record
rules and audit trail (platform ``web``) — so the API can call the very code the chat
runs: logging a visit from the page *is* logging it in chat, and a rep's token sees a
rep's records.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.webapp.errors import ApiError
from bot.adapters.webapp.ratelimit import RateLimiter, retry_after
from bot.app import App
from bot.applinks import AppTokens, BadToken
from bot.context import Context, FlowControl
from bot.events import Actor, Chat, EventKind, InboundEvent
from bot.masking import masking_for
from locales.catalog import match_language
from store.access import principal_for
from store.api_tokens import user_for_token
from store.models import Conversation, User

WEB = "web"
"""The platform name web requests carry in the audit log."""
SESSION_COOKIE = "crmbot_app"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANG = web.RequestKey("crmbot_lang", str)
"""Where a request keeps its signed-in user's language (``request[LANG]``)."""


@dataclass(frozen=True)
class Credential:
    user: User
    limit_key: str
    csrf: str | None = None


class Acting:
    """Authenticates requests and opens the Context they work in."""

    def __init__(self, app: App, tokens: AppTokens, limiter: RateLimiter) -> None:
        self.app = app
        self.tokens = tokens
        self.limiter = limiter

    def request_lang(self, request: web.Request) -> str:
        """The signed-in user's language; for someone not signed in, the browser's, else
        the workspace's."""
        if isinstance(known := request.get(LANG), str):
            return known
        header = request.headers.get("Accept-Language", "")
        first = header.split(",", 1)[0].split(";", 1)[0].strip() or None
        languages = self.app.translator.languages
        return match_language(first, languages) or self.app.settings.default_lang

    async def credential(self, request: web.Request, session: AsyncSession) -> Credential:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given.strip():
            user = await user_for_token(session, given.strip(), now=self.app.clock.now())
            if user is None:
                raise ApiError(401)
            return Credential(user, f"token:{given.strip()[:16]}")
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise ApiError(401)
        try:
            claim = self.tokens.read_session(cookie)
        except BadToken:
            raise ApiError(401) from None
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not secrets.compare_digest(sent.encode(), claim.csrf.encode()):
                raise ApiError(403, "csrf")
        user = await session.get(User, claim.user_id)
        if user is None or not user.active:
            raise ApiError(401)
        return Credential(user, f"user:{user.id}", claim.csrf)

    @asynccontextmanager
    async def context(self, request: web.Request) -> AsyncIterator[Context]:
        """One transaction as the signed-in user; raises :class:`ApiError` (401, 429)."""
        async with self.app.db.transaction(platform=WEB) as session:
            cred = await self.credential(request, session)
            wait = self.limiter.take(cred.limit_key)
            if wait > 0:
                raise ApiError(429, headers={"Retry-After": retry_after(wait)})
            ctx = await self.build(session, cred.user)
            request[LANG] = ctx.lang  # errors from here on speak the user's language
            yield ctx

    async def build(self, session: AsyncSession, user: User) -> Context:
        settings, clock = self.app.settings, self.app.clock
        session.info["audit_user_id"] = user.id
        now = clock.now()
        chat_id = f"{WEB}:{user.id}"
        event = InboundEvent(
            event_id=f"{WEB}-{secrets.token_hex(8)}",
            platform=WEB,
            kind=EventKind.MESSAGE,
            actor=Actor(str(user.id), user.display_name),
            chat=Chat(chat_id),
            sent_at=now,
        )
        # A flow started from the page (a closed deal's reason, say) has nowhere to ask:
        # its row is never added to the session, so nothing of it is kept.
        row = Conversation(
            platform=WEB, chat_id=chat_id, user_id=user.id, flow_version=0, data={}, choices=[]
        )
        principal = await principal_for(session, user)
        return Context(
            event=event,
            session=session,
            clock=clock,
            settings=settings,
            translator=self.app.translator,
            lang=user.lang or settings.default_lang,
            tz=ZoneInfo(user.tz or settings.default_tz),
            user=user,
            principal=principal,
            flow=FlowControl(row, settings.conversation_ttl_minutes, now),
            workers=self.app.engine.parts.workers,
            masking=await masking_for(session, principal),
        )
