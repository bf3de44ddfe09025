"""distinct name words for the typo stage of lookup (issues 12 and 20)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 12:00:00

The table of the distinct pieces of the name sections of the companies' and contacts' search
keys (store/search_words.py), filled from the keys already stored, and its trigram index:
an FTS5 table kept by triggers on SQLite, a GIN ``gin_trgm_ops`` index on PostgreSQL
(store/search_index.py); on PostgreSQL also a GIN index of each name section's pieces as an
array, by which the records holding a near word are read back. Filled before the index is
made: one bulk build, not a row at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store import search_index, search_words

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "search_words"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_words")),
        sa.UniqueConstraint("word", name=op.f("uq_search_words_word")),
    )
    bind = op.get_bind()
    search_words.rebuild(bind)
    if bind.dialect.name == "sqlite":
        statements = search_index.sqlite_word_statements()
    else:
        statements = [*search_index.postgresql_statements(_TABLE), f"ANALYZE {_TABLE}"]
        for table in ("companies", "contacts"):
            statements += search_index.postgresql_name_words_statements(table)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in search_index.sqlite_drop_statements(_TABLE):
            op.execute(statement)
    else:
        statements = search_index.postgresql_drop_statements(_TABLE)
        for table in ("companies", "contacts"):
            statements += search_index.postgresql_name_words_drop_statements(table)
        for statement in statements:
            op.execute(statement)
    op.drop_table(_TABLE)
