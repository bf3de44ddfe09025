"""tag dimensions and tags, custom fields and their values, segments (issue 15)

The preset of tag dimensions is written by the code on first use (store/tags.py), not
here: a workspace restored or truncated without it gets it back the same way.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_activities_company_time", "activities", ["company_id", "occurred_at", "kind"]
    )
    op.create_index("ix_deals_company_stage", "deals", ["company_id", "stage", "stage_changed_at"])
    op.create_table(
        "tag_dimensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tag_dimensions"),
        sa.UniqueConstraint("key", name="uq_tag_dimensions_key"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dimension_id"],
            ["tag_dimensions.id"],
            name="fk_tags_dimension_id_tag_dimensions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("dimension_id", "name", name="uq_tags_dimension_id"),
    )
    op.create_index("ix_tags_name", "tags", ["name"])
    op.create_table(
        "company_tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_company_tags_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name="fk_company_tags_tag_id_tags", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name="fk_company_tags_created_by_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_company_tags"),
        sa.UniqueConstraint("company_id", "tag_id", name="uq_company_tags_company_id"),
    )
    op.create_index("ix_company_tags_tag", "company_tags", ["tag_id", "company_id"])
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_fields"),
        sa.UniqueConstraint("entity", "key", name="uq_custom_fields_entity"),
    )
    op.create_table(
        "custom_values",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("text_value", sa.String(200), nullable=True),
        sa.Column("number_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("date_value", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_fields.id"],
            name="fk_custom_values_field_id_custom_fields",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_custom_values_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name="fk_custom_values_contact_id_contacts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name="fk_custom_values_deal_id_deals", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_custom_values"),
    )
    op.create_index("ix_custom_values_company_id", "custom_values", ["company_id"])
    op.create_index("ix_custom_values_contact_id", "custom_values", ["contact_id"])
    op.create_index("ix_custom_values_deal_id", "custom_values", ["deal_id"])
    op.create_index("ix_custom_values_text", "custom_values", ["field_id", "text_value"])
    op.create_index("ix_custom_values_number", "custom_values", ["field_id", "number_value"])
    op.create_index("ix_custom_values_date", "custom_values", ["field_id", "date_value"])
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_segments_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("name", name="uq_segments_name"),
    )
    op.create_index("ix_segments_owner_id", "segments", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_segments_owner_id", table_name="segments")
    op.drop_table("segments")
    for name in ("text", "number", "date", "company_id", "contact_id", "deal_id"):
        op.drop_index(f"ix_custom_values_{name}", table_name="custom_values")
    op.drop_table("custom_values")
    op.drop_table("custom_fields")
    op.drop_index("ix_company_tags_tag", table_name="company_tags")
    op.drop_table("company_tags")
    op.drop_index("ix_tags_name", table_name="tags")
    op.drop_table("tags")
    op.drop_table("tag_dimensions")
    op.drop_index("ix_deals_company_stage", table_name="deals")
    op.drop_index("ix_activities_company_time", table_name="activities")
