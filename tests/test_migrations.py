"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store.models import Base
from store.search_index import FTS_TABLES, include_object


async def _downgrade(conn: Any, db: Any, revision: str) -> None:
    """The schema as it was at ``revision``, on ``conn`` (inside its transaction)."""
    from alembic import command

    from store.migrate import alembic_config

    cfg = alembic_config(db.url)

    def down(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    await conn.run_sync(down)


async def _add_rep(conn: Any, now: Any) -> None:
    """One rep, "li", in the columns every revision's ``users`` has."""
    from sqlalchemy import text

    await conn.execute(
        text(
            "INSERT INTO users (name, display_name, role, active, created_at)"
            " VALUES ('li', 'li', 'rep', true, :t)"
        ),
        {"t": now},
    )


# SQLite's owner-key index (migration 0029) is on an expression, which reflection skips
# (and say so); like the FTS tables it is not in the models (store.search_index).
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
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


async def test_approval_pushes_queued_before_0011_get_their_columns(db):
    """Copies of an approval request written by the older code (only ``ap:<id>:ask:<user>``
    in their event id) are found by the new column after the upgrade."""
    from alembic import command
    from sqlalchemy import text

    from store.migrate import alembic_config, upgrade

    cfg = alembic_config(db.url)

    def down(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0010")

    async with db.engine.begin() as conn:
        await conn.run_sync(down)
        for event_id in ("ap:5:ask:7", "ap:5:approved:9", "rm:1"):
            await conn.execute(
                text(
                    "INSERT INTO outbox (platform, chat_id, is_private, kind, body, event_id,"
                    " state, attempts, next_attempt_at, message_ids, created_at) VALUES"
                    " ('memory', 'c', true, 'send', '{}', :e, 'sent', 0, :t, '[]', :t)"
                ),
                {"e": event_id, "t": db.clock.now()},
            )
    await upgrade(db)
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT event_id, approval_id, recipient_id FROM outbox ORDER BY id")
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("ap:5:ask:7", 5, 7),
        ("ap:5:approved:9", None, None),
        ("rm:1", None, None),
    ]


async def test_unused_invites_hashed_the_old_way_are_removed_by_the_upgrade(db):
    """Their bare SHA-256 could never match a keyed lookup: gone, not left to fail."""
    from sqlalchemy import text

    from store.migrate import upgrade

    now = db.clock.now()
    async with db.engine.begin() as conn:
        await _downgrade(conn, db, "0012")
        await _add_rep(conn, now)
        for code_hash, used in (("a" * 64, None), ("b" * 64, now)):
            await conn.execute(
                text(
                    "INSERT INTO invites (code_hash, user_id, created_at, expires_at, used_at)"
                    " SELECT :h, id, :t, :t, :u FROM users"
                ),
                {"h": code_hash, "t": now, "u": used},
            )
    await upgrade(db)
    async with db.engine.connect() as conn:
        left = (await conn.execute(text("SELECT code_hash FROM invites"))).scalars().all()
    assert left == ["b" * 64]


def test_head_revision_is_read_from_the_file_names_as_alembic_reads_it():
    """``store.migrate.head_revision`` skips loading Alembic at start; it holds only while
    every script is named after its revision (``0017_contracts.py`` is ``0017``)."""
    from alembic.script import ScriptDirectory

    from store.migrate import alembic_config, head_revision

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    for script in scripts.walk_revisions():
        named = Path(script.path).name
        assert named.split("_", 1)[0] == script.revision, named
    assert head_revision() == scripts.get_current_head()


async def test_pending_sees_a_database_behind_the_code(db):
    from alembic import command

    from store.migrate import alembic_config, head_revision, pending, upgrade

    assert not await pending(db)
    cfg = alembic_config(db.url)
    before_head = f"{int(head_revision()) - 1:04d}"

    def down(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, before_head)

    async with db.engine.begin() as conn:
        await conn.run_sync(down)
    assert await pending(db)
    await upgrade(db)
    assert not await pending(db)


async def test_companies_made_before_0028_get_their_name_core(db):
    """The team-wide duplicate check reads ``name_core`` only: customers already in the
    CRM get theirs from the upgrade, so they are still found as a colleague's twin."""
    from sqlalchemy import text

    from store.migrate import upgrade

    now = db.clock.now()
    async with db.engine.begin() as conn:
        await _downgrade(conn, db, "0027")
        await _add_rep(conn, now)
        for name in ("上海星辰科技有限公司", "Acme Trading Co., Ltd."):
            await conn.execute(
                text(
                    "INSERT INTO companies (name, owner_id, created_at, updated_at)"
                    " SELECT :n, id, :t, :t FROM users"
                ),
                {"n": name, "t": now},
            )
    await upgrade(db)
    async with db.engine.connect() as conn:
        cores = (await conn.execute(text("SELECT name_core FROM companies ORDER BY id"))).all()
    assert [c for (c,) in cores] == ["星辰科技", "acmetrading"]
