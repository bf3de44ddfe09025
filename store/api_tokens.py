"""Personal API tokens: made once and shown once, stored as a SHA-256, revocable, with the
time of their last use.

A token is 256 random bits, so a plain SHA-256 is enough to make a leaked database useless
(no key stretching needed: there is nothing to guess). Looking a token up by its hash is
one indexed equality; the stored hash never leaves this module.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ApiToken, User

PREFIX = "crm_"
"""Makes a token recognisable in a leaked file or a secret scanner's report."""
LAST_USE_STEP = timedelta(minutes=1)
"""``last_used_at`` is written at most once a minute per token: an integration calling in
a loop should not turn every read into a write (a commit, on PostgreSQL a WAL flush)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    session: AsyncSession, user: User, name: str, *, now: datetime
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:80], token_hash=_digest(token), created_at=now)
    session.add(row)
    await session.flush()
    return row, token


async def user_for_token(session: AsyncSession, token: str, *, now: datetime) -> User | None:
    """The active user a live token stands for (its last use stamped), else None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_STEP:
        row.last_used_at = now
    return user


async def tokens(session: AsyncSession, user: User | None = None) -> Sequence[ApiToken]:
    """Every token (or one user's), oldest first, revoked ones included."""
    stmt = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return (await session.scalars(stmt)).all()


async def revoke(session: AsyncSession, token_id: int, *, now: datetime) -> ApiToken | None:
    """Revoke a token by id; None when there is no such token."""
    row = await session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
    return row
