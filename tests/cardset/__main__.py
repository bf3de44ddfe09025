"""``python -m tests.cardset OUT_DIR [--count 60] [--seed 2026]``: write the card set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.cardset import DEFAULT_SEED, missing, write_set


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cardset", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"cannot generate cards: {reason}", file=sys.stderr)
        return 2
    rows = write_set(args.out_dir, args.count, args.seed)
    print(f"wrote {len(rows)} cards and truth.jsonl to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
