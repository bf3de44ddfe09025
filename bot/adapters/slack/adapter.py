"""Slack: one route for events, the ``/crm`` slash command and button clicks, and delivery.

Wiring choices (each one is why the code looks the way it does):

* **Bolt verifies and dispatches, our aiohttp server serves.** ``POST /slack/events`` turns
  the aiohttp request into an ``AsyncBoltRequest`` (``slack_bolt.adapter.aiohttp``'s
  ``to_bolt_request``, the same translation Bolt's own server uses) and hands it to
  ``AsyncApp.async_dispatch``. Bolt's built-in server is never started: it would bind every
  address and a second port. (slack-bolt 1.30 has no ``AsyncSlackRequestHandler`` for
  aiohttp.web — the class of that name under ``adapter.asgi.aiohttp`` is an ASGI app.)
* **No ``auth.test`` at request time.** Bolt's default single-workspace authorisation calls
  ``auth.test`` on the first request, so a Slack hiccup would turn into refused events. We
  pass ``authorize=`` a local function returning the configured bot token: no network on
  the request path, and a test fake need not be up for events to be accepted. The bot's own
  user id (to strip its mention) comes from each envelope's ``authorizations``.
* **``process_before_response=True``.** The listener acks, then awaits
  ``engine.handle(event)`` before Bolt answers Slack. The engine only dedupes, routes and
  commits (milliseconds); the outbox sender does the slow part (posting) after commit. So
  a 200 means "committed": a crash before it makes Slack retry instead of losing the
  message, and no untracked background task outlives a request. Downloading a shared file
  can take longer than Slack's 3 seconds, so that one case is acknowledged at once and
  finished in a task the adapter tracks (``settle()`` / ``close()`` wait for it).
* **Bad input never reaches Bolt's listeners or the engine.** A body over
  ``max_body_bytes`` -> 413 (aiohttp's ``client_max_size``), a body that does not parse ->
  400 if its signature verifies and 401 if not (the unauthenticated learn nothing), a bad
  signature or a timestamp more than 5 minutes off -> 401 from Bolt's verification. Each
  is logged with the reason, never with headers, body or secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.slack.parse import PLATFORM, SharedFile, parse, shared_files
from bot.adapters.slack.render import render, render_choice, render_upload
from bot.app import App
from bot.config import ConfigError
from bot.events import Attachment, EventKind, InboundEvent
from bot.images import sniff_image
from bot.replies import Image, Reply

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SIGNATURE_MAX_AGE = 300
"""Seconds; Bolt's verifier refuses older (or newer) request timestamps."""
API_TIMEOUT = 30
DOWNLOAD_TIMEOUT = 120
FILE_HOST = "files.slack.com"
RESPONSE_HOST = "hooks.slack.com"
RESPONSE_URL_LIFETIME = 25 * 60
"""Slack honours a slash command's ``response_url`` for 30 minutes: keep a margin."""
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""``ok: false`` codes worth another try. Every other code answered with HTTP 200
(``channel_not_found``, ``not_in_channel``, ``account_inactive``, ``is_archived``,
``invalid_auth``, ``invalid_blocks``, ``message_not_found``, ...) is permanent: Slack refuses
the same request the same way each time."""


class SlackAdapter:
    """The Slack platform: webhook route (``routes``) and delivery (``send``, ``show_choice``)."""

    name = PLATFORM
    limits = RateLimits(per_second=20, private_interval=1.0, group_interval=1.0)

    def __init__(self, app: App) -> None:
        settings = app.settings
        if settings.slack_bot_token is None or settings.slack_signing_secret is None:
            raise ConfigError("CRMBOT_SLACK_BOT_TOKEN and CRMBOT_SLACK_SIGNING_SECRET must be set")
        self.app = app
        self._token = settings.slack_bot_token.get_secret_value()
        secret = settings.slack_signing_secret.get_secret_value()
        self._verifier = SignatureVerifier(secret)
        self._api_url = settings.slack_api_url
        # Our outbox owns retries and backoff (on the injected clock): the SDK's own retry
        # handlers would sleep for real and retry twice.
        self.client = AsyncWebClient(
            token=self._token,
            base_url=self._api_url,
            timeout=API_TIMEOUT,
            retry_handlers=[],
            logger=log.getChild("web"),
        )
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # channel -> (response_url, expiry): answers for channels we are not a member of.
        self._response_urls: dict[str, tuple[str, float]] = {}
        self.bolt = self._build_bolt(secret)

    # ----------------------------------------------------------------- lifecycle

    def routes(self) -> list[web.RouteDef]:
        return [web.post(EVENTS_PATH, self.handle_request)]

    async def start(self) -> None:
        """One HTTP connection pool for the Web API, uploads and file downloads."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
            self.client.session = self._session

    async def close(self) -> None:
        await self.settle(seconds=10)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None

    async def settle(self, seconds: float | None = None) -> None:
        """Wait for events still being finished after their ack (file downloads)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    # ------------------------------------------------------------------ inbound

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        try:
            bolt_request = await to_bolt_request(request)
        except web.HTTPRequestEntityTooLarge:
            log.warning(
                "slack: refused a body over %d bytes from %s (413)",
                self.app.settings.max_body_bytes,
                request.remote,
            )
            raise
        except Exception:
            # Bolt parses while building the request: anything its parser chokes on
            # (bad UTF-8, bad JSON, JSON that is not an object) is a bad request.
            return await self._unparseable(request)
        _repair_form_body(bolt_request)
        response = await self.bolt.async_dispatch(bolt_request)
        if response.status == 401:
            log.warning(
                "slack: refused a request from %s (401): %s",
                request.remote,
                _refusal_reason(request.headers.get("X-Slack-Request-Timestamp")),
            )
        return await to_aiohttp_response(response)

    async def _unparseable(self, request: web.Request) -> web.Response:
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "0")
        signature = request.headers.get("X-Slack-Signature", "")
        if not self._signed(raw, timestamp, signature):
            log.warning(
                "slack: refused an unparseable request from %s (401): %s",
                request.remote,
                _refusal_reason(timestamp),
            )
            return web.Response(status=401, text="invalid request")
        log.warning(
            "slack: refused a signed but unparseable body of %d bytes from %s (400)",
            len(raw),
            request.remote,
        )
        return web.Response(status=400, text="malformed body")

    def _signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        try:
            return self._verifier.is_valid(raw, timestamp, signature)
        except UnicodeDecodeError:
            # The SDK verifies text; a body that is not UTF-8 was not sent by Slack.
            return False

    def _build_bolt(self, signing_secret: str) -> AsyncApp:
        token = self._token

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

        bolt = AsyncApp(
            name="crmbot",
            logger=log.getChild("bolt"),
            signing_secret=signing_secret,
            # Bolt's own client (for say/respond, unused) also points at our API host.
            client=AsyncWebClient(base_url=self._api_url, retry_handlers=[]),
            authorize=authorize,
            process_before_response=True,
        )
        # Bolt introspects listener parameters by name, so these are closures, not methods.
        adapter = self

        async def on_event(body: dict[str, Any], request: AsyncBoltRequest) -> None:
            retry = request.headers.get("x-slack-retry-num", [None])[0]
            if retry:
                reason = request.headers.get("x-slack-retry-reason", ["?"])[0]
                log.info("slack: retry %s (%s) of %s", retry, reason, body.get("event_id"))
            await adapter.accept(body)

        async def on_interaction(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            await adapter.accept(body)

        everything = re.compile(".*")
        bolt.event(everything)(on_event)
        bolt.command(everything)(on_interaction)
        bolt.action(everything)(on_interaction)
        return bolt

    async def accept(self, body: Mapping[str, Any]) -> None:
        """Hand a verified payload to the engine (file downloads finish after the ack)."""
        event = parse(body, now=self.app.clock.now())
        if event is None:
            return
        self._remember_response_url(body)
        if event.kind is EventKind.IMAGE:
            files = shared_files(body)
            self._spawn(self._with_file(event, files[0]))
            return
        await self.app.engine.handle(named_command(event, self.app.engine.commands))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="slack-file")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _with_file(self, event: InboundEvent, file: SharedFile) -> None:
        try:
            attachment = await self.download(file)
        except Exception:
            log.exception("slack: could not fetch file %s for %s", file.file_id, event.event_id)
            attachment = Attachment("unavailable", filename=file.name, mime_type=file.mimetype)
        await self.app.engine.handle(replace(event, attachments=(attachment,)))

    async def download(self, file: SharedFile) -> Attachment:
        """A user's file, checked: declared size first, then the bytes read, then magic bytes.

        The bot token is sent only to Slack's file host (or the configured API host, which
        is where a test's fake serves files), never to whatever URL a payload names.
        """
        limit = self.app.settings.max_photo_bytes
        if file.size > limit:
            return Attachment("too_large", filename=file.name, mime_type=file.mimetype)
        if file.mimetype and not file.mimetype.startswith("image/"):
            return Attachment("not_image", filename=file.name, mime_type=file.mimetype)
        if not self._may_fetch(file.url):
            log.warning("slack: not sending the token to %s", urlsplit(file.url).netloc)
            return Attachment("unavailable", filename=file.name, mime_type=file.mimetype)
        await self.start()
        assert self._session is not None
        chunks: list[bytes] = []
        size = 0
        async with self._session.get(
            file.url,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT),
        ) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    return Attachment("too_large", filename=file.name, mime_type=file.mimetype)
                chunks.append(chunk)
        data = b"".join(chunks)
        mime = sniff_image(data)
        if mime is None:
            return Attachment("not_image", filename=file.name, mime_type=file.mimetype)
        return Attachment("image", data=data, filename=file.name, mime_type=mime)

    def _may_fetch(self, url: str, host: str = FILE_HOST) -> bool:
        parts = urlsplit(url)
        api = urlsplit(self._api_url)
        if parts.netloc == api.netloc and parts.scheme == api.scheme:
            return True
        return parts.scheme == "https" and parts.hostname == host

    def _remember_response_url(self, body: Mapping[str, Any]) -> None:
        """A slash command may come from a channel the app was never added to, where it
        cannot post: keep the command's ``response_url`` to answer there instead."""
        url, channel = body.get("response_url"), body.get("channel_id")
        if not isinstance(url, str) or not isinstance(channel, str) or not body.get("command"):
            return
        if channel.startswith("D") or not self._may_fetch(url, RESPONSE_HOST):
            return
        now = self.app.clock.now().timestamp()
        self._response_urls = {c: v for c, v in self._response_urls.items() if v[1] > now}
        self._response_urls[channel] = (url, now + RESPONSE_URL_LIFETIME)

    def _response_url(self, channel: str) -> str | None:
        url, expires = self._response_urls.get(channel, ("", 0.0))
        return url if expires > self.app.clock.now().timestamp() else None

    # ----------------------------------------------------------------- outbound

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        """Post one reply; the ``ts`` of each message (an image: the uploaded file's id).

        In a channel the app is not a member of, a reply to a recent slash command goes
        through that command's ``response_url``, visible to the channel like a post."""
        with _delivery_errors():
            try:
                return await self._post(chat_id, reply)
            except SlackApiError as exc:
                url = self._response_url(chat_id)
                if url is None or exc.response.get("error") not in NOT_A_MEMBER:
                    raise
            return await self._respond(url, reply)

    async def _post(self, chat_id: str, reply: Reply) -> list[str]:
        if isinstance(reply, Image):
            upload = render_upload(reply)
            done = await self.client.files_upload_v2(
                channel=chat_id,
                file=upload.data,
                filename=upload.filename,
                title=upload.title,
                initial_comment=upload.initial_comment,
            )
            files = done.get("files") or []
            return [str(f.get("id")) for f in files if isinstance(f, dict)]
        ids: list[str] = []
        for message in render(reply):
            posted = await self.client.chat_postMessage(
                channel=chat_id,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
            ids.append(str(posted["ts"]))
        return ids

    async def _respond(self, url: str, reply: Reply) -> list[str]:
        """Through a ``response_url``: no uploads there, so an image is its caption."""
        bodies: list[dict[str, Any]]
        if isinstance(reply, Image):
            caption = render_upload(reply).initial_comment or ""
            bodies = [{"text": caption}] if caption else []
        else:
            bodies = [{"text": m.text, "blocks": m.blocks} for m in render(reply)]
        await self.start()
        assert self._session is not None
        for body in bodies:
            async with self._session.post(
                url, json={"response_type": "in_channel", "replace_original": False, **body}
            ) as response:
                if response.status == 429 or response.status >= 500:
                    raise DeliveryError(f"response_url: HTTP {response.status}")
                if response.status >= 400:
                    raise DeliveryError(f"response_url: HTTP {response.status}", permanent=True)
        return [f"response_url:{n}" for n in range(len(bodies))]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """Replace the clicked message's buttons with what was chosen."""
        message = render_choice(text, label)
        with _delivery_errors():
            await self.client.chat_update(
                channel=chat_id, ts=message_id, text=message.text, blocks=message.blocks
            )


def named_command(event: InboundEvent, commands: Mapping[str, str]) -> InboundEvent:
    """In a channel, ``@crmbot find acme`` means ``/crm find acme``: a mention whose first
    word names one of our commands (any language's alias) is that command. Elsewhere the
    words stay free text ("@crmbot called Acme ..." logs a call)."""
    if event.chat.is_private or event.command is not None or event.payload is not None:
        return event
    first, _, rest = event.text.partition(" ")
    if first.casefold() not in commands:
        return event
    return replace(event, command=first.casefold(), args=rest.strip())


@contextlib.contextmanager
def _delivery_errors() -> Iterator[None]:
    """slack_sdk's failures in the outbox's terms: wait, retry with backoff, or give up."""
    try:
        yield
    except SlackApiError as exc:
        raise delivery_error(exc) from exc
    except (SlackClientError, aiohttp.ClientError) as exc:
        # Connection trouble or an upload URL answering non-200: worth another try.
        raise DeliveryError(f"slack: {type(exc).__name__}: {exc}") from exc


def delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    data = getattr(response, "data", None)
    headers = getattr(response, "headers", None) or {}
    return classify(
        int(getattr(response, "status_code", 0) or 0),
        str(data.get("error") or "") if isinstance(data, dict) else "",
        headers.get("Retry-After"),
    )


def classify(status: int, error: str, retry_after: object = None) -> DeliveryError:
    """One failed Web API answer: wait (429), retry with backoff (5xx, Slack's transient
    errors) or give up (every other refusal, which would only be refused again)."""
    if status == 429:
        return DeliveryError(
            f"slack: rate limited ({error or 'ratelimited'})",
            retry_after=_retry_after(retry_after),
        )
    if status >= 500 or error in TRANSIENT_ERRORS:
        return DeliveryError(f"slack: HTTP {status} {error}".rstrip())
    return DeliveryError(f"slack: {error or f'HTTP {status}'}", permanent=True)


def _retry_after(value: object) -> float:
    try:
        seconds = float(str(value))
    except (TypeError, ValueError):
        return 1.0
    return max(seconds, 0.0) or 1.0


def _refusal_reason(timestamp: str | None) -> str:
    """Why a signature check failed, from the one header that is safe to look at."""
    try:
        age = abs(time.time() - int(timestamp or ""))
    except ValueError:
        return "missing or malformed timestamp"
    if age > SIGNATURE_MAX_AGE:
        return f"timestamp {int(age)} s away from now (limit {SIGNATURE_MAX_AGE} s)"
    return "signature does not verify"


def _repair_form_body(request: AsyncBoltRequest) -> None:
    """Bolt 1.x takes any form body containing the word "payload" for an interactivity
    payload and, finding none, parses it as empty: ``/crm log sent the payload spec``
    would vanish. Re-read such slash-command bodies as the plain form they are."""
    raw = request.raw_body
    if request.body or not raw or raw.lstrip().startswith("{"):
        return
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "command" in fields and "payload" not in fields:
        request.body = fields
        request.context = build_async_context(AsyncBoltContext({}), fields)
