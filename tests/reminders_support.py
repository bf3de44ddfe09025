"""Shared pieces of the reminder tests (no tests here).

* Pushes go through the real outbox: a user gets a linked ``telegram`` account and
  :func:`pushes` reads what the scheduler queued for it, as the chat would show it.
* :class:`Recorder` stands in for a platform's API when the outbox sender runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.adapters.base import RateLimits
from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.replies import Reply, from_json, reply_text
from handlers.reminders.config import ReminderConfig
from scheduler.service import ReminderService
from store.db import Database
from store.models import ChatIdentity, OutboxMessage, Reminder, User
from tests.harness import BotHarness, ChatUser, Response

PUSH_PLATFORM = "telegram"


def config(**overrides: Any) -> ReminderConfig:
    return ReminderConfig(**overrides)


def service(
    db: Database,
    clock: FrozenClock,
    settings: Settings,
    app: App,
    **overrides: Any,
) -> ReminderService:
    return ReminderService(
        db,
        clock,
        settings,
        app.translator,
        config(**overrides),
        platforms=("telegram", "slack"),
    )


def chat_id(chat: ChatUser, platform: str = PUSH_PLATFORM) -> str:
    return f"{platform}-{chat.name}"


async def link_push(
    bot: BotHarness, chat: ChatUser, platform: str = PUSH_PLATFORM, *, at: datetime | None = None
) -> str:
    """Give the user a linked account on a push platform; its chat id."""
    async with bot.db.transaction(platform="test") as session:
        session.add(
            ChatIdentity(
                platform=platform,
                external_id=chat_id(chat, platform),
                user_id=chat.user_id,
                display_name=chat.name,
                linked_at=at or bot.clock.now(),
            )
        )
    return chat_id(chat, platform)


@dataclass
class Push:
    row: OutboxMessage
    reply: Reply

    @property
    def response(self) -> Response:
        return Response([self.reply])

    @property
    def text(self) -> str:
        return reply_text(self.reply)

    def button(self, label: str) -> Any:
        return self.response.button(label)

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.response.buttons]


async def pushes(bot: BotHarness, chat: ChatUser | None = None) -> list[Push]:
    """Pushes the scheduler queued (to ``chat`` only, if given), oldest first."""
    stmt = (
        select(OutboxMessage).where(OutboxMessage.event_id.like("rm:%")).order_by(OutboxMessage.id)
    )
    if chat is not None:
        stmt = stmt.where(OutboxMessage.chat_id == chat_id(chat))
    rows = await bot.all(stmt)
    return [Push(row, from_json(row.body, row.image)) for row in rows]


async def reminder_rows(bot: BotHarness) -> list[Reminder]:
    return await bot.all(select(Reminder).order_by(Reminder.id))


async def set_user(bot: BotHarness, chat: ChatUser, **fields: Any) -> None:
    async with bot.db.transaction(platform="test") as session:
        user = await session.get(User, chat.user_id)
        assert user is not None
        for key, value in fields.items():
            setattr(user, key, value)


@dataclass
class Recorder:
    """A platform API that accepts everything and remembers it (for delivery counts)."""

    name: str = PUSH_PLATFORM
    limits: RateLimits = field(
        default_factory=lambda: RateLimits(per_second=100_000, private_interval=0, group_interval=0)
    )
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    edits: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        self.sent.append((chat_id, reply))
        return [str(len(self.sent))]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        self.edits.append((chat_id, message_id, label))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
