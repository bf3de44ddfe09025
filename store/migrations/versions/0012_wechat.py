"""WeChat and WeCom (issue 11): the shared access token, when a person last wrote,
team group bots, check-in locations

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_tokens",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_platform_tokens")),
    )
    op.create_table(
        "group_bots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_group_bots_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_bots")),
    )
    op.create_index(op.f("ix_group_bots_team_id"), "group_bots", ["team_id"], unique=False)
    with op.batch_alter_table("chat_identities") as batch:
        batch.add_column(sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("place", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        for column in ("checked_in_at", "place", "longitude", "latitude"):
            batch.drop_column(column)
    with op.batch_alter_table("chat_identities") as batch:
        batch.drop_column("last_message_at")
    op.drop_index(op.f("ix_group_bots_team_id"), table_name="group_bots")
    op.drop_table("group_bots")
    op.drop_table("platform_tokens")
