"""Untrusted uploads: forged, truncated, bomb, huge and odd images are refused before any
heavy work; good ones come out upright, bounded, and re-encoded without their metadata."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from bot.cardscan.images import ImageRejected, load_image, reencode_jpeg


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def card_like(size=(1050, 600)) -> Image.Image:
    image = Image.new("RGB", size, (250, 250, 245))
    for y in range(50, size[1] - 50, 40):
        image.paste((30, 30, 30), (60, y, size[0] // 2, y + 12))
    return image


def reason(data: bytes, **limits) -> str:
    with pytest.raises(ImageRejected) as caught:
        load_image(data, **limits)
    return caught.value.reason


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size and carries a tiny (wrong) body: the bomb's calling card."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_not_an_image_by_its_bytes_whatever_its_name():
    assert reason(b"%PDF-1.7 not a photo") == "not_image"
    assert reason(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "not_image"
    assert reason(encode(card_like((64, 64)), "TIFF")) == "not_image"
    assert reason(b"") == "not_image"


def test_magic_bytes_that_lie_are_unreadable():
    assert reason(b"\xff\xd8\xff\xe0" + b"\0" * 200) == "unreadable"
    assert reason(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20) == "unreadable"


def test_truncated_photo_is_unreadable():
    data = encode(card_like(), "JPEG", quality=90)
    assert reason(data[: len(data) // 2]) == "unreadable"
    png = encode(card_like(), "PNG")
    assert reason(png[: len(png) // 3]) == "unreadable"


def test_decompression_bomb_is_refused_from_its_header():
    started = time.perf_counter()
    # 60,000 x 60,000 declared in a few bytes: refused before a pixel is decoded.
    assert reason(png_header_only(60_000, 60_000)) == "too_many_pixels"
    # Over our own limit but under twice Pillow's: our check, then Pillow's, catch it.
    assert reason(png_header_only(9_000, 9_000), max_pixels=50_000_000) == "too_many_pixels"
    assert reason(png_header_only(3_000, 3_000), max_pixels=1_000_000) == "too_many_pixels"
    assert time.perf_counter() - started < 5  # decoding 3.6 gigapixels would not end


def test_a_real_bomb_compresses_small_but_is_refused():
    bomb = encode(Image.new("1", (12_000, 12_000)), "PNG", optimize=True)
    assert len(bomb) < 1_000_000
    assert reason(bomb) == "too_many_pixels"


def test_too_many_bytes():
    assert reason(b"\xff\xd8\xff" + b"\0" * 2_000, max_bytes=1_000) == "too_large"


def test_formats_we_take_are_decoded_to_rgb_and_bounded():
    for fmt in ("JPEG", "PNG", "WEBP", "GIF", "BMP"):
        checked = load_image(encode(card_like((1500, 900)), fmt), max_side=1000)
        assert checked.image.mode == "RGB"
        assert max(checked.image.size) == 1000
        assert checked.original_size == (1500, 900)


def test_exif_orientation_is_honoured():
    upright = card_like((600, 400))
    sideways = upright.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": how phones store portrait shots
    data = encode(sideways, "JPEG", exif=exif.tobytes())
    assert load_image(data).image.size == (600, 400)


def test_reencoded_copy_is_small_and_carries_no_metadata():
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPS latitude: must not survive
    noisy = Image.effect_noise((1800, 1200), 90).convert("RGB")
    data = encode(noisy, "JPEG", quality=95, exif=exif.tobytes())
    stored = reencode_jpeg(load_image(data).image, max_bytes=60_000)
    assert len(stored) <= 60_000
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG"
        assert max(kept.size) <= 1280
        assert not kept.getexif()
