"""approval pushes found by a column, not by matching their event ids (issue 19)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:00:00

Copies of an approval request already in the outbox keep working: their approval and
recipient are read back from the event id they were written with (``ap:<id>:ask:<user>``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("approval_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
        batch.create_index("ix_outbox_approval", ["approval_id"])
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("event_id", sa.String()),
        sa.column("approval_id", sa.Integer()),
        sa.column("recipient_id", sa.Integer()),
    )
    connection = op.get_bind()
    asks = connection.execute(
        sa.select(outbox.c.id, outbox.c.event_id).where(outbox.c.event_id.like("ap:%:ask:%"))
    )
    for row_id, event_id in list(asks):
        parts = str(event_id).split(":")
        approval, person = (parts[1], parts[3]) if len(parts) == 4 else ("", "")
        if approval.isdigit() and person.isdigit():
            connection.execute(
                outbox.update()
                .where(outbox.c.id == row_id)
                .values(approval_id=int(approval), recipient_id=int(person))
            )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_approval")
        batch.drop_column("recipient_id")
        batch.drop_column("approval_id")
