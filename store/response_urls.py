"""Where to answer in a chat the bot cannot post to: a Slack slash command's
``response_url``, kept here so whichever worker sends the reply can use it (the worker that
took the command is often not the one holding the sender lease)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ResponseUrl
from store.upsert import insert_ignore


async def remember(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    url: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Keep the newest URL for the chat (and drop the platform's expired ones)."""
    await session.execute(
        delete(ResponseUrl).where(ResponseUrl.platform == platform, ResponseUrl.expires_at <= now)
    )
    changed = await session.execute(
        update(ResponseUrl)
        .where(ResponseUrl.platform == platform, ResponseUrl.chat_id == chat_id)
        .values(url=url, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) == 0:
        await session.execute(
            insert_ignore(session, ResponseUrl).values(
                platform=platform, chat_id=chat_id, url=url, expires_at=expires_at
            )
        )


async def lookup(
    session: AsyncSession, *, platform: str, chat_id: str, now: datetime
) -> str | None:
    """The chat's URL while it is still honoured."""
    return await session.scalar(
        select(ResponseUrl.url).where(
            ResponseUrl.platform == platform,
            ResponseUrl.chat_id == chat_id,
            ResponseUrl.expires_at > now,
        )
    )
