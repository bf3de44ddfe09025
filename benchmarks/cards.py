"""Business card benchmark: field accuracy, seconds per card warm, first-card cost, peak memory.

    .venv/bin/python -m benchmarks.cards                  # 60 generated cards, 2 cores
    .venv/bin/python -m benchmarks.cards --count 120 --markdown
    .venv/bin/python -m benchmarks.cards --dir /tmp/cards --failures
    .venv/bin/python -m benchmarks.cards --from-toml tests/cardset/abroad_tuning.toml --seed 17

The card set comes from :mod:`tests.cardset` (written to ``--dir`` by a child process, so
drawing the photos doesn't count towards this process's memory). Then, in this process:
the OCR models are loaded (timed: the first-card cost a fresh worker pays), every card is
read through :class:`bot.cardscan.CardScanner` exactly as a chat photo is (checks, OCR, QR,
extraction, re-encoding), and each field is compared with the truth
(:func:`tests.cardset.score`: a field counts when the card has it or the reader returned
one; phone and email lists must match as sets; case, spaces and punctuation are ignored).
``--cores`` pins the process to that many CPUs and gives onnxruntime as many threads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python benchmarks/cards.py`
    sys.path.insert(0, str(ROOT))

from bot.cardscan.ocr import OcrEngine  # noqa: E402
from bot.cardscan.scanner import CardScanner  # noqa: E402
from tests.cardset import FIELDS, score  # noqa: E402


def _cards(directory: Path, count: int, seed: int, toml: Path | None) -> list[dict[str, Any]]:
    """The set's truth rows, drawing the set into ``directory`` first when it isn't there.
    With ``toml`` the set is every card of that file (``count`` is ignored)."""
    truth = directory / "truth.jsonl"
    source = ["--from-toml", str(toml.resolve())] if toml else ["--count", str(count)]
    if toml is not None or not truth.exists() or sum(1 for _ in truth.open()) < count:
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.cardset", str(directory), *source, "--seed", str(seed)],
            check=True,
            cwd=ROOT,
            stdout=sys.stderr,  # stdout is the report's (--json)
        )
    rows = [json.loads(line) for line in truth.open(encoding="utf-8")]
    return rows if toml else rows[:count]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(available[: args.cores]))
    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="cards-"))
    toml = Path(args.from_toml) if args.from_toml else None
    rows = _cards(directory, args.count, args.seed, toml)
    started = time.perf_counter()
    engine = OcrEngine(threads=args.cores or None)
    scanner = CardScanner(engine=lambda: engine)
    scanner.load()
    load_seconds = time.perf_counter() - started
    per_field = {name: [0, 0] for name in FIELDS}
    seconds: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {}
    failures: list[dict[str, Any]] = []
    perfect = 0
    groups: dict[str, list[int]] = {}
    for row in rows:
        data = (directory / row["file"]).read_bytes()
        cpu_before = time.process_time()
        result = scanner.scan(data, region=args.region)
        cpu.append(time.process_time() - cpu_before)
        seconds.append(result.seconds)
        for stage, value in result.timings.items():
            stages.setdefault(stage, []).append(value)
        got = result.to_json(row["file"])
        verdicts = score(row, got)
        for name, ok in verdicts.items():
            per_field[name][0] += int(ok)
            per_field[name][1] += 1
        wrong = {
            n: {"truth": row.get(n), "got": got.get(n)} for n, ok in verdicts.items() if not ok
        }
        perfect += int(not wrong)
        if args.by:
            group = groups.setdefault(str((row.get("meta") or {}).get(args.by)), [0, 0])
            group[0] += sum(int(ok) for ok in verdicts.values())
            group[1] += len(verdicts)
        if wrong:
            failures.append({"file": row["file"], "meta": row.get("meta"), "wrong": wrong})
    right = sum(v[0] for v in per_field.values())
    total = sum(v[1] for v in per_field.values())
    warm = seconds[1:] or seconds
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{_cpu()}, {len(os.sched_getaffinity(0))} cores used, "
        f"Python {platform.python_version()}",
        "cards": len(rows),
        "directory": str(directory),
        "model_load_s": load_seconds,
        "first_card_s": seconds[0],
        "first_card_with_load_s": load_seconds + seconds[0],
        "warm_mean_s": statistics.mean(warm),
        "warm_median_s": statistics.median(warm),
        "warm_p95_s": sorted(warm)[max(0, int(len(warm) * 0.95) - 1)],
        "warm_cpu_mean_s": statistics.mean(cpu[1:] or cpu),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "stages_mean_s": {k: statistics.mean(v) for k, v in stages.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "fields": {k: {"right": v[0], "counted": v[1]} for k, v in per_field.items()},
        "overall": {"right": right, "counted": total, "accuracy": right / total if total else 0},
        "cards_all_right": perfect,
        "groups": {k: {"right": v[0], "counted": v[1]} for k, v in sorted(groups.items())},
        "failures": failures,
    }


def markdown(report: dict[str, Any], command: str) -> str:
    load = report["load_average"]
    lines = [
        f"Measured {report['date']} on {report['machine']}"
        + (f" (1-minute load average at the end: {load:.1f})." if load is not None else "."),
        "",
        f"Command: `{command}`",
        "",
        "| field | right / counted | accuracy |",
        "| --- | --- | --- |",
    ]
    for name, value in report["fields"].items():
        counted = value["counted"]
        share = f"{100 * value['right'] / counted:.1f} %" if counted else "-"
        lines.append(f"| {name} | {value['right']} / {counted} | {share} |")
    overall = report["overall"]
    lines.append(
        f"| **overall** | **{overall['right']} / {overall['counted']}** | "
        f"**{100 * overall['accuracy']:.1f} %** |"
    )
    for group, value in report.get("groups", {}).items():
        percent = 100 * value["right"] / value["counted"] if value["counted"] else 0.0
        lines.append(f"| {group} | {value['right']} / {value['counted']} | {percent:.1f} % |")
    stages = ", ".join(f"{k} {v:.3f} s" for k, v in report["stages_mean_s"].items())
    lines += [
        "",
        f"Cards with every field right: {report['cards_all_right']} of {report['cards']}.",
        "",
        "| cost | value |",
        "| --- | --- |",
        f"| seconds per card, warm (mean / median / p95) | {report['warm_mean_s']:.2f} / "
        f"{report['warm_median_s']:.2f} / {report['warm_p95_s']:.2f} s |",
        f"| CPU seconds per card, warm (mean, all threads) | {report['warm_cpu_mean_s']:.2f} s |",
        f"| model load (once per process) | {report['model_load_s']:.2f} s |",
        f"| first card after start (load + read) | {report['first_card_with_load_s']:.2f} s |",
        f"| peak memory (max RSS of the process) | {report['peak_rss_mb']:.0f} MB |",
        f"| mean time per stage | {stages} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cards", description=__doc__)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", help="card set directory (generated there if missing)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--from-toml",
        help="score the cards a TOML file describes (tests/cardset/abroad.py), drawn with --seed",
    )
    parser.add_argument(
        "--region", default="CN", help="the rep's region (numbers printed without +code)"
    )
    parser.add_argument("--markdown", action="store_true", help="print a BENCHMARKS.md section")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--failures", action="store_true", help="list every wrong field")
    parser.add_argument(
        "--by", help="also score per value of this meta key (region, layout, script, lang…)"
    )
    args = parser.parse_args(argv)
    report = run(args)
    command = "python -m benchmarks.cards " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if args.failures:
        for failure in report["failures"]:
            print(json.dumps(failure, ensure_ascii=False))
    print(markdown(report, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
