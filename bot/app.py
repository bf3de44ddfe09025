"""The one place where crmbot is wired together: config -> database -> engine."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.engine import Engine, EngineParts
from bot.router import Router
from bot.workers import SlowWorkers
from conversations import (
    approval_reject,
    business_card,
    deal_edit,
    deal_reason,
    guided_log,
    log_edit,
    new_company,
    new_deal,
    quick_log,
    reminder_when,
)
from conversations.base import Flows
from handlers import (
    activities,
    approvals,
    business_cards,
    companies,
    deals,
    help,
    history,
    intents,
    lookup,
    onboarding,
    reminders,
    reports,
    settings,
    subscriptions,
    tasks,
)
from locales.catalog import Translator
from store import migrate
from store.db import Database


def build_router() -> Router:
    router = Router()
    # Free text (activities) goes last: it catches whatever no command or button took.
    # Reminders come before it ("remind me ..." is not a call log), photos go to the card
    # reader.
    for module in (
        onboarding,
        help,
        settings,
        companies,
        lookup,
        deals,
        approvals,
        tasks,
        reminders,
        subscriptions,
        history,
        reports,
        business_cards,
        activities,
    ):
        router.include(module.routes())
    return router


def build_flows() -> Flows:
    flows = Flows()
    for flow in (
        new_company.FLOW,
        new_deal.FLOW,
        deal_edit.FLOW,
        deal_reason.FLOW,
        quick_log.FLOW,
        guided_log.FLOW,
        log_edit.FLOW,
        business_card.FLOW,
        reminder_when.FLOW,
        approval_reject.FLOW,
    ):
        flows.add(flow)
    return flows


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    translator: Translator
    engine: Engine

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
    db = Database(settings.database_url, clock)
    try:
        if db.is_sqlite:
            await migrate.upgrade(db)
        elif await migrate.pending(db):
            raise ConfigError(
                "CRMBOT_DATABASE_URL: the PostgreSQL schema is not up to date; "
                "run `crmbot db upgrade` once before starting workers"
            )
    except BaseException:
        await db.dispose()
        raise
    translator = Translator.load()
    parts = EngineParts(
        settings=settings,
        clock=clock,
        translator=translator,
        router=build_router(),
        flows=build_flows(),
        onboarding=onboarding.start,
        new_intent=intents.is_new_intent,
        workers=SlowWorkers(settings.slow_work_processes),
    )
    engine = Engine(db, parts, outbox_platforms=outbox_platforms)
    return App(settings, clock, db, translator, engine)
