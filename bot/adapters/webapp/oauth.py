"""Signing the page in from WeChat and WeCom menus through their OAuth: a menu button
opens ``/app/oauth/{wechat|wecom}/start``, which sends the browser to WeChat's authorize
page (``snsapi_base``: silent, no consent screen); WeChat sends it back to
``/app/oauth/{platform}?code=…&state=…``, and the code is exchanged for the person's id
(an Official Account's ``openid`` with the app secret, a WeCom member's ``UserID`` with the
app's access token) — the same ids their chat identities are linked by.

``state`` is signed and expires with the link (10 minutes), so a forged or replayed
callback is refused; a code WeChat does not accept, or an account not linked to crmbot,
lands on the page signed out, which says to ask the bot (``/app``) instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.adapters.base import DeliveryError
from bot.adapters.webapp.acting import WEB, Acting
from bot.adapters.webapp.session import set_session
from bot.adapters.wechat.api import ApiError, WeixinApi, check
from bot.applinks import BadToken
from store.users import identity_user

log = logging.getLogger(__name__)
AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"
PLATFORMS = ("wechat", "wecom")


class OAuthLogin:
    def __init__(self, acting: Acting, adapters: dict[str, Any]) -> None:
        self.acting = acting
        self.app = acting.app
        self.apis: dict[str, WeixinApi] = {
            name: adapters[name].api for name in PLATFORMS if name in adapters
        }

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/oauth/{platform}/start", self.start),
            web.get("/oauth/{platform}", self.callback),
        ]

    def _platform(self, request: web.Request) -> str:
        platform = request.match_info["platform"]
        if platform not in self.apis or not self.app.settings.public_url:
            raise web.HTTPNotFound()
        return platform

    def authorize_url(self, platform: str) -> str:
        """Where a menu button sends the browser (WeChat appends ``#wechat_redirect``)."""
        settings = self.app.settings
        public = (settings.public_url or "").rstrip("/")
        query: dict[str, str] = {
            "appid": (settings.wechat_app_id if platform == "wechat" else settings.wecom_corp_id)
            or "",
            "redirect_uri": f"{public}/app/oauth/{platform}",
            "response_type": "code",
            "scope": "snsapi_base",
            "state": self.acting.tokens.oauth_state(platform),
        }
        if platform == "wecom":
            query["agentid"] = str(settings.wecom_agent_id)
        return f"{AUTHORIZE}?{urlencode(query)}#wechat_redirect"

    async def start(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.authorize_url(self._platform(request)))

    async def callback(self, request: web.Request) -> web.Response:
        platform = self._platform(request)
        signed_out = web.HTTPFound("/app/")
        code, state = request.query.get("code", ""), request.query.get("state", "")
        try:
            if self.acting.tokens.read_oauth_state(state) != platform:
                raise BadToken("state of another platform")
        except BadToken as exc:
            log.warning("%s OAuth: refused a callback (%s)", platform, exc)
            raise signed_out from None
        if not code or len(code) > 512:
            raise signed_out
        try:
            external_id = await self._exchange(platform, code)
        except (ApiError, DeliveryError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("%s OAuth: the code was not accepted (%s)", platform, exc)
            raise signed_out from None
        async with self.app.db.transaction(platform=WEB) as session:
            user = await identity_user(session, platform, external_id)
        if user is None or not user.active:
            log.info("%s OAuth: %s is not linked to crmbot", platform, external_id)
            raise signed_out
        response = web.HTTPFound("/app/")
        set_session(response, request, self.acting, user.id)
        raise response

    async def _exchange(self, platform: str, code: str) -> str:
        api = self.apis[platform]
        if platform == "wecom":
            answer = await api.call("cgi-bin/auth/getuserinfo", params={"code": code})
            found = answer.get("userid") or answer.get("UserId")
        else:
            secret = self.app.settings.wechat_app_secret
            params = {
                "appid": self.app.settings.wechat_app_id or "",
                "secret": secret.get_secret_value() if secret else "",
                "code": code,
                "grant_type": "authorization_code",
            }
            http = await api.start()
            async with http.get(api.url("sns/oauth2/access_token"), params=params) as response:
                answer = check("sns/oauth2/access_token", await response.json(content_type=None))
            found = answer.get("openid")
        if not isinstance(found, str) or not found:
            raise ValueError("no user id in the answer")
        return found
