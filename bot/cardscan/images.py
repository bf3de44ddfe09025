"""Photos from chat users are untrusted: check them before decoding, decode them with limits,
and keep only a re-encoded copy.

The order matters. Magic bytes first (:func:`bot.images.sniff_image`: a file's name and the
platform's MIME type are claims, not facts); then Pillow reads the header only and we refuse
formats we did not ask for and pixel counts over :data:`MAX_PIXELS` *before* any pixel is
decoded — a 50 kB PNG can declare 60,000 x 60,000 pixels and would take gigabytes to
decode. Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, with its warning turned into an
error) stays on as a second line. A truncated or corrupt file fails while decoding and is
reported as unreadable. What we store is always our own JPEG, never the uploaded bytes
(no EXIF location, no polyglot payload, bounded size).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.cardscan.limits import (
    ACCEPTED_FORMATS,
    MAX_BYTES,
    MAX_PIXELS,
    OCR_MAX_SIDE,
    QR_MAX_SIDE,
    STORE_MAX_BYTES,
    STORE_MAX_SIDE,
    ImageRejected,
)
from bot.images import sniff_image


@dataclass(frozen=True)
class CheckedImage:
    """A decoded, upright, RGB image from an upload that passed every check: ``image`` at
    most ``max_side`` (for OCR), ``detail`` at most ``detail_side`` (for QR codes)."""

    image: Image.Image
    detail: Image.Image
    mime: str
    original_size: tuple[int, int]


def harden_pillow(max_pixels: int = MAX_PIXELS) -> None:
    """Lower Pillow's decompression-bomb threshold and make its warning an error.

    Process-wide on purpose: nothing in crmbot opens an image bigger than this, and a
    warning that only gets logged protects nothing. Idempotent.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def load_image(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_side: int = OCR_MAX_SIDE,
    detail_side: int = QR_MAX_SIDE,
) -> CheckedImage:
    """Check and decode an uploaded photo; downscale it to ``max_side`` for OCR.

    Raises :class:`ImageRejected`. Honours the EXIF orientation a phone camera writes, so
    a portrait photo is read upright; animated GIFs give their first frame.
    """
    if len(data) > max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes")
    mime = sniff_image(data)
    if mime is None:
        raise ImageRejected("not_image", "unknown magic bytes")
    harden_pillow(max(max_pixels, 1))
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ACCEPTED_FORMATS:
                raise ImageRejected("not_image", f"format {opened.format}")
            width, height = opened.size
            if width < 1 or height < 1:
                raise ImageRejected("unreadable", "empty image")
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels", f"{width}x{height} pixels")
            if opened.format == "JPEG":
                # Decode at a fraction of the size when that is still big enough: a
                # 48 MP JPEG is never held at full resolution (draft is JPEG-only).
                keep = max(max_side, detail_side)
                opened.draft("RGB", (keep, keep))
            opened.seek(0)
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("unreadable", str(exc)) from exc
    detail = downscale(image, max(max_side, detail_side))
    return CheckedImage(downscale(detail, max_side), detail, mime, (width, height))


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    """The image with its longer side at most ``max_side`` (never enlarged)."""
    if max(image.size) <= max_side:
        return image
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return copy


def reencode_jpeg(
    image: Image.Image,
    *,
    max_side: int = STORE_MAX_SIDE,
    max_bytes: int = STORE_MAX_BYTES,
) -> bytes:
    """Our own JPEG of the photo (no metadata), stepping quality, then size, down until it
    fits ``max_bytes``."""
    current = downscale(image.convert("RGB"), max_side)
    while True:
        for quality in (85, 75, 65, 55):
            buffer = io.BytesIO()
            current.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= max_bytes:
                return buffer.getvalue()
        if max(current.size) <= 160:
            return buffer.getvalue()
        current = downscale(current, int(max(current.size) * 0.75))


__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "CheckedImage",
    "ImageRejected",
    "downscale",
    "harden_pillow",
    "load_image",
    "reencode_jpeg",
]
