"""Chart benchmark: query and render time per report, warm, on the demo or a 100,000-deal workspace.

    .venv/bin/python benchmarks/charts_bench.py                      # demo data, SQLite temp file
    .venv/bin/python benchmarks/charts_bench.py --deals 100000       # generated workspace
    .venv/bin/python benchmarks/charts_bench.py --deals 100000 --database-url postgresql://...

For each report kind and each kind of viewer (admin: every deal; manager: one team; rep:
their own) it times, after one warm-up call, ``--runs`` calls of

- *query*: :func:`handlers.reports.routes.build` — the scoped SQL aggregates plus turning them
  into a chart spec (no drawing);
- *total*: :func:`handlers.reports.routes.make_chart` — the same plus rendering the PNG, which is
  exactly what a chat command costs the bot;

and prints, in milliseconds, the fastest and the median wall-clock run and the median CPU
time of each, and the PNG size, as a Markdown table. On a shared machine the CPU time is
the closest to the uncontended cost; the load average in the header says how shared it was.
The generated workspace is written with bulk INSERTs (not through the audited session: the
point is the report queries, not the loader) from a seeded random generator, so two runs
on the same arguments measure the same data. A PostgreSQL database given by URL is wiped
(``DROP SCHEMA public CASCADE``) first: point it at a throwaway cluster only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from bot.clock import FrozenClock
from bot.config import Settings
from handlers.reports.routes import KINDS, Viewer, build, make_chart
from locales.catalog import Translator
from store import demo, migrate
from store.access import Records, principal_for
from store.db import Database
from store.models import (
    Activity,
    Company,
    Deal,
    DealStageChange,
    Role,
    Team,
    TeamMember,
    User,
)
from store.pipeline import DEFAULT_PROBABILITY, DEFAULT_STAGES

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
TEAMS = 5
REPS_PER_TEAM = 10
COMPANIES = 5_000
ACTIVITIES_PER_DEAL = 2
CHUNK = 5_000


async def _reset(db: Database) -> None:
    if db.is_sqlite:
        return
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))


async def _insert(db: Database, model: type[Any], rows: list[dict[str, Any]]) -> None:
    async with db.transaction(platform="bench") as session:
        for i in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[i : i + CHUNK])


async def generate(db: Database, deals: int, seed: int = 11) -> None:
    """One admin, five teams of a manager and ten reps, ``deals`` deals with stage history."""
    rng = random.Random(seed)
    joined = NOW - timedelta(days=500)
    users = [
        {"id": 1, "name": "admin", "display_name": "Admin", "role": Role.ADMIN.value},
    ]
    teams, members = [], []
    reps: list[int] = []
    next_id = 2
    for t in range(TEAMS):
        teams.append({"id": t + 1, "name": f"team{t + 1}", "created_at": joined})
        users.append(
            {
                "id": next_id,
                "name": f"manager{t + 1}",
                "display_name": f"经理{t + 1}",
                "role": "manager",
            }
        )
        members.append({"team_id": t + 1, "user_id": next_id})
        next_id += 1
        for r in range(REPS_PER_TEAM):
            users.append(
                {
                    "id": next_id,
                    "name": f"rep{t + 1}_{r + 1}",
                    "display_name": f"销售{t + 1}-{r + 1}",
                    "role": "rep",
                }
            )
            members.append({"team_id": t + 1, "user_id": next_id})
            reps.append(next_id)
            next_id += 1
    for u in users:
        u |= {"lang": "zh", "tz": "Asia/Shanghai", "active": True, "created_at": joined}
    await _insert(db, User, users)
    await _insert(db, Team, teams)
    await _insert(db, TeamMember, members)
    owner_of = {c + 1: reps[c % len(reps)] for c in range(COMPANIES)}
    await _insert(
        db,
        Company,
        [
            {"id": c, "owner_id": o, "name": f"公司{c}", "created_at": joined, "updated_at": joined}
            for c, o in owner_of.items()
        ],
    )
    path = DEFAULT_STAGES[:5]  # lead .. won
    deal_rows, change_rows, activity_rows = [], [], []
    kinds = ("call", "visit", "meeting", "note")
    for d in range(1, deals + 1):
        company = rng.randint(1, COMPANIES)
        owner = owner_of[company]
        created = NOW - timedelta(days=rng.uniform(0, 365))
        final = rng.choices(range(6), weights=(30, 20, 15, 10, 15, 10))[0]
        stage = DEFAULT_STAGES[final]
        steps = list(path[: final + 1]) if final < 5 else [*path[: rng.randint(1, 4)], "lost"]
        at = created
        before = None
        for s in steps:
            change_rows.append(
                {"deal_id": d, "from_stage": before, "to_stage": s, "changed_at": at}
            )
            before = s
            at = min(at + timedelta(days=rng.uniform(1, 30)), NOW)
        changed = change_rows[-1]["changed_at"]
        currency = "USD" if rng.random() < 0.1 else "CNY"
        deal_rows.append(
            {
                "id": d,
                "owner_id": owner,
                "company_id": company,
                "title": f"商机{d}",
                "stage": stage,
                "amount_cents": rng.randint(1_000, 2_000_000) * 100,
                "currency": currency,
                "probability": DEFAULT_PROBABILITY[stage],
                "expected_close": (NOW + timedelta(days=rng.uniform(-60, 150))).date(),
                "stage_changed_at": changed,
                "created_at": created,
                "updated_at": changed,
            }
        )
        for _ in range(ACTIVITIES_PER_DEAL):
            activity_rows.append(
                {
                    "owner_id": owner,
                    "company_id": company,
                    "deal_id": d,
                    "kind": rng.choice(kinds),
                    "summary": "跟进",
                    "occurred_at": NOW - timedelta(days=rng.uniform(0, 180)),
                    "created_at": NOW,
                }
            )
    await _insert(db, Deal, deal_rows)
    await _insert(db, DealStageChange, change_rows)
    await _insert(db, Activity, activity_rows)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            for table in ("users", "teams", "companies", "deals"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    await _analyze(db)


async def _analyze(db: Database) -> None:
    """Fresh statistics, and on PostgreSQL a vacuum so index-only scans are possible (as
    autovacuum would have done by the time a real workspace had grown this large)."""
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"))


REPORT_INDEXES = (
    # Pipeline (open deals per stage, owner, currency) and forecast (open deals by close date).
    "CREATE INDEX IF NOT EXISTS ix_deals_open_report ON deals "
    "(stage, expected_close, owner_id, currency, amount_cents, probability)",
    # Won deals by when they were won: forecast and leaderboard.
    "CREATE INDEX IF NOT EXISTS ix_deals_closed_report ON deals "
    "(stage, stage_changed_at, owner_id, currency, amount_cents)",
    # Activity counts per rep and week: leaderboard and activity.
    "CREATE INDEX IF NOT EXISTS ix_activities_report ON activities (owner_id, occurred_at, kind)",
    # Stage history in a period: funnel.
    "CREATE INDEX IF NOT EXISTS ix_deal_stage_changes_report ON deal_stage_changes "
    "(changed_at, deal_id, to_stage)",
)


async def create_report_indexes(db: Database) -> None:
    """The indexes the report queries want (the migration proposed in BENCHMARKS.md)."""
    async with db.engine.begin() as conn:
        for ddl in REPORT_INDEXES:
            await conn.execute(text(ddl))
    await _analyze(db)


async def _timed(
    fn: Callable[[], Awaitable[Any]], runs: int
) -> tuple[list[float], list[float], Any]:
    """Wall-clock and CPU milliseconds of each run after a warm-up call.

    CPU time (this process, all threads: the render thread and aiosqlite's) does not grow
    when other processes compete for the cores, so it estimates the cost on an idle core
    even on a busy machine; PostgreSQL's own work happens in its server and shows only in
    the wall-clock figure.
    """
    result = await fn()  # warm-up: caches, font registration, first matplotlib import
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = await fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu, result


async def measure(db: Database, viewers: dict[str, str], runs: int) -> list[str]:
    settings = Settings(database_url=db.url)
    translator = Translator.load()
    lines = [
        "| report | viewer | deals in scope | query wall min / median | query CPU "
        "| total wall min / median | total CPU | PNG KiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, name in viewers.items():
        async with db.transaction(platform="bench") as session:
            user = await session.scalar(select(User).where(User.name == name))
            assert user is not None
            principal = await principal_for(session, user)
            records = Records(session, principal, NOW)
            in_scope = await session.scalar(
                select(func.count()).select_from(Deal).where(records.scope(Deal))
            )
            viewer = Viewer(user, records, settings, translator, "zh", TZ, NOW)
            for kind in KINDS:
                q_times, q_cpu, _ = await _timed(partial(build, viewer, kind), runs)
                t_times, t_cpu, answer = await _timed(partial(make_chart, viewer, kind), runs)
                lines.append(
                    f"| {kind} | {label} | {in_scope:,} "
                    f"| {min(q_times):.1f} / {statistics.median(q_times):.1f} "
                    f"| {statistics.median(q_cpu):.1f} "
                    f"| {min(t_times):.1f} / {statistics.median(t_times):.1f} "
                    f"| {statistics.median(t_cpu):.1f} "
                    f"| {len(answer.png or b'') / 1024:.0f} |"
                )
                print(lines[-1], flush=True)
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=0, help="generate N deals (0: demo data)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (wiped first!); default: a temporary SQLite file"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data already in --database-url"
    )
    parser.add_argument(
        "--indexes",
        action="store_true",
        help="create the report indexes proposed in BENCHMARKS.md before measuring",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        url = Settings(database_url=url).database_url
        clock = FrozenClock(NOW)
        db = Database(url, clock)
        try:
            if not args.reuse:
                await _reset(db)
            await migrate.upgrade(db)
            started = time.perf_counter()
            if args.reuse:
                pass
            elif args.deals:
                await generate(db, args.deals)
            else:
                await demo.load(db, clock)
            if args.deals:
                viewers = {"admin": "admin", "manager": "manager1", "rep": "rep1_1"}
            else:
                viewers = {"admin": "admin", "manager": "wang", "rep": "li"}
            if args.indexes:
                await create_report_indexes(db)
            loaded = "reused" if args.reuse else f"loaded in {time.perf_counter() - started:.1f} s"
            print(
                f"# {'generated ' + format(args.deals, ',') + ' deals' if args.deals else 'demo'}"
                f" on {db.engine.dialect.name} ({loaded}"
                f"{', report indexes' if args.indexes else ''});"
                f" python {platform.python_version()}, {platform.machine()},"
                f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f},"
                f" {date.today().isoformat()}",
                flush=True,
            )
            await measure(db, viewers, args.runs)
        finally:
            await db.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
