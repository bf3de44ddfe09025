"""Text recognition with rapidocr's bundled models, and lines put back in reading order.

Why rapidocr 3.10 (PP-OCRv6 small detector and recogniser, PP-OCRv4 line classifier, all
inside the wheel): it reads Chinese and English, keeps spaces in English lines, needs no
system library, and runs on two CPU cores in about a second per card. Any model other than
the bundled defaults would be downloaded at run time, which a server without internet (and
our CI) cannot do, so the configuration below never names one.

Rotation. The detector finds text boxes at any angle. Each box is cut out and laid flat
(rapidocr turns a box taller than 1.5x its width by 90°), the classifier says whether the
crop is upside down, and the recogniser reads it. That reads a card rotated by up to 90°
either way, or upside down, in one pass (measured on the generated card set, see
BENCHMARKS.md: trying the four 90° turns of the whole photo would cost four passes for no
gain). What one pass loses is the *order* of the lines, so :func:`card_direction` works
out each box's reading direction from its shape and the classifier's verdict, takes the
dominant one as the card's rotation, and :func:`upright_lines` sorts the lines in the
card's own upright frame. Boxes perpendicular to that direction are vertical Chinese
columns; they get a second reading from :mod:`bot.cardscan.vertical`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from bot.cardscan.model import OcrLine
from bot.cardscan.vertical import characters_side_by_side, upright_crop

#: Lines the recogniser is less sure of than this are dropped (rapidocr's default).
MIN_SCORE = 0.5
#: rapidocr's classifier only flips a crop when it is at least this sure (its default).
CLS_THRESHOLD = 0.9
#: The text detector's input size (longer side). Its cost grows with the pixel count and
#: it finds card-sized text well below this; the recogniser reads its crops from the
#: full-size image, so small print stays sharp. Measured in BENCHMARKS.md.
DET_SIDE = 960
#: Smaller images are not worth reading (and rapidocr's resizing misbehaves on them).
MIN_SIDE = 32


@dataclass(frozen=True, slots=True)
class RawLine:
    """One recognised box: its corner points (rapidocr's order: the first edge runs along
    the crop's width), whether rapidocr laid it flat and the classifier turned it round."""

    text: str
    score: float
    points: tuple[tuple[float, float], ...]
    flipped: bool


class OcrEngine:
    """rapidocr with its bundled models, loaded once and shared by all scans.

    Thread-safe by serialising: onnxruntime already uses both cores for one image, so two
    cards at once would only take turns inside it, and rapidocr keeps per-call settings on
    the engine object.
    """

    def __init__(self, *, threads: int | None = None, det_side: int = DET_SIDE) -> None:
        from rapidocr import RapidOCR

        params: dict[str, Any] = {
            "Global.log_level": "warning",
            # We downscale photos ourselves (bot.cardscan.images) and box coordinates
            # must stay those of the image we pass in.
            "Global.use_preprocess_img": False,
            "Global.use_vertical_padding": False,
            # The detector works on a copy scaled to at most det_side; the recogniser
            # still reads its crops from the full image.
            "Det.limit_type": "max",
            "Det.limit_side_len": det_side,
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self._engine = RapidOCR(params=params)
        self._lock = threading.Lock()
        self._loaded = False

    @property
    def loaded(self) -> bool:
        """Whether :meth:`load` has run in this process."""
        return self._loaded

    def load(self) -> None:
        """Load all three models now (rapidocr loads each on first use), so the first card
        doesn't pay for it and a missing model fails at start rather than on a rep's photo.

        Through rapidocr's public call: one line of printed text read end to end needs the
        detector, the orientation classifier and the recogniser (~0.3 s)."""
        with self._lock:
            if self._loaded:
                return
            self._engine(_warm_up_image())
            self._loaded = True

    def read(self, image: Image.Image) -> list[OcrLine]:
        """The card's lines, top to bottom and left to right in its upright frame."""
        return upright_lines(self.read_raw(image))

    def read_oriented(self, image: Image.Image) -> tuple[list[OcrLine], float]:
        """:meth:`read`, and the card's rotation in degrees (:func:`card_angle`)."""
        raw = self.read_raw(image)
        return upright_lines(raw), card_angle(raw)

    def read_raw(self, image: Image.Image) -> list[RawLine]:
        """Every box read with at least :data:`MIN_SCORE`, vertical columns re-read."""
        rgb = image.convert("RGB")
        if min(rgb.size) < MIN_SIDE:
            return []
        bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
        with self._lock:
            self._loaded = True
            lines = self._recognise(bgr)
            if lines:
                lines = self._reread_columns(rgb, lines)
        return [line for line in lines if line.score >= MIN_SCORE and line.text.strip()]

    def reread_line(self, image: Image.Image, line: OcrLine, angle: float) -> list[str]:
        """``line`` (from :meth:`read_oriented` on ``image``, whose rotation was ``angle``
        degrees) recognised again from its own crop, cut upright with a margin: first
        binarised, then as it is. What a phone line garbled on a rotated or blurred photo
        needs: the detector had cut it into pieces or the blur ran its digits together, and
        the crop of the whole line, read once more, recovers it (BENCHMARKS.md, round 7)."""
        crop = line_crop(image.convert("RGB"), line, math.radians(angle))
        if crop is None:
            return []
        gray = np.asarray(crop.convert("L"), dtype=np.float32)
        ink = Image.fromarray(np.where(gray > 0.8 * float(gray.mean()), 255, 0).astype(np.uint8))
        crops = [
            np.ascontiguousarray(np.asarray(c.convert("RGB"))[:, :, ::-1]) for c in (ink, crop)
        ]
        with self._lock:
            self._loaded = True
            try:
                again = self._engine.recognize_txt(crops)
            except Exception:  # rapidocr raises its own error for "nothing recognised"
                return []
        return [str(text) for text in again.txts or () if str(text).strip()]

    def _recognise(self, bgr: np.ndarray) -> list[RawLine]:
        record: dict[str, Any] = {"preprocess": {"ratio_h": 1.0, "ratio_w": 1.0}}
        det, cls, rec, _crops = self._engine.run_ocr_steps(bgr, record)
        if det.boxes is None or rec.txts is None or rec.scores is None:
            return []
        verdicts = cls.cls_res or [("0", 0.0)] * len(rec.txts)
        out: list[RawLine] = []
        for box, text, score, (label, sure) in zip(
            det.boxes, rec.txts, rec.scores, verdicts, strict=False
        ):
            points = tuple((float(x), float(y)) for x, y in box)
            flipped = "180" in label and sure > CLS_THRESHOLD
            out.append(RawLine(str(text), float(score), points, flipped))
        return out

    def _reread_columns(self, rgb: Image.Image, lines: list[RawLine]) -> list[RawLine]:
        theta = card_direction([line for line in lines if line.score >= MIN_SCORE])
        out: list[RawLine] = []
        for line in lines:
            if not _perpendicular(line, theta):
                out.append(line)
                continue
            crop = upright_crop(rgb, line.points, theta)
            laid = characters_side_by_side(crop) if crop is not None else None
            if laid is None:
                out.append(line)
                continue
            bgr = np.ascontiguousarray(np.asarray(laid)[:, :, ::-1])
            try:
                again = self._engine.recognize_txt([bgr])
            except Exception:  # rapidocr raises its own error for "nothing recognised"
                out.append(line)
                continue
            text = str(again.txts[0]) if again.txts else ""
            score = float(again.scores[0]) if again.scores else 0.0
            better = text.strip() and score > line.score
            out.append(replace(line, text=text, score=score) if better else line)
        return out


#: Margin around a line cut out for a second reading, in text heights: along the line
#: (a digit the detector left outside its box) and across it.
LINE_MARGIN_ALONG = 0.35
LINE_MARGIN_ACROSS = 0.18


def line_crop(rgb: Image.Image, line: OcrLine, theta: float) -> Image.Image | None:
    """A horizontal line of the card cut out upright (``theta``: the card's reading
    direction, radians), from its place in the card's frame (:func:`upright_lines`)."""
    if not line.width:
        return None  # a vertical column: :mod:`bot.cardscan.vertical` reads those
    along, across = LINE_MARGIN_ALONG * line.height, LINE_MARGIN_ACROSS * line.height
    us = (line.x - along, line.x + line.width + along)
    vs = (line.y - line.height / 2 - across, line.y + line.height / 2 + across)
    c, s = math.cos(theta), math.sin(theta)
    points = [(u * c - v * s, u * s + v * c) for u in us for v in vs]
    return upright_crop(rgb, points, theta)


def _bgr(image: Image.Image) -> np.ndarray:
    """An image as rapidocr's BGR array."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def _warm_up_image() -> np.ndarray:
    """A short printed line, black on white, as rapidocr's BGR array."""
    image = Image.new("RGB", (320, 64), "white")
    ImageDraw.Draw(image).text((10, 20), "crmbot 2026", fill="black")
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _direction(line: RawLine) -> tuple[float, float, float]:
    """A box's reading direction (radians, image coordinates), text height and length."""
    p = line.points
    width = max(math.dist(p[0], p[1]), math.dist(p[2], p[3]))
    height = max(math.dist(p[0], p[3]), math.dist(p[1], p[2]))
    if height >= 1.5 * width:
        # rapidocr laid this crop flat by turning it 90° anticlockwise: the text ran
        # along the box's first-to-last-corner edge.
        dx, dy = p[3][0] - p[0][0], p[3][1] - p[0][1]
        height, width = width, height
    else:
        dx, dy = p[1][0] - p[0][0], p[1][1] - p[0][1]
    if line.flipped:
        dx, dy = -dx, -dy
    return math.atan2(dy, dx), height, width


def _wrap(angle: float) -> float:
    """An angle difference folded into [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def card_direction(lines: Sequence[RawLine]) -> float:
    """The card's reading direction (radians, image coordinates; 0 when upright).

    First the axis the lines lie along, ignoring which of the four directions each reads
    in (a mean of 4x the angles, weighted by length, so a vertical card's columns and its
    horizontal lines agree); then, of the four directions on that axis, the one most of
    the text reads in.
    """
    if not lines:
        return 0.0
    measured = [_direction(line) for line in lines]
    sin4 = sum(length * math.sin(4 * angle) for angle, _h, length in measured)
    cos4 = sum(length * math.cos(4 * angle) for angle, _h, length in measured)
    axis = math.atan2(sin4, cos4) / 4
    best, best_weight = axis, -1.0
    for quarter in range(4):
        candidate = axis + quarter * math.pi / 2
        weight = sum(
            length for angle, _h, length in measured if abs(_wrap(angle - candidate)) < math.pi / 4
        )
        if weight > best_weight:
            best, best_weight = candidate, weight
    return _wrap(best)


def card_angle(lines: Sequence[RawLine]) -> float:
    """:func:`card_direction` in degrees."""
    return math.degrees(card_direction(lines))


def _perpendicular(line: RawLine, theta: float) -> bool:
    angle, _height, _length = _direction(line)
    return abs(abs(_wrap(angle - theta)) - math.pi / 2) < math.pi / 6


def upright_lines(raw: Sequence[RawLine]) -> list[OcrLine]:
    """Undo the card's rotation: lines in reading order with upright positions and sizes."""
    if not raw:
        return []
    theta = card_direction(raw)
    c, s = math.cos(theta), math.sin(theta)
    placed: list[OcrLine] = []
    for line in raw:
        _angle, height, length = _direction(line)
        xs = [x * c + y * s for x, y in line.points]
        ys = [-x * s + y * c for x, y in line.points]
        centre = (min(ys) + max(ys)) / 2
        if _perpendicular(line, theta):
            # A vertical column: place it by its top, sized by its column width.
            placed.append(OcrLine(line.text, line.score, min(xs), min(ys), height, 0.0))
        else:
            placed.append(OcrLine(line.text, line.score, min(xs), centre, height, length))
    return sort_reading_order(placed)


def sort_reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom; boxes whose centres are within half a line of each other are one row,
    read left to right (two columns side by side stay in row order), and pieces of one
    line that the detector cut apart (a gap under two character heights, same size) are
    joined again: "James" + "Lewis", "+852 9134" + "8846"."""
    ordered = sorted(lines, key=lambda line: line.y)
    rows: list[list[OcrLine]] = []
    for line in ordered:
        if rows:
            row = rows[-1]
            if abs(line.y - row[0].y) < 0.5 * min(line.height, row[0].height):
                row.append(line)
                continue
        rows.append([line])
    out: list[OcrLine] = []
    for row in rows:
        joined: list[OcrLine] = []
        for line in sorted(row, key=lambda line: line.x):
            if joined and _continues(joined[-1], line):
                joined[-1] = _join(joined[-1], line)
            else:
                joined.append(line)
        out.extend(joined)
    return out


def _continues(left: OcrLine, right: OcrLine) -> bool:
    if not left.width or not right.width:
        return False
    gap = right.x - (left.x + left.width)
    small, big = sorted((left.height, right.height))
    return gap < 2.0 * big and small >= 0.75 * big


def _join(left: OcrLine, right: OcrLine) -> OcrLine:
    width = right.x + right.width - left.x
    score = min(left.score, right.score)
    return OcrLine(f"{left.text} {right.text}", score, left.x, left.y, left.height, width)


__all__ = [
    "OcrEngine",
    "RawLine",
    "card_angle",
    "card_direction",
    "line_crop",
    "sort_reading_order",
    "upright_lines",
]
