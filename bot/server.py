"""``crmbot serve``: one aiohttp server for every configured platform, plus the outbox sender
and the reminder scheduler.

Each platform adapter contributes its webhook routes; the server adds ``GET /healthz``.
Request bodies over ``CRMBOT_MAX_BODY_BYTES`` (1 MB) are refused with 413 by aiohttp itself.
Slow clients are dropped: a connection idle, or still sending its request line and headers,
after ``CRMBOT_HTTP_IDLE_TIMEOUT`` seconds is closed (:func:`http_options`), and a body not
received within ``CRMBOT_HTTP_BODY_TIMEOUT`` gets 408 (:mod:`bot.bodies`, which also caps
the bodies read at once before their signature can be checked).

A configured platform whose SDK is not installed stops the start with the one line that
installs it (:mod:`bot.extras`); card reading and charts without their extras only log it,
and the bot answers without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.base import Platform
from bot.adapters.mail import EmailPlatform, SmtpTarget
from bot.adapters.webapp.site import WebApp
from bot.adapters.webapp.survey import SurveyPage
from bot.app import App, open_app
from bot.cardscan.scanner import preload_models
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.delivery.limits import Sleep
from bot.delivery.sender import OutboxSender, PushFailed
from bot.extras import CHARTS, OCR, SLACK, TELEGRAM, WECHAT, available, needs
from bot.heap import settle_after_start
from bot.outbox import EMAIL
from handlers.reminders.config import load_reminder_config
from handlers.tickets import customer_survey
from scheduler.backups import NightlyBackups
from scheduler.runner import ReminderScheduler
from scheduler.service import ReminderService, push_failure_hook
from store.db import is_sqlite_url
from store.models import OutboxMessage
from store.outbox import backlog, oldest_undelivered, waiting

log = logging.getLogger(__name__)


class PlatformAdapter(Platform, Protocol):
    def routes(self) -> list[web.RouteDef]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def make_adapters(app: App) -> dict[str, PlatformAdapter]:
    """The adapters whose tokens are configured (imported only when on); raises
    :class:`~bot.extras.MissingExtra` for a configured platform whose SDK is not installed."""
    adapters: dict[str, PlatformAdapter] = {}
    if "telegram" in app.settings.platforms:
        with needs(TELEGRAM):
            from bot.adapters.telegram.adapter import TelegramAdapter

        adapters["telegram"] = TelegramAdapter(app)
    if "slack" in app.settings.platforms:
        with needs(SLACK):
            from bot.adapters.slack.adapter import SlackAdapter

        adapters["slack"] = SlackAdapter(app)
    if "wechat" in app.settings.platforms:
        with needs(WECHAT):
            from bot.adapters.wechat.adapter import WeChatAdapter

        adapters["wechat"] = WeChatAdapter(app)
    if "wecom" in app.settings.platforms:
        with needs(WECHAT):
            from bot.adapters.wecom.adapter import WeComAdapter
            from bot.adapters.wecom.group import WeComGroupBots

        adapters["wecom"] = WeComAdapter(app)
        adapters["wecomgroup"] = WeComGroupBots(app)
    return adapters


def log_missing_features() -> None:
    """One line per optional feature this install lacks, at start rather than on first use."""
    for extra in (OCR, CHARTS):
        if not available(extra):
            log.warning("%s is not installed: %s", extra.name, extra.hint)


LINGERING = 2.0
"""Seconds to keep reading a refused request's body so the client sees our answer
(aiohttp's default, 10 s, would let a slow sender hold the connection that much longer)."""


def http_options(settings: Settings) -> dict[str, Any]:
    """aiohttp's server options (``web.AppRunner`` keyword arguments), for ``serve`` and for
    a test's server alike. aiohttp's keep-alive timer also runs from the moment a connection
    opens until its first request is complete, so it is the header timeout as well."""
    return {
        "access_log": None,
        "keepalive_timeout": settings.http_idle_timeout,
        "lingering_time": min(LINGERING, settings.http_body_timeout),
    }


SENDER_LEASE = "outbox-sender"
"""One worker at a time sends for the bot (see bot.delivery.sender)."""


@dataclass(frozen=True)
class Duties:
    """What one worker does. Every ``crmbot serve`` both takes updates and may send (the
    one holding the lease sends for all). On PostgreSQL the sending can be left to a worker
    of its own, ``crmbot send``, beside ``crmbot serve --no-send`` workers: then a worker
    taking updates spends nothing on the platforms' HTTP calls, which cost about as much
    CPU as handling a message, and only wakes the sender (``pg_notify``) after its commits.
    """

    takes_updates: bool = True
    sends: bool = True

    def check(self, settings: Settings) -> None:
        if (not self.sends or not self.takes_updates) and is_sqlite_url(settings.database_url):
            raise ConfigError(
                "a worker that only sends, or never sends, needs PostgreSQL "
                "(CRMBOT_DATABASE_URL): on SQLite one crmbot serve takes updates and sends"
            )


@dataclass
class Server:
    app: App
    adapters: dict[str, PlatformAdapter]
    sender: OutboxSender
    reminders: ReminderScheduler
    webapp: web.Application
    duties: Duties = field(default_factory=Duties)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _sender_task: asyncio.Task[None] | None = None
    _warm: asyncio.Task[bool] | None = None

    async def start_background(self) -> None:
        if self.duties.takes_updates:
            self.app.engine.warm_up()  # before updates arrive, not on the first ones
            log_missing_features()
            self._warm = asyncio.create_task(
                self.app.engine.parts.workers.warm_up(preload_models), name="warm slow workers"
            )
        for adapter in self.adapters.values():
            await adapter.start()
        if self.duties.sends:
            self._sender_task = asyncio.create_task(self.sender.run(self.stop), name="outbox")
        self.reminders.start()

    async def warmed(self) -> bool:
        """Once the start's slow work is done (the worker processes spawned, the OCR models
        loaded in them: seconds of CPU on another core), whether it all went: updates are
        served meanwhile, but a benchmark waits for this to measure a running server, not
        one starting. False before :meth:`start_background`, or when a worker failed."""
        if self._warm is None:
            return False
        try:
            return await asyncio.shield(self._warm)
        except Exception:
            return False

    async def close(self) -> None:
        await self.reminders.shutdown()
        self.stop.set()
        if self._sender_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
        await self.sender.release()  # also when the loop never ran (tests drive it by hand)
        if self._warm is not None:
            self._warm.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._warm
        for adapter in self.adapters.values():
            await adapter.close()
        await self.app.close()

    async def health(self, request: web.Request) -> web.Response:
        """``/healthz``: up (200) or down (503) for anyone — a load balancer needs no more.

        The details (platforms, outbox backlog, oldest undelivered age, pushes waiting for
        a WeChat window) tell an outsider how busy the team is and which platforms are
        wired, so they are given only with ``Authorization: Bearer <CRMBOT_HEALTH_TOKEN>``
        (compared in constant time); without a configured token, to nobody. An anonymous
        check runs one ``SELECT 1`` and nothing else."""
        detailed = self._may_see_details(request)
        body: dict[str, object] = {}
        try:
            async with self.app.db.transaction() as session:
                await session.execute(text("SELECT 1"))
                if detailed:
                    body["platforms"] = sorted(self.adapters)
                    body["outbox_backlog"] = await backlog(session)
                    body["waiting_for_window"] = await waiting(session)
                    oldest = await oldest_undelivered(session)
                    # How long the oldest reply or push has waited: an outage shows here,
                    # and it is retried (see bot.delivery.sender), not lost.
                    waited = (self.app.clock.now() - oldest).total_seconds() if oldest else 0.0
                    body["oldest_undelivered_seconds"] = round(max(waited, 0.0))
            up = True
        except Exception:
            log.exception("health check: database unreachable")
            up = False
        if detailed:
            body["database"] = up
        body["status"] = "ok" if up else "unavailable"
        return web.json_response(body, status=200 if up else 503)

    def _may_see_details(self, request: web.Request) -> bool:
        token = self.app.settings.health_token
        if token is None:
            return False
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


async def build_server(
    settings: Settings,
    clock: Clock | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    duties: Duties | None = None,
) -> Server:
    duties = duties or Duties()
    duties.check(settings)
    app = await open_app(settings, clock, outbox_platforms=frozenset(settings.platforms))
    adapters = make_adapters(app)
    outside: dict[str, Platform] = dict(adapters)
    if settings.smtp_url is not None:  # the survey e-mails (no routes: nothing comes in)
        outside[EMAIL] = EmailPlatform(SmtpTarget.parse(settings.smtp_url.get_secret_value()))
    sender = OutboxSender(
        app.db,
        app.clock,
        outside,
        sleep=sleep,
        on_failed=failure_hooks(app),
        lease=SENDER_LEASE,
    )
    app.engine.on_outbox = sender.wake
    reminders = ReminderScheduler(
        ReminderService(
            app.db,
            app.clock,
            settings,
            app.translator,
            load_reminder_config(),
            platforms=tuple(adapters),
            on_outbox=sender.wake,
        ),
        NightlyBackups(app.db, app.clock, settings) if settings.backup_dir else None,
    )
    webapp = web.Application(client_max_size=settings.max_body_bytes)
    server = Server(app, adapters, sender, reminders, webapp, duties)
    webapp.add_routes([web.get("/healthz", server.health), web.get("/app", to_app_page)])
    webapp.add_routes(SurveyPage(app, on_outbox=sender.wake).routes())
    for adapter in adapters.values():
        webapp.add_routes(adapter.routes())
    for prefix, subapp in (
        WebApp(app, adapters).subapps().items()
    ):  # the quick-lookup page and the API
        webapp.add_subapp(prefix, subapp)
    return server


def failure_hooks(app: App) -> PushFailed:
    """What a row failed for good means: a reminder's bookkeeping, or, for a survey
    e-mail, a word to the rep so they ask the customer by phone."""
    reminders = push_failure_hook(app.clock)

    async def on_failed(
        session: AsyncSession, row: OutboxMessage, error: str | None, permanent: bool
    ) -> None:
        await reminders(session, row, error, permanent)
        await customer_survey.mail_failed(
            session, row, app.translator, app.settings, app.clock.now()
        )

    return on_failed


async def to_app_page(request: web.Request) -> web.Response:
    """``/app`` -> ``/app/``, keeping a sign-in link's query string."""
    raise web.HTTPFound(request.rel_url.with_path("/app/").with_query(request.query))


async def serve(settings: Settings, host: str, port: int, *, sends: bool = True) -> None:
    server = await build_server(settings, duties=Duties(sends=sends))
    runner = web.AppRunner(server.webapp, **http_options(settings))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await server.start_background()
    settle_after_start()
    await site.start()
    log.info(
        "crmbot serving %s on http://%s:%s", ", ".join(server.adapters) or "no platform", host, port
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await server.close()


async def send_only(settings: Settings, stop: asyncio.Event) -> None:
    """``crmbot send``: the outbox and the reminders, no webhooks, until ``stop``."""
    server = await build_server(settings, duties=Duties(takes_updates=False))
    try:
        await server.start_background()
        settle_after_start()
        log.info("crmbot sending for %s", ", ".join(server.adapters) or "no platform")
        await stop.wait()
    finally:
        await server.close()
