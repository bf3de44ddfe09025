"""the lead pool (公海) and assignment (issue 15): pool_state and pool_moves

Two new tables; ``companies`` is untouched (the pool is an owner, store/pool.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_state",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("pool_team_id", sa.Integer(), nullable=True),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_pool_state_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pool_team_id"],
            ["teams.id"],
            name="fk_pool_state_pool_team_id_teams",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("company_id", name="pk_pool_state"),
    )
    op.create_index("ix_pool_state_pool_team_id", "pool_state", ["pool_team_id"])
    op.create_table(
        "pool_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("from_owner_id", sa.Integer(), nullable=True),
        sa.Column("to_owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_pool_moves_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name="fk_pool_moves_by_user_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["from_owner_id"],
            ["users.id"],
            name="fk_pool_moves_from_owner_id_users",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_owner_id"],
            ["users.id"],
            name="fk_pool_moves_to_owner_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pool_moves"),
    )
    op.create_index("ix_pool_moves_company", "pool_moves", ["company_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_pool_moves_company", table_name="pool_moves")
    op.drop_table("pool_moves")
    op.drop_index("ix_pool_state_pool_team_id", table_name="pool_state")
    op.drop_table("pool_state")
