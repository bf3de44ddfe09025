"""trigram index on the name section of the search key (PostgreSQL), for the typo stage

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 08:00:00

The typo stage of customer lookup compares names only; its candidates used to come from the
whole key's trigram index (0007), where phones and e-mails add rows to recheck that can never
match. SQLite keeps its FTS5 tables from 0007: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic import op

from store import search_index

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("companies", "contacts")


def _run(statements: Callable[[str], list[str]]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        for statement in statements(table):
            op.execute(statement)


def upgrade() -> None:
    _run(search_index.postgresql_name_statements)


def downgrade() -> None:
    _run(search_index.postgresql_name_drop_statements)
