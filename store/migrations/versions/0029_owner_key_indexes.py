"""SQLite: each owner's search keys in one B-tree, for a rep's lookup (issue 20)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 07:30:00

``companies`` and ``contacts`` get an index on ``(owner_id, search_key, name)`` (and a
contact's ``company_id``: :data:`store.search_index.OWNER_KEY_INDEXES`), SQLite only. A
rep's stage-one lookup of a short or common form (:func:`store.search._matches`) then checks
and ranks the ``LIKE`` on one range of that index, the rep's own keys, without reading the
table, instead of asking the FTS5
trigram index for every owner's matches and dropping 49 in 50 of them (``john``: 85-117 ms
at a million contacts) or, for a two-letter form whose piece starts are too few, reading
each of the rep's ≈ 20,000 rows from the table (``陈秀``: 75 ms). Like the FTS tables it is
not in the models (:func:`store.search_index.include_object`); a later SQLite batch
migration that recreates either table must make it again. Not on PostgreSQL: a B-tree entry
there is limited to about 2,700 bytes, and a key is as long as the record's name and
numbers make it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from store import search_index

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in search_index.OWNER_KEY_INDEXES:
        for statement in search_index.sqlite_owner_key_statements(table):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in search_index.OWNER_KEY_INDEXES:
        for statement in search_index.sqlite_owner_key_drop_statements(table):
            op.execute(statement)
