"""Real recognition (rapidocr's bundled models) on generated card photos, and ``crmbot card``.

A handful of cards chosen for variety: bilingual at an angle, a quarter-turned portrait
card with a MeCard, an English card with a vCard, a split layout at 67°, vertical Chinese
columns photographed sideways, a split Chinese card turned 89°. Every field must be right.
The full set (and its accuracy figure) is the benchmark's job: BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from click.testing import CliRunner

from bot.cardscan.command import card as card_command
from bot.cardscan.scanner import CardScanner
from tests import cardset
from tests.cardset.memo import memoise_scans

# The card set needs the fonts shipped with mplfonts: without them, fail loudly, never skip.
assert cardset.missing() is None, f"card set: {cardset.missing()}"

CARDS = (2, 9, 13, 19, 27, 6)


@pytest.fixture
def memo(monkeypatch):
    memoise_scans(monkeypatch)


@pytest.mark.parametrize("index", CARDS)
def test_generated_card_is_read_right(memo, index):
    generated = cardset.make_card(index)
    result = CardScanner().scan(generated.jpeg)
    got = result.to_json()
    verdicts = cardset.score(generated.truth, got)
    wrong = {
        k: {"truth": generated.truth[k], "got": got[k]} for k, ok in verdicts.items() if not ok
    }
    assert wrong == {}, generated.meta
    assert result.is_card
    assert result.source == ("ocr+qr" if generated.meta["qr"] else "ocr")
    assert result.photo_jpeg[:3] == b"\xff\xd8\xff"


async def test_recognition_runs_off_the_event_loop():
    generated = cardset.make_card(CARDS[0])
    scanner = CardScanner()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    result = await scanner.scan_async(generated.jpeg)  # what the chat's card handler awaits
    elapsed = time.perf_counter() - started
    ticker.cancel()
    assert result.fields.name == generated.truth["name"]
    # The loop kept turning while the card was read (a blocked loop ticks once at most). Not
    # a share of ``elapsed``: on a busy machine the ticker itself gets little CPU.
    assert ticks >= 5, (ticks, elapsed)


def test_cli_prints_one_json_object_per_image_in_order(memo, tmp_path):
    paths = []
    for index in CARDS[:2]:
        path = tmp_path / f"card-{index}.jpg"
        path.write_bytes(cardset.make_card(index).jpeg)
        paths.append(path)
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"these are not pixels")
    result = CliRunner().invoke(card_command, [str(paths[0]), str(bad), str(paths[1]), "--json"])
    assert result.exit_code == 1  # one image could not be read; the others still were
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["file"] for row in rows] == [str(paths[0]), str(bad), str(paths[1])]
    keys = ["file", *cardset.FIELDS, "source"]
    assert list(rows[0]) == keys
    assert rows[0]["name"] == cardset.make_card(CARDS[0]).truth["name"]
    assert rows[0]["mobile"] == cardset.make_card(CARDS[0]).truth["mobile"]
    assert rows[1]["error"] == "not_image"
    assert rows[1]["source"] is None
    assert rows[2]["source"] == "qr" or rows[2]["source"] == "ocr+qr"


def test_cli_readable_card(memo, tmp_path):
    path = tmp_path / "card.jpg"
    generated = cardset.make_card(CARDS[0])
    path.write_bytes(generated.jpeg)
    result = CliRunner().invoke(card_command, [str(path)])
    assert result.exit_code == 0, result.output
    assert generated.truth["name"] in result.output
    assert "Mobile" in result.output
    assert "Company" in result.output
