"""Users, teams, invite codes and chat identities — shared by the CLI and the chat handlers."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    ChatIdentity,
    Conversation,
    Invite,
    Role,
    Team,
    TeamMember,
    User,
)
from store.pool import a_person

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 8
NAME_RE = re.compile(r"^[\w.\-]{1,64}$")


class UserError(Exception):
    """A user or team operation that cannot be done; the message says why."""


class DeactivatedUser(Exception):
    """A valid invite for a user who was deactivated since: the code is left unused (it
    works again once the admin reactivates them), and the person is told why."""


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()


def hash_code(code: str, key: bytes) -> str:
    """What is stored of an invite code: an HMAC under the server's key (bot.secret_key),
    so the 40-bit codes cannot be brute-forced from a copy of the database alone."""
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


async def find_user(session: AsyncSession, name: str) -> User | None:
    """The person so named: never the lead pool's user row, which no command may change."""
    return await session.scalar(select(User).where(User.name == name.strip().lower(), a_person()))


async def require_user(session: AsyncSession, name: str) -> User:
    user = await find_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    return user


async def create_user(
    session: AsyncSession,
    name: str,
    *,
    role: Role,
    now: datetime,
    display_name: str | None = None,
    lang: str | None = None,
    tz: str | None = None,
) -> User:
    handle = name.strip().lower()
    if not NAME_RE.match(handle):
        raise UserError(f"user name {name!r}: use letters, digits, '.', '-' or '_'")
    if await find_user(session, handle):
        raise UserError(f"user {handle!r} already exists")
    user = User(
        name=handle,
        display_name=display_name or name.strip(),
        role=role.value,
        lang=lang,
        tz=tz,
        active=True,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def find_team(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.name == name.strip()))


async def ensure_team(session: AsyncSession, name: str, now: datetime) -> Team:
    team = await find_team(session, name)
    if team is None:
        team = Team(name=name.strip(), created_at=now)
        session.add(team)
        await session.flush()
    return team


async def add_member(session: AsyncSession, team: Team, user: User) -> bool:
    exists = await session.get(TeamMember, (team.id, user.id))
    if exists:
        return False
    session.add(TeamMember(team_id=team.id, user_id=user.id))
    await session.flush()
    return True


async def remove_member(session: AsyncSession, team: Team, user: User) -> bool:
    result = await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    return bool(getattr(result, "rowcount", 0))


async def teams_of(session: AsyncSession, user: User) -> list[str]:
    rows = await session.scalars(
        select(Team.name)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user.id)
        .order_by(Team.name)
    )
    return list(rows)


async def team_members(session: AsyncSession, team: Team) -> Sequence[User]:
    rows = await session.scalars(
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team.id)
        .order_by(User.name)
    )
    return rows.all()


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    expires_at: datetime


async def issue_invite(
    session: AsyncSession, user: User, *, now: datetime, ttl: timedelta, key: bytes
) -> IssuedInvite:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    invite = Invite(
        code_hash=hash_code(raw, key), user_id=user.id, created_at=now, expires_at=now + ttl
    )
    session.add(invite)
    await session.flush()
    return IssuedInvite(format_code(raw), invite.expires_at)


_IDENTITY_USER = (
    select(User)
    .join(ChatIdentity, ChatIdentity.user_id == User.id)
    .where(
        ChatIdentity.platform == bindparam("platform"),
        ChatIdentity.external_id == bindparam("external_id"),
    )
)
"""Built once: it runs for every incoming event."""


async def identity_user(session: AsyncSession, platform: str, external_id: str) -> User | None:
    return await session.scalar(_IDENTITY_USER, {"platform": platform, "external_id": external_id})


async def redeem_invite(
    session: AsyncSession,
    code: str,
    *,
    platform: str,
    external_id: str,
    display_name: str,
    now: datetime,
    key: bytes,
) -> User | None:
    """Link the chat account to the invite's user; ``None`` if the code is unknown, used or
    old; :class:`DeactivatedUser` if its user was deactivated."""
    invite = await session.scalar(
        select(Invite).where(Invite.code_hash == hash_code(code, key)).with_for_update()
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    user = await session.get(User, invite.user_id)
    if user is None:
        return None
    if not user.active:
        raise DeactivatedUser(user.name)
    identity = ChatIdentity(
        platform=platform,
        external_id=external_id,
        user_id=user.id,
        display_name=display_name,
        linked_at=now,
    )
    session.add(identity)
    await session.flush()
    invite.used_at = now
    invite.used_by = identity.id
    await session.flush()
    return user


async def link_identity(
    session: AsyncSession, user: User, *, platform: str, external_id: str, now: datetime
) -> None:
    """Link without a code — only for trusted local adapters (the console) and tests."""
    if await identity_user(session, platform, external_id) is None:
        session.add(
            ChatIdentity(
                platform=platform,
                external_id=external_id,
                user_id=user.id,
                display_name=user.display_name,
                linked_at=now,
            )
        )
        await session.flush()


async def rekey_identity(session: AsyncSession, platform: str, *, old: str, new: str) -> bool:
    """The account linked as ``old`` is now known as ``new`` (a Slack account linked by its
    bare user id, before its workspace was part of the key), unless ``new`` is linked
    already. Whether a link moved."""
    if old == new or await identity_user(session, platform, new) is not None:
        return False
    result = await session.execute(
        update(ChatIdentity)
        .where(ChatIdentity.platform == platform, ChatIdentity.external_id == old)
        .values(external_id=new)
    )
    return bool(getattr(result, "rowcount", 0))


async def note_message(
    session: AsyncSession, platform: str, external_id: str, now: datetime
) -> datetime | None:
    """Record that the person wrote from this account now; when they wrote before."""
    identity = await session.scalar(
        select(ChatIdentity).where(
            ChatIdentity.platform == platform, ChatIdentity.external_id == external_id
        )
    )
    if identity is None:
        return None
    before = identity.last_message_at
    await session.execute(
        update(ChatIdentity).where(ChatIdentity.id == identity.id).values(last_message_at=now)
    )
    return before


@dataclass(frozen=True)
class Reader:
    """Who a platform account belongs to, as far as a sender needs to know."""

    linked: bool
    last_message_at: datetime | None = None
    lang: str | None = None


async def reader(session: AsyncSession, platform: str, external_id: str) -> Reader:
    row = (
        await session.execute(
            select(ChatIdentity.last_message_at, User.lang)
            .join(User, User.id == ChatIdentity.user_id)
            .where(ChatIdentity.platform == platform, ChatIdentity.external_id == external_id)
        )
    ).first()
    if row is None:
        return Reader(linked=False)
    return Reader(linked=True, last_message_at=row[0], lang=row[1])


async def last_seen(session: AsyncSession) -> dict[int, datetime]:
    """When each user last used the bot: the latest of their conversations' last event
    (every message and button press touches its row) and their latest audited change."""
    seen: dict[int, datetime] = {}
    for stmt in (
        select(Conversation.user_id, func.max(Conversation.updated_at)).group_by(
            Conversation.user_id
        ),
        select(AuditEntry.user_id, func.max(AuditEntry.at))
        .where(AuditEntry.user_id.is_not(None))
        .group_by(AuditEntry.user_id),
    ):
        for user_id, at in (await session.execute(stmt)).all():
            if at is None or user_id is None:
                continue
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            if user_id not in seen or at > seen[user_id]:
                seen[user_id] = at
    return seen
