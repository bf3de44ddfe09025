"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store.models import Base
from store.search_index import FTS_TABLES, include_object


async def test_migrated_schema_matches_the_models(db):
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": include_object}),
                Base.metadata,
            )
        )
    assert diff == []


@pytest.mark.sqlite_only
async def test_sqlite_runs_with_wal_and_foreign_keys(db):
    async with db.engine.connect() as conn:
        journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    # 0 on the event loop's thread: a locked database is waited out in a worker thread
    # instead (tests/test_sqlite_inline.py).
    assert (journal, keys, timeout) == ("wal", 1, 0)


async def test_every_table_has_a_primary_key(db):
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in set(tables) - set(FTS_TABLES.values()):  # FTS5 virtual tables: rowid
            pk = await conn.run_sync(lambda sync, t=table: inspect(sync).get_pk_constraint(t))
            assert pk["constrained_columns"], table
