"""business card photos kept with their contact; covering indexes for the chart queries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT_INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_deals_open_report": (
        "deals",
        ["stage", "expected_close", "owner_id", "currency", "amount_cents", "probability"],
    ),
    "ix_deals_closed_report": (
        "deals",
        ["stage", "stage_changed_at", "owner_id", "currency", "amount_cents"],
    ),
    "ix_activities_report": ("activities", ["owner_id", "occurred_at", "kind"]),
    "ix_deal_stage_changes_report": ("deal_stage_changes", ["changed_at", "deal_id", "to_stage"]),
}


def upgrade() -> None:
    op.create_table(
        "contact_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("mime_type", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_photos_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_contact_photos_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_contact_photos_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_photos")),
    )
    op.create_index(
        op.f("ix_contact_photos_contact_id"), "contact_photos", ["contact_id"], unique=False
    )
    for name, (table, columns) in REPORT_INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in REPORT_INDEXES.items():
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_contact_photos_contact_id"), table_name="contact_photos")
    op.drop_table("contact_photos")
