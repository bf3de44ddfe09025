"""``python -m tests.cardset OUT_DIR [--count 60] [--seed 2026]``: write the generated card set;
``python -m tests.cardset OUT_DIR --from-toml FILE [--seed N]``: draw the cards a TOML file
describes (:mod:`tests.cardset.abroad`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.cardset import DEFAULT_SEED, missing, write_set
from tests.cardset.abroad import CardSetError, write_from_toml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cardset", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--from-toml", type=Path, help="draw the cards of this file instead")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"cannot generate cards: {reason}", file=sys.stderr)
        return 2
    if args.from_toml is not None:
        try:
            rows = write_from_toml(args.out_dir, args.from_toml, args.seed)
        except CardSetError as exc:
            print(f"cannot draw cards: {exc}", file=sys.stderr)
            return 2
    else:
        rows = write_set(args.out_dir, args.count, args.seed)
    print(f"wrote {len(rows)} cards and truth.jsonl to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
