"""Cards from abroad, round 7 (issue 17): the classes the sixth held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): post-nominal letters by family and by shape, departments under an English
title and a school before 教授, a second reading of a garbled number line, a vertical
Hong Kong card's second address line, a QR address shorter than the printed one, the
Chinese title of a bilingual card, and a rotated card's name and company. The rep's
default region is CN unless a test says otherwise."""

from __future__ import annotations

import pytest

from bot.cardscan.fields import lines_from_text
from bot.cardscan.qr import contact_from_qr
from bot.cardscan.reading import Reading, merge_qr, read_lines


def read(text: str, default: str = "CN") -> Reading:
    return read_lines(lines_from_text(text), default)


def with_qr(text: str, qr_text: str, default: str = "CN") -> Reading:
    """The card read as the scanner reads it: the printed lines, then the QR over them."""
    reading = read_lines(lines_from_text(text), default, extra_texts=[qr_text])
    qr = contact_from_qr([qr_text], reading.region)
    assert qr is not None
    return Reading(merge_qr(qr, reading.fields), reading.region, True, reading.script)


# ----------------------------------------------------------------- 1. post-nominal letters


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        # honours and the bar
        ("Imogen Thackeray KC", "Imogen Thackeray"),
        ("Rupert Vance QC", "Rupert Vance"),
        ("Winifred Osei OBE", "Winifred Osei"),
        ("Chan Siu Fung SBS JP", "Chan Siu Fung"),
        # fellowships
        ("Prof Callum Mair FRSE", "Callum Mair"),
        ("Nadia Rahimi FREng FRS", "Nadia Rahimi"),
        ("Dr Tobias Lund SFHEA", "Tobias Lund"),
        # royal colleges, dental and medical
        ("Dr Priya Natarajan BDS MFDS", "Priya Natarajan"),
        ("Gareth Pryce MBChB FRCS (Orth)", "Gareth Pryce"),
        ("Leona Marsh FRCPath", "Leona Marsh"),
        ("Hamish Doyle BVSc MRCVS", "Hamish Doyle"),
        # engineering and the built environment
        ("Eleri Vaughan CEng FIMechE", "Eleri Vaughan"),
        ("Bram Kowalski MRTPI", "Bram Kowalski"),
        # a shape the list does not name: capitals with no vowel
        ("Sorcha Dunne MFGDS", "Sorcha Dunne"),
        ("FINLAY ROSS KC", "Finlay Ross"),
    ],
)
def test_letters_after_a_name_are_no_part_of_it(printed, name):
    fields = read(f"Harcourt Row Chambers\n## {printed}\nPartner\nT: +44 20 7946 0552", "UK").fields
    assert fields.name == name


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Alvin NG", "Alvin NG"),  # Ng, Png, Hng, Sng: surnames with no vowel
        ("Mei Ling PNG", "Mei Ling PNG"),
        ("Lim KC", "Lim KC"),  # initials: one word would be left
        ("CARLOS REYES JR", "Carlos Reyes Jr"),  # a generation, not a post-nominal
        ("Owain LLWYD", "Owain LLWYD"),  # Y and W are vowels in a Welsh name
    ],
)
def test_a_surname_or_initials_shaped_like_letters_stay(printed, name):
    fields = read(f"Kestrel Freight Pte Ltd\n## {printed}\nManager\nM: 9123 7781", "SG").fields
    assert fields.name == name
