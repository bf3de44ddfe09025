"""WeChat Official Account (服务号): the ``/wechat`` callback and delivery for the outbox.

Wiring choices (each one is why the code looks the way it does):

* **wechatpy for the protocol, aiohttp for the calls.** wechatpy checks signatures, does
  the AES safe mode (``wechatpy.crypto.WeChatCrypto``), classifies the XML and builds the
  passive-reply XML (see ``parse`` and ``render``). Its HTTP client is blocking and keeps
  the token in memory, so API calls go through :class:`bot.adapters.wechat.api.WeixinApi`
  (aiohttp, the token shared in the database) and are made by the outbox sender, which
  already paces, retries and backs off for every platform.
* **The 5-second rule.** WeChat waits 5 s for our HTTP answer and then retries (3 times).
  The engine commits the event with its replies in the outbox, *held* for a few seconds
  (``Engine.reply_hold``) so that the sender does not take them yet. If the engine is done
  within :attr:`passive_budget` (4 s), the first reply is answered right in the HTTP
  response (a passive reply, encrypted in safe mode); the others are released to the
  sender, which delivers them through the customer-service API. The first one is marked
  sent only once the answer was written to the connection (``write_eof`` returned); if
  WeChat hung up first (it gives up after 5 s) it is released to the API too, and if this
  process dies in between its hold (:data:`PASSIVE_HOLD`) runs out and the sender sends
  it. (Bytes the kernel accepted but WeChat never read cannot be told apart from a
  delivery: that last gap is TCP's.) If the engine takes longer, WeChat gets ``success``
  at once and every reply goes through the API when ready. If this process dies in
  between, the hold runs out and the sender delivers them all. A retried ``MsgId`` is
  deduplicated by the engine; the retry gets ``success``.
* **The 48-hour window.** Customer-service messages reach only someone who wrote in the last
  48 hours. Each message from a person is noted on their chat identity; a push to someone
  outside the window goes out as a template message when ``CRMBOT_WECHAT_TEMPLATE_ID`` is
  set, and otherwise waits in the outbox (state ``waiting``, counted by ``/healthz``) until
  they write again, then arrives in order. errcode 45015 / 43004 are treated the same way.
* **Refusals.** Forged or stale signature, a wrong AppID inside the cipher text, no
  ``Encrypt`` in safe mode -> 403; XML that does not parse or declares entities, or is not a
  message -> 400; a body over ``max_body_bytes`` -> 413. Nothing is acted on, and the log
  says why without the body or any secret. An unsupported message type gets a polite
  answer; an event from someone not linked gets the invite prompt from the engine.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import FIRST_COMPLETED
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from wechatpy.crypto import WeChatCrypto

from bot.adapters.background import BackgroundTasks
from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.http import read_body
from bot.adapters.wechat.api import ApiError, WeixinApi, check, classify, part_way
from bot.adapters.wechat.parse import (
    PLATFORM,
    Parsed,
    Query,
    Refused,
    decrypt,
    parse,
    read_xml,
    verify_plain,
)
from bot.adapters.wechat.render import (
    Send,
    SendImage,
    custom_menu,
    passive,
    render,
    template,
)
from bot.app import App
from bot.config import ConfigError
from bot.events import Attachment, InboundEvent
from bot.images import sniff_image
from bot.replies import Card, Choices, Document, Image, Reply, Text, from_json, to_json
from store.models import OutboxMessage
from store.outbox import held_rows, mark_answered, release_waiting
from store.users import identity_user, note_message, reader

log = logging.getLogger(__name__)

PATH = "/wechat"
PASSIVE_BUDGET = 4.0
"""Seconds the engine may take before WeChat is answered ``success`` (it gives up at 5)."""
REPLY_HOLD = timedelta(seconds=6)
"""How long an event's replies wait for the passive answer before the sender takes them."""
PASSIVE_HOLD = timedelta(seconds=60)
"""How long the reply taken for the passive answer stays held while it is written: if this
process dies before it knows the answer went out, the sender sends it after that."""
WRITE_WAIT = 30.0
"""Seconds the event's task waits to hear whether the answer was written (the handler
always says so, even when cancelled; this only bounds a bug)."""
WINDOW = timedelta(hours=48)
WINDOW_MARGIN = timedelta(minutes=5)
SUCCESS = "success"


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass
class _Slot:
    """Whether the HTTP answer can still carry a passive reply (set on the event loop, so
    the check-and-claim below needs no lock), the reply once decided, and whether the
    answer carrying it was written."""

    open: bool = True
    claiming: bool = False
    answer: asyncio.Future[str | None] = field(default_factory=_future)
    written: asyncio.Future[bool] = field(default_factory=_future)

    def wrote(self, ok: bool) -> None:
        if not self.written.done():
            self.written.set_result(ok)


class WeChatAdapter:
    name = PLATFORM
    limits = RateLimits(per_second=50, private_interval=0.2, group_interval=1.0)
    passive_budget = PASSIVE_BUDGET

    def __init__(self, app: App) -> None:
        settings = app.settings
        if not (settings.wechat_app_id and settings.wechat_token and settings.wechat_app_secret):
            raise ConfigError(
                "CRMBOT_WECHAT_APP_ID, CRMBOT_WECHAT_APP_SECRET and CRMBOT_WECHAT_TOKEN are needed"
            )
        self.app = app
        self.app_id = settings.wechat_app_id
        self._secret = settings.wechat_app_secret.get_secret_value()
        self._token = settings.wechat_token.get_secret_value()
        aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
        self.crypto = WeChatCrypto(self._token, aes, self.app_id) if aes else None
        self.api = WeixinApi(
            platform=PLATFORM,
            root=settings.wechat_api_url,
            db=app.db,
            clock=app.clock,
            fetch_token=self._fetch_token,
        )
        app.engine.reply_hold[PLATFORM] = REPLY_HOLD
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
        body = {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret}
        async with session.post(self.api.url("cgi-bin/stable_token"), json=body) as response:
            answer = check("cgi-bin/stable_token", await response.json(content_type=None))
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    # ------------------------------------------------------------------- inbound

    async def verify(self, request: web.Request) -> web.Response:
        """URL verification: echo ``echostr`` when the signature is ours."""
        query = Query.of(request.query)
        try:
            verify_plain(self._token, query, self.app.clock.now())
        except Refused as exc:
            log.warning("wechat: refused a verification from %s: %s", request.remote, exc.reason)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=query.echostr)

    async def receive(self, request: web.Request) -> web.StreamResponse:
        query = Query.of(request.query)
        try:
            self._check_query(query)
        except Refused as exc:  # before the body is read: it is not worth reading
            log.warning(
                "wechat: refused a callback from %s (%d): %s",
                request.remote,
                exc.status,
                exc.reason,
            )
            return web.Response(status=exc.status, text="refused")
        try:
            body = await read_body(self.app.bodies, request)  # timed, and capped while unverified
        except web.HTTPRequestEntityTooLarge:
            log.warning(
                "wechat: refused a body over %d bytes from %s (413)",
                self.app.settings.max_body_bytes,
                request.remote,
            )
            return web.Response(status=413, text="too large")
        try:
            parsed = parse(self._open(query, body))
        except Refused as exc:
            log.warning(
                "wechat: refused a callback of %d bytes from %s (%d): %s",
                len(body),
                request.remote,
                exc.status,
                exc.reason,
            )
            return web.Response(status=exc.status, text="refused")
        slot = _Slot()
        try:
            answer = await self.answer(parsed, slot)
            if answer is None:
                return web.Response(text=SUCCESS)
            return await self._write(request, self._seal(answer, query), slot)
        except Exception:
            log.exception("wechat: message from %s not stored; WeChat will retry", parsed.sender)
            return web.Response(status=500, text="try again")
        finally:
            slot.wrote(False)  # no passive answer went out (or it is already settled)

    async def _write(self, request: web.Request, xml: str, slot: _Slot) -> web.StreamResponse:
        """Write the passive answer here rather than let aiohttp do it after we return, to
        know whether it reached the connection: the reply it carries is marked sent only
        then, and otherwise goes through the API."""
        response = web.Response(text=xml, content_type="application/xml")
        try:
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            log.warning("wechat: the connection closed before the passive reply; sent by API")
            slot.wrote(False)
        else:
            slot.wrote(True)
        return response

    def _check_query(self, query: Query) -> None:
        """What the query string proves on its own, before the body is read: the token's
        ``signature`` over timestamp and nonce, which an Official Account sends in both
        modes (in safe mode ``msg_signature`` then covers the body too), and its age."""
        verify_plain(self._token, query, self.app.clock.now())

    def _open(self, query: Query, body: bytes) -> str:
        now = self.app.clock.now()
        if query.encrypted:
            if self.crypto is None:
                raise Refused(403, "safe mode message but no CRMBOT_WECHAT_AES_KEY")
            return decrypt(self.crypto, read_xml(body), query, now)
        verify_plain(self._token, query, now)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None

    def _seal(self, xml: str, query: Query) -> str:
        if not query.encrypted or self.crypto is None:
            return xml
        return str(self.crypto.encrypt_message(xml, query.nonce, query.timestamp))

    async def answer(self, parsed: Parsed, slot: _Slot) -> str | None:
        """Run one message; the passive-reply XML, or ``None`` to answer ``success``. The
        caller must say through ``slot.wrote`` whether the XML was written."""
        if parsed.notice is not None:
            return await self._notice(parsed, parsed.notice)
        if parsed.event is None:
            return None
        task = self.background.spawn(self._process(parsed, parsed.event, slot))
        waiting: set[asyncio.Future[Any]] = {task, slot.answer}
        await asyncio.wait(waiting, timeout=self.passive_budget, return_when=FIRST_COMPLETED)
        if not slot.answer.done() and not task.done():
            if not slot.claiming:
                slot.open = False
                log.info("wechat: %s takes long; answered success", parsed.event.event_id)
                return None
            # It is claiming the passive reply right now: a short write.
            await asyncio.wait(waiting, return_when=FIRST_COMPLETED)
        if slot.answer.done():
            return slot.answer.result()
        task.result()  # the engine failed: raise it
        return None

    async def _notice(self, parsed: Parsed, key: str) -> str | None:
        async with self.app.db.transaction(platform=PLATFORM) as session:
            user = await identity_user(session, PLATFORM, parsed.sender)
        lang = (user.lang if user else None) or self.app.settings.default_lang
        text = self.app.translator.t(lang, key)
        return passive(
            Text(text), account=parsed.account, person=parsed.sender, now=self.app.clock.now()
        )

    async def _process(self, parsed: Parsed, event: InboundEvent, slot: _Slot) -> None:
        if parsed.media_id is not None:
            # Only a linked sender's photo is fetched: a stranger gets the link prompt.
            attachment = Attachment("unavailable")
            if await self.app.engine.is_linked(event):
                attachment = await image_attachment(
                    self.api, parsed.media_id, self.app.settings.max_photo_bytes
                )
            event = replace(event, attachments=(attachment,))
        await self.app.engine.handle(event)
        now = self.app.clock.now()
        answer: str | None = None
        passive_row: int | None = None
        async with self.app.db.transaction(platform=PLATFORM) as session:
            await note_message(session, PLATFORM, parsed.sender, now)
            await release_waiting(session, PLATFORM, parsed.sender, now)
            rows = await held_rows(session, PLATFORM, event.event_id, now)
            if rows and parsed.heard:
                rows[0].body = _heard(rows[0].body, parsed.heard)
            if rows and rows[0].kind == "send" and slot.open:
                first = from_json(rows[0].body, rows[0].image)
                answer = passive(first, account=parsed.account, person=parsed.sender, now=now)
                if answer is not None:
                    slot.claiming = True
                    # Ours until we know whether it went: a retry of the event does not take
                    # it again, and the sender reclaims it only if we die (as a lease).
                    rows[0].state = "sending"
                    rows[0].next_attempt_at = now + PASSIVE_HOLD
                    passive_row = rows[0].id
                    rows = rows[1:]
            for row in rows:
                row.next_attempt_at = now
        if self.app.engine.on_outbox is not None:
            self.app.engine.on_outbox()
        slot.answer.set_result(answer)
        if passive_row is not None:
            await self._settle_passive(passive_row, slot)

    async def _settle_passive(self, row_id: int, slot: _Slot) -> None:
        """Mark the passive reply sent once its answer was written; otherwise release it to
        the sender, which sends it through the API."""
        try:
            written = await asyncio.wait_for(asyncio.shield(slot.written), WRITE_WAIT)
        except TimeoutError:
            written = False
        now = self.app.clock.now()
        async with self.app.db.transaction(platform=PLATFORM) as session:
            row = await session.get(OutboxMessage, row_id, with_for_update=True)
            if row is None or row.state != "sending":
                return
            if written:
                mark_answered(row, now, "passive")
            else:
                row.state, row.next_attempt_at = "pending", now
        if not written and self.app.engine.on_outbox is not None:
            self.app.engine.on_outbox()

    # ------------------------------------------------------------------ outbound

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        """Deliver one reply through the customer-service API (or, outside the 48-hour
        window, as a template message or not yet)."""
        return await self.resume(chat_id, reply, [], thread_id)

    async def resume(
        self, chat_id: str, reply: Reply, sent_ids: list[str], thread_id: str | None = None
    ) -> list[str]:
        """The parts after ``sent_ids`` (a long text is split, an image carries its caption
        after it). A failure part-way names the parts that went out, so the retry carries
        on after them rather than showing them twice."""
        now = self.app.clock.now()
        async with self.app.db.transaction(platform=PLATFORM) as session:
            person = await reader(session, PLATFORM, chat_id)
        if person.linked and (
            person.last_message_at is None or now - person.last_message_at > WINDOW - WINDOW_MARGIN
        ):
            if sent_ids:  # the window closed part-way: the rest waits for their next message
                raise DeliveryError(
                    "wechat: not written in 48 hours", until_they_write=True, sent_ids=sent_ids
                )
            return await self._outside_window(chat_id, reply, person.lang)
        ids = list(sent_ids)
        try:
            for number, call in enumerate(render(reply)):
                if number < len(sent_ids):
                    continue
                if isinstance(call, SendImage):
                    media_id = await self.upload_image(call.data, call.filename)
                    body: dict[str, Any] = {"msgtype": "image", "image": {"media_id": media_id}}
                else:
                    assert isinstance(call, Send)
                    body = call.body
                await self.api.call("cgi-bin/message/custom/send", json={"touser": chat_id, **body})
                ids.append(f"custom:{number}")
        except (ApiError, DeliveryError, aiohttp.ClientError, TimeoutError) as exc:
            raise part_way(exc, PLATFORM, ids) from exc
        return ids

    async def _outside_window(self, chat_id: str, reply: Reply, lang: str | None) -> list[str]:
        settings = self.app.settings
        if settings.wechat_template_id is None:
            raise DeliveryError("wechat: not written in 48 hours", until_they_write=True)
        lang = lang or settings.default_lang
        local = self.app.clock.now().astimezone(ZoneInfo(settings.default_tz))
        body = template(
            reply,
            template_id=settings.wechat_template_id,
            sent_at=local.strftime("%Y-%m-%d %H:%M"),
            more=self.app.translator.t(lang, "wechat.template_more"),
        )
        try:
            answer = await self.api.call(
                "cgi-bin/message/template/send", json={"touser": chat_id, **body}
            )
        except ApiError as exc:
            raise classify(exc) from exc
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"wechat: {type(exc).__name__}: {exc}") from exc
        return [f"template:{answer.get('msgid', '')}"]

    async def set_menu(self) -> dict[str, Any]:
        """Create the account's custom menu in ``CRMBOT_WECHAT_MENU_LANG``; the menu sent."""
        lang = self.app.settings.wechat_menu_lang
        public = self.app.settings.public_url
        app_url = f"{public.rstrip('/')}/app/oauth/wechat/start" if public else None
        menu = custom_menu(lambda name: self.app.translator.t(lang, f"wechat.menu.{name}"), app_url)
        await self.api.call("cgi-bin/menu/create", json=menu)
        return menu

    async def upload_image(self, data: bytes, filename: str) -> str:
        def form() -> aiohttp.FormData:
            parts = aiohttp.FormData()
            parts.add_field("media", data, filename=filename, content_type="image/png")
            return parts

        answer = await self.api.call("cgi-bin/media/upload", params={"type": "image"}, data=form)
        return str(answer["media_id"])

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """An Official Account cannot edit a sent message; the choice shows in the answer."""


async def image_attachment(api: WeixinApi, media_id: str, limit: int) -> Attachment:
    """A user's photo (``media/get``, at once: temporary media expire after 3 days),
    checked by size and magic bytes like any untrusted upload."""
    try:
        data, kind = await api.download("cgi-bin/media/get", {"media_id": media_id}, limit)
    except Exception:
        log.exception("%s: could not fetch media %s", api.platform, media_id)
        return Attachment("unavailable")
    if data is None:
        return Attachment(kind)
    mime = sniff_image(data)
    if mime is None:
        return Attachment("not_image", mime_type=kind)
    return Attachment("image", data=data, filename="photo", mime_type=mime)


def _heard(body: dict[str, Any], heard: str) -> dict[str, Any]:
    """The first reply to a voice message starts with what was understood."""
    return to_json(_prefixed(from_json(body), f"🎤 “{heard}”\n"))


def _prefixed(reply: Reply, echo: str) -> Reply:
    if isinstance(reply, Text):
        return Text(echo + reply.text)
    if isinstance(reply, Choices):
        return Choices(echo + reply.text, reply.buttons)
    if isinstance(reply, Card):
        return Card(echo + reply.title, reply.lines, reply.buttons)
    if isinstance(reply, Document):
        return Document(reply.data, reply.filename, echo + reply.caption)
    return Image(reply.data, echo + reply.caption, reply.filename)
