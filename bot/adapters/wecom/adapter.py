"""WeCom (企业微信) self-built app: the ``/wecom`` callback and delivery for the outbox.

Built like the Official Account adapter (``bot.adapters.wechat``), with WeCom's differences:

* The callback is always encrypted (``wechatpy.enterprise.crypto.WeChatCrypto``, receive
  id = CorpID), the GET verification's ``echostr`` too: it is decrypted and echoed.
* WeCom also retries what is not answered within 5 seconds. Replies never go in the HTTP
  answer here: the engine's replies are sent by the outbox sender through
  ``message/send`` at once, and the callback is answered as soon as the engine has
  committed, or after :attr:`answer_budget` (4 s) while slow work (a card photo) goes on.
* Buttons are native (``template_card`` / ``button_interaction``): a click is a
  ``template_card_event`` that runs the same choice as Telegram's button, and the clicked
  card is updated (``update_template_card``) to show what was chosen.
* Limits: about 30 messages a minute and 1,000 an hour per member per app (the excess is
  dropped silently), and a daily quota per app. The sender keeps 2 seconds between two
  messages to one member, holds a member's messages in the outbox once
  :data:`MEMBER_HOURLY` went out in the last hour, and the app's once
  ``CRMBOT_WECOM_DAILY_LIMIT`` went out in the last 24 hours (``RateLimits``); every
  message asks for ``enable_duplicate_check``.
* API calls use aiohttp with the token in the database, as for the Official Account, for
  the same reasons (wechatpy's client is blocking and keeps its token in memory).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from bot.adapters.background import BackgroundTasks
from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.http import read_body
from bot.adapters.wechat.adapter import image_attachment
from bot.adapters.wechat.api import ApiError, WeixinApi, check, classify, part_way
from bot.adapters.wechat.parse import Parsed, Query, Refused, decrypt, fresh, read_xml
from bot.adapters.wechat.render import custom_menu
from bot.adapters.wecom.parse import PLATFORM, parse_wecom
from bot.adapters.wecom.render import DUPLICATE_CHECK, Message, Upload, cards_needed, render
from bot.app import App
from bot.config import ConfigError
from bot.events import Attachment, is_spreadsheet
from bot.outbox import enqueue
from bot.replies import Reply, Text
from store.users import identity_user

log = logging.getLogger(__name__)

PATH = "/wecom"
ANSWER_BUDGET = 4.0
MEMBER_HOURLY = 990
"""Under WeCom's 1,000 an hour per member: a split reply's further parts, counted after
they went, may pass the cap by a few."""


class WeComAdapter:
    name = PLATFORM
    limits = RateLimits(
        per_second=20, private_interval=2.0, group_interval=2.0, per_chat_hour=MEMBER_HOURLY
    )
    answer_budget = ANSWER_BUDGET

    def __init__(self, app: App) -> None:
        settings = app.settings
        if not (
            settings.wecom_corp_id
            and settings.wecom_agent_id
            and settings.wecom_secret
            and settings.wecom_token
            and settings.wecom_aes_key
        ):
            raise ConfigError(
                "CRMBOT_WECOM_CORP_ID, _AGENT_ID, _SECRET, _TOKEN and _AES_KEY are needed"
            )
        self.app = app
        self.limits = replace(self.limits, per_day=settings.wecom_daily_limit)
        self.corp_id = settings.wecom_corp_id
        self.agent_id = settings.wecom_agent_id
        self._secret = settings.wecom_secret.get_secret_value()
        self.crypto = WeChatCrypto(
            settings.wecom_token.get_secret_value(),
            settings.wecom_aes_key.get_secret_value(),
            self.corp_id,
        )
        self.api = WeixinApi(
            platform=PLATFORM,
            root=settings.wecom_api_url,
            db=app.db,
            clock=app.clock,
            fetch_token=self._fetch_token,
        )
        self.background = BackgroundTasks(self.name)

    # ----------------------------------------------------------------- lifecycle

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH, self.verify), web.post(PATH, self.receive)]

    async def start(self) -> None:
        await self.api.start()

    async def close(self) -> None:
        await self.background.close(seconds=10)
        await self.api.close()

    async def settle(self, seconds: float | None = None) -> None:
        """Wait for events still being finished after the platform was answered."""
        await self.background.settle(seconds)

    async def _fetch_token(self, session: aiohttp.ClientSession) -> tuple[str, int]:
        params = {"corpid": self.corp_id, "corpsecret": self._secret}
        async with session.get(self.api.url("cgi-bin/gettoken"), params=params) as response:
            answer = check("cgi-bin/gettoken", await response.json(content_type=None))
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    # ------------------------------------------------------------------- inbound

    async def verify(self, request: web.Request) -> web.Response:
        """URL verification: ``echostr`` is encrypted; answer it decrypted."""
        query = Query.of(request.query)
        if not fresh(query.timestamp, self.app.clock.now()):
            log.warning("wecom: refused a stale verification from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            echo = self.crypto.check_signature(
                query.msg_signature, query.timestamp, query.nonce, query.echostr
            )
        except InvalidSignatureException:
            log.warning("wecom: refused a verification from %s: signature", request.remote)
            return web.Response(status=403, text="forbidden")
        except Exception as exc:  # the echostr does not decrypt, or is not for our CorpID
            log.warning("wecom: refused a verification (%s)", type(exc).__name__)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=str(echo))

    async def receive(self, request: web.Request) -> web.StreamResponse:
        query = Query.of(request.query)
        if not query.msg_signature or not fresh(query.timestamp, self.app.clock.now()):
            # The signature covers the body; its age and presence need none: not worth reading.
            log.warning("wecom: refused a stale or unsigned callback from %s (403)", request.remote)
            return web.Response(status=403, text="refused")
        try:
            body = await read_body(self.app.bodies, request)  # timed, and capped while unverified
        except web.HTTPRequestEntityTooLarge:
            log.warning("wecom: refused an oversize body from %s (413)", request.remote)
            return web.Response(status=413, text="too large")
        try:
            xml = decrypt(self.crypto, read_xml(body), query, self.app.clock.now())
            parsed = parse_wecom(xml)
        except Refused as exc:
            log.warning(
                "wecom: refused a callback of %d bytes from %s (%d): %s",
                len(body),
                request.remote,
                exc.status,
                exc.reason,
            )
            return web.Response(status=exc.status, text="refused")
        task = self.background.spawn(self._process(parsed))
        done, _ = await asyncio.wait({task}, timeout=self.answer_budget)
        if task in done and task.exception() is not None:
            log.error("wecom: message from %s not stored; WeCom will retry", parsed.sender)
            return web.Response(status=500, text="try again")
        return web.Response(text="")

    async def _process(self, parsed: Parsed) -> None:
        event = parsed.event
        if parsed.notice is not None:
            await self._notice(parsed.sender, parsed.notice)
            return
        if event is None:
            return
        if parsed.media_id is not None:
            # Only a linked sender's photo is fetched: a stranger gets the link prompt.
            attachment = Attachment("unavailable")
            if parsed.file_name is not None and not is_spreadsheet(parsed.file_name):
                attachment = Attachment("not_image", filename=parsed.file_name)  # not fetched
            elif await self.app.engine.is_linked(event):
                if parsed.file_name is not None:
                    attachment = await self._spreadsheet(parsed.media_id, parsed.file_name)
                else:
                    attachment = await image_attachment(
                        self.api, parsed.media_id, self.app.settings.max_photo_bytes
                    )
            event = replace(event, attachments=(attachment,))
        await self.app.engine.handle(event)

    async def _spreadsheet(self, media_id: str, name: str) -> Attachment:
        """A spreadsheet shared with the app (``media/get`` at once: temporary media expire
        after 3 days), for the importer, which checks what is inside."""
        try:
            data, kind = await self.api.download(
                "cgi-bin/media/get", {"media_id": media_id}, self.app.settings.max_file_bytes
            )
        except Exception:
            log.exception("%s: could not fetch file %s", PLATFORM, media_id)
            return Attachment("unavailable", filename=name)
        if data is None:
            return Attachment(kind, filename=name)
        return Attachment("file", data=data, filename=name, mime_type=kind)

    async def _notice(self, user_id: str, key: str) -> None:
        async with self.app.db.transaction(platform=PLATFORM) as session:
            user = await identity_user(session, PLATFORM, user_id)
            lang = (user.lang if user else None) or self.app.settings.default_lang
            text = self.app.translator.t(lang, key)
            enqueue(
                session,
                platform=PLATFORM,
                chat_id=user_id,
                replies=[Text(text)],
                now=self.app.clock.now(),
            )
        if self.app.engine.on_outbox is not None:
            self.app.engine.on_outbox()

    # ------------------------------------------------------------------ outbound

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        return await self.resume(chat_id, reply, [], thread_id)

    async def resume(
        self, chat_id: str, reply: Reply, sent_ids: list[str], thread_id: str | None = None
    ) -> list[str]:
        """The parts after ``sent_ids`` (a long prompt goes as text before its card; more
        than six buttons need more cards). A failure part-way names the parts that went
        out, so the retry carries on after them rather than showing them twice. Cards not
        sent yet get fresh task ids: WeCom refuses one it has seen."""
        task_ids = [f"crm{secrets.token_hex(12)}" for _ in range(cards_needed(reply))]
        ids = list(sent_ids)
        try:
            for number, call in enumerate(render(reply, task_ids)):
                if number < len(sent_ids):
                    continue
                if isinstance(call, Upload):
                    media_id = await self.upload_media(call.data, call.filename, call.kind)
                    body: dict[str, Any] = {"msgtype": call.kind, call.kind: {"media_id": media_id}}
                else:
                    assert isinstance(call, Message)
                    body = call.body
                answer = await self.api.call(
                    "cgi-bin/message/send",
                    json={"touser": chat_id, "agentid": self.agent_id, **body, **DUPLICATE_CHECK},
                )
                if chat_id in str(answer.get("invaliduser", "")).split("|"):
                    raise DeliveryError(
                        f"wecom: {chat_id} is not a member the app can reach", permanent=True
                    )
                ids.append(str(answer.get("msgid", "")))
        except (ApiError, DeliveryError, aiohttp.ClientError, TimeoutError) as exc:
            raise part_way(exc, PLATFORM, ids) from exc
        return ids

    async def set_menu(self) -> dict[str, Any]:
        """Create the app's menu (``menu/create`` for our agent id), the Official Account's
        menu in ``CRMBOT_WECHAT_MENU_LANG``: its CLICK events run the same commands."""
        lang = self.app.settings.wechat_menu_lang
        public = self.app.settings.public_url
        app_url = f"{public.rstrip('/')}/app/oauth/wecom/start" if public else None
        menu = custom_menu(lambda name: self.app.translator.t(lang, f"wechat.menu.{name}"), app_url)
        agent = {"agentid": str(self.agent_id)}
        await self.api.call("cgi-bin/menu/create", params=agent, json=menu)
        return menu

    async def upload_media(self, data: bytes, filename: str, kind: str = "image") -> str:
        """Temporary media (``media/upload``, kept 3 days): an image, or a file (an export,
        up to 20 MB)."""
        content_type = "image/png" if kind == "image" else "application/octet-stream"

        def form() -> aiohttp.FormData:
            parts = aiohttp.FormData()
            parts.add_field("media", data, filename=filename, content_type=content_type)
            return parts

        answer = await self.api.call("cgi-bin/media/upload", params={"type": kind}, data=form)
        return str(answer["media_id"])

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """Turn the clicked card's buttons into one that names the choice."""
        body = {
            "userids": [chat_id],
            "agentid": self.agent_id,
            "response_code": message_id,
            "button": {"replace_name": f"✓ {label}" if label else "✓"},
        }
        try:
            await self.api.call("cgi-bin/message/update_template_card", json=body)
        except ApiError as exc:
            raise classify(exc) from exc
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"wecom: {type(exc).__name__}: {exc}") from exc
