"""A generated, varied set of business card photos with the truth for every field.

``python -m tests.cardset OUT_DIR --count 60`` writes ``card-000.jpg`` … and
``truth.jsonl`` (one object per card: ``file``, the ten fields as ``crmbot card --json``
prints them, and ``meta`` describing how the card was made). Card *i* of a given seed is
the same on every machine, so nothing binary needs committing.

Variety, cycled by index so every small slice of the set is mixed: language (Chinese,
English, bilingual), layout (classic, centered, split, portrait, vertical Chinese
columns), fonts (every CJK and Latin face found, see :mod:`tests.cardset.fonts`), label
styles (手机： / Mobile: / M: / none), colours, QR codes (vCard 2.1 / 3.0 / 4.0 and
MeCard on every fourth card), and the photo: flat scans and photos on a table with
perspective, rotation (mostly small, some 20-80°, some a quarter turn either way),
shadow, uneven light, blur, noise and JPEG compression.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cardscan.model import FIELD_ORDER
from tests.cardset import fonts
from tests.cardset.draw import PALETTES, Shot, Style, photograph, render_card
from tests.cardset.people import make_person

FIELDS = FIELD_ORDER  # the truth of a generated card has every field the reader reads
DEFAULT_SEED = 2026


@dataclass
class GeneratedCard:
    index: int
    jpeg: bytes
    truth: dict[str, Any]
    meta: dict[str, Any]


def missing() -> str | None:
    """Why cards can't be generated on this machine (no fonts), or None."""
    return fonts.missing()


def make_card(index: int, seed: int = DEFAULT_SEED) -> GeneratedCard:
    rng = random.Random(f"{seed}:{index}")
    lang = ("zh", "en", "bi")[index % 3]
    layouts = ["classic", "centered", "split", "portrait"] + (["vertical"] if lang != "en" else [])
    layout = layouts[(index // 3) % len(layouts)]
    person = make_person(rng, lang)
    cjk_faces, latin_faces = fonts.cjk_faces(), fonts.latin_faces()
    if lang == "en":
        labels = rng.choice(("en_full", "en_short", "en_alt", "none"))
    elif lang == "bi":
        labels = rng.choice(("bi", "cn", "en_short"))
    else:
        labels = rng.choice(("cn", "cn", "none"))
    colon = (
        rng.choice(("：", ": ", ":")) if labels in {"cn", "bi"} else rng.choice((": ", ":", " : "))
    )
    qr = None
    if index % 4 == 1:
        qr = rng.choice(
            ("vcard21", "vcard30", "vcard40") + (("mecard",) if person.region != "US" else ())
        )
    style = Style(
        layout=layout,
        palette=rng.choice(PALETTES),
        cjk=cjk_faces[index % len(cjk_faces)],
        latin=latin_faces[(index // 2) % len(latin_faces)],
        labels=labels,
        colon=colon,
        combine=rng.random() < 0.4,
        qr=qr,
        spaced_name=rng.random() < 0.3,
    )
    shot = _shot(rng, photo=index % 10 not in (0, 5))
    card = render_card(person, style, rng)
    jpeg = photograph(card, shot, rng, seed * 1_000_003 + index)
    meta = {
        "lang": lang,
        "layout": layout,
        "labels": labels,
        "qr": qr,
        "photo": shot.photo,
        "angle": round(shot.angle, 1),
        "blur": shot.blur,
        "side": shot.side,
        "cjk_font": style.cjk.label,
        "latin_font": style.latin.label,
    }
    return GeneratedCard(index, jpeg, person.truth(), meta)


def _shot(rng: random.Random, *, photo: bool) -> Shot:
    r = rng.random()
    if r < 0.45:
        angle = rng.uniform(-4, 4)
    elif r < 0.7:
        angle = rng.uniform(-20, 20)
    elif r < 0.85:
        angle = rng.choice((-90, 90)) + rng.uniform(-3, 3)
    else:
        angle = rng.choice((-1, 1)) * rng.uniform(25, 80)
    return Shot(
        photo=photo,
        angle=angle,
        perspective=rng.uniform(0.0, 0.08) if photo else 0.0,
        blur=rng.choice((0.0, 0.0, 0.6, 1.0, 1.4)),
        light=(rng.uniform(0.55, 0.9), rng.uniform(0.95, 1.15)) if photo else (1.0, 1.0),
        noise=rng.uniform(1.5, 5.0) if photo else 0.0,
        quality=rng.randint(60, 92),
        side=rng.choice((1280, 1600, 2000, 2000, 2000, 4000)) if photo else 0,
    )


def generate(count: int, seed: int = DEFAULT_SEED, start: int = 0) -> Iterator[GeneratedCard]:
    for index in range(start, start + count):
        yield make_card(index, seed)


def write_set(out_dir: Path, count: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Write the images and ``truth.jsonl``; returns the truth rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for card in generate(count, seed):
        name = f"card-{card.index:03d}.jpg"
        (out_dir / name).write_bytes(card.jpeg)
        rows.append({"file": name, **card.truth, "meta": card.meta})
    with (out_dir / "truth.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


# --------------------------------------------------------------------------- scoring


def _squash(value: str) -> str:
    """Case, spaces and punctuation don't make a field wrong (Co.,Ltd. = Co., Ltd.; an en
    dash that OCR reads as a hyphen is the same dash)."""
    return re.sub(r"[\s.,，。、#·:;'’\-‐‑‒–—―−/()（）]+", "", value).casefold()


def _site(value: str) -> str:
    return re.sub(r"^(https?://)?", "", value.strip().casefold()).rstrip("/")


def _item(name: str, value: Any) -> str:
    """A phone number as its digits and + (a hand-written truth may say "+44 20 7946 0958"),
    an email without case."""
    text = str(value).strip().casefold()
    return re.sub(r"[^\d+]", "", text) if name != "email" else text


def field_right(name: str, truth: Any, got: Any) -> bool | None:
    """Whether one field was read right; None when the card has none and none was read."""
    if name in {"mobile", "phone", "fax", "email"}:
        want = {_item(name, v) for v in truth or []}
        have = {_item(name, v) for v in got or []}
        if not want and not have:
            return None
        return want == have
    if not truth and not got:
        return None
    if not truth or not got:
        return False
    if name == "website":
        return _site(str(truth)) == _site(str(got))
    return _squash(str(truth)) == _squash(str(got))


def score(truth: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    """Per field that the card has or that was read: right or wrong."""
    out: dict[str, bool] = {}
    for name in FIELDS:
        verdict = field_right(name, truth.get(name), got.get(name))
        if verdict is not None:
            out[name] = verdict
    return out


__all__ = [
    "DEFAULT_SEED",
    "FIELDS",
    "GeneratedCard",
    "field_right",
    "generate",
    "make_card",
    "missing",
    "score",
    "write_set",
]
