"""Imports (issue 13): the import runs and what each wrote; address, tags and lead source
on companies

Columns are added with plain ``ADD COLUMN`` (nullable), not a batch migration: on SQLite a
batch would recreate ``companies`` and drop its search triggers (store/search_index.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("companies", sa.Column("address", sa.Text(), nullable=True))
    op.add_column("companies", sa.Column("tags", sa.Text(), nullable=True))
    op.add_column("companies", sa.Column("lead_source", sa.String(length=80), nullable=True))
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("on_duplicate", sa.String(length=10), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_user_id"), "imports", ["user_id"])
    op.create_index(op.f("ix_imports_sha256"), "imports", ["sha256"])
    op.create_table(
        "imported_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_imported_records_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_records")),
    )
    op.create_index("ix_imported_records_import", "imported_records", ["import_id", "row"])
    op.create_index("ix_imported_records_record", "imported_records", ["table_name", "record_id"])


def downgrade() -> None:
    op.drop_table("imported_records")
    op.drop_table("imports")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("lead_source")
        batch.drop_column("tags")
        batch.drop_column("address")
    if op.get_bind().dialect.name == "sqlite":  # the batch recreated the table: its triggers
        from store.search_index import sqlite_statements

        for statement in sqlite_statements("companies"):
            op.execute(statement)
