"""``INSERT ... ON CONFLICT`` for whichever backend is in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """The backend's own ``INSERT``, the one with ``on_conflict_do_nothing / _update``.

    Each dialect's module is imported here, when first used, not at the top: PostgreSQL's
    (which brings asyncpg's) would cost every SQLite process — ``crmbot chat`` — tens of
    milliseconds of start-up for nothing."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def insert_ignore(session: AsyncSession, table: Any) -> Any:
    return dialect_insert(session, table).on_conflict_do_nothing()
