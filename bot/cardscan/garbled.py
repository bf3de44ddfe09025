"""A phone or fax line OCR garbled as a whole ("T 44 4 ( 4+ 627" for "Tel +44 (0)141 496
0627"): told apart from the card's other lines, so the scanner can read just that line once
more from its own crop (:meth:`~bot.cardscan.ocr.OcrEngine.reread_line`).

A second reading costs a fifth of a second a line, so it is asked for only where it can
pay: a line the recogniser was unsure of, labelled as a number or made mostly of digits,
from which no valid number is read at all. A registration number ("GDC No. 184502", "UEN
201719342K", 統一編號…), a QQ number, opening hours or an address are neither, and a line
that gave one number of two is left as it is."""

from __future__ import annotations

import re

import phonenumbers

from bot.cardscan.fields import extract_fields, normalise_text
from bot.cardscan.fields.labels import _segments
from bot.cardscan.model import OcrLine

#: Label kinds that say a line holds a number.
NUMBER_KINDS = frozenset({"mobile", "phone", "fax", "number", "phone+fax"})
#: An unlabelled line is a number's when it has this many digits or more, and they make
#: up at least :data:`DIGIT_SHARE` of its printed characters.
MIN_DIGITS = 7
DIGIT_SHARE = 0.6
#: An unlabelled line of digits may keep this many letters of its broken label ("Te").
MAX_LETTERS = 2
#: Digits printed in one run this long are a registration, licence or QQ number (a phone
#: number is printed in groups, and one printed whole is read whole).
_LONG_RUN_RE = re.compile(r"\d{8,}")
#: Only a line the recogniser was unsure of is read again (set 6's garbled lines scored
#: 0.54-0.63; a clear line of a number libphonenumber rejects, such as the UK's drama
#: range 07700 900xxx, scores 0.99 and would read the same).
UNSURE_BELOW = 0.9
#: Lines read again on one card at most (a card prints two or three number lines).
MAX_LINES = 3


def numbers_in(text: str, region: str) -> int:
    """How many valid phone, mobile and fax numbers the reader takes from ``text`` alone
    (under a label it also takes a number that is only possible, which says nothing)."""
    fields = extract_fields([OcrLine(text)], region)
    return sum(1 for e164 in [*fields.mobile, *fields.phone, *fields.fax] if _valid(e164))


def _valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False


def garbled_number_line(text: str, region: str) -> bool:
    """Is ``text`` a number's line from which no valid number can be read?"""
    text = normalise_text(text)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 3:
        return False
    kinds = {kind for kind, _part in _segments(text)}
    if "ignore" in kinds or _LONG_RUN_RE.search(text):
        return False  # a QQ number, a registration or licence number printed in one run
    labelled = bool(kinds & NUMBER_KINDS)
    printed = len(text.replace(" ", ""))
    letters = sum(ch.isalpha() for ch in text)
    dense = digits >= MIN_DIGITS and digits >= DIGIT_SHARE * printed and letters <= MAX_LETTERS
    return (labelled or dense) and numbers_in(text, region) == 0


__all__ = ["MAX_LINES", "UNSURE_BELOW", "garbled_number_line", "numbers_in"]
