"""Single use of the quick-lookup page's signed sign-in links.

The link itself is signed and carries its own expiry (bot/applinks.py); what a signature
cannot say is whether it was used already. The first use inserts the link's nonce; a
second insert of the same nonce does nothing, and that is the refusal — atomic on SQLite
and PostgreSQL alike, also between two workers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AppLinkUse
from store.upsert import insert_ignore


async def use_once(
    session: AsyncSession, nonce: str, *, user_id: int, expires_at: datetime, now: datetime
) -> bool:
    """True the first time ``nonce`` is used, False every time after."""
    stmt = (
        insert_ignore(session, AppLinkUse)
        .values(nonce=nonce, user_id=user_id, used_at=now, expires_at=expires_at)
        .returning(AppLinkUse.nonce)
    )
    return (await session.execute(stmt)).scalar() is not None


async def sweep(session: AsyncSession, *, now: datetime) -> int:
    """Forget the nonces of links that have expired anyway; returns how many."""
    result = await session.execute(delete(AppLinkUse).where(AppLinkUse.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)
