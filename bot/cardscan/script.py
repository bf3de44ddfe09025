"""Simplified and traditional Chinese on a card: which one it is printed in, and converting.

OCR models trained mostly on simplified text still return a traditional form now and then
(張 for 张 in an otherwise simplified name), and cards from Hong Kong and Taiwan are printed
in traditional characters, which the rep expects to keep. So the card's script is decided by
counting its characters that exist only in one script, and only a simplified card has its
fields normalised. Conversion uses OpenCC's maintained dictionaries (the ``opencc`` package,
part of the ``ocr`` extra); where it is not installed nothing is converted.

The field rules (titles, companies, addresses, surnames) are written in simplified
characters; :func:`to_simplified` lets them read traditional text too, while the value kept
is the text as printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Literal

Script = Literal["latin", "simplified", "traditional"]

#: A card is traditional when at least this many of its characters are traditional-only
#: and they outnumber the simplified-only ones (a lone OCR slip does not make it so).
MIN_TRADITIONAL = 2


@functools.cache
def _converter(config: str) -> Callable[[str], str] | None:
    """OpenCC's converter for ``config`` ("t2s", "s2t"), built once per process (it loads
    dictionaries); None without the ``opencc`` package."""
    try:
        import opencc  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    convert: Callable[[str], str] = opencc.OpenCC(config).convert
    return convert


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """``text`` in simplified characters (unchanged without OpenCC or without CJK)."""
    convert = _converter("t2s")
    if convert is None or not any("\u3400" <= ch <= "\u9fff" for ch in text):
        return text
    return convert(text)


def traditional_slips(text: str) -> str:
    """``text`` with its simplified-only characters in traditional form (OCR's 吴 in 吳宗翰
    on a Taiwanese card). OpenCC converts the whole text, so its phrases decide (皇后 stays
    皇后, not 皇後), and only the simplified-only characters take its answer, where the
    Taiwan and Hong Kong standards agree; nothing else changes (unchanged without OpenCC)."""
    taiwan, hong_kong = _converter("s2tw"), _converter("s2hk")
    if taiwan is None or hong_kong is None or not any(_kind_of(ch) == -1 for ch in text):
        return text
    tw, hk = taiwan(text), hong_kong(text)
    if not len(tw) == len(hk) == len(text):
        return text
    # Taken only where Taiwan's and Hong Kong's standards agree (台 stays 台 in Hong Kong).
    return "".join(
        t if _kind_of(ch) == -1 and t == h else ch for ch, t, h in zip(text, tw, hk, strict=True)
    )


def _differs(config: str, ch: str) -> bool:
    convert = _converter(config)
    return convert is not None and convert(ch) != ch


@functools.lru_cache(maxsize=8192)
def _kind_of(ch: str) -> int:
    """1 for a traditional-only character, -1 for a simplified-only one, 0 otherwise."""
    if _differs("t2s", ch):
        return 1
    if _differs("s2t", ch):
        return -1
    return 0


def card_script(texts: Iterable[str]) -> Script:
    """The script a card is printed in, from all its recognised text."""
    traditional = simplified = cjk = 0
    for text in texts:
        for ch in text:
            if "\u3400" <= ch <= "\u9fff":
                cjk += 1
                kind = _kind_of(ch)
                traditional += kind == 1
                simplified += kind == -1
    if not cjk:
        return "latin"
    if traditional >= MIN_TRADITIONAL and traditional > simplified:
        return "traditional"
    return "simplified"


__all__ = ["MIN_TRADITIONAL", "Script", "card_script", "to_simplified", "traditional_slips"]
