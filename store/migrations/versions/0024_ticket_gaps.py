"""ticket gaps (issue 14): an escalation task knows its ticket, a ticket records which
target it was escalated for, a contact may be linked to a WeChat Official Account follower

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_tasks_ticket_id_tickets", "tickets", ["ticket_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("escalated_for", sa.String(16), nullable=True))
    op.add_column("contacts", sa.Column("wechat_openid", sa.String(64), nullable=True))
    op.create_index("ix_contacts_wechat_openid", "contacts", ["wechat_openid"])


def downgrade() -> None:
    op.drop_index("ix_contacts_wechat_openid", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("wechat_openid")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("escalated_for")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("fk_tasks_ticket_id_tickets", type_="foreignkey")
        batch.drop_column("ticket_id")
