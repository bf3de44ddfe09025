"""Both databases: each search key's head in a B-tree, for an exact name or a name prefix

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 20:10:00

``companies`` and ``contacts`` get an index on ``(substr(search_key, 1, 48), owner_id)``
(:data:`store.search_index.KEY_HEAD_INDEXES`; byte order on PostgreSQL). A key starts with
the name's letters and digits run together, so every record named ``q`` or starting with
``q`` is one range of it, in key order: stage one reads the best rows of a common exact name
or prefix from there (:func:`store.search._best_first`) instead of ranking every row the
trigram index holds for it (an admin's ``john`` at a million contacts: 87,000 rows, p95
47-87 ms; 3-6 ms from the heads, BENCHMARKS.md). Not in the models, like the trigram indexes
(:func:`store.search_index.include_object`); a later SQLite batch migration that recreates
either table must make it again.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from store import search_index

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in search_index.KEY_HEAD_INDEXES:
        for statement in search_index.key_head_statements(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    for table in search_index.KEY_HEAD_INDEXES:
        for statement in search_index.key_head_drop_statements(table):
            op.execute(statement)
