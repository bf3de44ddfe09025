"""Group robots (WeCom team groups) that receive a team's subscribed reports too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import GroupBot, TeamMember

PLATFORM = "wecomgroup"
"""How the outbox addresses a group robot (its row id is the chat id)."""


async def add(session: AsyncSession, team_id: int, url: str, now: datetime) -> GroupBot:
    bot = GroupBot(team_id=team_id, url=url, created_at=now)
    session.add(bot)
    await session.flush()
    return bot


async def for_user(session: AsyncSession, user_id: int) -> list[int]:
    """The group bots of every team ``user_id`` belongs to."""
    rows = await session.scalars(
        select(GroupBot.id)
        .join(TeamMember, TeamMember.team_id == GroupBot.team_id)
        .where(TeamMember.user_id == user_id)
        .order_by(GroupBot.id)
    )
    return list(rows)


async def url_of(session: AsyncSession, bot_id: int) -> str | None:
    return await session.scalar(select(GroupBot.url).where(GroupBot.id == bot_id))
