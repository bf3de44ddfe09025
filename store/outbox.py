"""Outbox rows, written inside the transaction that produced them.

The store keeps what a reply serialises to (a JSON body and, for images, the bytes); turning
reply objects into that is :mod:`bot.outbox`'s job, so the store knows no reply type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Concatenate, ParamSpec

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.bulk import table_of
from store.models import OutboxMessage
from store.riders import Riders

OutboxBody = tuple[dict[str, Any], bytes | None]
"""A serialised reply: its JSON body, and the image bytes when it is one."""
P = ParamSpec("P")
WAITING = "waiting"
"""A row the platform will not take until the person writes again (WeChat's 48 hours)."""
ChatKey = tuple[str, str]
"""A chat's platform and id, as the sender serves it."""
_WRITTEN = "store.outbox.chats_written"


def _note(session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> None:
    """Remember the chats of rows the transaction writes (:func:`chats_written`)."""
    written: set[ChatKey] = session.info.setdefault(_WRITTEN, set())
    written.update((row["platform"], row["chat_id"]) for row in rows)


def chats_written(session: AsyncSession) -> frozenset[ChatKey]:
    """The chats this transaction has written outbox rows for so far. Told after the
    commit, the sender claims only when one of them is not being served already
    (:meth:`bot.delivery.sender.OutboxSender.wake`); a row written for a rolled-back
    savepoint is still counted, which costs at most one claim that finds nothing."""
    return frozenset(session.info.get(_WRITTEN, ()))


def _fields(*, now: datetime, due: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """A pending row's columns, due at once (or at ``due``); every column is named, so
    rows of both kinds go into one INSERT together (:func:`write`)."""
    return {
        "thread_id": None,
        "is_private": True,
        "image": None,
        "target_message_id": None,
        "event_id": None,
        "approval_id": None,
        "recipient_id": None,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": due or now,
        "message_ids": [],
        "created_at": now,
        **fields,
    }


def reply_rows(
    *,
    platform: str,
    chat_id: str,
    bodies: list[OutboxBody],
    now: datetime,
    is_private: bool = True,
    thread_id: str | None = None,
    event_id: str | None = None,
    approval_id: int | None = None,
    recipient_id: int | None = None,
    due: datetime | None = None,
) -> list[dict[str, Any]]:
    """``due``: later than ``now`` when the adapter may still answer the first reply itself
    (a WeChat passive reply); if it never does, the sender takes the rows then."""
    return [
        _fields(
            now=now,
            due=due,
            platform=platform,
            chat_id=chat_id,
            thread_id=thread_id,
            is_private=is_private,
            kind="send",
            body=body,
            image=image,
            event_id=event_id,
            approval_id=approval_id,
            recipient_id=recipient_id,
        )
        for body, image in bodies
    ]


def choice_rows(
    *,
    platform: str,
    chat_id: str,
    message_id: str,
    text: str,
    label: str,
    now: datetime,
    event_id: str | None = None,
    due: datetime | None = None,
) -> list[dict[str, Any]]:
    """The row that edits the clicked message to show what was chosen (and drops its
    buttons)."""
    row = _fields(
        now=now,
        due=due,
        platform=platform,
        chat_id=chat_id,
        kind="choice",
        body={"text": text, "label": label},
        target_message_id=message_id,
        event_id=event_id,
    )
    return [row]


def _added(
    build: Callable[P, list[dict[str, Any]]],
) -> Callable[Concatenate[AsyncSession, P], None]:
    """``build``'s rows added to a session, written by its next flush (with whatever else
    the transaction changes): for code that writes a reply among other records."""

    def add(session: AsyncSession, /, *args: P.args, **kwargs: P.kwargs) -> None:
        rows = build(*args, **kwargs)
        _note(session, rows)
        session.add_all(OutboxMessage(**fields) for fields in rows)

    return add


enqueue = _added(reply_rows)
enqueue_choice = _added(choice_rows)


async def write(
    session: AsyncSession, rows: list[dict[str, Any]], riders: Riders | None = None
) -> None:
    """``rows`` now, in their order, by one INSERT (executed for each row), not by the
    ORM's flush: an event's replies are the last thing its transaction writes and nothing
    reads them back in it, so the unit of work and the flush hooks would be pure cost on
    every message (issue 20). With ``riders`` waiting (PostgreSQL), one INSERT of all the
    rows that carries them (:mod:`store.riders`)."""
    _note(session, rows)
    if rows and riders is not None:
        await riders.send(table_of(OutboxMessage), rows)
    elif rows:
        await session.execute(insert(table_of(OutboxMessage)), rows)


async def backlog(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_(("pending", "sending")))
        )
        or 0
    )


async def held_rows(
    session: AsyncSession, platform: str, event_id: str, now: datetime
) -> list[OutboxMessage]:
    """An event's rows still held for its adapter (pending, due later than ``now``), in
    order, locked. Rows already released are the sender's: a retried delivery of the same
    event must not take them again."""
    return list(
        (
            await session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.platform == platform,
                    OutboxMessage.event_id == event_id,
                    OutboxMessage.state == "pending",
                    OutboxMessage.next_attempt_at > now,
                )
                .order_by(OutboxMessage.id)
                .with_for_update()
            )
        ).all()
    )


def mark_answered(row: OutboxMessage, now: datetime, how: str) -> None:
    """The row was delivered outside the sender (in the webhook's HTTP answer)."""
    row.state, row.sent_at, row.message_ids, row.attempts = "sent", now, [how], row.attempts + 1


async def release_waiting(session: AsyncSession, platform: str, chat_id: str, now: datetime) -> int:
    """The person wrote again: what waited for them is due now, in its order."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.state == WAITING,
        )
        .values(state="pending", next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def waiting(session: AsyncSession) -> int:
    """Rows waiting for their reader to write again (``/healthz``)."""
    return (
        await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == WAITING)
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
