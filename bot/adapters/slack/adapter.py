"""Slack: one route for events, the ``/crm`` slash command and button clicks, and delivery.

Wiring choices (each one is why the code looks the way it does):

* **slack_sdk, no Bolt.** ``POST /slack/events`` reads the body, checks Slack's signature
  with ``slack_sdk.signature.SignatureVerifier`` and dispatches itself: an Events API
  envelope, a slash command (a form) or an interactivity ``payload`` (a form field holding
  JSON) each go to :func:`bot.adapters.slack.parse.parse`. Bolt was only a dispatcher here,
  and using it took a rewrite of its request through a private module; its web server
  would bind a second port. Outbound calls use ``slack_sdk``'s ``AsyncWebClient``.
* **No ``auth.test`` at request time**: nothing on the request path calls the Web API, so
  a Slack hiccup never turns into refused events. The bot's own user id (to strip its
  mention) comes from each envelope's ``authorizations``.
* **Slack's 3 seconds, however long the work takes.** A slash command or a button click is
  acknowledged at once (an empty 200, which shows nothing) and handled in a task the
  adapter tracks (``settle()`` / ``close()`` wait for it); the answer goes out through
  ``chat.postMessage`` (the outbox), or the command's ``response_url`` in a channel the app
  is not in. Slack never retries those, so acking first loses nothing. An Events API
  delivery is answered once the engine *stored* it (its transaction committed, or it was a
  duplicate), not when its slow work (a chart, a card) is done: a 200 still means
  "committed", so a crash before it makes Slack retry instead of losing the message.
  Downloading a shared file can take longer than 3 seconds, so a photo is acknowledged at
  once and fetched in a tracked task.
* **Checked before the body is read** where the headers suffice: a missing signature or a
  timestamp that is not a number within 5 minutes -> 401 at once. The body itself is read
  under a time limit and a cap on bodies not yet verified (``bot.bodies``: 408, 503).
* **Bad input never reaches the engine.** A body over ``max_body_bytes`` -> 413
  (aiohttp's ``client_max_size``), a bad signature or a timestamp more than 5 minutes off
  (or a body that is not UTF-8, which Slack never sends) -> 401, a signed body that does
  not parse into a payload -> 400. Each is logged with the reason, never with headers,
  body or secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import DeliveryError, RateLimits
from bot.adapters.http import read_body
from bot.adapters.slack.parse import (
    PLATFORM,
    SHORTCUT_DM,
    SharedFile,
    parse,
    shared_files,
    slack_id,
)
from bot.adapters.slack.render import render, render_choice, render_upload
from bot.app import App
from bot.config import ConfigError
from bot.events import Attachment, EventKind, InboundEvent, is_spreadsheet
from bot.images import sniff_image
from bot.replies import Document, Image, Notice, Reply
from store import response_urls, workspace_status
from store.users import identity_user, rekey_identity

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SIGNATURE_MAX_AGE = 300
"""Seconds; slack_sdk's verifier refuses older (or newer) request timestamps."""
API_TIMEOUT = 30
DOWNLOAD_TIMEOUT = 120
FILE_HOST = "files.slack.com"
RESPONSE_HOST = "hooks.slack.com"
RESPONSE_URL_LIFETIME = timedelta(minutes=25)
"""Slack honours a slash command's ``response_url`` for 30 minutes: keep a margin."""
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
QUIETLY_ACKNOWLEDGED = frozenset(
    {"block_suggestion", "view_submission", "view_closed", "app_rate_limited"}
)
"""Signed requests that are housekeeping, not a person talking to the bot."""
GONE_RECHECK_SECONDS = 60.0
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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._adopted: set[str] = set()
        self._gone: dict[str, str] = {}
        self._gone_checked: float | None = None

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
        """Wait for events still being finished after their ack (commands, clicks, slow
        work, file downloads), including the tasks those start meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    # ------------------------------------------------------------------ inbound

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        if not _may_be_signed(timestamp, request.headers.get("X-Slack-Signature")):
            # What can be checked before the body is read: it is not worth reading.
            log.warning(
                "slack: refused a request from %s (401): %s",
                request.remote,
                _refusal_reason(timestamp),
            )
            return web.Response(status=401, text="invalid request")
        try:
            raw = await read_body(self.app.bodies, request)  # timed, and capped while unverified
        except web.HTTPRequestEntityTooLarge:
            log.warning(
                "slack: refused a body over %d bytes from %s (413)",
                self.app.settings.max_body_bytes,
                request.remote,
            )
            raise
        if not self._signed(raw, timestamp, request.headers.get("X-Slack-Signature")):
            log.warning(
                "slack: refused a request from %s (401): %s",
                request.remote,
                _refusal_reason(timestamp),
            )
            return web.Response(status=401, text="invalid request")
        body = decode_body(raw)
        if body is None:
            log.warning(
                "slack: refused a signed but unparseable body of %d bytes from %s (400)",
                len(raw),
                request.remote,
            )
            return web.Response(status=400, text="malformed body")
        if body.get("type") == "url_verification":
            return web.json_response({"challenge": body.get("challenge")})
        if body.get("ssl_check"):
            return web.Response()
        if body.get("type") in QUIETLY_ACKNOWLEDGED or _removal(body) is not None:
            return await self._housekeeping(body)
        if body.get("type") == "event_callback":
            retry = request.headers.get("X-Slack-Retry-Num")
            if retry:
                reason = request.headers.get("X-Slack-Retry-Reason", "?")
                log.info("slack: retry %s (%s) of %s", retry, reason, body.get("event_id"))
            await self.accept(body)
        else:
            # A slash command or a click: acknowledged now, handled in a tracked task.
            self._spawn(self.accept(body), name="slack-interaction")
        return web.Response()

    async def _housekeeping(self, body: Mapping[str, Any]) -> web.StreamResponse:
        """Signed requests that are not a person talking to the bot, each acknowledged
        with what Slack expects (a 404 or an error would make Slack show users an error,
        and disable the event subscription of an app that fails too many deliveries)."""
        kind = body.get("type")
        if kind == "block_suggestion":  # an external-select menu asking for options
            return web.json_response({"options": []})
        if kind == "app_rate_limited":
            # Over 30,000 events an hour: Slack drops events for a while and says so here.
            log.warning(
                "slack: Slack is holding back events for workspace %s (rate limited at %s)",
                body.get("team_id"),
                body.get("minute_rate_limited"),
            )
            return web.Response()
        reason = _removal(body)
        if reason is not None:
            await self._removed(str(body.get("team_id") or "?"), reason)
        # view_submission / view_closed: an empty 200 closes the view. We open none.
        return web.Response()

    async def _removed(self, team: str, reason: str) -> None:
        """The workspace took the app away: nothing more is sent there (each worker learns
        it from the database) until the workspace uses the app again."""
        async with self.app.db.transaction(platform=PLATFORM) as session:
            first = await workspace_status.mark_gone(
                session, platform=PLATFORM, workspace=team, reason=reason, now=self.app.clock.now()
            )
        self._gone_checked = None  # read it again
        if first:
            log.error(
                "slack: workspace %s removed crmbot (%s): nothing more is sent to it; "
                "reinstall the app there to resume",
                team,
                reason,
            )

    async def _workspaces_gone(self) -> dict[str, str]:
        """The workspaces that removed the app, read again at most every
        ``GONE_RECHECK_SECONDS`` (a send must not cost a query each)."""
        now = time.monotonic()
        if self._gone_checked is None or now - self._gone_checked > GONE_RECHECK_SECONDS:
            async with self.app.db.transaction(platform=PLATFORM) as session:
                self._gone = await workspace_status.gone(session, platform=PLATFORM)
            self._gone_checked = now
        return self._gone

    async def _back_if_gone(self, team: str | None) -> None:
        """A workspace that had removed the app talks to it again: it was reinstalled."""
        if team is None or team not in await self._workspaces_gone():
            return
        async with self.app.db.transaction(platform=PLATFORM) as session:
            await workspace_status.mark_back(session, platform=PLATFORM, workspace=team)
        self._gone_checked = None
        log.warning("slack: workspace %s uses crmbot again; sending there resumes", team)

    def _signed(self, raw: bytes, timestamp: str | None, signature: str | None) -> bool:
        # Slack sends ASCII digits and "v0=<hex>": anything else (empty, "1e9", "é") was
        # not sent by Slack, and would make the SDK raise rather than answer False.
        if not _is_ascii_number(timestamp) or not signature or not signature.isascii():
            return False
        try:
            return self._verifier.is_valid(raw, timestamp, signature)
        except (UnicodeDecodeError, ValueError, TypeError):
            # The SDK verifies text: a body that is not UTF-8 was not sent by Slack.
            return False

    async def accept(self, body: Mapping[str, Any]) -> None:
        """Hand a verified payload to the engine; return once the engine stored it (its
        slow work, and a shared file's download, go on in tracked tasks)."""
        event = parse(body, now=self.app.clock.now(), team=self.app.settings.slack_team_id)
        if event is None:
            return
        await self._back_if_gone(_team_of(body))
        if event.chat.chat_id == SHORTCUT_DM:
            event = replace(event, chat=replace(event.chat, chat_id=await self._dm_with(event)))
        await self._adopt_bare_link(event.actor.platform_user_id)
        await self._remember_response_url(body)
        if event.kind is EventKind.IMAGE:
            files = shared_files(body)
            self._spawn(self._with_file(event, files[0]), name="slack-file")
            return
        stored = asyncio.Event()
        handled = self._spawn(
            self._handle(named_command(event, self.app.engine.commands), stored.set),
            name="slack-event",
        )
        waiting = asyncio.ensure_future(stored.wait())
        try:
            await asyncio.wait({handled, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        if handled.done() and not handled.cancelled():
            handled.result()  # nothing stored, not even the apology: a 500, Slack retries

    async def _dm_with(self, event: InboundEvent) -> str:
        """The person's DM with the app (``conversations.open``), where a shortcut's answer
        goes; their user id if Slack will not say (``chat.postMessage`` takes it too)."""
        user = slack_id(event.actor.platform_user_id)
        await self.start()
        try:
            opened = await self.client.conversations_open(users=user)
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("slack: conversations.open failed (%s); answering by user id", exc)
            return user
        channel = opened.get("channel")
        found = channel.get("id") if isinstance(channel, Mapping) else None
        return str(found) if found else user

    async def _handle(self, event: InboundEvent, stored: Callable[[], None]) -> None:
        """The engine's work; a refused press in a channel is answered to the presser alone
        (an ephemeral message), as the engine queued nothing for the channel."""
        replies = await self.app.engine.handle(event, stored=stored)
        for notice in (r for r in replies if isinstance(r, Notice)):
            await self.tell_privately(event.chat.chat_id, event.actor.platform_user_id, notice.text)

    async def tell_privately(self, channel: str, account: str, text: str) -> None:
        """``chat.postEphemeral``: seen only by that person, in that channel, and not kept
        (a failure is logged: there is nothing to deliver later)."""
        await self.start()
        try:
            await self.client.chat_postEphemeral(channel=channel, user=slack_id(account), text=text)
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("slack: ephemeral answer not shown (%s)", type(exc).__name__)

    def _spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Awaited by accept() when it mattered; after an ack, only the log remains.
            log.error("slack: %s failed", task.get_name(), exc_info=task.exception())

    async def _with_file(self, event: InboundEvent, file: SharedFile) -> None:
        """The file for a linked sender; a stranger's is not fetched at all (they get the
        link prompt, which needs no photo)."""
        try:
            if not await self.app.engine.is_linked(event):
                attachment = Attachment("unavailable", filename=file.name, mime_type=file.mimetype)
            else:
                attachment = await self.download(file)
        except Exception:
            log.exception("slack: could not fetch file %s for %s", file.file_id, event.event_id)
            attachment = Attachment("unavailable", filename=file.name, mime_type=file.mimetype)
        await self.app.engine.handle(replace(event, attachments=(attachment,)))

    async def download(self, file: SharedFile) -> Attachment:
        """A user's file, checked: declared size first, then the bytes read, then magic bytes
        (a spreadsheet, told by its name, goes to the importer, which checks its content).

        The bot token is sent only to Slack's file host (or the configured API host, which
        is where a test's fake serves files), never to whatever URL a payload names.
        """
        spreadsheet = is_spreadsheet(file.name)
        settings = self.app.settings
        limit = settings.max_file_bytes if spreadsheet else settings.max_photo_bytes
        if file.size > limit:
            return Attachment("too_large", filename=file.name, mime_type=file.mimetype)
        if not spreadsheet and file.mimetype and not file.mimetype.startswith("image/"):
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
        if spreadsheet:
            return Attachment("file", data=data, filename=file.name, mime_type=file.mimetype)
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

    async def _remember_response_url(self, body: Mapping[str, Any]) -> None:
        """A slash command may come from a channel the app was never added to, where it
        cannot post: keep the command's ``response_url`` to answer there instead — in the
        database, as the worker that sends may not be this one."""
        url, channel = body.get("response_url"), body.get("channel_id")
        if not isinstance(url, str) or not isinstance(channel, str) or not body.get("command"):
            return
        if channel.startswith("D") or not self._may_fetch(url, RESPONSE_HOST):
            return
        now = self.app.clock.now()
        async with self.app.db.transaction(platform=PLATFORM) as session:
            await response_urls.remember(
                session,
                platform=PLATFORM,
                chat_id=channel,
                url=url,
                now=now,
                expires_at=now + RESPONSE_URL_LIFETIME,
            )

    async def _adopt_bare_link(self, account: str) -> None:
        """An account linked by its bare user id (before workspaces were part of the key)
        becomes ``T…/U…`` the first time its person writes from the app's own workspace —
        ``parse`` refused any other — so existing links keep working without a migration
        that would have to know the team id. Checked once per account and process."""
        if account in self._adopted:
            return
        async with self.app.db.transaction(platform=PLATFORM) as session:
            if await rekey_identity(session, PLATFORM, old=slack_id(account), new=account):
                log.info("slack: an account linked by user id is now keyed by its workspace")
            elif await identity_user(session, PLATFORM, account) is None:
                return  # a stranger so far: they may be linked by their bare id later
        self._adopted.add(account)

    async def _response_url(self, channel: str) -> str | None:
        async with self.app.db.transaction(platform=PLATFORM) as session:
            return await response_urls.lookup(
                session, platform=PLATFORM, chat_id=channel, now=self.app.clock.now()
            )

    # ----------------------------------------------------------------- outbound

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        """Post one reply; the ``ts`` of each message (an image: the uploaded file's id).

        In a channel the app is not a member of, a reply to a recent slash command goes
        through that command's ``response_url``, visible to the channel like a post."""
        chat_id = slack_id(chat_id)  # a push to a person's account: their user id
        gone = await self._workspaces_gone()
        if gone:
            raise DeliveryError(
                f"the app was removed from workspace {', '.join(gone)}", permanent=True
            )
        with _delivery_errors():
            try:
                return await self._post(chat_id, reply, thread_id)
            except SlackApiError as exc:
                url = await self._response_url(chat_id)
                if url is None or exc.response.get("error") not in NOT_A_MEMBER:
                    raise
            return await self._respond(url, reply)

    async def _post(self, chat_id: str, reply: Reply, thread_ts: str | None) -> list[str]:
        """``thread_ts``: the thread the answer belongs in (a mention inside a thread)."""
        if isinstance(reply, Image | Document):
            upload = render_upload(reply)
            done = await self.client.files_upload_v2(
                channel=chat_id,
                file=upload.data,
                filename=upload.filename,
                title=upload.title,
                initial_comment=upload.initial_comment,
                thread_ts=thread_ts,
            )
            files = done.get("files") or []
            return [str(f.get("id")) for f in files if isinstance(f, dict)]
        ids: list[str] = []
        for message in render(reply):
            posted = await self.client.chat_postMessage(
                channel=chat_id,
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
            ids.append(str(posted["ts"]))
        return ids

    async def _respond(self, url: str, reply: Reply) -> list[str]:
        """Through a ``response_url``: no uploads there, so an image (or a document) is its
        caption."""
        bodies: list[dict[str, Any]]
        if isinstance(reply, Image | Document):
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


def _removal(body: Mapping[str, Any]) -> str | None:
    """``app_uninstalled``, or ``tokens_revoked`` naming a bot token: the app can no
    longer post in that workspace. None for anything else."""
    if body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, Mapping):
        return None
    if event.get("type") == "app_uninstalled":
        return "app_uninstalled"
    tokens = event.get("tokens")
    if event.get("type") == "tokens_revoked" and isinstance(tokens, Mapping) and tokens.get("bot"):
        return "tokens_revoked"
    return None


def _team_of(body: Mapping[str, Any]) -> str | None:
    """The workspace a payload comes from (an event's ``team_id``, an interaction's team)."""
    team = body.get("team_id")
    if not team and isinstance(body.get("team"), Mapping):
        team = body["team"].get("id")
    return str(team) if isinstance(team, str) and team else None


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


def _may_be_signed(timestamp: str | None, signature: str | None) -> bool:
    """The headers alone could belong to a request Slack signed just now."""
    if not _is_ascii_number(timestamp) or not signature or not signature.isascii():
        return False
    return len(timestamp or "") <= 12 and abs(time.time() - int(timestamp or "")) <= (
        SIGNATURE_MAX_AGE
    )


def _is_ascii_number(value: str | None) -> bool:
    return bool(value) and value is not None and value.isascii() and value.isdigit()


def _refusal_reason(timestamp: str | None) -> str:
    """Why a signature check failed, from the one header that is safe to look at."""
    if not _is_ascii_number(timestamp) or len(timestamp or "") > 12:
        return "missing or malformed timestamp"
    age = abs(time.time() - int(timestamp or ""))
    if age > SIGNATURE_MAX_AGE:
        return f"timestamp {int(age)} s away from now (limit {SIGNATURE_MAX_AGE} s)"
    return "signature does not verify"


def decode_body(raw: bytes) -> dict[str, Any] | None:
    """What Slack posted: an Events API envelope (JSON), an interactivity payload (a form
    whose ``payload`` field is JSON) or a slash command (a plain form). ``None`` for
    anything else. A command's text may contain the word "payload": only a field of that
    name makes an interactivity payload."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            data: object = json.loads(text)
        else:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" in fields:
                data = json.loads(fields["payload"])
            elif "command" in fields or "ssl_check" in fields:
                data = fields
            else:
                return None
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to read
        return None
    return data if isinstance(data, dict) else None
