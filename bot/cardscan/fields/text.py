"""Text as a card prints it: NFKC and OCR's usual slips put right, scripts told apart,
and the word shapes every other module looks at (a capitalised trading name, glued words).
Shared by the rules that find contacts and the ones that classify what is left."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.cardscan.model import OcrLine

_CJK_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


_CJK_RE = re.compile(f"[{_CJK_CHARS}]")


#: Where two capitalised words were glued ("AssociateDirector"; not "McCann" or "LaSalle",
#: whose first part is too short to be a word of the vocabulary).
_CAMEL_RE = re.compile(r"(?<=[a-z]{4})(?=[A-Z][a-z]{2})")


_SEPARATORS = " \t|｜·•/,;:，；：-–—()（）[]【】"


#: Separators between pieces of one printed line; a slash only with spaces around it
#: ("15/F" is a floor, "手机/Mob" a label).
_SPLIT_RE = re.compile(r"(\s*[|｜·•]\s*|\s+/\s+)")


def normalise_text(text: str) -> str:
    """Full-width forms to ASCII, odd spaces to one space, and a capital O that OCR read
    as a zero at the start of a word ("Derek 0sei"), and a Singapore block whose small l
    OCR read as a capital I ("BIk 18")."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_FOR_O_RE.sub("O", text)
    text = _BLOCK_MISREAD_RE.sub("Blk", text)
    return " ".join(text.replace("\u3000", " ").split())


#: A zero opening a word of lower-case letters: no number, address or domain starts so.
_ZERO_FOR_O_RE = re.compile(r"(?<![\w.@/+\-])0(?=[a-z]{2,}\b)")


#: "Blk" (a Singapore housing block) with its l read as I or 1, before the block's number.
_BLOCK_MISREAD_RE = re.compile(r"\bB[I1|]k\b(?=\.? ?\d)")


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def lines_from_text(text: str) -> list[OcrLine]:
    """Typed text as OCR lines (for tests and for cards read elsewhere): one per line,
    ``#`` prefixes make a line print larger (``## 张伟`` is twice the normal size)."""
    out: list[OcrLine] = []
    for i, raw in enumerate(text.splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        level = len(stripped) - len(stripped.lstrip("#"))
        out.append(OcrLine(stripped.lstrip("#").strip(), 1.0, 0.0, float(i), 20.0 * (1 + level)))
    return out


def _capitalised(text: str) -> bool:
    """Every word of two letters or more starts with a capital ("Tile & Stone", "Bread and
    Salt" aside from "and"), the way a trading name is printed."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’.-]+", text) if w.lower() not in _SMALL]
    return bool(words) and all(w[0].isupper() for w in words)


_SMALL = frozenset({"and", "of", "the", "for", "de", "la", "du", "von", "van", "on", "at"})


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
