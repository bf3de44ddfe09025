"""Telegram wiring: the webhook route, long polling, and delivery for the outbox sender.

One python-telegram-bot ``Bot`` makes every API call (its typed methods, its error classes,
its multipart uploads); none of PTB's ``Application`` machinery is used — the engine, the
database and the outbox sender already do what ``Application`` would (dispatch, state,
rate limits), and they do it across restarts and workers.

When is an update "done"? Telegram redelivers anything not answered 2xx (webhook), and in
polling anything below the confirmed offset. The engine commits the update (and its
replies, in the outbox) in one transaction keyed on the update's id, so a redelivery is
harmless. Hence: answer 200 once ``engine.handle`` has returned — the update is stored, or
the engine has queued its apology — and 500 when anything before that failed (a photo that
could not be downloaded, the database gone), so Telegram tries again later. A malformed
request is refused (403 / 413 / 400) before anything is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from telegram import Bot, BotCommand, InputFile, MenuButtonWebApp, Message, Update, WebAppInfo
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.http import read_body
from bot.adapters.telegram.aiohttp_request import AiohttpRequest
from bot.adapters.telegram.parse import (
    BotIdentity,
    FileRef,
    MalformedUpdate,
    event_from_update,
    file_to_fetch,
)
from bot.adapters.telegram.render import (
    EditCall,
    EditText,
    SendCall,
    SendDocument,
    SendPhoto,
    SendText,
    is_private,
    render,
    render_choice,
)
from bot.app import App
from bot.config import ConfigError
from bot.events import Attachment, EventKind, InboundEvent
from bot.images import sniff_image
from bot.replies import Notice, Reply
from locales.formatting import shorten

log = logging.getLogger(__name__)
T = TypeVar("T")

# PTB 22.2+ warns about ``retry_after`` becoming a timedelta even when it builds RetryAfter
# itself; the value is read below whichever type it is, so the warning says nothing to us.
warnings.filterwarnings(
    "ignore", message=r".*`retry_after`.*", category=PTBDeprecationWarning, module="telegram"
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ("message", "callback_query")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
"""What Telegram accepts in a command menu; aliases such as ``查`` are typed, not listed."""
DOWNLOAD_TIMEOUT = 60.0
"""Seconds to read a photo of up to 20 MB (PTB's default read timeout is 5 s)."""
TOKEN_LOGGERS = (
    "aiohttp.client",
    "httpx",
    "telegram",
    "telegram.Bot",
    "telegram.BaseRequest",
    "telegram.HTTPXRequest",
)
"""Loggers that print request URLs — which carry the bot token (httpx logs every request at
INFO; PTB logs its base URL at DEBUG). A filter on each blanks the token."""
IDENTIFY_RETRY = 60.0
"""Seconds between two getMe attempts while Telegram does not answer."""
CALLBACK_ANSWER_LIMIT = 200
"""Characters an ``answerCallbackQuery`` alert may hold."""
REMEMBERED = 10_000
"""How many answered callback ids / half-sent replies to keep in memory."""


class TelegramAdapter:
    name = "telegram"
    limits = RateLimits(per_second=30, private_interval=1.0, group_interval=3.0)
    """≈30 messages/s per bot, ≈1/s per chat, 20/min per group (Bot API FAQ)."""
    poll_timeout = 30
    """Seconds a ``getUpdates`` long poll may wait for news."""
    poll_backoff: tuple[float, ...] = (1.0, 2.0, 5.0, 15.0, 30.0)
    """Pauses after failed polls (and failed updates), growing; the last one repeats."""
    poll_attempts = 5
    """An update that fails this often in polling is logged and skipped, so one poisoned
    update cannot stop every later one (a webhook leaves that to Telegram's own retries)."""

    def __init__(self, app: App) -> None:
        settings = app.settings
        if settings.telegram_token is None or settings.telegram_webhook_secret is None:
            raise ConfigError("CRMBOT_TELEGRAM_TOKEN and CRMBOT_TELEGRAM_WEBHOOK_SECRET are needed")
        self.app = app
        self._token = settings.telegram_token.get_secret_value()
        self._secret = settings.telegram_webhook_secret.get_secret_value()
        root = settings.telegram_api_url.rstrip("/")
        self.bot = Bot(
            self._token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=AiohttpRequest(),
            get_updates_request=AiohttpRequest(connections=1),
        )
        self.me = BotIdentity()
        self._redact = _Redact(self._token)
        for name in TOKEN_LOGGERS:
            logging.getLogger(name).addFilter(self._redact)
        self._identify_after = 0.0
        self._answered: OrderedDict[str, None] = OrderedDict()

    # -- lifecycle -------------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/telegram/webhook", self.webhook)]

    async def start(self) -> None:
        """Open the HTTP pool and learn our username (``getMe``), needed to tell mentions and
        ``/cmd@us`` from ``/cmd@another_bot`` in groups. A refused token stops the start; an
        unreachable Telegram does not (the webhook may still work) — it is asked again later."""
        for name in TOKEN_LOGGERS:  # again after a close(); adding twice is a no-op
            logging.getLogger(name).addFilter(self._redact)
        if self.me.username:
            return
        await self._identify(raise_on_token=True)

    async def close(self) -> None:
        await self.bot.shutdown()
        self.me = BotIdentity()  # a later start() opens the pool and asks again
        for name in TOKEN_LOGGERS:
            logging.getLogger(name).removeFilter(self._redact)

    async def _identify(self, *, raise_on_token: bool = False) -> BotIdentity:
        if self.me.username:
            return self.me
        now = time.monotonic()
        if not raise_on_token and now < self._identify_after:
            return self.me  # Telegram was unreachable a moment ago: don't stall every update
        self._identify_after = now + IDENTIFY_RETRY
        try:
            await self.bot.initialize()
        except InvalidToken:
            # PTB's message quotes the token: never let it reach a log or a terminal.
            if raise_on_token:
                raise ConfigError("CRMBOT_TELEGRAM_TOKEN: Telegram refused the token") from None
            log.error("Telegram refused the bot token (getMe)")
            return self.me
        except TelegramError as exc:
            log.warning("getMe failed (%s); will ask again on the next update", self._safe(exc))
            return self.me
        user = self.bot.bot
        self.me = BotIdentity(user.id, user.username or "")
        log.info("Telegram bot @%s (%s) ready", self.me.username, self.me.id)
        return self.me

    # -- receiving ---------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret.encode()):
            log.warning("telegram webhook: wrong or missing secret header from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        limit = self.app.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return self._too_large(request, limit)
        try:
            # Verified by its header: read under the time limit, not the unverified cap.
            body = await read_body(self.app.bodies, request, verified=True)  # <= client_max_size
        except web.HTTPRequestEntityTooLarge:  # chunked: no Content-Length to check first
            return self._too_large(request, limit)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to read
            log.warning("telegram webhook: body is not JSON (%d bytes)", len(body))
            return web.Response(status=400, text="malformed JSON")
        if not isinstance(data, dict):
            log.warning("telegram webhook: JSON is a %s, not an update", type(data).__name__)
            return web.Response(status=400, text="not an update")
        try:
            update = Update.de_json(data, None)
        except Exception as exc:
            log.warning("telegram webhook: not an update (%s)", type(exc).__name__)
            return web.Response(status=400, text="not an update")
        try:
            await self.process(update)
        except Exception:
            log.exception(
                "telegram update %s not stored; Telegram will redeliver it", update.update_id
            )
            return web.Response(status=500, text="try again")
        # What json_response({}) sends, without encoding the same empty object every time.
        return web.Response(text="{}", content_type="application/json")

    @staticmethod
    def _too_large(request: web.Request, limit: int) -> web.Response:
        log.warning("telegram webhook: body over %d bytes from %s", limit, request.remote)
        return web.Response(status=413, text="too large")

    async def process(self, update: Update) -> None:
        """Hand one update to the engine. Returns once it is stored (or was never for us);
        raises when it was not, so the caller gets it delivered again.

        A callback query is always answered — even when handling fails — or the user's
        client shows a spinner on the button for a long while."""
        query = update.callback_query
        notice = ""
        try:
            me = await self._identify()
            try:
                event = event_from_update(update, me, received_at=self.app.clock.now())
                ref = file_to_fetch(update) if event and event.kind is EventKind.IMAGE else None
            except MalformedUpdate as exc:
                # Every delivery of it would fail the same way: acknowledge it, say so once.
                log.warning("telegram: ignored update %s: %s", update.update_id, exc)
                return
            if event is None:
                return
            if ref is not None and not event.attachments:
                event = replace(event, attachments=(await self._photo(event, ref),))
            replies = await self.app.engine.handle(event)
            notice = next((r.text for r in replies if isinstance(r, Notice)), "")
        finally:
            if query is not None:
                await self._answer(query.id, notice)

    async def _photo(self, event: InboundEvent, ref: FileRef) -> Attachment:
        """The photo, downloaded only for a linked sender: a stranger gets the link prompt,
        and their upload costs us neither a ``getFile`` nor up to 20 MB of memory."""
        if not await self.app.engine.is_linked(event):
            return Attachment("unavailable", filename=ref.filename, mime_type=ref.mime_type)
        return await self._download(ref)

    async def _download(self, ref: FileRef) -> Attachment:
        """The photo's bytes, checked: size before downloading (the update's figure, then
        ``getFile``'s, then the bytes themselves) and content by magic bytes, not by name."""
        limit = (
            self.app.settings.max_photo_bytes if ref.is_image else self.app.settings.max_file_bytes
        )

        def refused(kind: str) -> Attachment:
            return Attachment(kind, filename=ref.filename, mime_type=ref.mime_type)

        if ref.file_size is not None and ref.file_size > limit:
            return refused("too_large")
        try:
            file = await self.bot.get_file(ref.file_id)
        except BadRequest as exc:  # "file is too big" (over 20 MB for bots), or a bad file id
            if "too big" in exc.message.lower():
                return refused("too_large")
            log.warning("getFile refused a file: %s", self._safe(exc))
            return refused("not_image")
        if file.file_size is not None and file.file_size > limit:
            return refused("too_large")
        data = bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
        if len(data) > limit:
            return refused("too_large")
        if not ref.is_image:  # a spreadsheet: the importer reads (and checks) it
            return Attachment("file", data, ref.filename, ref.mime_type)
        mime = sniff_image(data)
        if mime is None:
            return refused("not_image")
        return Attachment("image", data, ref.filename, mime)

    async def _answer(self, query_id: str, notice: str = "") -> None:
        """Stop the button's spinner; ``notice`` (a refused press in a group) shows as an
        alert to the presser alone."""
        if query_id in self._answered:  # a redelivery: the spinner was already stopped
            return
        try:
            if notice:
                await self.bot.answer_callback_query(
                    query_id, text=shorten(notice, CALLBACK_ANSWER_LIMIT), show_alert=True
                )
            else:
                await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:  # e.g. "query is too old" after a late redelivery
            log.info("callback query not answered: %s", self._safe(exc))
            return
        _remember(self._answered, query_id, None)

    # -- long polling ----------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event) -> None:
        """Receive by ``getUpdates`` until ``stop`` is set (for hosts without a public URL).

        The offset moves past an update only after it is stored, and is confirmed to
        Telegram on the way out; whatever was fetched but not stored comes again on the next
        start. ``deleteWebhook`` keeps pending updates (webhook and polling are exclusive)."""
        await self.start()
        await self.bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        confirmed: int | None = None
        fetch_failures = update_failures = 0
        while not stop.is_set():
            try:
                updates = await _unless_stopped(
                    stop,
                    self.bot.get_updates(
                        offset=offset,
                        timeout=self.poll_timeout,
                        allowed_updates=list(ALLOWED_UPDATES),
                    ),
                )
            except TelegramError as exc:  # network, 5xx, 409 while a webhook is set...
                fetch_failures += 1
                log.warning("getUpdates failed (%s)", self._safe(exc))
                await self._pause(stop, fetch_failures)
                continue
            fetch_failures = 0
            if updates is None:
                break
            confirmed = offset
            for update in updates:
                if stop.is_set():
                    break
                try:
                    await self.process(update)
                except Exception:
                    update_failures += 1
                    if update_failures < self.poll_attempts:
                        log.exception("update %s not stored; will fetch it again", update.update_id)
                        await self._pause(stop, update_failures)
                        break
                    log.exception(
                        "update %s failed %d times; skipped", update.update_id, update_failures
                    )
                update_failures = 0
                offset = update.update_id + 1
        if offset is not None and offset != confirmed:
            with contextlib.suppress(TelegramError):
                await self.bot.get_updates(offset=offset, timeout=0, limit=1)

    async def _pause(self, stop: asyncio.Event, failures: int) -> None:
        delay = self.poll_backoff[min(failures, len(self.poll_backoff)) - 1]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)

    # -- set-up ------------------------------------------------------------------------------

    async def set_webhook(self, url: str) -> None:
        """Register the webhook with its secret (Telegram then sends it in every request's
        ``X-Telegram-Bot-Api-Secret-Token``) and the command menu in every catalogue language."""
        await self.bot.set_webhook(
            url, secret_token=self._secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        await self.bot.set_my_commands(self.command_menu("en"))
        for lang in self.app.translator.languages:
            if lang != "en":
                await self.bot.set_my_commands(self.command_menu(lang), language_code=lang)
        public_url = self.app.settings.public_url
        if public_url and public_url.startswith("https://"):
            # The menu button opens the quick-lookup page as a Mini App, signed in by the
            # initData Telegram hands it (bot/adapters/webapp/telegram_init.py).
            label = self.app.translator.t(
                self.app.settings.default_lang, "telegram.app.menu_button"
            )
            app_url = public_url.rstrip("/") + "/app/"
            await self.bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(label, WebAppInfo(app_url))
            )

    def command_menu(self, lang: str) -> list[BotCommand]:
        """The canonical commands of ``[commands]`` with ``telegram.commands.<name>`` as the
        description where the catalogue has it (the command's own name until it does)."""
        catalogs = self.app.translator.catalogs
        mine, english = catalogs.get(lang, {}), catalogs["en"]
        menu = []
        for key in english:
            name = key.removeprefix("commands.")
            if name == key or not COMMAND_NAME.fullmatch(name):
                continue
            description = mine.get(f"telegram.commands.{name}") or english.get(
                f"telegram.commands.{name}", name
            )
            menu.append(BotCommand(name, str(description)[:256]))
        return menu

    def deep_link(self, code: str) -> str:
        """``https://t.me/<bot>?start=CODE``: opens the chat and sends ``/start CODE``."""
        return f"https://t.me/{self.me.username}?start={code}"

    # -- delivery (the outbox sender's Platform) --------------------------------------------

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        """Deliver one reply, split over several messages when it is long."""
        return await self.resume(chat_id, reply, [], thread_id)

    async def resume(
        self, chat_id: str, reply: Reply, sent_ids: list[str], thread_id: str | None = None
    ) -> list[str]:
        """The parts after ``sent_ids``. A failure part-way says which parts went out, so
        the sender keeps them in the outbox row and any worker's retry carries on there."""
        ids = list(sent_ids)
        topic = int(thread_id) if thread_id and thread_id.isdigit() else None
        try:
            for call in render(reply, private=is_private(chat_id))[len(ids) :]:
                message = await self._call(chat_id, partial(self._send, call=call, topic=topic))
                ids.append(str(message.message_id))
        except DeliveryError as exc:
            raise DeliveryError(
                str(exc), retry_after=exc.retry_after, permanent=exc.permanent, sent_ids=ids
            ) from exc
        return ids

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        call = render_choice(text, label)
        await self._call(chat_id, lambda target: self._edit(target, int(message_id), call))

    async def _send(self, target: int | str, call: SendCall, topic: int | None) -> Message:
        """``topic``: the forum topic (``message_thread_id``) the answer belongs in."""
        if isinstance(call, SendText):
            return await self.bot.send_message(
                target,
                call.text,
                parse_mode=call.parse_mode,
                reply_markup=call.keyboard,
                message_thread_id=topic,
            )
        if isinstance(call, SendDocument):
            document = InputFile(call.data, filename=call.filename)
            return await self.bot.send_document(
                target, document, caption=call.caption or None, message_thread_id=topic
            )
        assert isinstance(call, SendPhoto)
        # Named, or the upload arrives as application/octet-stream.
        photo = InputFile(call.data, filename=call.filename)
        return await self.bot.send_photo(
            target, photo, caption=call.caption or None, message_thread_id=topic
        )

    async def _edit(self, target: int | str, message_id: int, call: EditCall) -> None:
        if isinstance(call, EditText):
            try:
                # No reply_markup: the edit drops the inline keyboard.
                await self.bot.edit_message_text(
                    call.text, chat_id=target, message_id=message_id, parse_mode=call.parse_mode
                )
                return
            except BadRequest as exc:
                if _not_modified(exc):
                    return
                # The text is gone or cannot be rebuilt (a photo, a deleted text): at least
                # take the buttons away.
                log.info("choice edit fell back to dropping buttons: %s", self._safe(exc))
        try:
            await self.bot.edit_message_reply_markup(chat_id=target, message_id=message_id)
        except BadRequest as exc:
            if not _not_modified(exc):
                raise

    async def _call(self, chat_id: str, action: Callable[[int | str], Awaitable[T]]) -> T:
        """Run one API call for a chat, turning PTB's errors into what the sender acts on."""
        target = _chat_target(chat_id)
        try:
            try:
                return await action(target)
            except ChatMigrated as moved:  # a group became a supergroup: same chat, new id
                log.info("telegram chat %s moved to %s", chat_id, moved.new_chat_id)
                return await action(moved.new_chat_id)
        except TelegramError as exc:
            raise self._delivery_error(exc) from None

    def _delivery_error(self, exc: TelegramError) -> DeliveryError:
        message = f"{type(exc).__name__}: {self._safe(exc)}"
        if isinstance(exc, RetryAfter):
            return DeliveryError(message, retry_after=_retry_seconds(exc))
        if isinstance(exc, Forbidden | BadRequest):
            # Bot blocked or removed, chat not found, a message Telegram refuses: sending the
            # same again cannot help. (BadRequest subclasses NetworkError: test it first.)
            return DeliveryError(message, permanent=True)
        if isinstance(exc, InvalidToken):
            log.error("Telegram refused the bot token while sending; will retry")
        elif not isinstance(exc, NetworkError):
            log.warning("unexpected Telegram error: %s", message)
        return DeliveryError(message)  # timeouts, 5xx, network: back off and retry

    def _safe(self, exc: TelegramError) -> str:
        """An error's message with the token blanked (some PTB messages quote the URL)."""
        return exc.message.replace(self._token, "<token>")


class _Redact(logging.Filter):
    """Blank a secret out of log records (logger filters see only their own logger's records,
    hence one per logger in TOKEN_LOGGERS)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        # As is, and URL-quoted (the file download URL arrives with ":" as "%3A").
        self.forms = {secret, quote(secret, safe="")}

    def filter(self, record: logging.LogRecord) -> bool:
        # Format now: PTB logs a result dict it changes afterwards (getFile's file_path
        # becomes a URL with the token), so a record formatted later would show it.
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's error path
            return True
        for form in self.forms:
            message = message.replace(form, "<token>")
        record.msg, record.args = message, None
        return True


async def _unless_stopped(stop: asyncio.Event, call: Coroutine[Any, Any, T]) -> T | None:
    """``call``'s result, or None as soon as ``stop`` is set (the call is then cancelled)."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def _chat_target(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id  # "@channelname"


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # an int today, a timedelta in PTB 23
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _not_modified(exc: BadRequest) -> bool:
    return "not modified" in exc.message.lower()


def _remember(store: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > REMEMBERED:
        store.popitem(last=False)
