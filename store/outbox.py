"""Outbox rows, written inside the transaction that produced them.

The store keeps what a reply serialises to (a JSON body and, for images, the bytes); turning
reply objects into that is :mod:`bot.outbox`'s job, so the store knows no reply type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

OutboxBody = tuple[dict[str, Any], bytes | None]
"""A serialised reply: its JSON body, and the image bytes when it is one."""


def _row(*, now: datetime, **fields: Any) -> OutboxMessage:
    """A pending row, due at once."""
    return OutboxMessage(
        state="pending", attempts=0, next_attempt_at=now, message_ids=[], created_at=now, **fields
    )


def enqueue(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    bodies: list[OutboxBody],
    now: datetime,
    is_private: bool = True,
    event_id: str | None = None,
    approval_id: int | None = None,
    recipient_id: int | None = None,
) -> None:
    for body, image in bodies:
        session.add(
            _row(
                now=now,
                platform=platform,
                chat_id=chat_id,
                is_private=is_private,
                kind="send",
                body=body,
                image=image,
                event_id=event_id,
                approval_id=approval_id,
                recipient_id=recipient_id,
            )
        )


def enqueue_choice(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    message_id: str,
    text: str,
    label: str,
    now: datetime,
    event_id: str | None = None,
) -> None:
    """Edit the clicked message to show what was chosen (and drop its buttons)."""
    session.add(
        _row(
            now=now,
            platform=platform,
            chat_id=chat_id,
            kind="choice",
            body={"text": text, "label": label},
            target_message_id=message_id,
            event_id=event_id,
        )
    )


async def backlog(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_(("pending", "sending")))
        )
        or 0
    )


async def oldest_undelivered(session: AsyncSession) -> datetime | None:
    """When the oldest row still waiting to go out was written (``None``: nothing waits)."""
    return await session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.state.in_(("pending", "sending"))
        )
    )
