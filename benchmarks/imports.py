"""Import benchmark: ``crmbot import`` of N customers into SQLite, dedupe included.

    .venv/bin/python -m benchmarks.imports --rows 1000 --rows 100000
    .venv/bin/python -m benchmarks.imports --rows 100000 --format xlsx --existing 50000

Writes an N-row sheet like a clerk's (company, contact, mobile, e-mail, title, owner,
industry, notes, and one row in ten a deal), into a fresh migrated SQLite file that
already holds ``--existing`` contacts (the dedupe has something to search; a tenth of the
file's rows repeat one of them by phone). Times, as the command does it: reading the file,
planning (loading the dedupe index, matching, validation) and writing (batches of bulk
INSERTs with their search keys and audit rows, store/bulk.py), then a second run of the
same file (all duplicates: nothing written). Prints seconds per stage.

``--postgres URL`` runs it on PostgreSQL instead: a scratch database, whose ``public``
schema is dropped and made again before each size.

``--fingerprint`` prints, after the first run, a digest of what the import left behind:
every row of the tables it writes (ids included) and every audit row (all but its own id,
in the order of the record and field it is about). Two checkouts that print the same digest
for the same ``--rows`` wrote the same records, search keys and audit trail: a speed-up
that changes how a value is computed is checked against the code before it this way.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.imports.plan import Policy  # noqa: E402
from handlers.imports.service import Request, make_plan, read_request, write_plan  # noqa: E402
from locales.catalog import Translator  # noqa: E402
from store import migrate  # noqa: E402
from store.access import Principal, Records  # noqa: E402
from store.bulk import table_of  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import (  # noqa: E402
    Activity,
    AuditEntry,
    Company,
    Contact,
    Deal,
    DealStageChange,
    ImportedRecord,
    Role,
    User,
)

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
WORDS = ["星辰", "华信", "云帆", "金桥", "嘉禾", "恒达", "瑞丰", "天成", "宏图", "博远"]
KINDS = ["科技", "电子", "医药", "物流", "建材", "贸易", "软件", "机械"]


def mobile(n: int) -> str:
    return f"139{n:08d}"


def make_rows(count: int, existing: int, rng: random.Random) -> list[list[str]]:
    header = ["公司名称", "联系人", "手机", "邮箱", "职位", "负责人", "行业", "备注"]
    header += ["商机名称", "金额", "阶段"]
    rows = [header]
    for i in range(count):
        # One row in ten is someone already in the CRM (matched by phone).
        n = rng.randrange(existing) if existing and i % 10 == 5 else existing + i
        company = f"{rng.choice(WORDS)}{rng.choice(KINDS)}{n % (count // 5 + 1)}有限公司"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        deal = [f"项目{i}", str(rng.randrange(1, 500) * 1000), "方案"] if i % 10 == 0 else []
        rows.append(
            [company, name, mobile(n), f"u{n}@example.cn", "经理", "admin", "制造业", "展会"]
            + (deal or ["", "", ""])
        )
    return rows


def encode(rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        import csv

        out = io.StringIO(newline="")
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def seed(db: Database, existing: int) -> Principal:
    async with db.transaction() as session:
        admin = User(name="admin", display_name="Admin", role=Role.ADMIN, created_at=NOW)
        session.add(admin)
        await session.flush()
        if existing:
            await session.execute(
                insert(Company),
                [
                    {
                        "id": c + 1,
                        "name": f"老客户{c}",
                        "owner_id": admin.id,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for c in range(existing // 5 + 1)
                ],
            )
            await session.execute(
                insert(Contact),
                [
                    {
                        "name": f"客户{n}",
                        "mobile": f"+86{mobile(n)}",
                        "company_id": n // 5 + 1,
                        "owner_id": admin.id,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in range(existing)
                ],
            )
            if not db.is_sqlite:  # the ids above were given: move the sequence past them
                await session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('companies', 'id'), max(id))"
                        " FROM companies"
                    )
                )
        return Principal(admin.id, Role.ADMIN, None)


async def fingerprint(db: Database) -> str:
    """A digest of the written tables and the audit log (see the module docstring)."""
    import hashlib

    digest = hashlib.sha256()
    async with db.transaction() as session:
        for model in (Company, Contact, Deal, Activity, DealStageChange, ImportedRecord):
            table = table_of(model)
            rows = await session.execute(select(*table.columns).order_by(*table.primary_key))
            for row in rows:
                digest.update(repr(tuple(row)).encode())
        audit = table_of(AuditEntry)
        rows = await session.execute(
            select(*[c for c in audit.columns if c.name != "id"]).order_by(
                audit.c.table_name, audit.c.record_id, audit.c.id
            )
        )
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()[:16]


async def scratch_postgres(url: str) -> None:
    """An empty ``public`` schema, so every size starts from a fresh migration."""
    db = Database(url, FrozenClock(NOW))
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


async def run(
    count: int, existing: int, fmt: str, postgres: str | None, check: bool = False
) -> None:
    rng = random.Random(13)
    data = encode(make_rows(count, existing, rng), fmt)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=postgres or f"sqlite+aiosqlite:///{tmp}/bench.db")
        url = settings.database_url
        if postgres:
            await scratch_postgres(url)
        db = Database(url, FrozenClock(NOW))
        await migrate.upgrade(db)
        principal = await seed(db, existing)
        translator = Translator.load()
        request = Request(data=data, filename=f"bench.{fmt}", policy=Policy.SKIP)
        for attempt in ("first", "again"):
            start, cpu_start = time.perf_counter(), time.process_time()
            sheets = await asyncio.to_thread(read_request, request)
            read = time.perf_counter()
            async with db.transaction() as session:
                records = Records(session, principal, NOW)
                plan = await make_plan(records, request, sheets, translator, settings.pipeline)
            planned = time.perf_counter()
            await write_plan(db, principal, plan, request, platform="cli")
            done, cpu = time.perf_counter(), time.process_time() - cpu_start
            counts = plan.counts()
            print(
                f"{url.split(':')[0]} {fmt} {count:>7} rows ({existing} existing), {attempt}: "
                f"read {read - start:.2f} s, plan {planned - read:.2f} s, "
                f"write {done - planned:.2f} s, total {done - start:.2f} s "
                f"(CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f}) "
                f"(create {counts['create']}, duplicates {counts['duplicate']}, "
                f"errors {counts['error']})",
                flush=True,
            )
            if check and attempt == "first":
                print(f"fingerprint {await fingerprint(db)}", flush=True)
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows in the file (repeat)")
    parser.add_argument("--existing", type=int, default=None, help="contacts already there")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    parser.add_argument("--postgres", help="a scratch PostgreSQL database URL (emptied!)")
    parser.add_argument(
        "--fingerprint", action="store_true", help="print a digest of what was written"
    )
    args = parser.parse_args()
    for count in args.rows or [1000]:
        existing = args.existing if args.existing is not None else count // 2
        asyncio.run(run(count, existing, args.format, args.postgres, args.fingerprint))


if __name__ == "__main__":
    main()
