"""Cards written as data (a TOML file of printed lines and their truth), drawn and photographed.

The held-out set of issue 17 is written by someone who never sees the reader, as a TOML
file (``tests/cardset/abroad_heldout.toml``); the tuning set (``abroad_tuning.toml``) has the
same format. Each ``[[card]]`` gives the lines exactly as printed, top to bottom, and
``[card.expect]`` the truth; ``fonts`` at the top names the faces (as
:mod:`tests.cardset.fonts` labels them) the set must be drawn with, and only those are used.
So the writer decides what a card says, and this module only decides how it looks:

- ``horizontal``: a landscape card, the name (the line equal to ``expect.name``) large and
  bold, the company in the accent colour;
- ``vertical``: a portrait card; on a Chinese card the short Chinese lines among the first
  three (name, title, company) are printed as columns read top to bottom, right to left;
- ``rotated``: a landscape card photographed a quarter turn off, or 25-70° off;
- ``qr``: a landscape card with ``qr`` (a vCard or MeCard) printed as a QR code at the right.

``python -m tests.cardset OUT --from-toml FILE --seed N`` writes the photos and
``truth.jsonl`` like the generated set, so ``benchmarks/cards.py --from-toml FILE`` scores it
the same way.
"""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bot.cardscan.model import FIELD_ORDER, LIST_FIELDS
from tests.cardset import fonts
from tests.cardset.draw import (
    MARGIN,
    PALETTES,
    Shot,
    Style,
    _decorate,
    _draw_line,
    _Line,
    photograph,
    qr_image,
)

REGIONS = ("US", "UK", "HK", "SG", "TW", "CN")
SCRIPTS = ("latin", "simplified", "traditional", "bilingual")
LAYOUTS = ("horizontal", "vertical", "rotated", "qr")


class CardSetError(ValueError):
    """The TOML file does not describe cards this module can draw (says which and why)."""


@dataclass(frozen=True)
class WrittenCard:
    """One ``[[card]]`` of the file."""

    id: str
    region: str
    script: str
    layout: str
    lines: tuple[str, ...]
    qr: str
    expect: dict[str, Any] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        """The ten fields as ``crmbot card --json`` prints them (absent keys are empty)."""
        out: dict[str, Any] = {}
        for name in FIELD_ORDER:
            value = self.expect.get(name)
            if name in LIST_FIELDS:
                values = [value] if isinstance(value, str) else value or []
                out[name] = [str(v) for v in values if v]  # one number may be written bare
            else:
                out[name] = str(value) if value else None
        return out


@dataclass(frozen=True)
class WrittenSet:
    fonts: tuple[str, ...]
    cards: tuple[WrittenCard, ...]


def load(path: Path) -> WrittenSet:
    """Read and check a card file; raises :class:`CardSetError` naming the bad card."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cards: list[WrittenCard] = []
    for number, raw in enumerate(data.get("card", []), 1):
        ident = str(raw.get("id") or f"card-{number}")
        card = WrittenCard(
            id=ident,
            region=str(raw.get("region", "")).upper(),
            script=str(raw.get("script", "")).lower(),
            layout=str(raw.get("layout", "")).lower(),
            lines=tuple(str(line) for line in raw.get("lines", [])),
            qr=str(raw.get("qr") or ""),
            expect=dict(raw.get("expect", {})),
        )
        problems = [
            f"region {card.region!r}" if card.region not in REGIONS else "",
            f"script {card.script!r}" if card.script not in SCRIPTS else "",
            f"layout {card.layout!r}" if card.layout not in LAYOUTS else "",
            "no lines" if not card.lines else "",
            "layout qr without a qr text" if card.layout == "qr" and not card.qr else "",
            ", ".join(f"unknown expect key {k!r}" for k in card.expect if k not in FIELD_ORDER),
        ]
        problems = [p for p in problems if p]
        if problems:
            raise CardSetError(f"{path.name}: card {ident}: {'; '.join(problems)}")
        cards.append(card)
    if not cards:
        raise CardSetError(f"{path.name}: no [[card]]")
    return WrittenSet(tuple(str(f) for f in data.get("fonts", [])), tuple(cards))


def faces_for(labels: tuple[str, ...]) -> tuple[tuple[fonts.Face, ...], tuple[fonts.Face, ...]]:
    """The CJK and Latin faces named (all installed ones of a kind none of the names is);
    an unknown name is an error, never silently another face."""
    cjk = {f.label: f for f in fonts.cjk_faces()}
    latin = {f.label: f for f in fonts.latin_faces()}
    unknown = [label for label in labels if label not in cjk and label not in latin]
    if unknown:
        known = ", ".join([*cjk, *latin])
        raise CardSetError(f"unknown font {', '.join(unknown)} (installed: {known})")
    chosen_cjk = tuple(cjk[label] for label in labels if label in cjk) or tuple(cjk.values())
    chosen_latin = tuple(latin[label] for label in labels if label in latin) or tuple(
        latin.values()
    )
    return chosen_cjk, chosen_latin


# --------------------------------------------------------------------------- drawing


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _printed_lines(card: WrittenCard, rng: random.Random) -> list[_Line]:
    name = str(card.expect.get("name") or "")
    company = str(card.expect.get("company") or "")
    out: list[_Line] = []
    for index, text in enumerate(card.lines):
        squashed = text.replace(" ", "")
        if name and (squashed == name.replace(" ", "") or text.casefold() == name.casefold()):
            out.append(_Line(text, rng.randint(50, 64), bold=True, colour=rng.choice((1, 2))))
        elif company and text == company:
            out.append(_Line(text, rng.randint(28, 34), bold=rng.random() < 0.5, colour=2))
        elif not name and index == 0:
            out.append(_Line(text, rng.randint(44, 56), bold=True))
        else:
            out.append(_Line(text, rng.randint(22, 27)))
    return out


def _fit_height(lines: list[_Line], available: float) -> None:
    total = sum(line.size * 1.35 for line in lines)
    if total > available:
        for line in lines:
            line.size = max(14, int(line.size * available / total))


def render(card: WrittenCard, style: Style, rng: random.Random) -> Image.Image:
    """The card as printed (before it is photographed)."""
    portrait = card.layout == "vertical"
    width, height = (600, 1050) if portrait else (1050, 600)
    image = Image.new("RGB", (width, height), style.palette[0])
    draw = ImageDraw.Draw(image)
    _decorate(draw, width, height, style.palette[2], rng)
    lines = _printed_lines(card, rng)
    text_width = width - 2 * MARGIN - 10
    if card.layout == "qr":
        code = qr_image(card.qr, rng.randint(170, 210))
        qx, qy = width - MARGIN - code.width, (height - code.height) // 2
        image.paste(
            Image.new("RGB", (code.width + 12, code.height + 12), "white"), (qx - 6, qy - 6)
        )
        image.paste(code.convert("RGB"), (qx, qy))
        text_width = qx - MARGIN - 30
    top = float(MARGIN)
    if portrait and card.script != "latin":
        columns = [line for line in lines[:3] if _is_cjk(line.text) and len(line.text) <= 12]
        if columns:
            top = _draw_columns(image, draw, columns, style, height)
            lines = [line for line in lines if line not in columns]
    _fit_height(lines, (height - top - MARGIN) * 0.95)
    used = sum(line.size * 1.35 for line in lines)
    gap = min(14.0, max(0.0, (height - top - MARGIN - used) / max(1, len(lines) - 1)))
    y = top
    for line in lines:
        y += _draw_line(draw, line, style, MARGIN + 6, y, text_width) + gap
    return image


def _draw_columns(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    columns: list[_Line],
    style: Style,
    height: int,
) -> float:
    """Chinese lines as columns from the right; returns where the horizontal text starts."""
    x = float(image.width - MARGIN - 80)
    bottom = 0.0
    for line in columns:
        text = line.text.replace(" ", "")
        size = 70 if line.size >= 44 else 36
        step = size * 1.08
        if len(text) * step > height * 0.5:
            step = height * 0.5 / len(text)
            size = int(step / 1.08)
        face = fonts.font(style.cjk, size)
        y = MARGIN + 20.0
        for ch in text:
            draw.text((x, y), ch, font=face, fill=style.palette[line.colour])
            y += step
        bottom = max(bottom, y)
        x -= size * 1.9
    return bottom + 30


def _shot(rng: random.Random, layout: str) -> Shot:
    photo = rng.random() < 0.8
    if layout == "rotated":
        if rng.random() < 0.5:
            angle = rng.choice((-90, 90)) + rng.uniform(-3, 3)
        else:
            angle = rng.choice((-1, 1)) * rng.uniform(25, 70)
    else:
        angle = rng.uniform(-6, 6)
    return Shot(
        photo=photo,
        angle=angle,
        perspective=rng.uniform(0.0, 0.06) if photo else 0.0,
        blur=rng.choice((0.0, 0.0, 0.6, 1.0)),
        light=(rng.uniform(0.6, 0.9), rng.uniform(0.95, 1.1)) if photo else (1.0, 1.0),
        noise=rng.uniform(1.5, 4.0) if photo else 0.0,
        quality=rng.randint(65, 92),
        side=rng.choice((1600, 2000, 2000, 3000)) if photo else 0,
    )


def photograph_card(
    card: WrittenCard,
    index: int,
    seed: int,
    faces: tuple[tuple[fonts.Face, ...], tuple[fonts.Face, ...]],
) -> tuple[bytes, dict[str, Any]]:
    """The JPEG photo of card ``index`` and how it was made (same on every machine)."""
    rng = random.Random(f"{seed}:{card.id}")
    cjk, latin = faces
    style = Style(
        layout=card.layout,
        palette=rng.choice(PALETTES),
        cjk=cjk[index % len(cjk)],
        latin=latin[(index // 2) % len(latin)],
        labels="written",
        colon="",
        combine=False,
        qr="written" if card.layout == "qr" else None,
        spaced_name=False,
    )
    shot = _shot(rng, card.layout)
    jpeg = photograph(render(card, style, rng), shot, rng, seed * 1_000_003 + index)
    meta = {
        "id": card.id,
        "region": card.region,
        "script": card.script,
        "layout": card.layout,
        "photo": shot.photo,
        "angle": round(shot.angle, 1),
        "blur": shot.blur,
        "cjk_font": style.cjk.label,
        "latin_font": style.latin.label,
    }
    return jpeg, meta


def write_from_toml(out_dir: Path, path: Path, seed: int) -> list[dict[str, Any]]:
    """Draw every card of the file into ``out_dir`` with ``truth.jsonl``; the truth rows."""
    written = load(path)
    faces = faces_for(written.fonts)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for index, card in enumerate(written.cards):
        jpeg, meta = photograph_card(card, index, seed, faces)
        name = f"card-{index:03d}.jpg"
        (out_dir / name).write_bytes(jpeg)
        rows.append({"file": name, **card.truth(), "meta": meta})
    with (out_dir / "truth.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


__all__ = [
    "CardSetError",
    "WrittenCard",
    "WrittenSet",
    "faces_for",
    "load",
    "photograph_card",
    "render",
    "write_from_toml",
]
