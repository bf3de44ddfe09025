"""Fewer index entries written per change: covered indexes dropped, the audit log's time
as a BRIN index on PostgreSQL, the outbox's approval index partial (issue 20)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 07:00:00

Every row written or moved to another version writes an entry into each of its table's
indexes. A one-message log wrote 57 of them on PostgreSQL (an activity, a task, eleven
audit rows, a reply and its two state changes); this leaves 40, with every query served
as before:

* Seven single-column indexes whose column leads another index of the same table (a
  B-tree finds rows by any leading part of its key): ``activities.company_id`` and
  ``.owner_id``, ``tasks.owner_id``, ``deals.company_id`` and ``.stage``,
  ``deal_stage_changes.changed_at``, ``report_subscriptions.user_id``.
  tests/test_indexes.py keeps new ones from coming back.
* ``audit_log.at``: rows arrive in time order and stay where they are written (a key
  rotation or an erasure rewrites some: the index stays right, if less sharp). So on
  PostgreSQL a BRIN index (block ranges with their first and last time) answers "since …
  until …", while an insert into the unsummarised last range writes nothing to it (a
  filled range is summarised by autovacuum: ``autosummarize``). SQLite keeps its B-tree.
* ``outbox.approval_id`` holds only an approval's pushes (``WHERE approval_id IS NOT
  NULL``, both databases): the lookup by approval is all it serves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Dropped: each is the leading part of another index of its table.
COVERED: dict[str, tuple[str, str]] = {
    "ix_activities_company_id": ("activities", "company_id"),
    "ix_activities_owner_id": ("activities", "owner_id"),
    "ix_tasks_owner_id": ("tasks", "owner_id"),
    "ix_deals_company_id": ("deals", "company_id"),
    "ix_deals_stage": ("deals", "stage"),
    "ix_deal_stage_changes_changed_at": ("deal_stage_changes", "changed_at"),
    "ix_report_subscriptions_user_id": ("report_subscriptions", "user_id"),
}
_HAS_APPROVAL = sa.text("approval_id IS NOT NULL")


def upgrade() -> None:
    for name, (table, _) in COVERED.items():
        op.drop_index(name, table_name=table)
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index(
        "ix_audit_log_at",
        "audit_log",
        ["at"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )
    op.drop_index("ix_outbox_approval", table_name="outbox")
    op.create_index(
        "ix_outbox_approval",
        "outbox",
        ["approval_id"],
        sqlite_where=_HAS_APPROVAL,
        postgresql_where=_HAS_APPROVAL,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_approval", table_name="outbox")
    op.create_index("ix_outbox_approval", "outbox", ["approval_id"])
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    for name, (table, column) in COVERED.items():
        op.create_index(name, table, [column])
