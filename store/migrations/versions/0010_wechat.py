"""WeChat and WeCom: the shared access token, and when a person last wrote (issue 11)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
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
    with op.batch_alter_table("chat_identities") as batch:
        batch.add_column(sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_identities") as batch:
        batch.drop_column("last_message_at")
    op.drop_table("platform_tokens")
