"""How long the log parser takes for one message (issue 20), and whether two checkouts'
parsers agree.

    .venv/bin/python -m benchmarks.parse_speed
    .venv/bin/python -m benchmarks.parse_speed --root /tmp/crmbot-main --root . --rounds 5

Each ``--root`` (default: this checkout) is measured in a fresh interpreter of its own with
that checkout first on the path, the roots' rounds interleaved. A round parses each text of
two sets once, after one unmeasured pass:

* ``per_message``: the benchmark's own messages (``benchmarks/per_message.py``'s
  known-customer and "create it?" logs, 600 each, with the sender's customer names as the
  chat passes them);
* ``corpus``: every case of the logging corpora (``tests/corpus/*.toml``), with the
  corpus's registered names.

Printed per root and set: the median and range over the rounds of the CPU time per
message (``time.process_time``), then whether the roots read every text the same way
(``ParsedLog``'s ``repr``, compared across roots): a change made for speed must not change
what a message means.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"

_CHILD = r"""
import json, sys, time
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.nlu.message import parse_log

sets = json.loads(sys.stdin.read())
now = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
out = {"cpu_ms": {}, "readings": {}}
for name, cases in sets.items():
    for text, known in cases:  # unmeasured: every pattern compiled, caches warm
        out["readings"][text] = repr(parse_log(text, now, known_customers=known))
    start = time.process_time()
    for text, known in cases:
        parse_log(text, now, known_customers=known)
    out["cpu_ms"][name] = (time.process_time() - start) / len(cases) * 1000
print(json.dumps(out))
"""


def texts() -> dict[str, list[tuple[str, list[str]]]]:
    """The two sets: (text, the customer names the chat would pass) for each message."""
    known_log = [
        f"called Customer {n % 50:02d} Ltd, they want a revised quote #{n}, follow up Friday 10am"
        for n in range(600)
    ]
    unknown_log = [f"called Nobody Trading {n}, asked for a brochure" for n in range(600)]
    per_message = [(t, [f"Customer {n % 50:02d} Ltd"]) for n, t in enumerate(known_log)]
    per_message += [(t, ["Customer 00 Ltd"]) for t in unknown_log]
    corpus: list[tuple[str, list[str]]] = []
    for path in sorted(CORPUS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        names = [str(c["customer"]) for c in data.get("case", []) if c.get("known")]
        corpus += [(str(c["text"]), names) for c in data.get("case", [])]
    return {"per_message": per_message, "corpus": corpus}


def measure(python: str, root: Path, sets: dict[str, Any]) -> dict[str, Any]:
    """One round of ``root``'s parser, in a fresh interpreter."""
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [python, "-c", _CHILD],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        input=json.dumps(sets),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", action="append", type=Path, help="a checkout (repeatable)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    roots = [r.resolve() for r in (args.root or [ROOT])]
    sets = texts()
    cpu: dict[Path, dict[str, list[float]]] = {r: {name: [] for name in sets} for r in roots}
    readings: dict[Path, dict[str, str]] = {}
    for _ in range(args.rounds):
        for root in roots:
            result = measure(sys.executable, root, sets)
            for name, ms in result["cpu_ms"].items():
                cpu[root][name].append(ms)
            readings[root] = result["readings"]
    print(
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.rounds} rounds"
    )
    print("| checkout | set | messages | CPU ms per message, median (min–max) |")
    print("| --- | --- | --- | --- |")
    for root in roots:
        for name, values in cpu[root].items():
            print(
                f"| {root} | {name} | {len(sets[name])} | {statistics.median(values):.3f} "
                f"({min(values):.3f}–{max(values):.3f}) |"
            )
    first = readings[roots[0]]
    for root in roots[1:]:
        differ = [t for t in first if readings[root].get(t) != first[t]]
        print(f"{root}: {len(differ)} of {len(first)} texts read differently from {roots[0]}")
        for text in differ[:10]:
            print(f"  {text!r}")


if __name__ == "__main__":
    main()
