"""The lead pool's daily round (``CRMBOT_POOL_RETURN_DAYS``): quiet customers go back.

A held customer with no activity for N days returns to its holder's team's pool; its
holder is warned :data:`store.pool.WARN_DAYS` days before, with 📝 Log a visit and 📌 Keep
buttons, and told when it went. A customer returns only after its warning, so turning the
rule on (or a worker down for days) never takes one from anybody unwarned.

The round runs from the workspace's follow-up time (``CRMBOT_FOLLOW_UP_TIME``, local) so
warnings come in working hours, and is asked every hour; the database says what is done
(the warning's time, the owner), so repeats change nothing and any number of workers may
ask (PostgreSQL: one at a time, by an advisory lock).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Button, Card, Reply
from bot.voice import Voice
from handlers.customers.actions import LogFor
from handlers.pool.actions import Keep
from scheduler.locks import try_singleton
from scheduler.person_push import queue_push
from scheduler.service import ReminderService
from store import pool
from store.models import Company, User
from store.reminders import push_targets

log = logging.getLogger(__name__)
CHECK_SECONDS = 3600.0


class PoolReturns:
    def __init__(self, service: ReminderService) -> None:
        self.service = service

    async def run(self) -> tuple[int, int]:
        """Warn, then return; how many customers were warned about and returned."""
        service = self.service
        days = service.settings.pool_return_days
        now = service.clock.now()
        local = now.astimezone(ZoneInfo(service.settings.default_tz))
        if not days or local.time() < service.settings.follow_up_time:
            return 0, 0
        async with service.db.transaction(platform="scheduler") as session:
            if not await try_singleton(session, "pool.returns"):
                return 0, 0
            warned = 0
            for company in await pool.to_warn(session, now, days):
                # Marked even when the holder has no chat to push to: the rule holds
                # for everyone, and the warning is due as much as it can be.
                await self._push(session, company, "warn", days)
                await pool.mark_warned(session, company.id, now)
                warned += 1
            returned = 0
            for company in await pool.to_return(session, now, days):
                owner = company.owner_id
                await pool.release(session, company, now, reason="inactive", by=None)
                await self._push(session, company, "back", days, owner=owner)
                returned += 1
        if (warned or returned) and service.on_outbox is not None:
            service.on_outbox()
        if returned:
            log.info("lead pool: %d customer(s) returned, %d warned", returned, warned)
        return warned, returned

    async def _push(
        self,
        session: AsyncSession,
        company: Company,
        kind: str,
        days: int,
        *,
        owner: int | None = None,
    ) -> int:
        """The warning (``warn``) or the notice (``back``) to the holder; 1 when queued."""
        service = self.service
        now = service.clock.now()
        user_id = owner if owner is not None else company.owner_id
        user = await session.scalar(select(User).where(User.id == user_id, User.active))
        target = (await push_targets(session, [user_id], service.platforms)).get(user_id)
        if user is None or target is None:
            return 0
        voice = service.voice(user, now)
        reply = (
            _warning(voice, company, days) if kind == "warn" else _returned(voice, company, days)
        )
        event_id = f"pool:{kind}:{company.id}:{user_id}:{now.date().isoformat()}"
        queue_push(session, target, user_id, reply, now=now, event_id=event_id)
        return 1


def _warning(voice: Voice, company: Company, days: int) -> Reply:
    return Card(
        voice.t("pool.warn_title", name=company.name, days=pool.WARN_DAYS),
        (voice.t("pool.warn_body"),),
        (
            Button(voice.t("pool.btn_log"), LogFor(company.id)),
            Button(voice.t("pool.btn_keep"), Keep(company.id)),
        ),
    )


def _returned(voice: Voice, company: Company, days: int) -> Reply:
    return Card(
        voice.t("pool.returned_title", name=company.name),
        (voice.t("pool.returned_body", days=days),),
        (),
    )


__all__ = ["CHECK_SECONDS", "PoolReturns"]
