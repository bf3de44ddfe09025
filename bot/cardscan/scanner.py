"""One call from photo bytes to contact fields: check, OCR, QR, extract, merge, re-encode.

:class:`CardScanner` is what the chat flow and ``crmbot card`` use. Its OCR models are
loaded once per process (:func:`shared_engine`) and reused: loading costs about a second
and 200 MB, and the models never change, so two apps in one process (the test suite, a
restart in place) have no reason to hold two copies. That cache is the one process-wide
object here, deliberately; everything else is passed in.

Pillow, numpy, rapidocr and zxing-cpp (the ``ocr`` extra) are imported when a card is
first read, not with this module: the chat flow names :class:`ScanResult` and the handler
builds a :class:`CardScanner` on every install, and without the extra a photo is answered
with the refusal ``no_ocr`` (:data:`NO_OCR`) and the hint that installs it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.cardscan import domains
from bot.cardscan.fields import DEFAULT_REGION, postnominals
from bot.cardscan.garbled import MAX_LINES, UNSURE_BELOW, garbled_number_line, numbers_in
from bot.cardscan.limits import MAX_BYTES, MAX_PIXELS, OCR_MAX_SIDE, ImageRejected
from bot.cardscan.model import FIELD_ORDER, CardFields, OcrLine, Source
from bot.cardscan.reading import merge_qr, read_lines
from bot.extras import OCR, MissingExtra, needs, require

if TYPE_CHECKING:
    from PIL import Image

    from bot.cardscan.ocr import OcrEngine

#: Fields that make a card a card: a photo that yields fewer than two of these (say, a
#: receipt with a phone number, or a landscape) is answered "not a business card".
IDENTITY_FIELDS = ("name", "company", "title", "mobile", "phone", "email", "wechat")
MIN_IDENTITY_FIELDS = 2


#: The refusal a photo gets when the ``ocr`` extra is not installed.
NO_OCR = "no_ocr"

#: A second, straightened reading for photos turned more than this off the axes.
SKEW_RETRY_DEGREES = 25.0


def _quality(fields: CardFields, lines: list[OcrLine]) -> tuple[int, float]:
    """Which of two readings of a card is better: more fields, then more confident text."""
    return len(fields.filled()), sum(line.score * len(line.text) for line in lines)


def _numbers_read_again(
    engine: OcrEngine, image: Image.Image, angle: float, lines: list[OcrLine], region: str
) -> list[OcrLine] | None:
    """The lines with each number line OCR garbled (:mod:`bot.cardscan.garbled`: unsure,
    and no valid number in it) replaced by a second reading of its crop that yields a
    number, or None when none did."""
    garbled = [
        i
        for i, line in enumerate(lines)
        if line.score < UNSURE_BELOW and garbled_number_line(line.text, region)
    ]
    if not garbled:
        return None
    fixed = list(lines)
    for index in garbled[:MAX_LINES]:
        for text in engine.reread_line(image, lines[index], angle):
            if numbers_in(text, region):
                fixed[index] = replace(lines[index], text=text)
                break
    return fixed if fixed != lines else None


@functools.cache
def shared_engine() -> OcrEngine:
    """The process's OCR engine (see the module docstring for why it is shared).

    Raises :class:`~bot.extras.MissingExtra` when the ``ocr`` extra is not installed."""
    with needs(OCR):
        from bot.cardscan.ocr import OcrEngine

    return OcrEngine()


@dataclass(frozen=True)
class ScanResult:
    """What one photo gave: fields, where they came from, the lines read, the photo to keep."""

    fields: CardFields
    source: Source
    lines: tuple[str, ...]
    photo_jpeg: bytes
    has_qr: bool
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    #: The country whose numbers those printed without ``+`` were read as, and whether the
    #: card told (else it is the rep's default); the review shows it and can change it.
    region: str = DEFAULT_REGION
    region_from_card: bool = False
    #: What the QR code said on its own (it wins over OCR when the numbers are read again).
    qr_fields: CardFields | None = None

    @property
    def is_card(self) -> bool:
        filled = set(self.fields.filled())
        return self.has_qr or len(filled & set(IDENTITY_FIELDS)) >= MIN_IDENTITY_FIELDS

    @property
    def has_text(self) -> bool:
        return bool(self.lines) or self.has_qr

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The ``crmbot card --json`` object: ``file``, the fields, ``source``."""
        return {"file": file, **self.fields.to_json(), "source": self.source}


class CardScanner:
    """Reads business cards. Cheap to create; the models load on :meth:`load` or the first
    scan. ``scan`` blocks (about a second of CPU); async code calls :meth:`scan_async`,
    which runs it in a worker thread so the bot keeps answering other people."""

    def __init__(
        self,
        *,
        engine: Callable[[], OcrEngine] = shared_engine,
        max_bytes: int = MAX_BYTES,
        max_pixels: int = MAX_PIXELS,
        ocr_max_side: int = OCR_MAX_SIDE,
    ) -> None:
        self._engine = engine
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.ocr_max_side = ocr_max_side

    def load(self) -> None:
        """Load the models now; raises :class:`~bot.extras.MissingExtra` without the
        ``ocr`` extra (checked here too: the engine may be cached from before)."""
        require(OCR)
        self._engine().load()
        domains.load()  # the Public Suffix List, read once (0.1 s) before the first card

    def scan(self, data: bytes, *, region: str = DEFAULT_REGION) -> ScanResult:
        """Raises :class:`~bot.cardscan.limits.ImageRejected` for uploads we won't read and
        :class:`~bot.extras.MissingExtra` when the ``ocr`` extra is not installed."""
        with needs(OCR):
            from PIL import Image

            from bot.cardscan.images import load_image, reencode_jpeg
            from bot.cardscan.qr import contact_from_qr, decode_qr_texts

        started = time.perf_counter()
        checked = load_image(
            data,
            max_bytes=self.max_bytes,
            max_pixels=self.max_pixels,
            max_side=self.ocr_max_side,
        )
        loaded = time.perf_counter()
        engine = self._engine()
        lines, angle = engine.read_oriented(checked.image)
        recognised = time.perf_counter()
        qr_texts = decode_qr_texts(checked.detail)
        decoded = time.perf_counter()
        reading = read_lines(lines, region, extra_texts=qr_texts)
        read_from, read_angle = checked.image, angle
        skew = abs(angle - 90 * round(angle / 90))
        if skew > SKEW_RETRY_DEGREES:
            # Turned well off the axes (a card shot at 60°): the detector cuts long slanted
            # lines into pieces. Read it again turned upright and keep the better reading.
            upright = checked.image.rotate(
                angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255)
            )
            again, again_angle = engine.read_oriented(upright)
            again_reading = read_lines(again, region, extra_texts=qr_texts)
            if _quality(again_reading.fields, again) > _quality(reading.fields, lines):
                lines, reading = again, again_reading
                read_from, read_angle = upright, again_angle
            recognised += time.perf_counter() - decoded
            decoded = time.perf_counter()
        fixed = _numbers_read_again(engine, read_from, read_angle, lines, reading.region)
        if fixed is not None:
            lines, reading = fixed, read_lines(fixed, region, extra_texts=qr_texts)
            recognised += time.perf_counter() - decoded
            decoded = time.perf_counter()
        # QR numbers printed without a country code are read in the card's region too.
        qr = contact_from_qr(qr_texts, reading.region)
        source: Source = "ocr"
        fields = reading.fields
        if qr is not None:
            fields = merge_qr(qr, reading.fields)
            source = "qr" if reading.fields.is_empty() else "ocr+qr"
        photo = reencode_jpeg(checked.image)
        done = time.perf_counter()
        timings = {
            "decode": loaded - started,
            "ocr": recognised - loaded,
            "qr": decoded - recognised,
            "extract_and_encode": done - decoded,
        }
        return ScanResult(
            fields=fields,
            source=source,
            lines=tuple(line.text for line in lines),
            photo_jpeg=photo,
            has_qr=qr is not None,
            seconds=done - started,
            timings=timings,
            region=reading.region,
            region_from_card=reading.region_from_card,
            qr_fields=qr,
        )

    def scan_or_refusal(self, data: bytes, region: str = DEFAULT_REGION) -> ScanResult | str:
        """:meth:`scan`, with a refusal returned as its reason ("too_large", "not_image"…,
        :data:`NO_OCR`) instead of raised, so it crosses a process boundary as a plain value."""
        try:
            return self.scan(data, region=region)
        except ImageRejected as exc:
            return exc.reason
        except MissingExtra:
            return NO_OCR

    async def scan_async(self, data: bytes, *, region: str = DEFAULT_REGION) -> ScanResult:
        return await asyncio.to_thread(self.scan, data, region=region)


def preload_models() -> bool:
    """Load the OCR models and compile the post-nominals (in a worker process at start,
    before the first photo); False when the ``ocr`` extra is not installed (the server has
    logged its hint)."""
    postnominals.compile_now()
    try:
        shared_engine().load()
    except MissingExtra:
        return False
    return True


def scan_or_refusal(data: bytes, region: str, max_bytes: int) -> ScanResult | str:
    """One photo read with this process's engine, or why it was refused: what a worker
    process (``bot.workers``) runs, so it takes and returns only what pickles."""
    return CardScanner(max_bytes=max_bytes).scan_or_refusal(data, region)


def format_card(result: ScanResult, file: str | None = None) -> str:
    """A readable card for a terminal (``crmbot card`` without ``--json``)."""
    head = f"{file}  " if file else ""
    lines = [f"{head}({result.source}, {result.seconds:.2f} s)"]
    data = result.fields.to_json()
    for name in FIELD_ORDER:
        value = data[name]
        if isinstance(value, list):
            value = ", ".join(value)
        lines.append(f"  {name.title():<8} {value or '-'}")
    return "\n".join(lines)


__all__ = ["NO_OCR", "CardScanner", "ScanResult", "format_card", "shared_engine"]
