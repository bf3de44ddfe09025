"""The parser's patterns are tried only where one of their readings can start (issue 20): a
lookahead of the characters or words a reading opens with, checked before the readings, so
that ``re`` passes over every other place at once. Such a lookahead must never pass over a
place where the pattern matched: at every position of the corpus's texts, each pattern
matches what it matches without it, with the same groups."""

from __future__ import annotations

import re

import pytest

from bot.nlu import amounts, dates, message
from tests.pattern_checks import assert_same_matches, corpus_texts


def _texts() -> list[str]:
    sample = corpus_texts()[::3]
    return sample + [t.upper() for t in sample[::4]] + [t.lower() for t in sample[::4]]


TEXTS = _texts()


def _closing(pattern: str, opening: int) -> int:
    """Where the group opened at ``opening`` closes (no brackets inside its classes)."""
    depth, i = 0, opening
    while True:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = pattern.index("]", i + 2) + 1
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i
        i += 1


def _without_first_lookahead(pattern: str) -> str:
    start = pattern.index("(?=")
    return pattern[:start] + pattern[_closing(pattern, start) + 1 :]


def assert_same(guarded: re.Pattern[str], plain: re.Pattern[str]) -> None:
    assert guarded.pattern != plain.pattern
    assert_same_matches(guarded, plain, TEXTS)


@pytest.mark.parametrize(
    "pattern",
    [
        dates._EN_CLOCK,
        dates._POD,
        amounts._AMOUNT,
        amounts._PHONE,
        amounts._REFERENCE_BEFORE,
        message._EN_MONTH_DAY,
        message._NO_NEXT_STEP,
        message._THEIRS,
        message._NAME_SAYS,
        message._NAME_WITH_ROLE,
        message._OUTCOME_OF_THE,
        message._COARSE,
    ],
    ids=lambda p: p.pattern[:24],
)
def test_a_pattern_matches_as_it_does_without_its_starts(pattern: re.Pattern[str]) -> None:
    assert pattern.pattern.lstrip().startswith("#") or "(?=" in pattern.pattern[:200]
    assert_same(pattern, re.compile(_without_first_lookahead(pattern.pattern), pattern.flags))


def test_the_date_pattern_matches_as_it_does_without_its_starts() -> None:
    """Its words' lookahead, and each reading's class of first letters."""
    plain = dates._EN_DATE.pattern.replace(f"(?={dates._EN_DATE_STARTS})", "", 1)
    plain = re.sub(r"\(\?=(?:\[[^\]]*\]|\\d)\)(?=\(\?P<)", "", plain)
    assert plain.count("(?=") < dates._EN_DATE.pattern.count("(?=") - 15
    assert_same(dates._EN_DATE, re.compile(plain, dates._EN_DATE.flags))


def test_clause_breaks_are_found_as_with_one_class_of_punctuation() -> None:
    plain = re.compile(r"[,，。;；!！?？\n、]|\.(?=\s|$)|(?<=[ \t])(?:comma|full stop)(?=[ \t]|$)")
    assert_same(message._CLAUSE_BREAK, plain)
