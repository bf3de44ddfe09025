"""Reminder rows and what the scheduler reads around them, in one data-access module.

Occurrences are rows with a unique ``key``: whoever notices an occurrence first inserts it
(``INSERT … ON CONFLICT DO NOTHING``), and the worker that claims the row (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL) writes its outbox row in the same transaction. That pair — unique key,
claim and enqueue in one commit — is what makes a push leave exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    ChatIdentity,
    Conversation,
    OutboxMessage,
    Reminder,
    ReminderPreference,
    ReminderRule,
    SchedulerMark,
    Task,
)
from store.paging import existing
from store.upsert import dialect_insert, insert_ignore

PUSH_EVENT_PREFIX = "rm:"
"""Outbox rows of pushes carry ``event_id = "rm:<reminder id>"``: the way back to the reminder."""


def micros(at: datetime) -> int:
    """An instant as whole microseconds since the epoch: exact, unlike a float timestamp."""
    whole = int(at.timestamp())
    return whole * 1_000_000 + at.microsecond


def task_key(task_id: int, due_at: datetime) -> str:
    """One occurrence per task *and* due time: a snoozed task reminds again at its new time,
    never twice for the same time."""
    return f"task:{task_id}:{micros(due_at)}"


def push_event_id(reminder_id: int) -> str:
    return f"{PUSH_EVENT_PREFIX}{reminder_id}"


def reminder_id_of(event_id: str | None) -> int | None:
    if not event_id or not event_id.startswith(PUSH_EVENT_PREFIX):
        return None
    raw = event_id.removeprefix(PUSH_EVENT_PREFIX)
    return int(raw) if raw.isdigit() else None


# --- occurrences ----------------------------------------------------------------------------


async def add_occurrences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert pending occurrences; keys that already exist are left alone."""
    if rows:
        await session.execute(insert_ignore(session, Reminder), list(rows))


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    return await existing(session, Reminder.key, keys)


def occurrence(
    *, key: str, kind: str, user_id: int, due_at: datetime, now: datetime, task_id: int | None
) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind,
        "user_id": user_id,
        "task_id": task_id,
        "due_at": due_at,
        "state": "pending",
        "late": False,
        "created_at": now,
    }


async def due_task_occurrences(
    session: AsyncSession, *, since: datetime, now: datetime, limit: int
) -> list[dict[str, Any]]:
    """Open tasks whose due time is in ``(since, now]`` and has no occurrence yet.

    A task recorded already overdue (due before it was created: "tonight 8pm" said at 9pm, an
    import) is not pushed — it shows in the digest's overdue list instead; a task a rule makes
    "due now" (due == created) is.
    """
    rows = await session.execute(
        select(Task.id, Task.owner_id, Task.due_at)
        .where(
            Task.done_at.is_(None),
            Task.due_at.is_not(None),
            Task.due_at > since,
            Task.due_at <= now,
            Task.due_at >= Task.created_at,
            ~exists().where(Reminder.task_id == Task.id, Reminder.due_at == Task.due_at),
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    result = []
    for task_id, owner_id, due_at in rows:
        assert due_at is not None
        result.append(
            occurrence(
                key=task_key(task_id, due_at),
                kind="task",
                user_id=owner_id,
                due_at=due_at,
                now=now,
                task_id=task_id,
            )
        )
    return result


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    skip_locked: bool,
    users: frozenset[int] | None = None,
) -> list[Reminder]:
    """Pending occurrences that are due, oldest first, locked for this transaction.

    On PostgreSQL rows another worker holds are skipped, not waited for; SQLite has one worker.
    ``users`` limits the claim (a terminal delivers only to the person at it).
    """
    stmt = (
        select(Reminder)
        .where(Reminder.state == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if users is not None:
        stmt = stmt.where(Reminder.user_id.in_(sorted(users)))
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.scalars(stmt)).all())


async def prune(session: AsyncSession, *, before: datetime) -> int:
    """Forget handled occurrences older than ``before``. Safe once ``before`` is older than
    anything a scan still looks at: a task's old due time is never planned again, and a
    digest's key only matters on its own day. Rule firings are kept (they mean "never again")."""
    result = await session.execute(
        delete(Reminder).where(Reminder.state != "pending", Reminder.due_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- scan marks -----------------------------------------------------------------------------


async def get_mark(session: AsyncSession, name: str) -> datetime | None:
    return await session.scalar(select(SchedulerMark.at).where(SchedulerMark.name == name))


async def set_mark(session: AsyncSession, name: str, at: datetime) -> None:
    stmt = dialect_insert(session, SchedulerMark).values(name=name, at=at)
    await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"at": at}))


# --- where pushes go ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    platform: str
    chat_id: str


async def push_targets(
    session: AsyncSession, user_ids: Iterable[int], platforms: Sequence[str]
) -> dict[int, Target]:
    """Each user's chat account to push to: on a push platform, not marked unreachable (or
    written from since it was), preferring ``platforms`` order, then the latest linked."""
    ids = sorted(set(user_ids))
    if not ids or not platforms:
        return {}
    identities = list(
        await session.scalars(
            select(ChatIdentity).where(
                ChatIdentity.user_id.in_(ids), ChatIdentity.platform.in_(list(platforms))
            )
        )
    )
    blocked = [i for i in identities if i.unreachable_at is not None]
    seen: dict[tuple[int, str], datetime] = {}
    if blocked:
        rows = await session.execute(
            select(Conversation.user_id, Conversation.platform, func.max(Conversation.updated_at))
            .where(Conversation.user_id.in_({i.user_id for i in blocked}))
            .group_by(Conversation.user_id, Conversation.platform)
        )
        seen = {(user_id, platform): at for user_id, platform, at in rows}
    rank = {name: index for index, name in enumerate(platforms)}
    best: dict[int, ChatIdentity] = {}
    for identity in identities:
        if identity.unreachable_at is not None:
            last = seen.get((identity.user_id, identity.platform))
            if last is None or last <= identity.unreachable_at:
                continue
        current = best.get(identity.user_id)
        if current is None or (rank[identity.platform], -identity.linked_at.timestamp()) < (
            rank[current.platform],
            -current.linked_at.timestamp(),
        ):
            best[identity.user_id] = identity
    return {uid: Target(i.platform, i.external_id) for uid, i in best.items()}


async def mark_unreachable(
    session: AsyncSession, *, platform: str, chat_id: str, now: datetime
) -> int:
    """A push to this private chat failed for good: stop pushing there until they write again."""
    result = await session.execute(
        update(ChatIdentity)
        .where(ChatIdentity.platform == platform, ChatIdentity.external_id == chat_id)
        .values(unreachable_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def push_failed(
    session: AsyncSession,
    *,
    event_id: str | None,
    platform: str,
    chat_id: str,
    error: str | None,
    permanent: bool,
    now: datetime,
) -> bool:
    """Record that the outbox gave up on a push; a permanent refusal marks the account.

    The outbox sender's ``on_failed`` hook calls this in the transaction that records the
    failure; until that hook exists the scheduler's reconcile pass calls it. Returns whether
    ``event_id`` was a push still waiting for its outcome.
    """
    reminder_id = reminder_id_of(event_id)
    if reminder_id is None:
        return False
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == "queued")
        .values(state="failed", detail=(error or "")[:500])
    )
    if not getattr(result, "rowcount", 0):
        return False
    if permanent:
        await mark_unreachable(session, platform=platform, chat_id=chat_id, now=now)
    return True


async def failed_pushes(
    session: AsyncSession, *, since: datetime, limit: int = 500
) -> list[OutboxMessage]:
    """Pushes the outbox gave up on since ``since`` (few: the index on ``state`` finds them)."""
    return list(
        (
            await session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == "failed",
                    OutboxMessage.created_at >= since,
                    OutboxMessage.event_id.like(f"{PUSH_EVENT_PREFIX}%"),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        ).all()
    )


PUSHED = "push"
"""Marks the buttons a push added to a conversation's numbered choices."""


async def remember_choices(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    user_id: int,
    buttons: Sequence[tuple[str, str]],
    now: datetime,
    append: bool = False,
) -> int:
    """Make a typed digit press the buttons of a push, where buttons are shown as numbers.

    ``buttons`` are (payload, label) pairs. With ``append`` the push's buttons are numbered
    on after those of earlier pushes still on offer (two reminders in a row show 1-4 and
    5-8, so "5" means one message only); the number of its first button is returned. The
    buttons of a conversation's own answer are replaced, not numbered on from.
    """
    key = (
        Conversation.platform == platform,
        Conversation.chat_id == chat_id,
        Conversation.user_id == user_id,
    )
    await session.execute(
        insert_ignore(session, Conversation).values(
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            flow_version=0,
            data={},
            choices=[],
            updated_at=now,
        )
    )
    entries = [[payload, label, PUSHED] for payload, label in buttons]
    existing: list[Any] = []
    if append:
        stored = await session.scalar(select(Conversation.choices).where(*key))
        existing = list(stored or [])
        if not all(isinstance(e, list) and e[-1:] == [PUSHED] for e in existing):
            existing = []
        if entries and existing[-len(entries) :] == entries:
            return len(existing) - len(entries) + 1
    await session.execute(update(Conversation).where(*key).values(choices=existing + entries))
    return len(existing) + 1


# --- preferences and rule settings ----------------------------------------------------------


async def preference(session: AsyncSession, user_id: int) -> ReminderPreference | None:
    return await session.get(ReminderPreference, user_id)


async def set_digest(
    session: AsyncSession, user_id: int, *, enabled: bool, at: time | None, now: datetime
) -> ReminderPreference:
    pref = await session.get(ReminderPreference, user_id, with_for_update=True)
    if pref is None:
        pref = ReminderPreference(user_id=user_id, digest_enabled=enabled, updated_at=now)
        session.add(pref)
    pref.digest_enabled = enabled
    if at is not None:
        pref.digest_time = at
    pref.updated_at = now
    await session.flush()
    return pref


async def rule_settings(session: AsyncSession) -> dict[str, ReminderRule]:
    return {row.name: row for row in await session.scalars(select(ReminderRule))}


async def set_rule(
    session: AsyncSession,
    name: str,
    *,
    enabled: bool,
    days: int | None,
    now: datetime,
    by: int | None,
) -> ReminderRule:
    row = await session.scalar(
        select(ReminderRule).where(ReminderRule.name == name).with_for_update()
    )
    if row is None:
        row = ReminderRule(name=name, enabled=enabled, days=days, updated_at=now, updated_by=by)
        session.add(row)
    else:
        row.enabled = enabled
        if days is not None:
            row.days = days
        row.updated_at = now
        row.updated_by = by
    await session.flush()
    return row
