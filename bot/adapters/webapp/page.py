"""``/app``: the quick-lookup page and how it is signed in.

The page is three small files vendored in the package (bot/adapters/webapp/static), no build step.
Its words come from the locale catalogues (``webapp.page.*``), embedded in the HTML as a
JSON data block for both languages, so the page can speak before it knows who you are.

Signing in is one endpoint, ``POST /app/session``, for every chat app: Telegram's Mini App
``initData`` (checked as Telegram documents it) or the signed single-use link the bot sends
on ``/app`` (Slack, WeChat, WeCom, the console). The page posts the link's token itself
rather than the server consuming it on ``GET``: Slack and WeChat fetch links to preview
them, and a preview must not use up the rep's link.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.http import read_body
from bot.adapters.webapp.acting import WEB, Acting
from bot.adapters.webapp.errors import ApiError
from bot.adapters.webapp.schemas import SessionRequest
from bot.adapters.webapp.session import me_of, set_session
from bot.adapters.webapp.telegram_init import InvalidInitData, validate_init_data
from bot.applinks import BadToken
from store.app_links import use_once
from store.models import User
from store.users import identity_user

STATIC = {"app.js": "text/javascript", "app.css": "text/css"}
PAGE_PREFIX = "webapp.page."


def _static(name: str) -> bytes:
    return files("bot.adapters.webapp").joinpath("static", name).read_bytes()


def page_words(catalogs: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` of every ``webapp.page.*`` message."""
    return {
        lang: {
            k.removeprefix(PAGE_PREFIX): str(v)
            for k, v in entries.items()
            if k.startswith(PAGE_PREFIX)
        }
        for lang, entries in catalogs.items()
    }


class Pages:
    def __init__(self, acting: Acting) -> None:
        self.acting = acting
        self.tokens = acting.tokens
        self.app = acting.app
        words = json.dumps(page_words(self.app.translator.catalogs), ensure_ascii=False)
        words = words.replace("</", "<\\/")  # a data block cannot be closed from inside
        template = _static("app.html").decode()
        self.html = template.replace("{{WORDS}}", words).encode()
        self.files = {name: _static(name) for name in STATIC}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.index),
            web.get("/static/{name}", self.static),
            web.post("/session", self.session),
            web.get("/session", self.current),
        ]

    async def current(self, request: web.Request) -> web.Response:
        """Who the session cookie signs in, with its CSRF token (a page signed in by a
        redirect, WeChat's OAuth, learns it here); 401 without a live session."""
        async with self.app.db.transaction(platform=WEB) as session:
            cred = await self.acting.credential(request, session)
            return web.json_response(
                me_of(self.acting, cred.user, cred.csrf).model_dump(mode="json")
            )

    async def index(self, request: web.Request) -> web.Response:
        lang = self.acting.request_lang(request)
        body = self.html.replace(b'lang="en"', f'lang="{lang}"'.encode(), 1)
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise ApiError(404)
        return web.Response(
            body=self.files[name],
            content_type=STATIC[name],
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    async def session(self, request: web.Request) -> web.Response:
        """Telegram ``initData`` or a link token -> the session cookie; else 401."""
        try:
            body = await read_body(self.app.bodies, request)  # not signed in yet: capped
            wanted = SessionRequest.model_validate_json(body)
        except ValidationError:
            raise ApiError(422, fields=("body",)) from None
        app = self.app
        async with app.db.transaction(platform=WEB) as session:
            if wanted.initData:
                user = await self._telegram_user(session, wanted.initData)
            elif wanted.token:
                user = await self._link_user(session, wanted.token)
            else:
                raise ApiError(422, fields=("body",))
            if user is None or not user.active:
                raise ApiError(401, "not_linked")
        response = web.json_response()
        csrf = set_session(response, request, self.acting, user.id)
        response.text = me_of(self.acting, user, csrf).model_dump_json()
        return response

    async def _telegram_user(self, session: AsyncSession, init_data: str) -> User | None:
        token = self.app.settings.telegram_token
        if token is None:
            raise ApiError(401, "bad_init_data")
        try:
            tg = validate_init_data(init_data, token.get_secret_value(), now=self.app.clock.now())
        except InvalidInitData:
            raise ApiError(401, "bad_init_data") from None
        return await identity_user(session, "telegram", str(tg.id))

    async def _link_user(self, session: AsyncSession, token: str) -> User | None:
        try:
            claim = self.tokens.read_link(token)
        except BadToken as exc:
            raise ApiError(401, "link_expired" if exc.expired else "link_invalid") from None
        first = await use_once(
            session,
            claim.nonce,
            user_id=claim.user_id,
            expires_at=claim.expires_at,
            now=self.app.clock.now(),
        )
        if not first:
            raise ApiError(401, "link_used")
        user: User | None = await session.get(User, claim.user_id)
        return user


def docs_page(document: dict[str, Any]) -> bytes:
    """The API's human page: every operation, its parameters and body, from the document."""
    rows = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            params = ", ".join(p["name"] for p in op.get("parameters", []))
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code>"
                f"</td><td>{html.escape(op['summary'])}</td><td>{html.escape(params)}</td>"
                f"<td>{html.escape(ref)}</td></tr>"
            )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>crmbot API</title>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<link rel=stylesheet href=/app/static/app.css><main class=docs><h1>crmbot API v1</h1>"
        "<p>Authenticate with <code>Authorization: Bearer crm_…</code> (<code>crmbot token "
        "create NAME --as USER</code>) or the page's session cookie (writes need "
        "<code>X-CSRF-Token</code>). Machine-readable: <a href=/api/v1/openapi.json>"
        "openapi.json</a> (OpenAPI 3.1).</p><table><tr><th>method<th>path<th>what<th>"
        "parameters<th>body</tr>" + "".join(rows) + "</table></main></html>"
    ).encode()


def docs_handler(document: dict[str, Any]) -> Any:
    body = docs_page(document)

    async def api_docs(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    return api_docs
