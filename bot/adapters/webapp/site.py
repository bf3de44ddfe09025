"""The web app's aiohttp sub-applications: ``/api/v1`` (the endpoints of bot/adapters/webapp/api.py,
their OpenAPI document and its human page) and ``/app`` (the page, its files and
``POST /app/session``), each with the security headers and JSON errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.adapters.webapp import api, page
from bot.adapters.webapp.acting import Acting
from bot.adapters.webapp.endpoints import Endpoint, Later, openapi_document, read_inputs
from bot.adapters.webapp.errors import ApiError, error_response
from bot.adapters.webapp.headers import secured
from bot.adapters.webapp.oauth import OAuthLogin
from bot.adapters.webapp.ratelimit import RateLimiter
from bot.app import App
from bot.applinks import AppTokens
from bot.context import UserFacingError
from store.access import NotAllowed, RecordNotFound

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
VERSION = "1.0.0"
KEEP_AS_IS = frozenset({408, 503})
"""A body too slow or too many unread bodies (bot/adapters/http.py): answered as the
webhooks answer them, closing the connection, with ``Retry-After`` on 503."""


def json_errors(acting: Acting) -> Middleware:
    """Every refusal as ``{"error": {code, message}}`` in the asker's language."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        def t(key: str, /, **values: object) -> str:
            return acting.app.translator.t(acting.request_lang(request), key, **values)

        try:
            return await handler(request)
        except ApiError as exc:
            message = t(exc.message_key, **exc.values)
            return error_response(
                exc.status, exc.code, message, fields=exc.fields, headers=exc.headers
            )
        except RecordNotFound:
            return error_response(404, "not_found", t("webapp.errors.not_found"))
        except NotAllowed:
            return error_response(403, "not_allowed", t("webapp.errors.not_allowed"))
        except UserFacingError as exc:
            return error_response(422, "invalid", t(exc.key, **exc.values))
        except web.HTTPException as exc:
            if exc.status < 400 or exc.status in KEEP_AS_IS:
                raise
            code = {404: "no_route", 405: "method", 413: "too_large"}.get(exc.status, "http")
            key = "not_found" if exc.status in (404, 405) else "bad_request"
            return error_response(exc.status, code, t(f"webapp.errors.{key}"))
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return error_response(500, "internal", t("webapp.errors.internal"))

    return middleware


class WebApp:
    """Owns the page's signer, rate limiter and the request-to-Context step."""

    def __init__(self, app: App, adapters: Mapping[str, object] | None = None) -> None:
        secret = app.settings.secret_key
        assert secret is not None, "open_app sets the secret key"
        self.app = app
        self.tokens = AppTokens(secret.get_secret_value(), app.clock)
        limiter = RateLimiter(
            app.clock,
            capacity=app.settings.api_burst,
            per_second=app.settings.api_rate_per_minute / 60,
        )
        self.acting = Acting(app, self.tokens, limiter)
        self.endpoints = api.endpoints()
        self.oauth = OAuthLogin(self.acting, dict(adapters or {}))
        self.openapi = openapi_document(self.endpoints, title="crmbot API", version=VERSION)

    def _route(self, endpoint: Endpoint) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            async with self.acting.context(request) as ctx:
                inputs = await read_inputs(endpoint, request, self.app.bodies)
                answer = await endpoint.handler(ctx, inputs)
            result = await answer.finish() if isinstance(answer, Later) else answer
            return web.json_response(
                result.model_dump(mode="json"),
                status=endpoint.status,
                dumps=lambda data: json.dumps(data, ensure_ascii=False),
            )

        return handle

    async def openapi_json(self, _: web.Request) -> web.Response:
        return web.json_response(self.openapi)

    def subapps(self) -> dict[str, web.Application]:
        middlewares = [secured(self.app.settings.public_url), json_errors(self.acting)]
        client_max_size = 64 * 1024
        rest = web.Application(middlewares=middlewares, client_max_size=client_max_size)
        routes: list[Any] = [
            web.route(ep.method, ep.path, self._route(ep)) for ep in self.endpoints
        ]
        routes += [
            web.get("/openapi.json", self.openapi_json),
            web.get("/docs", page.docs_handler(self.openapi)),
        ]
        rest.add_routes(routes)
        site = web.Application(middlewares=middlewares, client_max_size=client_max_size)
        site.add_routes(page.Pages(self.acting).routes() + self.oauth.routes())
        return {API_PREFIX: rest, "/app": site}
