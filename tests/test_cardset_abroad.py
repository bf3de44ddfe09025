"""Written card sets (issue 17's tuning and held-out files): the TOML is checked, drawn with only
the fonts it names, photographed the same way every time, and scored by the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest

from bot.cardscan.scanner import CardScanner
from tests import cardset
from tests.cardset import abroad
from tests.cardset.__main__ import main as cardset_main
from tests.cardset.memo import memoise_scans

assert cardset.missing() is None, f"card set: {cardset.missing()}"

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "cardset" / "abroad_tuning.toml"

SMALL = """
fonts = ["DejaVuSerif", "NotoSerifCJKsc-Regular"]
[[card]]
id = "us-01"
region = "US"
script = "latin"
layout = "horizontal"
lines = [
    "Anna Wright", "VP Sales", "Harbor Logistics Inc.", "M 617.555.0142", "p. (617) 555-0199",
    "E anna@harborlog.com", "w. www.harborlog.com", "100 Federal St, Boston, MA 02110",
]
qr = ""
[card.expect]
name = "Anna Wright"
title = "VP Sales"
company = "Harbor Logistics Inc."
mobile = ["+16175550142"]
phone = ["+16175550199"]
fax = []
email = ["anna@harborlog.com"]
website = "www.harborlog.com"
address = "100 Federal St, Boston, MA 02110"

[[card]]
id = "hk-01"
region = "HK"
script = "traditional"
layout = "qr"
lines = [
    "港灣貿易有限公司", "陳大文", "銷售總監", "手機：9123 4567", "電郵：david@harbour.com.hk",
    "香港中環皇后大道中18號20樓",
]
qr = '''BEGIN:VCARD
VERSION:3.0
FN:陳大文
TEL;TYPE=CELL:+852 9123 4567
TEL;TYPE=WORK,VOICE:+852 2123 4567
END:VCARD'''
[card.expect]
name = "陳大文"
title = "銷售總監"
company = "港灣貿易有限公司"
mobile = ["+85291234567"]
phone = ["+85221234567"]
email = ["david@harbour.com.hk"]
address = "香港中環皇后大道中18號20樓"
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_the_tuning_file_covers_every_region_layout_and_script():
    written = abroad.load(TUNING)
    assert len(written.cards) >= 40
    assert {c.region for c in written.cards} == set(abroad.REGIONS)
    assert {c.layout for c in written.cards} == set(abroad.LAYOUTS)
    assert {c.script for c in written.cards} == set(abroad.SCRIPTS)
    for card in written.cards:
        for kind in ("mobile", "phone", "fax"):
            for e164 in card.truth()[kind]:
                assert phonenumbers.is_possible_number(phonenumbers.parse(e164)), card.id


def test_a_bad_file_names_the_card_and_the_problem(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace('layout = "qr"', 'layout = "diagonal"'), encoding="utf-8")
    with pytest.raises(abroad.CardSetError, match="card hk-01: layout 'diagonal'"):
        abroad.load(path)
    with pytest.raises(abroad.CardSetError, match="unknown font Comic"):
        abroad.faces_for(("Comic",))


def test_the_cli_draws_a_written_set_the_same_way_every_time(small: Path, tmp_path: Path):
    assert cardset_main([str(tmp_path / "a"), "--from-toml", str(small), "--seed", "3"]) == 0
    assert cardset_main([str(tmp_path / "b"), "--from-toml", str(small), "--seed", "3"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "a" / "truth.jsonl").open(encoding="utf-8")]
    assert [r["meta"]["id"] for r in rows] == ["us-01", "hk-01"]
    assert rows[1]["website"] is None  # absent keys are empty
    assert rows[1]["fax"] == []
    assert {r["meta"]["latin_font"] for r in rows} == {"DejaVuSerif"}  # only the named fonts
    assert {r["meta"]["cjk_font"] for r in rows} == {"NotoSerifCJKsc-Regular"}
    for name in ("card-000.jpg", "card-001.jpg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_written_cards_are_read_right(monkeypatch, small: Path, tmp_path: Path):
    memoise_scans(monkeypatch)
    rows = abroad.write_from_toml(tmp_path, small, 3)
    scanner = CardScanner()
    for row in rows:
        got = scanner.scan((tmp_path / row["file"]).read_bytes()).to_json()
        wrong = {k: (row[k], got[k]) for k, ok in cardset.score(row, got).items() if not ok}
        assert wrong == {}, row["meta"]


def test_the_benchmark_scores_a_written_set(small: Path, tmp_path: Path):
    command = [sys.executable, "-m", "benchmarks.cards", "--from-toml", str(small)]
    command += ["--dir", str(tmp_path), "--seed", "3", "--by", "region", "--cores", "1", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    report = json.loads(done.stdout)
    assert report["cards"] == 2
    assert set(report["groups"]) == {"US", "HK"}
    assert report["overall"]["accuracy"] == 1.0


def test_the_tuning_file_is_what_the_generator_writes(tmp_path: Path):
    from tests.cardset.regions import main as regions_main

    assert regions_main([str(tmp_path / "again.toml"), "--count", "40", "--seed", "17"]) == 0
    assert (tmp_path / "again.toml").read_text(encoding="utf-8") == TUNING.read_text("utf-8")
