"""Invite codes keyed with the server's secret, /start attempts per chat (issue 21 item 12)

Unused invites issued before this revision were stored as a bare SHA-256 of the code; the
new code looks codes up by an HMAC under the server's key, so those rows could never match
again. They are deleted here rather than left to fail as "invalid": an admin issues a new
code (``crmbot user invite NAME``). Used invites stay, as the record of who linked when.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM invites WHERE used_at IS NULL")
    op.create_table(
        "start_attempts",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id", name=op.f("pk_start_attempts")),
    )


def downgrade() -> None:
    op.drop_table("start_attempts")
    # Keyed invites cannot be checked by the older code: drop the unused ones.
    op.execute("DELETE FROM invites WHERE used_at IS NULL")
