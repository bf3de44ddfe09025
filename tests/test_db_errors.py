"""A failed statement's error, which the engine logs, names the statement but not its
values: they may be a customer's details (SECURITY.md, "Secrets and data at rest")."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from store.bulk import table_of
from store.models import Company


async def test_a_failed_statements_error_leaves_its_values_out(db, clock):
    row = {"name": "Zhang Wei Trading", "phone": "+86 138 0013 8000", "created_at": clock.now()}
    with pytest.raises(IntegrityError) as failed:  # no owner, no updated_at: refused
        async with db.transaction() as session:
            await (await session.connection()).execute(insert(table_of(Company)), row)
    message = str(failed.value)
    assert "INSERT INTO companies" in message
    assert "Zhang Wei" not in message
    assert "138" not in message
