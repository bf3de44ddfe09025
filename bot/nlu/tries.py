"""Keyword lists as one regular expression each, written as a trie (issue 20).

``re`` tries an alternation's branches one after another at every position of a text, so a
few hundred keywords written as a plain alternation made the parser spend most of its time
failing branches. :func:`union` writes the same match as the alternation sorted longest
first, with word edges for keywords that begin or end in an ASCII letter or digit. The
log parser's keyword tables and the date reader's word lists are both built with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ASCII_WORD = re.compile(r"[A-Za-z0-9]")
"""A character that belongs to an English word (or a number written in digits)."""

# Word edges, with case-insensitivity switched off inside (``(?-i:...)``): the class already
# holds both cases (IGNORECASE would add only oddities such as the Kelvin sign), but under
# IGNORECASE ``re`` works out every letter's case variants each time it compiles one, and
# there is one per ASCII keyword. Scoped, the keyword tables compile in half the time
# (≈ 0.15 → 0.07 s of CPU), which every process pays once, ``crmbot parse`` and the
# console's first answer included.
_NOT_AFTER_WORD = r"(?-i:(?<![A-Za-z0-9]))"
_NOT_BEFORE_WORD = r"(?-i:(?![A-Za-z0-9]))"


_Trie = dict[str, "_Trie"]
_ENDS = "\x00"
"""A trie node's key for "a keyword ends here"."""
_ENDS_A_WORD = "\x01"
"""… and, as it ends in an ASCII letter or digit, it must end a word."""
_ENDINGS = (_ENDS, _ENDS_A_WORD)
_GUARDED_AT = 8
"""A node with this many continuations is entered only where one of them can start."""


def union(words: Iterable[str], *, ignore_case: bool = True, ascii_text: bool = False) -> str:
    """One pattern for all ``words``; where several match at a position, the longest wins
    ("met with" over "met", "拜访了" over "拜访"). Whitespace inside a keyword matches any
    run of whitespace, and a keyword ending in an ASCII letter or digit must end a word.

    Written as a trie (``"call" | "called" | "cancel"`` as ``ca(?:ll(?:ed)?|ncel)``),
    because ``re`` tries an alternation's branches one after another at every position:
    with a few hundred keywords the plain alternation made ``parse_log`` spend most of its
    time failing branches. Each node's branches begin with different characters (folded
    when the pattern is compiled with IGNORECASE, ``ignore_case``), so at most one can go
    on, and each node tries its longer keywords before ending there: the same match as the
    alternation sorted longest first.

    Words that start with an ASCII letter or digit must start a word; that check is made
    once, before their trie, rather than in each branch: a lookbehind opening every branch
    keeps ``re`` from skipping positions by their first character. Both groups' words
    start with different characters, so at any position at most one group can match.

    ``ascii_text``: the pattern will only ever read text in ASCII (most English messages),
    so the words that cannot match such text (Chinese ones) are left out: at every position
    ``re`` would otherwise try their trie too, for nothing."""
    ascii_start: _Trie = {}
    others: _Trie = {}
    for word in words:
        units = " ".join(word.split())
        if not units or (ascii_text and not _may_match_ascii(units, ignore_case)):
            continue
        node = ascii_start if ASCII_WORD.match(units[0]) else others
        folded = units.lower() if ignore_case else units
        for unit in folded if len(folded) == len(units) else units:  # "İ" lowers to two
            node = node.setdefault(unit, {})
        node[_ENDS_A_WORD if ASCII_WORD.match(units[-1]) else _ENDS] = {}
    groups = [_NOT_AFTER_WORD + _branches(ascii_start, ignore_case)] if ascii_start else []
    if others:
        groups.append(_branches(others, ignore_case))
    return "(?:" + "|".join(groups) + ")" if groups else "(?!)"


def _branches(node: _Trie, ignore_case: bool) -> str:
    """A trie node as a pattern: its continuations, then (if a keyword ends here) the end.

    Where a node has several continuations, ``re`` tries them one by one; so those that
    are a whole keyword's last character share one class (a few hundred surnames are one
    test, not a few hundred), and a node with many continuations is entered only where one
    of them can start (a lookahead of their first characters). Writing each branch's first
    character as a class of both cases, which ``re`` can skip without entering the branch,
    saved a further 2 % of ``parse_log`` and cost every process 10 ms more to compile."""
    run: list[str] = []  # a chain of single continuations, written as one literal
    while len(node) == 1:
        ((unit, child),) = node.items()
        if unit in _ENDINGS:
            break
        run.append(unit)
        node = child
    head = r"\s+".join(re.escape(part) for part in "".join(run).split(" ")) if run else ""
    ending = _NOT_BEFORE_WORD if _ENDS_A_WORD in node else "" if _ENDS in node else None
    continuations = [(unit, child) for unit, child in node.items() if unit not in _ENDINGS]
    if not continuations:
        return head + (ending or "")
    branches: list[str] = []
    last_chars: dict[str, list[str]] = {}  # by the ending that follows them
    for unit, child in continuations:
        if unit != " " and len(child) == 1 and next(iter(child)) in _ENDINGS:
            last_chars.setdefault(_branches(child, ignore_case), []).append(unit)
        else:
            branches.append(
                (r"\s+" if unit == " " else re.escape(unit)) + _branches(child, ignore_case)
            )
    for after, units in last_chars.items():
        branches.append(_class(units, ignore_case) + after)
    if ending is not None:
        branches.append(ending)
    pattern = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ending is None and len(continuations) >= _GUARDED_AT:
        pattern = "(?=" + _class([unit for unit, _ in continuations], ignore_case) + ")" + pattern
    return head + pattern


def _class(units: list[str], ignore_case: bool) -> str:
    """A character class of ``units`` (and both cases of each), matched case-sensitively."""
    chars = dict.fromkeys(
        variant
        for unit in units
        for variant in (
            (r"\s",)
            if unit == " "
            else (unit, unit.lower(), unit.upper())
            if ignore_case and _has_cases(unit)
            else (unit,)
        )
    )
    body = "".join(c if c == r"\s" else re.escape(c) for c in chars)
    return "(?-i:[" + body + "])" if ignore_case else "[" + body + "]"


def _has_cases(unit: str) -> bool:
    lower, upper = unit.lower(), unit.upper()
    return lower != upper and len(lower) == len(upper) == 1


def _may_match_ascii(word: str, ignore_case: bool) -> bool:
    """Whether ``word`` can match a text written in ASCII: each of its characters is ASCII,
    or (ignoring case) has a case or a folding that is ("K", the Kelvin sign, is "k")."""
    return all(
        char.isascii()
        or (ignore_case and any(v.isascii() for v in (char.lower(), char.upper(), char.casefold())))
        for char in word
    )
