"""The one place where crmbot is wired together: config -> database -> engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.bodies import BodyLimits
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.encryption import keyring_of
from bot.engine import Engine, EngineParts
from bot.safe_text import strip_controls
from bot.secret_key import with_secret_key
from bot.workers import SlowWorkers
from conversations.dispatch import FlowDispatcher
from handlers import features
from locales.catalog import Translator
from store import migrate
from store.db import Database
from store.key_check import check_keys
from store.sealing import SealError


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    translator: Translator
    engine: Engine
    bodies: BodyLimits = field(init=False)
    """Webhook bodies: read under a time limit, a cap on unverified ones (``bot.bodies``)."""

    def __post_init__(self) -> None:
        self.bodies = BodyLimits(
            timeout=self.settings.http_body_timeout,
            unverified=self.settings.max_unverified_bodies,
        )

    async def close(self) -> None:
        self.engine.parts.workers.close()
        await self.db.dispose()


async def open_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    outbox_platforms: frozenset[str] = frozenset(),
) -> App:
    """Open the database (migrating SQLite automatically) and build the engine."""
    clock = clock or SystemClock()
    db = Database(
        settings.database_url,
        clock,
        clean_text=strip_controls,
        keyring=keyring_of(settings),
        pool_size=settings.database_pool_size,
    )
    settings = with_secret_key(settings)  # after the database: its directory exists now
    try:
        if db.is_sqlite:
            if await migrate.pending(db):  # Alembic is loaded only when there is work
                await migrate.upgrade(db)
        elif await migrate.pending(db):
            raise ConfigError(
                "CRMBOT_DATABASE_URL: the PostgreSQL schema is not up to date; "
                "run `crmbot db upgrade` once before starting workers"
            )
        try:
            await check_keys(db)
        except SealError as exc:
            raise ConfigError(f"CRMBOT_ENCRYPTION_KEY: {exc}") from None
    except BaseException:
        await db.dispose()
        raise
    translator = Translator.load()
    parts = EngineParts(
        settings=settings,
        clock=clock,
        translator=translator,
        conversations=FlowDispatcher(
            features.build_flows(), features.build_router(), features.is_new_intent
        ),
        onboarding=features.start,
        customers=features.customer_text,
        workers=SlowWorkers(
            settings.slow_work_processes,
            at_once=settings.slow_work_at_once,
            memory_bytes=settings.slow_work_memory_mb * 1_048_576 or None,
        ),
    )
    engine = Engine(db, parts, outbox_platforms=outbox_platforms)
    return App(settings, clock, db, translator, engine)
