"""Toneless pinyin of Chinese text, for search keys and queries (:mod:`store.search`).

pypinyin reads a run of characters in two steps: it cuts the run into words of its phrase
dictionary (重庆 is one word, read chong qing rather than zhong qing) and converts each word
on its own. The cutting is cheap; the converting (the dictionary reading, then the tone
marks taken off) is what costs, about 20 µs a name. An import of 100,000 customers keys
every name, and its names share their words — surnames, 科技, 有限公司 — so each word's
reading is remembered (:func:`_word`, bounded) and the run cut with pypinyin's own
segmenter: the syllables are exactly ``lazy_pinyin(run)``'s, at a fifth of the cost
(``tests/test_search_pinyin.py`` compares them).

pypinyin is imported when first used, not at the top: loading its phrase dictionaries takes
about 0.3 s, which every ``crmbot`` command and an English-only chat would otherwise pay at
start.
"""

from __future__ import annotations

import functools

#: Distinct words remembered: far more than the characters and common words of names
#: (a few thousand), small next to a worker's memory.
WORD_CACHE = 65536


def syllables(run: str) -> list[str]:
    """The toneless, case-folded syllables of a CJK run, as ``lazy_pinyin(run)`` gives them
    (empty ones dropped)."""
    from pypinyin.core import Pinyin

    return [syllable for word in Pinyin().seg(run) for syllable in _word(word)]


@functools.lru_cache(maxsize=WORD_CACHE)
def _word(word: str) -> tuple[str, ...]:
    """One word of pypinyin's cut, converted as ``lazy_pinyin`` converts it inside the run:
    given as a one-word list, pypinyin takes it as already cut (its documented way to pass
    your own segmentation) and converts it alone, as it does every word of a run."""
    from pypinyin import Style, lazy_pinyin

    return tuple(s.casefold() for s in lazy_pinyin([word], style=Style.NORMAL) if s)
