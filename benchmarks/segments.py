"""Segment benchmark: the customer filters of ``/segment`` over N companies.

    .venv/bin/python -m benchmarks.segments --count 100000                     # SQLite file
    .venv/bin/python -m benchmarks.segments --count 100000 --database-url postgresql://...

Loads N companies owned by 50 reps at random (20 cities), 3 activities each on average
(call / visit / meeting over the last 200 days), one deal each (30 % won, amounts up to
¥1m, won 0-400 days ago; the rest open, in their stage 0-60 days), tags (30 % VIP, an
industry tag each) and a custom field "产品型号" on half of them, with Core bulk inserts.
Then runs each segment the chat offers — the count and the first page, exactly the two
statements ``store.segments.run`` sends for a chat answer — as an admin (sees everything),
as a manager of 10 reps and as one rep, and prints p50 / p95 in ms over ``--repeat`` runs.
The conditions are the ones ``handlers.book.segments.conditions`` builds for the same words
(built here directly: that function needs a chat event). An existing database with the same
count is reused (``--reload`` forces a fresh load); a PostgreSQL database given by URL is
wiped first (``DROP SCHEMA public CASCADE``): point it at a throwaway cluster only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import ColumnElement, func, insert, select, text  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from store import migrate, segments  # noqa: E402
from store.access import Principal, Records  # noqa: E402
from store.db import Database  # noqa: E402
from store.fields import Typed, add_field, matching  # noqa: E402
from store.models import (  # noqa: E402
    Activity,
    Company,
    CompanyTag,
    CustomField,
    CustomValue,
    Deal,
    Role,
    Tag,
    User,
)
from store.pipeline import DEFAULT_STAGES  # noqa: E402
from store.tags import ensure_preset  # noqa: E402

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
REPS = 50
CHUNK = 20_000
CITIES = (
    *("深圳", "上海", "北京", "广州", "杭州", "苏州", "南京", "成都", "武汉", "西安"),
    *("Shanghai", "Shenzhen", "天津", "重庆", "长沙", "郑州", "青岛", "厦门", "宁波", "合肥"),
)
OPEN = [s for s in DEFAULT_STAGES if s not in ("won", "lost")]


async def load(db: Database, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    async with db.transaction() as session:
        for n in range(REPS + 2):
            role = Role.ADMIN if n == 0 else Role.MANAGER if n == 1 else Role.REP
            session.add(
                User(name=f"u{n}", display_name=f"u{n}", role=role, active=True, created_at=NOW)
            )
        await session.flush()
        await ensure_preset(session, NOW)
        await add_field(
            session, NOW, entity="company", name_en="Product model", name_zh="产品型号", kind="text"
        )
    async with db.transaction() as session:
        vip = await session.scalar(select(Tag.id).where(Tag.name == "VIP"))
        industries = list(
            await session.scalars(select(Tag.id).where(Tag.dimension_id == 1).order_by(Tag.id))
        )
        field_id = await session.scalar(select(CustomField.id))
    reps = list(range(3, REPS + 3))
    for start in range(0, count, CHUNK):
        ids = range(start + 1, min(start + CHUNK, count) + 1)
        companies, activities, deals, tags, values = [], [], [], [], []
        for cid in ids:
            owner = rng.choice(reps)
            companies.append(
                {
                    "id": cid,
                    "owner_id": owner,
                    "name": f"客户{cid:06d}",
                    "city": rng.choice(CITIES),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            for _ in range(rng.choice((0, 1, 2, 3, 4, 5, 6))):
                activities.append(
                    {
                        "owner_id": owner,
                        "company_id": cid,
                        "kind": rng.choice(("call", "visit", "meeting")),
                        "summary": "跟进",
                        "occurred_at": NOW - timedelta(hours=rng.randrange(200 * 24)),
                        "created_at": NOW,
                    }
                )
            won = rng.random() < 0.3
            changed = NOW - timedelta(days=rng.randrange(400 if won else 60))
            deals.append(
                {
                    "owner_id": owner,
                    "company_id": cid,
                    "title": f"项目{cid}",
                    "stage": "won" if won else rng.choice(OPEN),
                    "amount_cents": rng.randrange(100_000_000),
                    "currency": "CNY",
                    "probability": 50,
                    "stage_changed_at": changed,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            if rng.random() < 0.3:
                tags.append({"company_id": cid, "tag_id": vip, "created_at": NOW})
            tags.append({"company_id": cid, "tag_id": rng.choice(industries), "created_at": NOW})
            if rng.random() < 0.5:
                values.append(
                    {
                        "field_id": field_id,
                        "company_id": cid,
                        "text_value": f"X{rng.randrange(100, 400)}",
                        "created_at": NOW,
                    }
                )
        async with db.engine.begin() as conn:
            await conn.execute(insert(Company), companies)
            await conn.execute(insert(Activity), activities)
            await conn.execute(insert(Deal), deals)
            await conn.execute(insert(CompanyTag), tags)
            await conn.execute(insert(CustomValue), values)
    async with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            for table in ("companies", "activities", "deals", "company_tags", "custom_values"):
                await conn.execute(text(f"ANALYZE {table}"))
        else:
            await conn.execute(text("ANALYZE"))


def segments_to_run(field: CustomField, everyone: bool) -> dict[str, list[ColumnElement[bool]]]:
    last_month = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    return {
        "dormant high value": [
            segments.high_value(10_000_000, everyone=everyone),
            segments.no_activity(NOW - timedelta(days=90), None, None),
        ],
        "上个月没有拜访的深圳VIP客户": [
            segments.no_activity(*last_month, "visit"),
            segments.in_city("深圳"),
            segments.tagged("VIP"),
        ],
        "no repurchase in 3 months": [segments.no_order(NOW - timedelta(days=91), repurchase=True)],
        "no activity in 30 days": [segments.no_activity(NOW - timedelta(days=30), None, None)],
        "deals stuck (14 days)": [segments.stuck(NOW - timedelta(days=14), ("won", "lost"))],
        "产品型号 X200": [matching(field, "=", Typed(text="X200"))],
    }


async def measure(db: Database, repeat: int) -> list[tuple[str, str, int, float, float]]:
    viewers = {
        "admin": None,
        "manager (10 reps)": frozenset(range(3, 13)),
        "rep": frozenset({3}),
    }
    async with db.transaction() as session:
        field = await session.scalar(select(CustomField))
    assert field is not None
    out = []
    for name in segments_to_run(field, True):
        for who, owners in viewers.items():
            conditions = segments_to_run(field, owners is None)[name]
            role = Role.ADMIN if owners is None else Role.REP
            times, total = [], 0
            for _ in range(repeat):
                async with db.transaction() as session:
                    records = Records(session, Principal(1, role, owners), NOW)
                    began = time.perf_counter()
                    total, _page = await segments.run(records, conditions)
                    times.append((time.perf_counter() - began) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            out.append((name, who, total, statistics.median(times), p95))
    return out


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{ROOT / '.bench' / f'segments-{args.count}.db'}"
    url = Settings(database_url=url).database_url
    if url.startswith("sqlite"):
        _fresh_file(Path(url.split("///", 1)[1]), reload=args.reload)
    db = Database(url, FrozenClock(NOW))
    try:
        if url.startswith("postgresql") and (args.reload or not await _loaded(db, args.count)):
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(db)
        if not await _loaded(db, args.count):
            began = time.perf_counter()
            await load(db, args.count)
            print(f"loaded {args.count} companies in {time.perf_counter() - began:.1f} s")
        print(f"{'segment':32} {'viewer':18} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8}")
        for name, who, total, p50, p95 in await measure(db, args.repeat):
            print(f"{name:32} {who:18} {total:8d} {p50:8.1f} {p95:8.1f}")
    finally:
        await db.dispose()


def _fresh_file(path: Path, *, reload: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if reload and path.exists():
        path.unlink()


async def _loaded(db: Database, count: int) -> bool:
    try:
        async with db.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(Company))
    except Exception:  # no schema yet
        return False
    return found == count


if __name__ == "__main__":
    asyncio.run(main())
