"""Tiers in the reminder worker: recompute every customer's tier once a night (after local
midnight in the workspace's zone), the customers with a deal won lately on every rules
round, and push each change to the customer's owner — old → new and why, with a button to
the card — in the owner's language.

A change is written (store/tiers.py) before it is pushed, and marked pushed in the same
transaction as its outbox row: a worker killed in between pushes it on the next round.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.replies import Button, Card
from bot.voice import Voice
from handlers.common.tier_text import reason_text, tier_name
from handlers.customers.actions import OpenCompany
from locales.catalog import Translator
from scheduler.person_push import person_voice, queue_push
from store import leases
from store import tiers as store
from store.models import CustomerTier, User
from store.reminders import push_targets

NIGHTLY = "tiers.nightly"
RECENT_WINS = timedelta(hours=2)
"""How far back a rules round looks for won deals (rounds are minutes apart)."""


def change_push(voice: Voice, row: CustomerTier, company_id: int, name: str, currency: str) -> Card:
    why = reason_text(voice.t, voice.lang, row.reason, currency)
    old = tier_name(voice.t, row.previous or "")
    new = tier_name(voice.t, row.tier)
    return Card(
        voice.t("tiers.push.title", company=name),
        (
            voice.t("tiers.push.change", old=old, new=new),
            voice.t("tiers.push.why", reason=why),
        ),
        (Button(voice.t("tiers.push.open"), OpenCompany(company_id)),),
    )


async def nightly_due(session: AsyncSession, settings: Settings, now: datetime) -> bool:
    """True once per local day: the lease ``tiers.nightly`` holds the last day done."""
    today = now.astimezone(ZoneInfo(settings.default_tz)).date().isoformat()
    return await leases.claim_period(session, NIGHTLY, today, now=now)


async def tier_round(
    session: AsyncSession,
    settings: Settings,
    translator: Translator,
    now: datetime,
    platforms: tuple[str, ...],
) -> int:
    """Recompute what is due and push the changes not pushed yet; the pushes queued."""
    rules = settings.tier_rules
    if await nightly_due(session, settings, now):
        await store.recompute(session, rules, now)
    else:
        recent = await store.won_recently(session, now - RECENT_WINS)
        if recent:
            await store.recompute(session, rules, now, recent)
    pending = await store.unannounced(session)
    if not pending:
        return 0
    owners = {c.owner_id for _, c in pending}
    people = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(owners)))}
    targets = await push_targets(session, owners, platforms)
    queued = 0
    for row, company in pending:
        row.notified_at = now
        person, target = people.get(company.owner_id), targets.get(company.owner_id)
        if person is None or not person.active or target is None:
            continue
        voice = person_voice(translator, settings, person, now)
        reply = change_push(voice, row, company.id, company.name, settings.currency_for(None))
        event_id = f"rm:tier:{row.id}:{row.changed_at.isoformat()}"
        queue_push(session, target, person.id, reply, now=now, event_id=event_id)
        queued += 1
    await session.flush()
    return queued
