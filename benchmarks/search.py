"""Quick-lookup benchmark: :func:`store.search.search` over N contacts (and N/20 companies).

    .venv/bin/python -m benchmarks.search --count 1000000                     # SQLite file
    .venv/bin/python -m benchmarks.search --count 100000 --database-url postgresql://...
    .venv/bin/python -m benchmarks.search --count 100000 --search-module /tmp/old/search.py

Loads realistic customers (Chinese names with pinyin, English names, mobiles, emails at
company domains; 50 reps own them at random) with Core bulk inserts (not
:func:`store.bulk.create_many`, which also writes an audit row a record: rows no lookup
reads, and a slower load), computing
``search_key`` with the function the ORM hook uses, then the table of name words
(:func:`store.search_words.rebuild`, as migration 0026 fills it) and their postings
(:func:`store.search_words.rebuild_postings`, migration 0027). Then times ``search()``
per query class (exact name, prefix, pinyin, initials, 4 phone digits, email domain, typo,
a typo that matches nothing) as an admin (sees everything) and as one rep (~1/50 of the rows), and
prints p50/p95/p99 in ms. ``search_key`` feeds the trigram index through the SQLite triggers
/ PostgreSQL GIN index as the rows go in. ``--search-module`` times another implementation
of ``search`` (e.g. the ``LIKE`` scan from ``git show 7773c06:store/search.py``) on the same
data; ``--baseline-module`` times one *as well*, query by query interleaved with the current
code, the fair comparison on a shared machine. The database is built once and kept: a later
run with the same ``--count`` reuses it (and applies migrations written since); ``--reload``
forces a fresh load. A PostgreSQL database given by URL is wiped first (``DROP SCHEMA public
CASCADE``): point it at a throwaway cluster only.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from store import migrate, search_words  # noqa: E402
from store.access import Principal, Records  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import Company, Contact, Role, User  # noqa: E402
from store.search import Hit, search, search_key  # noqa: E402

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
REPS = 50
CHUNK = 20_000
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红建国文斌宇浩凯晨瑞欣怡嘉"
FIRST = [
    "james",
    "mary",
    "john",
    "linda",
    "robert",
    "susan",
    "michael",
    "karen",
    "david",
    "nancy",
    "daniel",
    "laura",
    "paul",
    "emma",
    "mark",
    "anna",
]
LAST = [
    "smith",
    "johnson",
    "brown",
    "taylor",
    "miller",
    "wilson",
    "moore",
    "anderson",
    "thomas",
    "jackson",
    "white",
    "harris",
]
CN_WORDS = [
    "星辰",
    "华信",
    "东方",
    "天宇",
    "金桥",
    "远航",
    "蓝海",
    "长城",
    "新世纪",
    "中科",
    "恒通",
    "瑞丰",
    "鼎盛",
    "宏达",
    "凯旋",
    "博远",
]
CN_TRADES = ["科技", "物流", "电子有限公司", "贸易", "医疗", "软件", "建材", "咨询"]
EN_WORDS = [
    "globex",
    "initech",
    "acme",
    "umbrella",
    "stark",
    "wayne",
    "hooli",
    "vandelay",
    "soylent",
    "cyberdyne",
    "tyrell",
]
EN_TRADES = ["Ltd", "Trading", "Corporation", "Labs", "Group", "Systems"]
Row = dict[str, Any]


def _company(rng: random.Random, owner: int) -> Row:
    if rng.random() < 0.6:
        name = rng.choice(CN_WORDS) + rng.choice(CN_WORDS) + rng.choice(CN_TRADES)
    else:
        name = (
            f"{rng.choice(EN_WORDS).title()} {rng.choice(EN_WORDS).title()} {rng.choice(EN_TRADES)}"
        )
    phone = f"+86 21 {rng.randrange(10**7, 10**8)}"
    return _stamped(owner, name=name, phone=phone, search_key=search_key(name, phone))


def _contact(rng: random.Random, owner: int, company_id: int) -> Row:
    if rng.random() < 0.7:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        mobile = f"+86 1{rng.randrange(3, 9)}{rng.randrange(10**8, 10**9)}"
        user = "".join(search_key(name).split()[1:2]) or "x"  # the pinyin piece
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first.title()} {last.title()}"
        mobile = f"+1 415 {rng.randrange(10**6, 10**7)}"
        user = f"{first}.{last}"
    email = f"{user}{rng.randrange(100)}@{rng.choice(EN_WORDS)}{rng.randrange(1000)}.com"
    key = search_key(name, mobile, email)
    return _stamped(
        owner, name=name, mobile=mobile, email=email, company_id=company_id, search_key=key
    )


def _stamped(owner: int, **fields: Any) -> Row:
    return {"owner_id": owner, "created_at": NOW, "updated_at": NOW, **fields}


async def _bulk(db: Database, model: type[Company] | type[Contact], rows: list[Row]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.engine.begin() as conn:
            await conn.execute(insert(model), rows[start : start + CHUNK])


async def load(db: Database, count: int, seed: int) -> None:
    rng = random.Random(seed)
    async with db.engine.begin() as conn:
        users = [
            {
                "name": f"u{i}",
                "display_name": f"User {i}",
                "role": Role.ADMIN if i == 0 else Role.REP,
                "created_at": NOW,
            }
            for i in range(REPS + 1)
        ]
        await conn.execute(insert(User), users)
    companies = max(count // 20, 1)
    await _bulk(db, Company, [_company(rng, rng.randint(2, REPS + 1)) for _ in range(companies)])
    for start in range(0, count, 100_000):
        batch = [
            _contact(rng, rng.randint(2, REPS + 1), rng.randint(1, companies))
            for _ in range(min(100_000, count - start))
        ]
        await _bulk(db, Contact, batch)
        print(f"  loaded {start + len(batch):,} contacts", file=sys.stderr, flush=True)
    async with db.engine.begin() as conn:  # the Core inserts above bypass the flush hook
        await conn.run_sync(search_words.rebuild)
        await conn.run_sync(search_words.rebuild_postings)
    if db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    else:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeiouxz") + word[i + 1 :]


async def queries(db: Database, rng: random.Random, per_class: int) -> dict[str, list[str]]:
    """Query strings drawn from the data itself, so each class finds something."""
    async with db.session() as session:
        sample = (
            await session.execute(
                select(Contact.name, Contact.mobile, Contact.email, Contact.search_key).where(
                    Contact.id.in_([rng.randint(1, 10_000) for _ in range(per_class * 4)])
                )
            )
        ).all()
    cn = [row for row in sample if not row[0].isascii()]
    en = [row for row in sample if row[0].isascii()]

    def pick(rows: Sequence[Any]) -> list[Any]:  # a small table may hold fewer than asked
        return rng.sample(rows, min(per_class, len(rows)))

    return {
        "exact name": [row[0] for row in pick(sample)],
        "prefix": [row[0].split()[0][:4] for row in pick(en)],
        "pinyin": [(row[3] or "").split()[1] for row in pick(cn)],
        "initials": [(row[3] or "").split(" / ")[1].split()[0][:2] for row in pick(cn)],
        "phone 4 digits": [(row[1] or "")[-4:] for row in pick(sample)],
        "email domain": [(row[2] or "@").split("@")[1] for row in pick(sample)],
        "typo": [_typo(row[0].split()[1].lower(), rng) for row in pick(en)],
        "typo, no match": await _unmatched(db, rng, [row for row in sample if row[3]], per_class),
    }


async def _unmatched(
    db: Database, rng: random.Random, rows: Sequence[Any], wanted: int
) -> list[str]:
    """Words two letters away from a real name or pinyin (``wolsen``, ``zhangwii`` →
    ``zhxngwiu``) that the admin's lookup finds nothing for: the typo stage runs to the end
    and returns empty, the case that used to cost ~0.3 s on PostgreSQL at a million."""
    admin = Principal(1, Role.ADMIN, None)
    found: list[str] = []
    for _attempt in range(wanted * 10):
        if len(found) == wanted:
            break
        words = [w for w in (rows[rng.randrange(len(rows))][3] or "").split()[1:3] if w.isalpha()]
        words = [w for w in words if w.isascii() and len(w) >= 5]
        if not words:
            continue
        word = _typo(_typo(rng.choice(words), rng), rng)
        async with db.session() as session, session.begin():
            if not await search(Records(session, admin, NOW), word):
                found.append(word)
    return found


SearchFn = Callable[..., Awaitable[list[Hit]]]


async def timed(db: Database, principal: Principal, query: str, fn: SearchFn) -> float:
    async with db.session() as session, session.begin():
        records = Records(session, principal, NOW)
        started = time.perf_counter()
        await fn(records, query)
        return (time.perf_counter() - started) * 1000


def _percentiles(ms: list[float]) -> str:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return f"{cuts[49]:7.1f} {cuts[94]:7.1f} {cuts[98]:7.1f}"


def _search_fn(path: str | None) -> SearchFn:
    if path is None:
        return search
    spec = importlib.util.spec_from_file_location("search_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    fn: SearchFn = module.search
    return fn


async def main(args: argparse.Namespace) -> None:
    url = (  # postgresql://… is taken as the app takes it (asyncpg)
        Settings(database_url=args.database_url).database_url
        if args.database_url
        else f"sqlite+aiosqlite:///{args.dir}/search-{args.count}.db"
    )
    db = Database(url, FrozenClock(NOW))
    fresh = args.reload or not await _loaded(db, args)
    if fresh:
        await _reset(db, args)
        await migrate.upgrade(db)
        started = time.perf_counter()
        await load(db, args.count, args.seed)
        print(f"load: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    else:  # a database kept from an earlier run gets the migrations added since
        started = time.perf_counter()
        await migrate.upgrade(db)
        print(f"upgrade: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    async with db.session() as session:
        print(f"contacts: {await session.scalar(select(func.count()).select_from(Contact)):,}")
    fn = _search_fn(args.search_module)
    baseline = _search_fn(args.baseline_module) if args.baseline_module else None
    principals = {
        "admin": Principal(1, Role.ADMIN, None),
        "rep": Principal(2, Role.REP, frozenset({2})),
    }
    rng = random.Random(args.seed)
    classes = await queries(db, rng, args.per_class)
    header = f"{'p50':>7} {'p95':>7} {'p99':>7}"
    extra = f"  | baseline {header}" if baseline else ""
    print(f"{'who':5} {'class':15} {header}{extra}  (ms)")
    for who, principal in principals.items():
        everything: list[float] = []
        before: list[float] = []
        for name, texts in classes.items():
            for query in texts[:2]:  # warm caches and statement cache
                await timed(db, principal, query, fn)
                if baseline is not None:
                    await timed(db, principal, query, baseline)
            ms, old = await _interleaved(db, principal, texts, fn, baseline)
            everything += ms
            before += old
            line = f"{who:5} {name:15} {_percentiles(ms)}"
            print(line + (f"  |          {_percentiles(old)}" if old else ""), flush=True)
        line = f"{who:5} {'overall':15} {_percentiles(everything)}"
        print(line + (f"  |          {_percentiles(before)}" if before else ""), flush=True)
    await db.dispose()


async def _interleaved(
    db: Database,
    principal: Principal,
    texts: list[str],
    fn: SearchFn,
    baseline: SearchFn | None,
) -> tuple[list[float], list[float]]:
    """Each query timed with ``fn`` and, when given, with ``baseline`` right after or right
    before it (alternating): on a shared machine, whose load swings from run to run, only
    timings taken side by side compare two implementations fairly."""
    ms: list[float] = []
    old: list[float] = []
    for i, query in enumerate(texts):
        if baseline is not None and i % 2:
            old.append(await timed(db, principal, query, baseline))
        ms.append(await timed(db, principal, query, fn))
        if baseline is not None and not i % 2:
            old.append(await timed(db, principal, query, baseline))
    return ms, old


async def _loaded(db: Database, args: argparse.Namespace) -> bool:
    """The data of an earlier run with the same ``--count`` is there (kept between runs).
    (For SQLite, opening the engine creates an empty file: its existence proves nothing.)"""
    try:
        async with db.session() as session:
            held = await session.scalar(select(func.count()).select_from(Contact))
    except DBAPIError:  # no schema yet
        return False
    return bool(held == args.count)


def _sqlite_file(args: argparse.Namespace) -> Path:
    return Path(args.dir) / f"search-{args.count}.db"


async def _reset(db: Database, args: argparse.Namespace) -> None:
    if db.is_sqlite:
        # Close the pooled connections first (``_loaded`` opened one): a file unlinked under
        # an open connection lives on, unnamed, and the load would go there and be lost.
        await db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{_sqlite_file(args)}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240
        return
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--dir", default="/tmp", help="where the SQLite file is kept")  # noqa: S108
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--search-module", help="a search.py to time instead of store.search")
    parser.add_argument(
        "--baseline-module", help="a search.py to time too, interleaved query by query"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
