"""Workspaces that took the app away (uninstalled it, revoked its token), kept in the
database so that every worker stops sending there, not just the one that heard it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import WorkspaceStatus
from store.upsert import insert_ignore


async def mark_gone(
    session: AsyncSession, *, platform: str, workspace: str, reason: str, now: datetime
) -> bool:
    """Note that ``workspace`` removed the app; True if it was not noted already."""
    added = await session.execute(
        insert_ignore(session, WorkspaceStatus)
        .values(platform=platform, workspace=workspace, reason=reason, since=now)
        .returning(WorkspaceStatus.workspace)
    )
    return added.scalar() is not None


async def mark_back(session: AsyncSession, *, platform: str, workspace: str) -> bool:
    """The workspace uses the app again (reinstalled); True if it had been gone."""
    removed = await session.execute(
        delete(WorkspaceStatus)
        .where(WorkspaceStatus.platform == platform, WorkspaceStatus.workspace == workspace)
        .returning(WorkspaceStatus.workspace)
    )
    return removed.scalar() is not None


async def gone(session: AsyncSession, *, platform: str) -> dict[str, str]:
    """The platform's workspaces that removed the app, with why."""
    rows = await session.execute(
        select(WorkspaceStatus.workspace, WorkspaceStatus.reason).where(
            WorkspaceStatus.platform == platform
        )
    )
    return {row.workspace: row.reason for row in rows}
