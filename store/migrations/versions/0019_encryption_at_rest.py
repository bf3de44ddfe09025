"""encryption at rest: sealed phone / e-mail columns widened, blind indexes, key ids

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 08:00:00

Phones and e-mails become text (a sealed value is ~70-330 characters, store/sealing.py);
``*_bidx`` hold their keyed blind indexes; ``encryption_keys`` the ids of keys in use.
Nothing is encrypted here: ``crmbot keys encrypt`` does that, in batches, resumably. On
SQLite the type change recreates ``contacts`` and ``companies``, which drops their
search triggers: they are created again (store/search_index.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTACT_TYPES = {"mobile": sa.String(32), "phone": sa.String(32), "email": sa.String(200)}


def _search_triggers_again() -> None:
    if op.get_bind().dialect.name == "sqlite":
        from store.search_index import sqlite_statements

        for table in ("companies", "contacts"):
            for statement in sqlite_statements(table):
                op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "encryption_keys",
        sa.Column("kid", sa.String(8), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_encryption_keys"),
    )
    with op.batch_alter_table("contacts") as batch:
        for name, old in _CONTACT_TYPES.items():
            batch.alter_column(name, existing_type=old, type_=sa.Text())
        for name in ("mobile_bidx", "phone_bidx", "email_bidx"):
            batch.add_column(sa.Column(name, sa.String(32), nullable=True))
            batch.create_index(f"ix_contacts_{name}", [name])
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("phone", existing_type=sa.String(32), type_=sa.Text())
        batch.add_column(sa.Column("phone_bidx", sa.String(32), nullable=True))
        batch.create_index("ix_companies_phone_bidx", ["phone_bidx"])
    _search_triggers_again()


def downgrade() -> None:
    """Refused while values are sealed: a narrower plaintext column cannot hold them."""
    sealed = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM contacts WHERE mobile LIKE 'enc1:%' OR phone LIKE 'enc1:%' "
            "OR email LIKE 'enc1:%'"
        )
    )
    if sealed.scalar():
        raise RuntimeError(
            "contacts' phones and e-mails are encrypted: they do not fit the columns below 0018"
        )
    with op.batch_alter_table("companies") as batch:
        batch.drop_index("ix_companies_phone_bidx")
        batch.drop_column("phone_bidx")
        batch.alter_column("phone", existing_type=sa.Text(), type_=sa.String(32))
    with op.batch_alter_table("contacts") as batch:
        for name in ("mobile_bidx", "phone_bidx", "email_bidx"):
            batch.drop_index(f"ix_contacts_{name}")
            batch.drop_column(name)
        for name, old in _CONTACT_TYPES.items():
            batch.alter_column(name, existing_type=sa.Text(), type_=old)
    op.drop_table("encryption_keys")
    _search_triggers_again()
