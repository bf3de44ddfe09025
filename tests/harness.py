"""A harness that converses with the whole bot, as a user would (after errbot's test backend).

The real engine, a real database and a frozen clock, all in the test's event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.memory.chat import LocalChat, Response
from bot.app import App, open_app
from bot.clock import FrozenClock
from bot.config import Settings
from store.access import Principal, Records, principal_for
from store.models import Role, User
from store.users import add_member, create_user, ensure_team, link_identity

PLATFORM = "memory"


class ChatUser(LocalChat):
    """A linked CRM user with a chat account."""

    def __init__(self, harness: BotHarness, user: User, **kwargs: Any) -> None:
        super().__init__(harness.app.engine, harness.clock, **kwargs)
        self.harness = harness
        self.user_id = user.id
        self.name = user.name

    def rebind(self, app: App) -> None:
        self.engine = app.engine


@dataclass
class BotHarness:
    app: App
    clock: FrozenClock
    settings: Settings
    chats: list[LocalChat] = field(default_factory=list)

    @property
    def db(self) -> Any:
        return self.app.db

    async def user(
        self,
        name: str,
        *,
        role: str = "rep",
        lang: str | None = "en",
        tz: str | None = "Asia/Shanghai",
        team: str | None = None,
        display_name: str | None = None,
    ) -> ChatUser:
        now = self.clock.now()
        async with self.app.db.transaction(platform="test") as session:
            user = await create_user(
                session,
                name,
                role=Role(role),
                now=now,
                display_name=display_name or name.title(),
                lang=lang,
                tz=tz,
            )
            if team:
                await add_member(session, await ensure_team(session, team, now), user)
            await link_identity(session, user, platform=PLATFORM, external_id=f"id-{name}", now=now)
        chat = ChatUser(
            self, user, platform=PLATFORM, external_id=f"id-{name}", display_name=user.display_name
        )
        self.chats.append(chat)
        return chat

    def stranger(self, external_id: str, *, language_code: str | None = None) -> LocalChat:
        chat = LocalChat(
            self.app.engine,
            self.clock,
            platform=PLATFORM,
            external_id=external_id,
            display_name=external_id,
            language_code=language_code,
        )
        self.chats.append(chat)
        return chat

    async def restart(self) -> None:
        """Throw the engine and its connections away and start again on the same database."""
        await self.app.close()
        self.app = await open_app(self.settings, self.clock)
        for chat in self.chats:
            chat.engine = self.app.engine

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    async def records_for(self, chat: ChatUser) -> tuple[AsyncSession, Records]:
        """A scoped data-access layer as the given user (callers own the session)."""
        async with self.app.db.transaction() as lookup:
            user = await lookup.get(User, chat.user_id)
            assert user is not None
            principal: Principal = await principal_for(lookup, user)
        session = self.app.db.session()
        return session, Records(session, principal, self.clock.now())

    async def scalar(self, stmt: Any) -> Any:
        async with self.app.db.transaction() as session:
            return await session.scalar(stmt)

    async def all(self, stmt: Any) -> list[Any]:
        async with self.app.db.transaction() as session:
            return list((await session.scalars(stmt)).all())

    async def get_user(self, name: str) -> User:
        user = await self.scalar(select(User).where(User.name == name))
        assert isinstance(user, User)
        return user


__all__ = ["BotHarness", "ChatUser", "Response"]
