"""Card field accuracy on cached OCR output: compare two versions of the reader cheaply.

    python -m benchmarks.cards_offline --from-toml tests/cardset/abroad_heldout3.toml \\
        --seed 303 --dir /tmp/h17/h3 --by region --failures
    python -m benchmarks.cards_offline --count 60 --seed 7 --dir /tmp/h17/s7

Recognition is what makes a card cost a second, and it does not change when the rules that
read fields do. So the first run recognises every photo of the set once (the real
:class:`~bot.cardscan.ocr.OcrEngine`, ``main``'s settings) and keeps the lines and the
card's angle in ``DIR/ocr-cache.json``, keyed by the decoded image's pixels; every later
run calls :meth:`CardScanner.scan` in full (image checks, QR decoding, extraction, merging,
re-encoding) with recognition answered from that cache, in well under a second for a set.
To score another version of ``bot/`` on the same photos, run this file with that version
first on ``PYTHONPATH`` (``git archive`` it into a directory and copy this file and
``benchmarks/cards.py`` beside it). ``--no-ocr`` fails on a photo the cache lacks instead
of recognising it, so a comparison never mixes cached and fresh readings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python benchmarks/cards_offline.py`
    sys.path.insert(0, str(ROOT))

from bot.cardscan.model import OcrLine  # noqa: E402
from bot.cardscan.scanner import CardScanner  # noqa: E402
from tests.cardset import FIELDS, score  # noqa: E402

if TYPE_CHECKING:
    from PIL import Image

    from bot.cardscan.ocr import OcrEngine

CACHE_NAME = "ocr-cache.json"


class CachedRecognition:
    """Stands in for :class:`OcrEngine` where the scanner uses it: ``load``,
    ``read_oriented`` and ``reread_line``, answered from the cache, recognising (and
    remembering) what it lacks unless ``recognise`` is False."""

    def __init__(self, path: Path, *, recognise: bool, threads: int) -> None:
        self.path = path
        self.recognise = recognise
        self.threads = threads
        self.entries: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )
        self.added = 0
        self._engine: OcrEngine | None = None

    def load(self) -> None:
        """Nothing to load until a photo is missing from the cache."""

    def read_oriented(self, image: Image.Image) -> tuple[list[OcrLine], float]:
        key = hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()
        entry = self.entries.get(key)
        if entry is None:
            if not self.recognise:
                raise LookupError(f"{self.path} has no reading of this photo (--no-ocr)")
            lines, angle = self._recogniser().read_oriented(image)
            entry = {
                "angle": angle,
                "lines": [[ln.text, ln.score, ln.x, ln.y, ln.height, ln.width] for ln in lines],
            }
            self.entries[key] = entry
            self.added += 1
        lines = [OcrLine(t, s, x, y, h, w) for t, s, x, y, h, w in entry["lines"]]
        return lines, float(entry["angle"])

    def reread_line(self, image: Image.Image, line: OcrLine, angle: float) -> list[str]:
        """:meth:`OcrEngine.reread_line`, cached by the photo and the line's place."""
        key = hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()
        key += f":line:{line.x:.1f},{line.y:.1f},{line.height:.1f},{line.width:.1f},{angle:.2f}"
        entry = self.entries.get(key)
        if entry is None:
            if not self.recognise:
                raise LookupError(f"{self.path} has no second reading of a line (--no-ocr)")
            entry = {"texts": self._recogniser().reread_line(image, line, angle)}
            self.entries[key] = entry
            self.added += 1
        return [str(text) for text in entry["texts"]]

    def _recogniser(self) -> OcrEngine:
        if self._engine is None:
            from bot.cardscan.ocr import OcrEngine

            self._engine = OcrEngine(threads=self.threads)
        return self._engine

    def save(self) -> None:
        if self.added:
            self.path.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")


def _cards(directory: Path, count: int, seed: int, toml: Path | None) -> list[dict[str, Any]]:
    """The set's truth rows, drawing the set into ``directory`` only when it isn't there
    (unlike :mod:`benchmarks.cards`, a TOML set is not drawn again: the cache is keyed by
    its photos)."""
    truth = directory / "truth.jsonl"
    source = ["--from-toml", str(toml.resolve())] if toml else ["--count", str(count)]
    if not truth.exists():
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.cardset", str(directory), *source, "--seed", str(seed)],
            check=True,
            cwd=ROOT,
            stdout=sys.stderr,
        )
    rows = [json.loads(line) for line in truth.open(encoding="utf-8")]
    return rows if toml else rows[:count]


def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(args.dir)
    toml = Path(args.from_toml) if args.from_toml else None
    rows = _cards(directory, args.count, args.seed, toml)
    cache = CachedRecognition(directory / CACHE_NAME, recognise=not args.no_ocr, threads=args.cores)
    engine = cast("OcrEngine", cache)  # the two methods the scanner calls, answered
    scanner = CardScanner(engine=lambda: engine)
    per_field = {name: [0, 0] for name in FIELDS}
    groups: dict[str, list[int]] = {}
    failures: list[dict[str, Any]] = []
    perfect = 0
    started = time.perf_counter()
    try:
        for row in rows:
            got = scanner.scan((directory / row["file"]).read_bytes(), region=args.region)
            verdicts = score(row, got.to_json(row["file"]))
            for name, ok in verdicts.items():
                per_field[name][0] += int(ok)
                per_field[name][1] += 1
            if args.by:
                group = groups.setdefault(str((row.get("meta") or {}).get(args.by)), [0, 0])
                group[0] += sum(int(ok) for ok in verdicts.values())
                group[1] += len(verdicts)
            data = got.to_json(row["file"])
            wrong = {
                n: {"truth": row.get(n), "got": data.get(n)} for n, ok in verdicts.items() if not ok
            }
            perfect += int(not wrong)
            if wrong:
                failures.append(
                    {
                        "file": row["file"],
                        "meta": row.get("meta"),
                        "wrong": wrong,
                        "lines": list(got.lines),
                    }
                )
    finally:
        cache.save()
    right = sum(v[0] for v in per_field.values())
    total = sum(v[1] for v in per_field.values())
    return {
        "cards": len(rows),
        "recognised_now": cache.added,
        "seconds": time.perf_counter() - started,
        "overall": {"right": right, "counted": total, "accuracy": right / total if total else 0},
        "cards_all_right": perfect,
        "fields": {k: {"right": v[0], "counted": v[1]} for k, v in per_field.items()},
        "groups": {k: {"right": v[0], "counted": v[1]} for k, v in sorted(groups.items())},
        "failures": failures,
    }


def _percent(value: dict[str, int]) -> str:
    return f"{100 * value['right'] / value['counted']:.1f} %" if value["counted"] else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cards_offline", description=__doc__)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", required=True, help="card set directory (drawn there if missing)")
    parser.add_argument("--from-toml", help="the cards a TOML file describes, drawn with --seed")
    parser.add_argument("--region", default="CN", help="the rep's region")
    parser.add_argument("--cores", type=int, default=2, help="onnxruntime threads when recognising")
    parser.add_argument("--by", help="also score per value of this meta key (region, layout…)")
    parser.add_argument("--failures", action="store_true", help="list every wrong field")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--no-ocr", action="store_true", help="fail on a photo not in the cache")
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if args.failures:
        for failure in report["failures"]:
            print(json.dumps(failure, ensure_ascii=False))
    overall = report["overall"]
    print(
        f"{overall['right']} / {overall['counted']} = {_percent(overall)} of fields; "
        f"{report['cards_all_right']} / {report['cards']} cards all right "
        f"({report['recognised_now']} photos recognised now, {report['seconds']:.1f} s)"
    )
    print("fields: " + ", ".join(f"{k} {_percent(v)}" for k, v in report["fields"].items()))
    if report["groups"]:
        print("groups: " + ", ".join(f"{k} {_percent(v)}" for k, v in report["groups"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
