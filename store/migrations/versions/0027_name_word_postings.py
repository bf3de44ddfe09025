"""which records hold each name word, by owner: postings for the typo stage (issue 20)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 23:00:00

``company_words`` and ``contact_words`` (store/search_words.py): a row per name-section
piece of each record's search key, with the record's owner, keyed ``(word, owner_id,
record_id)`` — a B-tree that SQLite (no array index) and PostgreSQL's rep (the owner in the
key, not a BitmapAnd of two indexes) read the holders of a near word from. WITHOUT ROWID on
SQLite. A record's rows go with it (``ON DELETE CASCADE``, indexed by ``record_id``). Filled
from the keys already stored, the ``record_id`` index made after the fill. PostgreSQL's GIN
index of the name sections' pieces (migration 0026), by which the holders were read before,
is dropped: no lookup reads it any more, and every write paid for it (made again by the
downgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store import search_index, search_words

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = {"company_words": "companies", "contact_words": "contacts"}


def upgrade() -> None:
    for table, records in _TABLES.items():
        op.create_table(
            table,
            sa.Column("word", sa.Text(), nullable=False),
            sa.Column("owner_id", sa.Integer(), nullable=False),
            sa.Column("record_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["record_id"],
                [f"{records}.id"],
                name=op.f(f"fk_{table}_record_id_{records}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("word", "owner_id", "record_id", name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for records in _TABLES.values():
            for statement in search_index.postgresql_name_words_drop_statements(records):
                op.execute(statement)
    search_words.rebuild_postings(bind)
    for table in _TABLES:
        op.create_index(op.f(f"ix_{table}_record_id"), table, ["record_id"])
        if bind.dialect.name == "postgresql":
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for table, records in _TABLES.items():
        op.drop_index(op.f(f"ix_{table}_record_id"), table_name=table)
        op.drop_table(table)
        if op.get_bind().dialect.name == "postgresql":
            for statement in search_index.postgresql_name_words_statements(records):
                op.execute(statement)
