"""Forgetting what no longer protects anything: old delivery ids, delivered outbox rows, and
spreadsheets sent in chat but never imported.

A platform redelivers an update for at most a day (Telegram retries a failing webhook for
about 24 hours, Slack for minutes), so a processed-event id a week old guards against nothing;
a sent or failed outbox row is kept a while for support ("did the reminder go out?") and then
goes. Without this both tables grow by one row per message for ever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ImportRun, OutboxMessage, ProcessedEvent


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


async def forget_unconfirmed_imports(session: AsyncSession, *, before: datetime) -> int:
    """A file sent for import and never confirmed holds people's phones and e-mails: its
    bytes are dropped once its question is long gone (the run stays, ``expired``)."""
    result = await session.execute(
        update(ImportRun)
        .where(ImportRun.state == "pending", ImportRun.created_at < before)
        .values(state="expired", data=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
