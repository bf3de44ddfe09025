"""Each index earns its upkeep: every row written pays one entry in each index of its table
(migration 0031, issue 20), so an index that another already serves is only a cost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from store.db import Database


def _b_trees(sync: Any) -> dict[str, list[tuple[str, tuple[str, ...], bool, bool]]]:
    """Per table: (name, columns, unique, partial) of each B-tree on plain columns, with
    the primary key and unique constraints (a B-tree each, on both databases)."""
    found: dict[str, list[tuple[str, tuple[str, ...], bool, bool]]] = {}
    look = inspect(sync)
    for table in look.get_table_names():
        kept = found.setdefault(table, [])
        for index in look.get_indexes(table):
            options = index.get("dialect_options", {})
            columns = tuple(index["column_names"])
            if None in columns or options.get("postgresql_using", "btree") != "btree":
                continue  # an expression, a trigram (GIN) or BRIN index: another kind of key
            partial = "postgresql_where" in options or "sqlite_where" in options
            kept.append((str(index["name"]), columns, bool(index["unique"]), partial))
        for constraint in look.get_unique_constraints(table):
            kept.append((str(constraint["name"]), tuple(constraint["column_names"]), True, False))
        key = tuple(look.get_pk_constraint(table)["constrained_columns"])
        if key:
            kept.append(("primary key", key, True, False))
    return found


# SQLite's owner-key and key-head indexes are on expressions, which reflection skips (and
# says so): another kind of key, left out here as the GIN ones are.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
async def test_no_index_is_the_leading_part_of_another_on_its_table(db: Database) -> None:
    """A B-tree finds rows by any leading part of its key: ``(owner_id)`` beside
    ``(owner_id, occurred_at, kind)`` serves no query the second does not, and costs an
    entry for every activity written."""
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(_b_trees)
    covered = [
        f"{table}.{name} {columns} leads {other} {wider}"
        for table, indexes in tables.items()
        for name, columns, unique, partial in indexes
        if not unique and not partial
        for other, wider, _, other_partial in indexes
        if other != name and not other_partial and wider[: len(columns)] == columns
    ]
    assert covered == []


async def test_only_an_approvals_pushes_are_kept_in_the_outbox_approval_index(
    db: Database,
) -> None:
    """Nearly every reply has no approval: it is written and changes state twice (claimed,
    sent) without an entry in this index, which serves only the lookup by approval."""
    async with db.engine.connect() as conn:
        indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("outbox"))
        (approval,) = [i for i in indexes if i["name"] == "ix_outbox_approval"]
        options = approval["dialect_options"]
        where = options.get("postgresql_where", options.get("sqlite_where"))
        assert "approval_id IS NOT NULL" in str(where)
        # ... and the planner still takes it for the lookup by approval.
        plan = await _plan(conn, "SELECT id FROM outbox WHERE approval_id = 7")
    assert "ix_outbox_approval" in plan


@pytest.mark.postgresql_only
async def test_the_audit_log_is_read_by_time_through_a_brin_index(db: Database) -> None:
    """Audit rows arrive in time order and stay where written: a BRIN index finds a
    period's rows, and an audit row written into the last, unsummarised block range
    writes nothing to it (a B-tree took an entry for each of a log's eleven rows)."""
    async with db.engine.connect() as conn:
        indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("audit_log"))
        (at,) = [i for i in indexes if i["name"] == "ix_audit_log_at"]
        assert at["dialect_options"]["postgresql_using"] == "brin"
        plan = await _plan(
            conn, "SELECT id FROM audit_log WHERE at >= now() - interval '1 day' ORDER BY id DESC"
        )
    assert "ix_audit_log_at" in plan


async def _plan(conn: AsyncConnection, query: str) -> str:
    """The plan's text. On PostgreSQL with whole-table scans priced out (sequential, or the
    primary key's in order with a filter), as on a table of any size: these are small."""
    if conn.dialect.name == "sqlite":
        rows = (await conn.execute(text(f"EXPLAIN QUERY PLAN {query}"))).all()
    else:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        await conn.execute(text("SET LOCAL enable_indexscan = off"))
        rows = (await conn.execute(text(f"EXPLAIN {query}"))).all()
    return " ".join(str(row[-1]) for row in rows)
