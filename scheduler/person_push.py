"""A push to one person, queued in the outbox: the one way the reminder worker's rounds —
task reminders and digests (scheduler/service.py), the lead pool's warnings and returns
(scheduler/pool.py) and tier changes (scheduler/tiers.py) — write one, in the person's own
language and time zone, marked with whom it is for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.outbox import enqueue
from bot.replies import Reply
from bot.voice import Voice
from locales.catalog import Translator
from store.models import User
from store.reminders import Target


def person_voice(translator: Translator, settings: Settings, user: User, now: datetime) -> Voice:
    """How ``user`` is spoken to: their language and zone, else the workspace's."""
    return Voice(
        translator,
        user.lang or settings.default_lang,
        ZoneInfo(user.tz or settings.default_tz),
        now,
    )


def queue_push(
    session: AsyncSession,
    target: Target,
    user_id: int,
    reply: Reply,
    *,
    now: datetime,
    event_id: str,
) -> None:
    """Queue ``reply`` to ``user_id``'s chat ``target``, privately; ``event_id`` keys it
    (the same push is never queued twice)."""
    enqueue(
        session,
        platform=target.platform,
        chat_id=target.chat_id,
        replies=[reply],
        now=now,
        is_private=True,
        event_id=event_id,
        recipient_id=user_id,
    )


__all__ = ["person_voice", "queue_push"]
