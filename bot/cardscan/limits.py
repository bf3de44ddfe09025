"""The limits an uploaded photo is checked against, and the refusal it gets: plain values.

Kept apart from :mod:`bot.cardscan.images` (which needs Pillow) so that the chat flow, the
settings and the scanner's callers can name them when the OCR extra is not installed.
"""

from __future__ import annotations

#: 12 MP phone photos are common, 48-50 MP ones exist; above that it's not a photo of a card.
MAX_PIXELS = 50_000_000
#: Larger than any photo a chat platform forwards (Telegram 20 MB, WeChat 10 MB).
MAX_BYTES = 20 * 1_048_576
#: Pillow format names we decode; the same set :func:`bot.images.sniff_image` admits.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
#: OCR gains nothing above this (the detector works at ~736-1000 px on the short side)
#: and a 12 MP photo costs twice the time and ~1 GB of memory at full size.
OCR_MAX_SIDE = 1600
#: QR codes are decoded at up to this size: a dense vCard code needs its ~3 px modules,
#: which a downscale to the OCR size would blur away (zxing-cpp takes milliseconds here).
QR_MAX_SIDE = 2400
#: The copy kept with the contact: enough to read the card again, small enough for a row.
STORE_MAX_SIDE = 1280
STORE_MAX_BYTES = 200_000


class ImageRejected(Exception):
    """The upload is not something we will read; ``reason`` says which of:
    ``not_image`` (not a photo format we take), ``too_large`` (bytes over the limit),
    ``too_many_pixels`` (width × height over :data:`MAX_PIXELS`, whatever its bytes: a
    small file can decode to a huge image) or ``unreadable`` (truncated or corrupt)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "OCR_MAX_SIDE",
    "QR_MAX_SIDE",
    "STORE_MAX_BYTES",
    "STORE_MAX_SIDE",
    "ImageRejected",
]
