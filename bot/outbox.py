"""Replies into the outbox: the reply objects serialised for :mod:`store.outbox`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Document, Image, Reply, Text, to_json
from store import outbox

EMAIL = "email"
"""The outbox platform of e-mails (``chat_id`` is the address; bot/adapters/mail.py)."""


def mail_text(subject: str, body: str) -> Text:
    """One e-mail as an outbox reply: the first line is the subject, the rest the body."""
    return Text(f"{' '.join(subject.split())}\n{body}")


def bodies_of(replies: list[Reply]) -> list[outbox.OutboxBody]:
    return [(to_json(r), r.data if isinstance(r, Image | Document) else None) for r in replies]


def enqueue(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    replies: list[Reply],
    now: datetime,
    is_private: bool = True,
    thread_id: str | None = None,
    event_id: str | None = None,
    approval_id: int | None = None,
    recipient_id: int | None = None,
    due: datetime | None = None,
) -> None:
    outbox.enqueue(
        session,
        platform=platform,
        chat_id=chat_id,
        bodies=bodies_of(replies),
        now=now,
        is_private=is_private,
        thread_id=thread_id,
        event_id=event_id,
        approval_id=approval_id,
        recipient_id=recipient_id,
        due=due,
    )
