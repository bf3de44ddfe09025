"""A card read from typed text, as the reader reads OCR's lines (no photo, no OCR): what
the cards-from-abroad tests of every round feed the reader."""

from __future__ import annotations

from bot.cardscan.fields import lines_from_text
from bot.cardscan.qr import contact_from_qr
from bot.cardscan.reading import Reading, merge_qr, read_lines


def read(text: str, default: str = "CN") -> Reading:
    return read_lines(lines_from_text(text), default)


def with_qr(text: str, qr_text: str, default: str = "CN") -> Reading:
    """The card read as the scanner reads it: the printed lines, then the QR over them."""
    reading = read_lines(lines_from_text(text), default, extra_texts=[qr_text])
    qr = contact_from_qr([qr_text], reading.region)
    assert qr is not None
    return Reading(merge_qr(qr, reading.fields), reading.region, True, reading.script)
