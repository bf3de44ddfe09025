"""Checks that a pattern rewritten for speed (issue 20) still matches what it did: the
corpus's texts to try it on, and a comparison at every position of each."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


def corpus_texts() -> list[str]:
    """Every text of the logging corpora (``tests/corpus``), as reps wrote them."""
    texts: list[str] = []
    for path in sorted(CORPUS.glob("*.toml")):
        texts += [str(case["text"]) for case in tomllib.loads(path.read_text()).get("case", [])]
    return texts


def assert_same_matches(
    pattern: re.Pattern[str], other: re.Pattern[str], texts: Iterable[str], label: str = ""
) -> None:
    """At every position of every text, both match the same span with the same groups."""
    for text in texts:
        for i in range(len(text) + 1):
            a, b = pattern.match(text, i), other.match(text, i)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (
                label,
                text,
                i,
            )
