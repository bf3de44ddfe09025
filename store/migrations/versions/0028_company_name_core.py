"""companies.name_core: the team-wide duplicate check by one indexed equality

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 07:00:00

A new customer is a colleague's twin when its name without legal form, leading city, case,
spaces and punctuation (``store.dedupe.company_core``) is the same. That was found by two
fuzzy searches over every owner's records, then compared: ten statements on PostgreSQL for
every "create it?" question, and at a million records a twin could rank below the
searches' limit. The core is now stored (kept by the search-key hook and the bulk writers)
and looked up by its index. Existing companies are filled by keyset batches; the index is
made after the fill.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.add_column("companies", sa.Column("name_core", sa.String(length=200), nullable=True))
    # The rule comes from store.dedupe: a later change to it needs its own backfill.
    from store.dedupe import company_core

    bind = op.get_bind()
    table = sa.table(
        "companies",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_core", sa.String()),
    )
    fill = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(name_core=sa.bindparam("core"))
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.name)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(fill, [{"row_id": r[0], "core": company_core(r[1] or "")} for r in rows])
        last_id = rows[-1][0]
    op.create_index(op.f("ix_companies_name_core"), "companies", ["name_core"])


def downgrade() -> None:
    op.drop_index(op.f("ix_companies_name_core"), table_name="companies")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("name_core")
