"""Quick-lookup page and API benchmark (issue 12): ``GET /api/v1/search`` through the real
``crmbot serve`` application over the loopback, on the contacts of benchmarks/search.py,
and the weight of the page's first view.

    .venv/bin/python -m benchmarks.webapp --count 100000                     # SQLite file
    .venv/bin/python -m benchmarks.webapp --count 100000 --database-url postgresql://...

The data is loaded by benchmarks.search (same seed, same file: a database it made is
reused). Each query class of that benchmark is sent as an admin's and as a rep's API token
(``Authorization: Bearer``), one request at a time, timed from the client's side: HTTP,
authentication, record rules, the lookup ``/find`` uses, JSON. Prints p50/p95/p99 in ms
per class, then the first view's bytes as sent with ``Accept-Encoding: gzip``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # crmbot, and the data of benchmarks/search.py
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import select  # noqa: E402

from benchmarks import search as data  # noqa: E402
from bot.applinks import AppTokens  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.server import build_server, http_options  # noqa: E402
from store.api_tokens import create_token  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import User  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SECRET = "benchmark-secret-key-of-at-least-32-characters"  # noqa: S105 (a throwaway database)


async def _ensure_data(args: argparse.Namespace) -> str:
    url = (
        Settings(database_url=args.database_url).database_url
        if args.database_url
        else f"sqlite+aiosqlite:///{args.dir}/search-{args.count}.db"
    )
    db = Database(url, FrozenClock(data.NOW))
    try:
        from store import migrate

        if args.reload or not await data._loaded(db, args):
            await data._reset(db, args)
            await migrate.upgrade(db)
            await data.load(db, args.count, args.seed)
        else:  # kept from an earlier run: add the migrations (indexes) written since
            await migrate.upgrade(db)
    finally:
        await db.dispose()
    return url


async def _token(server: Any, name: str) -> str:
    async with server.app.db.transaction() as session:
        user = await session.scalar(select(User).where(User.name == name))
        _, secret = await create_token(session, user, "benchmark", now=server.app.clock.now())
        return secret


async def main(args: argparse.Namespace) -> None:
    url = await _ensure_data(args)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(SECRET),
        api_rate_per_minute=100_000,
        api_burst=100_000,
        slow_work_processes=0,
    )
    clock = FrozenClock(data.NOW)
    server = await build_server(settings, clock)
    site = TestServer(server.webapp, host="127.0.0.1")
    await site.start_server(**http_options(settings))
    try:
        tokens = {"admin": await _token(server, "u0"), "rep": await _token(server, "u1")}
        db = server.app.db
        classes = await data.queries(db, random.Random(args.seed), args.per_class)
        base = str(site.make_url("")).rstrip("/")
        async with aiohttp.ClientSession() as http:
            print(f"{'who':5} {'class':15} {'p50':>7} {'p95':>7} {'p99':>7}  (ms, HTTP)")
            for who, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"}
                everything: list[float] = []
                for name, texts in classes.items():
                    ms = []
                    for query in texts[:2] + texts:
                        started = time.perf_counter()
                        path = f"{base}/api/v1/search?q={quote(query)}"
                        async with http.get(path, headers=headers) as response:
                            await response.read()
                            assert response.status in (200, 422), response.status
                        ms.append((time.perf_counter() - started) * 1000)
                    ms = ms[2:]  # the first two warmed the caches
                    everything += ms
                    print(f"{who:5} {name:15} {data._percentiles(ms)}", flush=True)
                print(f"{who:5} {'overall':15} {data._percentiles(everything)}", flush=True)
                fixed = []
                for _ in range(args.per_class + 2):
                    started = time.perf_counter()
                    async with http.get(f"{base}/api/v1/me", headers=headers) as response:
                        await response.read()
                    fixed.append((time.perf_counter() - started) * 1000)
                print(f"{who:5} {'/me (no search)':15} {data._percentiles(fixed[2:])}", flush=True)
            await _page_weight(http, base)
        if Path(CHROMIUM).exists():  # noqa: ASYNC240 (once, before timing)
            await _first_paint(base, AppTokens(SECRET, clock), args.per_class // 4 or 1)
    finally:
        await site.close()
        await server.app.close()


async def _page_weight(http: aiohttp.ClientSession, base: str) -> None:
    """Bytes on the wire (gzip accepted) and raw, for the HTML and each file it loads."""
    gzip = {"Accept-Encoding": "gzip"}

    async def sizes(path: str) -> tuple[int, bytes]:
        async with http.get(f"{base}{path}", headers=gzip, auto_decompress=False) as response:
            sent = len(await response.read())
        async with http.get(f"{base}{path}") as response:
            return sent, await response.read()

    sent, html = await sizes("/app/")
    rows = [("/app/", sent, len(html))]
    for asset in re.findall(r'(?:src|href)="(/app/static/[^"]+)"', html.decode()):
        asset_sent, raw = await sizes(asset)
        rows.append((asset, asset_sent, len(raw)))
    for path, on_wire, unpacked in rows:
        print(f"page  {path:22} {on_wire:6,} B gzip ({unpacked:,} B raw)")
    total = sum(row[1] for row in rows)
    print(f"page  first view total {total:,} B transferred (budget 102,400 B)")


async def _first_paint(base: str, tokens: AppTokens, runs: int) -> None:
    """In Debian's headless chromium: first contentful paint of ``/app`` opened from a
    sign-in link, and when "My day" is on screen (signed in, first API answer drawn)."""
    from playwright.async_api import async_playwright

    paints, ready = [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        for _ in range(runs + 1):
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(f"{base}/app?t={quote(tokens.link_token(2))}")
            await page.wait_for_selector("#nav-day.on")
            ready.append((time.perf_counter() - started) * 1000)
            paints.append(
                await page.evaluate(
                    "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                )
            )
            await context.close()
        await browser.close()
    paints, ready = paints[1:], ready[1:]  # the first one started the browser's caches
    print(f"page  first contentful paint  p50 {statistics.median(paints):6.1f} ms (chromium)")
    middle, worst = statistics.median(ready), max(ready)
    print(f"page  'My day' on screen      p50 {middle:6.1f} ms, max {worst:.1f} ms")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--dir", default="/tmp", help="where the SQLite file is kept")  # noqa: S108
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reload", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
