"""``/survey``: the tiny page a customer reaches from the survey e-mail (issue 14).

The link's token is signed and expires after seven days (:class:`bot.applinks.AppTokens`);
it is spent once, by the answer, through the same single-use table as the quick-lookup
sign-in links (:func:`store.app_links.use_once`) — opening the page spends nothing, so a
mail scanner that follows links cannot use up the customer's answer. The page is plain HTML
(no script at all, under the site's CSP); the form carries the signed token and nothing
else grants anything, so a forged cross-site post needs the very secret it would steal, and
a post from another origin is refused as well. The answer is recorded by
:func:`handlers.tickets.customer_survey.record_answer`, exactly as a WeChat reply.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.webapp.headers import COMMON
from bot.app import App
from bot.applinks import AppTokens, BadToken, SurveyClaim
from bot.context import Context
from bot.events import Actor, Chat, EventKind, InboundEvent
from bot.outbox import EMAIL
from handlers.tickets import customer_survey
from locales.catalog import match_language
from store import app_links, followers, tickets
from store.models import Contact, Ticket

log = logging.getLogger(__name__)
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main>
<h1>{title}</h1>
{content}
</main></body></html>
"""


class SurveyPage:
    """Shows the survey for a valid link and records its one answer."""

    def __init__(self, app: App, on_outbox: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_outbox = on_outbox

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/survey", self.show), web.post("/survey", self.answer)]

    def _tokens(self) -> AppTokens | None:
        secret = self.app.settings.secret_key
        return None if secret is None else AppTokens(secret.get_secret_value(), self.app.clock)

    def _lang(self, request: web.Request, claim: SurveyClaim | None) -> str:
        languages = self.app.translator.languages
        if claim is not None and claim.lang in languages:
            return claim.lang
        asked = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
        return match_language(asked or None, languages) or self.app.settings.default_lang

    def _page(self, lang: str, content: str, status: int = 200) -> web.Response:
        t = self._t(lang)
        body = PAGE.format(lang=lang, title=html.escape(t("title")), content=content)
        response = web.Response(text=body, content_type="text/html", status=status)
        response.headers.update(COMMON)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _t(self, lang: str) -> Callable[..., str]:
        def t(key: str, **values: object) -> str:
            return self.app.translator.t(lang, f"tickets.survey_page.{key}", **values)

        return t

    def _message(self, lang: str, key: str, status: int, **values: object) -> web.Response:
        text = html.escape(self._t(lang)(key, **values))
        return self._page(lang, f"<p>{text}</p>", status)

    def _claim(self, request: web.Request, token: str) -> SurveyClaim | web.Response:
        tokens = self._tokens()
        if tokens is None:
            return self._message(self._lang(request, None), "invalid", 404)
        try:
            return tokens.read_survey(token)
        except BadToken as exc:
            key = "expired" if exc.expired else "invalid"
            return self._message(self._lang(request, None), key, 410 if exc.expired else 400)

    async def _open_ticket(
        self, session: AsyncSession, claim: SurveyClaim, *, lock: bool
    ) -> Ticket | None:
        """The ticket the link asks about while it still waits for this answer."""
        return await followers.linked_ticket(
            session, claim.ticket_id, claim.reopened, tickets.CLOSED, lock=lock
        )

    async def show(self, request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        claim = self._claim(request, token)
        if isinstance(claim, web.Response):
            return claim
        lang = self._lang(request, claim)
        async with self.app.db.transaction(platform=EMAIL) as session:
            ticket = await self._open_ticket(session, claim, lock=False)
            if ticket is None:
                return self._message(lang, "used", 410)
            company, _ = await tickets.parties(session, ticket)
            resolution = ticket.resolution or "-"
        return self._page(lang, self._form(lang, token, ticket.id, company, resolution))

    def _form(self, lang: str, token: str, ticket_id: int, company: str, resolution: str) -> str:
        t = self._t(lang)
        scores = "\n".join(
            f'<button type="submit" name="score" value="{n}">{n} ⭐</button>' for n in range(1, 6)
        )
        intro = t("intro", id=ticket_id, company=company, resolution=resolution)
        return (
            f"<p>{html.escape(intro)}</p>\n"
            '<form method="post" action="/survey">\n'
            f'<input type="hidden" name="t" value="{html.escape(token, quote=True)}">\n'
            f'<p><label for="comment">{html.escape(t("comment"))}</label><br>\n'
            '<textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>\n'
            f"<p>{html.escape(t('question'))}</p>\n<p>{scores}</p>\n</form>"
        )

    def _same_origin(self, request: web.Request) -> bool:
        """A browser's post says where its form was; it must be our own page."""
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return origin is None
        public_url = self.app.settings.public_url or ""
        ours = urlsplit(public_url)
        theirs = urlsplit(origin)
        if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc):
            return True
        return theirs.netloc == request.host

    async def answer(self, request: web.Request) -> web.Response:
        form = await request.post()
        token, score_text = str(form.get("t", "")), str(form.get("score", ""))
        claim = self._claim(request, token)
        if isinstance(claim, web.Response):
            return claim
        lang = self._lang(request, claim)
        if not self._same_origin(request):
            return self._message(lang, "invalid", 403)
        if score_text not in {"1", "2", "3", "4", "5"}:
            return self._message(lang, "bad_score", 400)
        score = int(score_text)
        comment = str(form.get("comment", "")).strip()[:1000] or None
        async with self.app.db.transaction(platform=EMAIL) as session:
            ticket = await self._open_ticket(session, claim, lock=True)
            # The nonce table keys a use to a user: here the customer's owner, on whose
            # behalf the survey went out (a customer is no user).
            fresh = ticket is not None and await app_links.use_once(
                session,
                claim.nonce,
                user_id=ticket.owner_id,
                expires_at=claim.expires_at,
                now=self.app.clock.now(),
            )
            if ticket is None or not fresh:
                return self._message(lang, "used", 410)
            contact = await session.get(Contact, ticket.contact_id) if ticket.contact_id else None
            ctx = self._context(session, lang, ticket, contact)
            name = contact.name if contact is not None else "-"
            await customer_survey.record_answer(ctx, ticket, name, score, comment, by=EMAIL)
        if self.on_outbox is not None:
            self.on_outbox()
        log.info("survey answer recorded for ticket %s", claim.ticket_id)
        return self._message(lang, "thanks", 200, score=score)

    def _context(
        self, session: AsyncSession, lang: str, ticket: Ticket, contact: Contact | None
    ) -> Context:
        """The customer answering, as a WeChat follower does: no user, no principal."""
        settings, clock = self.app.settings, self.app.clock
        who = f"contact:{contact.id}" if contact is not None else f"ticket:{ticket.id}"
        event = InboundEvent(
            event_id=f"{EMAIL}-{secrets.token_hex(8)}",
            platform=EMAIL,
            kind=EventKind.MESSAGE,
            actor=Actor(who, contact.name if contact is not None else who),
            chat=Chat(who),
            sent_at=clock.now(),
        )
        return Context(
            event=event,
            session=session,
            clock=clock,
            settings=settings,
            translator=self.app.translator,
            lang=lang,
            tz=ZoneInfo(settings.default_tz),
            workers=self.app.engine.parts.workers,
        )
