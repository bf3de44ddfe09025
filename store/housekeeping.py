"""Forgetting what no longer protects anything: old delivery ids and delivered outbox rows.

A platform redelivers an update for at most a day (Telegram retries a failing webhook for
about 24 hours, Slack for minutes), so a processed-event id a week old guards against nothing;
a sent or failed outbox row is kept a while for support ("did the reminder go out?") and then
goes. Without this both tables grow by one row per message for ever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage, ProcessedEvent


async def forget_deliveries(
    session: AsyncSession, *, events_before: datetime, outbox_before: datetime
) -> int:
    """Delete processed-event ids older than ``events_before`` and outbox rows that were
    sent or given up on before ``outbox_before``; pending rows always stay. The number
    of rows deleted."""
    events = await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.processed_at < events_before)
    )
    outbox = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.state.in_(("sent", "failed")),
            OutboxMessage.created_at < outbox_before,
        )
    )
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in (events, outbox))
