"""replies stay in the thread or forum topic they answer; workspaces that removed the app
(issue 22)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("thread_id", sa.String(64), nullable=True))
    op.create_table(
        "workspace_status",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_status")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("thread_id")
