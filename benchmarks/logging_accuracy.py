"""Per-field accuracy of one-message logging on the corpus in tests/corpus.

    .venv/bin/python -m benchmarks.logging_accuracy                 # both sets, a table
    .venv/bin/python -m benchmarks.logging_accuracy --set tuning --errors customer

Loads the demo workspace into a throwaway SQLite file with the clock frozen at the corpus's
"now" (Wednesday 2026-11-18 10:00, +08:00) and asks, for every message, what the chat
would understand as its sender (:func:`handlers.logging.understanding.understand`, the code behind
``crmbot parse --as``). A field counts as right when it equals the expected value exactly
(names compared case- and space-insensitively, times to the minute).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.config import Settings
from handlers.logging.understanding import understand
from store import demo, migrate
from store.access import Records, principal_for
from store.db import Database
from store.users import find_user

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai and Singapore
FIELDS = (
    "activity",
    "customer",
    "contact",
    "amount",
    "currency",
    "stage",
    "follow_up",
    "activity_date",
    "task",
    "reason",
    "customers",
)


@dataclass(frozen=True)
class Outcome:
    case: dict[str, Any]
    got: dict[str, Any]
    wrong: tuple[str, ...]
    scored: tuple[str, ...]


SETS = (
    "tuning",
    "tuning2",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
    "heldout21",
    "heldout22",
    "heldout23",
    "heldout24",
    "heldout25",
    "heldout26",
    "heldout27",
    "heldout28",
    "heldout29",
    "heldout30",
    "heldout31",
    "heldout32",
    "heldout33",
    "heldout34",
    "heldout35",
    "heldout36",
    "heldout37",
    "heldout38",
    "heldout39",
    "heldout40",
    "heldout41",
    "heldout42",
    "heldout43",
    "heldout44",
    "heldout45",
    "heldout46",
    "heldout47",
    "heldout48",
    "heldout49",
    "heldout50",
    "heldout51",
    "heldout52",
    "heldout53",
    "heldout54",
    "heldout55",
    "heldout56",
    "heldout57",
    "heldout58",
    "heldout59",
    "heldout60",
    "heldout61",
    "heldout62",
    "heldout63",
    "heldout64",
    "heldout65",
    "heldout66",
    "heldout67",
    "heldout68",
    "heldout69",
    "heldout70",
    "heldout71",
    "heldout72",
    "heldout73",
    "heldout74",
    "heldout75",
    "heldout76",
    "heldout77",
    "heldout78",
    "heldout79",
    "heldout80",
    "heldout81",
    "heldout82",
    "heldout83",
    "heldout84",
    "heldout85",
    "heldout86",
    "heldout87",
    "heldout88",
    "heldout89",
    "heldout90",
    "heldout91",
    "heldout92",
    "heldout93",
    "heldout94",
    "heldout95",
    "heldout96",
    "heldout97",
    "heldout98",
    "heldout99",
    "heldout100",
    "heldout101",
    "heldout102",
    "heldout103",
    "heldout104",
    "heldout105",
    "heldout106",
    "heldout107",
    "heldout108",
    "heldout109",
    "heldout110",
    "heldout111",
    "heldout112",
    "heldout113",
    "heldout114",
    "heldout115",
)


def load_cases(which: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    names = [n for n in SETS if (CORPUS / f"{n}.toml").exists()] if which == "all" else [which]
    for name in names:
        table = tomllib.loads((CORPUS / f"{name}.toml").read_text(encoding="utf-8"))
        cases.extend({**case, "set": name} for case in table["case"])
    return cases


def _name(value: object) -> str:
    return " ".join(str(value or "").casefold().split())


def _expected(case: dict[str, Any], field: str) -> tuple[bool, Any]:
    """(scored?, the expected value in the benchmark's terms)."""
    defaults = {"amount": None, "currency": "", "stage": "", "follow_up": "", "contact": ""}
    if field in case:
        return True, case[field]
    if field == "task":
        return True, False
    if field in defaults:
        return True, defaults[field]
    return False, None


def compare(case: dict[str, Any], got: dict[str, Any], now: datetime) -> Outcome:
    wrong: list[str] = []
    scored: list[str] = []
    for field in FIELDS:
        scored_here, want = _expected(case, field)
        if not scored_here or (field == "reason" and not want):
            continue
        scored.append(field)
        if not _right(field, want, got, now):
            wrong.append(field)
    return Outcome(case, got, tuple(wrong), tuple(scored))


def _right(field: str, want: Any, got: dict[str, Any], now: datetime) -> bool:
    if field in ("activity", "stage", "currency"):
        return bool((got[field] or "") == want)
    if field in ("customer", "contact"):
        return _name(got[field]) == _name(want)
    if field == "amount":
        return (got["amount"] is None and want is None) or (
            got["amount"] is not None and want is not None and float(got["amount"]) == want
        )
    if field == "follow_up":
        at = got["follow_up"]
        return bool((at[:16] if at else "") == want)
    if field == "activity_date":
        at = got["activity_at"]
        day = datetime.fromisoformat(at).date() if at else now.date()
        return bool(day.isoformat() == want)
    if field == "task":
        return bool(got["task"]) is bool(want)
    if field == "reason":
        mine = _name(got["reason"])
        return bool(mine) and (_name(want) in mine or mine in _name(want))
    if field == "customers":
        return [_name(n) for n in got["customers"]] == [_name(n) for n in want]
    raise ValueError(field)


async def run(cases: list[dict[str, Any]]) -> list[Outcome]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db")
        clock = FrozenClock(NOW)
        db = Database(settings.database_url, clock)
        try:
            await migrate.upgrade(db)
            await demo.load(db, clock)
            outcomes = []
            async with db.transaction(platform="bench") as session:
                for case in cases:
                    user = await find_user(session, case["as"])
                    assert user is not None, case["as"]
                    records = Records(session, await principal_for(session, user), clock.now())
                    now = NOW.astimezone(ZoneInfo(user.tz or settings.default_tz))
                    got = await understand(
                        records, case["text"], now, default_time=settings.follow_up_time
                    )
                    outcomes.append(compare(case, got, now))
            return outcomes
        finally:
            await db.dispose()


def table(outcomes: list[Outcome], title: str) -> str:
    scored: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for outcome in outcomes:
        for field in outcome.scored:
            scored[field] += 1
            right[field] += field not in outcome.wrong
    total_scored = sum(scored.values())
    total_right = sum(right.values())
    whole = sum(not o.wrong for o in outcomes)
    lines = [
        f"{title}: {len(outcomes)} messages",
        "",
        "| field | right | of | % |",
        "|---|---|---|---|",
    ]
    for field in FIELDS:
        if scored[field]:
            share = 100 * right[field] / scored[field]
            lines.append(f"| {field} | {right[field]} | {scored[field]} | {share:.1f} |")
    lines.append(
        f"| **all fields** | {total_right} | {total_scored} | "
        f"**{100 * total_right / max(total_scored, 1):.1f}** |"
    )
    lines.append(
        f"| messages fully right | {whole} | {len(outcomes)} | "
        f"{100 * whole / max(len(outcomes), 1):.1f} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="all", choices=("all", *SETS))
    parser.add_argument("--errors", metavar="FIELD", help="List the messages wrong on FIELD.")
    args = parser.parse_args()
    cases = load_cases(args.set)
    outcomes = asyncio.run(run(cases))
    for name in SETS:
        mine = [o for o in outcomes if o.case["set"] == name]
        if mine:
            print(table(mine, name))
            print()
    if args.errors:
        for o in outcomes:
            if args.errors in o.wrong or (args.errors == "any" and o.wrong):
                want = {f: _expected(o.case, f)[1] for f in o.wrong}
                have = {f: o.got.get("activity_at" if f == "activity_date" else f) for f in o.wrong}
                print(f"{o.case['id']}: {o.case['text']}\n   want {want}\n   got  {have}")


if __name__ == "__main__":
    main()
