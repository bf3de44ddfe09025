"""customer tiers: each customer's computed tier, the one before and why (issue 15)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_tiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("previous", sa.String(20), nullable=True),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_customer_tiers_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_customer_tiers"),
        sa.UniqueConstraint("company_id", name="uq_customer_tiers_company_id"),
    )
    op.create_index("ix_customer_tiers_notified_at", "customer_tiers", ["notified_at"])


def downgrade() -> None:
    op.drop_index("ix_customer_tiers_notified_at", table_name="customer_tiers")
    op.drop_table("customer_tiers")
