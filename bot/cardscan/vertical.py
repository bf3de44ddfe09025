"""Vertical Chinese text (a name printed as a column, 竖排) read as a horizontal line.

rapidocr reads a tall box by turning it 90° and asking the recogniser to read characters
lying on their side. That works for long columns but fails on the short ones that matter
most on a card: a two-character name in a large font (卢洋 came back as 占洪). So a box
whose text runs perpendicular to the card's lines is cut out upright (in the card's own
frame, whatever the photo's rotation), split into characters at the blank rows between
them, and the characters are laid side by side for a second reading; the reading with the
better score is kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

#: Pixels of margin kept around a column when it is cut out.
PAD = 4
#: A character cell is about as tall as the column is wide; blank-separated pieces are
#: joined while the result stays under this share of the width (三, 二 have inner gaps).
CELL_RATIO = 1.15
#: Height of a laid-out character for the recogniser (its input is 48 px high).
CHAR_SIZE = 48


def upright_crop(
    image: Image.Image, points: Sequence[tuple[float, float]], theta: float
) -> Image.Image | None:
    """The box cut out of ``image`` in the card's upright frame (``theta``: the card's
    reading direction, radians, image coordinates)."""
    c, s = math.cos(theta), math.sin(theta)
    us = [x * c + y * s for x, y in points]
    vs = [-x * s + y * c for x, y in points]
    u0, v0 = min(us) - PAD, min(vs) - PAD
    width = round(max(us) - min(us) + 2 * PAD)
    height = round(max(vs) - min(vs) + 2 * PAD)
    if width < 4 or height < 4:
        return None
    # Output pixel (i, j) is the card-frame point (u0 + i, v0 + j) of the image.
    data = (c, -s, u0 * c - v0 * s, s, c, u0 * s + v0 * c)
    return image.transform(
        (width, height), Image.Transform.AFFINE, data, resample=Image.Resampling.BICUBIC
    )


def characters_side_by_side(column: Image.Image) -> Image.Image | None:
    """A tall crop of one text column as a horizontal line of its characters, or None when
    no characters can be told apart."""
    gray = np.asarray(column.convert("L"), dtype=np.float32)
    if gray.size == 0:
        return None
    background = float(np.median(gray))
    contrast = float(gray.max() - gray.min())
    if contrast < 30:
        return None
    ink = np.abs(gray - background) > max(30.0, 0.35 * contrast)
    cols = np.flatnonzero(ink.any(axis=0))
    if cols.size == 0:
        return None
    char_width = float(cols[-1] - cols[0] + 1)
    cells = _cells(ink.any(axis=1), char_width)
    if len(cells) < 2:
        return None
    side = round(char_width * 1.2)
    fill = round(background)
    line = Image.new("L", (side * len(cells) + side // 2, side), fill)
    left, right = int(cols[0]), int(cols[-1]) + 1
    for i, (top, bottom) in enumerate(cells):
        glyph = Image.fromarray(gray[top:bottom, left:right].astype(np.uint8), "L")
        x = i * side + (side - glyph.width) // 2 + side // 4
        line.paste(glyph, (x, (side - glyph.height) // 2))
    scale = CHAR_SIZE / side
    size = (max(1, round(line.width * scale)), CHAR_SIZE)
    return line.resize(size, Image.Resampling.BICUBIC).convert("RGB")


def _cells(rows: np.ndarray, char_width: float) -> list[tuple[int, int]]:
    """Runs of inked rows, joined into character-sized cells."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, inked in enumerate(rows.tolist()):
        if inked and start is None:
            start = index
        elif not inked and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, len(rows)))
    cells: list[tuple[int, int]] = []
    for top, bottom in runs:
        if cells and bottom - cells[-1][0] <= CELL_RATIO * char_width:
            cells[-1] = (cells[-1][0], bottom)
        else:
            cells.append((top, bottom))
    return cells


__all__ = ["characters_side_by_side", "upright_crop"]
