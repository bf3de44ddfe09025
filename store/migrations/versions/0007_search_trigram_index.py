"""trigram index for customer lookup (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 02:30:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic import op

from store import search_index

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("companies", "contacts")


def _run(sqlite: Callable[[str], list[str]], postgresql: Callable[[str], list[str]]) -> None:
    """The backend's statements for each searchable table; other backends get no index."""
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if statements is None:
        return
    for table in _TABLES:
        for statement in statements(table):
            op.execute(statement)


def upgrade() -> None:
    _run(search_index.sqlite_statements, search_index.postgresql_statements)


def downgrade() -> None:
    _run(search_index.sqlite_drop_statements, search_index.postgresql_drop_statements)
