"""Drawing a card (layout, fonts, colours, QR code) and photographing it (table, perspective,
rotation, shadow, uneven light, blur, noise, JPEG).

Layouts: ``classic`` (company on top, name, contacts at the bottom), ``centered``,
``split`` (name left, contacts in a right column), ``portrait`` (a vertical card with
horizontal text) and ``vertical`` (a vertical card whose name, title and company are
printed as Chinese columns, read top to bottom, right to left).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.cardset.fonts import Face, font
from tests.cardset.people import Person, print_phone

PALETTES = (
    ((255, 255, 255), (20, 20, 20), (25, 60, 140)),
    ((250, 246, 235), (60, 40, 30), (140, 30, 30)),
    ((236, 238, 240), (40, 44, 52), (0, 128, 128)),
    ((228, 238, 250), (15, 40, 90), (230, 120, 20)),
    ((30, 40, 70), (240, 240, 240), (220, 180, 80)),
    ((255, 255, 255), (50, 50, 60), (200, 30, 60)),
    ((245, 240, 250), (45, 30, 70), (120, 60, 160)),
)
LABELS = {
    "cn": {
        "mobile": "手机",
        "phone": "电话",
        "fax": "传真",
        "email": "邮箱",
        "website": "网址",
        "address": "地址",
        "wechat": "微信",
    },
    "en_full": {
        "mobile": "Mobile",
        "phone": "Tel",
        "fax": "Fax",
        "email": "Email",
        "website": "Web",
        "address": "Address",
        "wechat": "WeChat",
    },
    "en_short": {
        "mobile": "M",
        "phone": "T",
        "fax": "F",
        "email": "E",
        "website": "W",
        "address": "A",
        "wechat": "WeChat",
    },
    "en_alt": {
        "mobile": "Cell",
        "phone": "Office",
        "fax": "Fax",
        "email": "E-mail",
        "website": "Website",
        "address": "Add",
        "wechat": "WeChat",
    },
    "bi": {
        "mobile": "手机/Mob",
        "phone": "电话/Tel",
        "fax": "传真/Fax",
        "email": "邮箱/Email",
        "website": "网址/Web",
        "address": "地址/Add",
        "wechat": "微信/WeChat",
    },
}
MARGIN = 48


@dataclass
class Style:
    layout: str
    palette: tuple[tuple[int, int, int], ...]
    cjk: Face
    latin: Face
    labels: str  # a key of LABELS, or "none" (values only, where they speak for themselves)
    colon: str
    combine: bool
    qr: str | None  # "vcard21", "vcard30", "vcard40", "mecard"
    spaced_name: bool


@dataclass
class Shot:
    photo: bool
    angle: float
    perspective: float
    blur: float
    light: tuple[float, float]
    noise: float
    quality: int
    side: int


@dataclass
class _Line:
    text: str
    size: int
    bold: bool = False
    colour: int = 1  # index into the palette


# --------------------------------------------------------------------------- content


def contact_lines(person: Person, style: Style, rng: random.Random) -> list[_Line]:
    """The contact block as printed lines (labels, phone formats, combined lines)."""
    names = LABELS.get(style.labels)
    always = {"fax", "wechat"} | ({"mobile", "phone"} if person.region == "US" else set())
    default = LABELS["en_short"] if person.lang == "en" else LABELS["cn"]

    def label(kind: str) -> str:
        table = names or (default if kind in always else None)
        if table is None:
            return ""
        colon = style.colon if names else (":" if person.lang == "en" else "：")
        return f"{table[kind]}{colon}"

    def phones(kind: str, values: list[str]) -> str:
        printed = [print_phone(rng, v, person.region, person.region) for v in values]
        if kind == "phone" and person.region == "CN" and rng.random() < 0.1:
            printed[0] += rng.choice((" 转801", " ext. 206"))
        return label(kind) + " / ".join(printed)

    size = rng.randint(21, 26)
    lines: list[str] = []
    if person.mobile:
        lines.append(phones("mobile", person.mobile))
    if person.phone and person.fax and style.combine:
        lines.append(
            phones("phone", person.phone) + rng.choice(("   ", "  |  ")) + phones("fax", person.fax)
        )
    else:
        if person.phone:
            lines.append(phones("phone", person.phone))
        if person.fax:
            lines.append(phones("fax", person.fax))
    for email in person.email:
        lines.append(label("email") + email)
    if person.website:
        shown = rng.choice((person.website, person.website, "https://" + person.website))
        if style.combine and lines and "@" in lines[-1] and person.lang == "en":
            lines[-1] += "   " + label("website") + shown
        else:
            lines.append(label("website") + shown)
    if person.wechat:
        lines.append(label("wechat") + person.wechat)
    out = [_Line(text, size) for text in lines]
    if person.address:
        address = [label("address") + person.address]
        if person.lang != "zh" and len(person.address) > 42 and "," in person.address:
            parts = person.address.split(", ")
            cut = max(1, len(parts) // 2)
            address = [label("address") + ", ".join(parts[:cut]) + ",", ", ".join(parts[cut:])]
        block = [_Line(text, size) for text in address]
        if person.address_en:
            block.append(_Line(person.address_en, max(16, size - 5)))
        if rng.random() < 0.3:
            out = block + out
        else:
            out += block
    return out


def identity_lines(person: Person, style: Style, rng: random.Random) -> list[_Line]:
    name = person.name
    if style.spaced_name and len(name) == 2 and person.lang != "en":
        name = f"{name[0]} {name[1]}"
    elif person.lang == "en" and rng.random() < 0.2:
        name = name.upper()
    lines = [_Line(name, rng.randint(52, 70), bold=True, colour=rng.choice((1, 2)))]
    if person.name_en:
        lines.append(_Line(person.name_en, rng.randint(22, 28)))
    if person.title:
        lines.append(_Line(person.title, rng.randint(26, 32)))
    if person.title_en:
        lines.append(_Line(person.title_en, rng.randint(20, 24)))
    return lines


def header_lines(person: Person, rng: random.Random) -> list[_Line]:
    lines = [_Line(person.company, rng.randint(28, 36), bold=rng.random() < 0.5, colour=2)]
    if person.company_en:
        lines.append(_Line(person.company_en, rng.randint(18, 23), colour=2))
    return lines


def qr_payload(person: Person, kind: str) -> str:
    """The contact as a vCard 2.1 / 3.0 / 4.0 or MeCard text."""
    if kind == "mecard":

        def esc(v):
            return (
                v.replace("\\", "\\\\").replace(";", "\\;").replace(":", "\\:").replace(",", "\\,")
            )

        parts = [f"N:{esc(person.family)},{esc(person.given)}"]
        parts += [f"TEL:{t}" for t in person.mobile + person.phone]
        parts += [f"EMAIL:{esc(e)}" for e in person.email]
        if person.website:
            parts.append(f"URL:{esc('http://' + person.website)}")
        if person.address:
            parts.append(f"ADR:{esc(person.address)}")
        parts.append(f"ORG:{esc(person.company)}")
        if person.title:
            parts.append(f"TITLE:{esc(person.title)}")
        return "MECARD:" + ";".join(parts) + ";;"
    version = {"vcard21": "2.1", "vcard30": "3.0", "vcard40": "4.0"}[kind]
    charset = ";CHARSET=UTF-8" if version == "2.1" else ""
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    lines.append(f"N{charset}:{person.family};{person.given};;;")
    lines.append(f"FN{charset}:{person.name}")
    lines.append(f"ORG{charset}:{person.company}")
    if person.title:
        lines.append(f"TITLE{charset}:{person.title}")

    def tel(types: tuple[str, ...], value: str) -> str:
        if version == "2.1":
            return f"TEL;{';'.join(t.upper() for t in types)}:{value}"
        if version == "3.0":
            return f"TEL;TYPE={','.join(t.upper() for t in types)}:{value}"
        return f'TEL;TYPE="{",".join(types)}";VALUE=uri:tel:{value}'

    lines += [tel(("cell",), t) for t in person.mobile]
    lines += [tel(("work", "voice"), t) for t in person.phone]
    lines += [tel(("work", "fax"), t) for t in person.fax]
    lines += [
        f"EMAIL;TYPE=INTERNET:{e}" if version != "2.1" else f"EMAIL;INTERNET:{e}"
        for e in person.email
    ]
    if person.website:
        lines.append(f"URL:https://{person.website}")
    if person.address:
        lines.append(f"ADR{charset};TYPE=WORK:;;{person.address.replace(';', ',')};;;;")
    if person.wechat:
        lines.append(
            f"IMPP:weixin:{person.wechat}" if version == "4.0" else f"X-WECHAT:{person.wechat}"
        )
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def qr_image(payload: str, side: int) -> Image.Image:
    """The QR code at about ``side`` pixels, never under 3 pixels a module (printed cards
    use 0.3 mm or more; at our ~12 px/mm that is 3-4 px)."""
    code = segno.make_qr(payload, encoding="utf-8", error="l")
    rows = [[0 if bit else 255 for bit in row] for row in code.matrix_iter(scale=1, border=3)]
    small = Image.fromarray(np.array(rows, dtype=np.uint8), "L")
    scale = max(3, side // small.width)
    return small.resize((small.width * scale, small.height * scale), Image.Resampling.NEAREST)


# --------------------------------------------------------------------------- drawing


def _face(text: str, style: Style) -> Face:
    return style.cjk if any("\u3000" <= ch <= "\u9fff" for ch in text) else style.latin


def _fit(
    draw: ImageDraw.ImageDraw, line: _Line, style: Style, width: float
) -> ImageFont.FreeTypeFont:
    size = line.size
    while True:
        face = font(_face(line.text, style), size, line.bold)
        if draw.textlength(line.text, font=face) <= width or size <= 14:
            return face
        size -= 1


def _draw_line(
    draw: ImageDraw.ImageDraw,
    line: _Line,
    style: Style,
    x: float,
    y: float,
    width: float,
    *,
    centre: bool = False,
) -> float:
    """Draw one line at (x, y) within ``width``; returns its height."""
    face = _fit(draw, line, style, width)
    length = draw.textlength(line.text, font=face)
    left = x + (width - length) / 2 if centre else x
    colour = style.palette[line.colour]
    stroke = 1 if line.bold and face.path == style.cjk.path and line.size >= 40 else 0
    draw.text((left, y), line.text, font=face, fill=colour, stroke_width=stroke, stroke_fill=colour)
    return face.size * 1.35


def _group_height(lines: list[_Line]) -> float:
    return sum(line.size * 1.35 for line in lines)


def _scale(groups: list[list[_Line]], factor: float) -> None:
    for group in groups:
        for line in group:
            line.size = max(14, int(line.size * factor))


def render_card(person: Person, style: Style, rng: random.Random) -> Image.Image:
    portrait = style.layout in {"portrait", "vertical"}
    width, height = (600, 1050) if portrait else (1050, 600)
    bg, _fg, accent = style.palette
    card = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(card)
    _decorate(draw, width, height, accent, rng)
    header = header_lines(person, rng)
    identity = identity_lines(person, style, rng)
    contacts = contact_lines(person, style, rng)
    qr_box: tuple[int, int, int, int] | None = None
    if style.qr:
        side = rng.randint(120, 150) if style.layout == "vertical" else rng.randint(150, 190)
        code = qr_image(qr_payload(person, style.qr), side)
        # Vertical cards keep their right side for the columns: the code goes top left.
        qx = MARGIN // 2 if style.layout == "vertical" else width - MARGIN - code.width
        qy = MARGIN if portrait else height - MARGIN - code.height
        card.paste(
            Image.new("RGB", (code.width + 12, code.height + 12), (255, 255, 255)), (qx - 6, qy - 6)
        )
        card.paste(code.convert("RGB"), (qx, qy))
        qr_box = (qx - 24, qy - 24, width, qy + code.height + 24)

    def span(y: float, h: float) -> float:
        """Width available at this height, left of a QR code."""
        if qr_box is not None and y < qr_box[3] and y + h > qr_box[1]:
            return qr_box[0] - MARGIN - 10
        return width - 2 * MARGIN - 10

    if style.layout == "vertical":
        _draw_vertical(draw, person, style, rng, width, height, contacts)
        return card
    if style.layout == "split":
        left = identity + header
        _scale([left], min(1.0, (height - 2 * MARGIN) / _group_height(left)))
        _scale([contacts], min(1.0, (height - 2 * MARGIN) / max(1.0, _group_height(contacts))))
        y = float(MARGIN + 10)
        for line in left:
            y += _draw_line(draw, line, style, MARGIN + 10, y, width * 0.40)
        y = (height - _group_height(contacts)) / 2
        for line in contacts:
            y += _draw_line(draw, line, style, width * 0.50, y, width * 0.50 - MARGIN)
        return card
    order = [header, identity, contacts]
    if style.layout == "centered":
        order = [identity, header, contacts]
    available = height - 2 * MARGIN
    total = sum(_group_height(g) for g in order)
    if total > available * 0.92:
        _scale(order, available * 0.92 / total)
        total = sum(_group_height(g) for g in order)
    gap = (available - total) / (len(order) - 1)
    y = float(MARGIN)
    centre = style.layout == "centered"
    for group in order:
        for line in group:
            h = line.size * 1.35
            y += _draw_line(draw, line, style, MARGIN + 6, y, span(y, h), centre=centre)
        y += gap
    return card


def _draw_vertical(
    draw: ImageDraw.ImageDraw,
    person: Person,
    style: Style,
    rng: random.Random,
    width: int,
    height: int,
    contacts: list[_Line],
) -> None:
    """Name, title and company as top-to-bottom columns from the right; contacts below."""
    x = float(width - MARGIN - 90)
    columns = [
        (person.name, rng.randint(66, 80), 1),
        (person.title or "", 38, 1),
        (person.company, 34, 2),
    ]
    for text, size, colour in columns:
        if not text:
            continue
        face = font(style.cjk, size)
        y = MARGIN + 20.0
        step = size * 1.08
        if len(text) * step > height * 0.55:
            step = height * 0.55 / len(text)
            face = font(style.cjk, int(step / 1.08))
        for ch in text:
            draw.text((x, y), ch, font=face, fill=style.palette[colour])
            y += step
        x -= size * 1.9
    block = list(contacts)
    top = height * 0.62
    _scale([block], min(1.0, (height - MARGIN - top) / max(1.0, _group_height(block))))
    y = top
    for line in block:
        y += _draw_line(draw, line, style, MARGIN, y, width - 2 * MARGIN)


def _decorate(
    draw: ImageDraw.ImageDraw, width: int, height: int, accent: tuple[int, ...], rng: random.Random
) -> None:
    kind = rng.choice(("bar_left", "bar_top", "bar_bottom", "line", "corner", "none"))
    colour = tuple(accent)
    if kind == "bar_left":
        draw.rectangle((0, 0, 14, height), fill=colour)
    elif kind == "bar_top":
        draw.rectangle((0, 0, width, 12), fill=colour)
    elif kind == "bar_bottom":
        draw.rectangle((0, height - 16, width, height), fill=colour)
    elif kind == "line":
        draw.line((MARGIN, height - 24, width - MARGIN, height - 24), fill=colour, width=2)
    elif kind == "corner":
        draw.polygon(((width, 0), (width - 120, 0), (width, 120)), fill=colour)


# --------------------------------------------------------------------------- photographing


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output ``dst`` to input ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in src for c in point], dtype=float)
    return [float(c) for c in np.linalg.solve(a, b)]


def photograph(card: Image.Image, shot: Shot, rng: random.Random, seed: int) -> bytes:
    """The card as a phone photo (or a flat scan when ``shot.photo`` is false), as JPEG."""
    noise_rng = np.random.default_rng(seed)
    if not shot.photo:
        image = card
        if shot.angle:
            image = image.rotate(
                shot.angle,
                expand=True,
                resample=Image.Resampling.BICUBIC,
                fillcolor=(255, 255, 255),
            )
    else:
        image = _on_table(card, shot, rng, noise_rng)
    if shot.blur:
        image = image.filter(ImageFilter.GaussianBlur(shot.blur))
    if shot.noise:
        pixels = np.asarray(image, dtype=np.float32)
        pixels += noise_rng.normal(0.0, shot.noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if shot.side and max(image.size) != shot.side:
        ratio = shot.side / max(image.size)
        image = image.resize(
            (round(image.width * ratio), round(image.height * ratio)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=shot.quality)
    return out.getvalue()


def _on_table(
    card: Image.Image, shot: Shot, rng: random.Random, noise_rng: np.random.Generator
) -> Image.Image:
    w, h = card.size
    rgba = card.convert("RGBA")
    # Perspective: move each corner inwards by up to `perspective` of the card's size.
    p = shot.perspective
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    dst = [
        (rng.uniform(0, p) * w, rng.uniform(0, p) * h),
        (w - rng.uniform(0, p) * w, rng.uniform(0, p) * h),
        (w - rng.uniform(0, p) * w, h - rng.uniform(0, p) * h),
        (rng.uniform(0, p) * w, h - rng.uniform(0, p) * h),
    ]
    rgba = rgba.transform(
        (w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(src, dst), Image.Resampling.BICUBIC
    )
    rgba = rgba.rotate(shot.angle, expand=True, resample=Image.Resampling.BICUBIC)
    # The table: a colour, a low-frequency texture, fine grain.
    scale = rng.uniform(1.15, 1.45)
    tw, th = int(rgba.width * scale), int(rgba.height * scale)
    base = np.array(
        rng.choice(((120, 85, 55), (160, 160, 165), (60, 60, 65), (200, 195, 185), (90, 110, 90))),
        dtype=np.float32,
    )
    coarse = noise_rng.normal(0.0, 18.0, (8, 8)).astype(np.float32)
    texture = np.asarray(
        Image.fromarray(coarse).resize((tw, th), Image.Resampling.BICUBIC), dtype=np.float32
    )
    table = np.clip(
        base[None, None, :] + texture[:, :, None] + noise_rng.normal(0, 4, (th, tw, 1)), 0, 255
    )
    background = Image.fromarray(table.astype(np.uint8), "RGB")
    x = rng.randint(0, tw - rgba.width)
    y = rng.randint(0, th - rgba.height)
    shadow = Image.new("L", (tw, th), 0)
    shadow.paste(rgba.getchannel("A"), (x + 8, y + 10))
    shadow = shadow.filter(ImageFilter.GaussianBlur(12))
    dark = Image.new("RGB", (tw, th), (0, 0, 0))
    background = Image.composite(dark, background, shadow.point(lambda v: int(v * 0.45)))
    background.paste(rgba, (x, y), rgba)
    # Uneven light: a linear gradient across the frame in a random direction.
    lo, hi = shot.light
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:th, 0:tw].astype(np.float32)
    t = xs * math.cos(angle) + ys * math.sin(angle)
    t = (t - t.min()) / max(1.0, float(t.max() - t.min()))
    gain = lo + (hi - lo) * t
    lit = np.asarray(background, dtype=np.float32) * gain[:, :, None]
    return Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8), "RGB")


__all__ = ["Shot", "Style", "photograph", "qr_payload", "render_card"]
