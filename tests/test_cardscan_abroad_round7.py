"""Cards from abroad, round 7 (issue 17): the classes the sixth held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): post-nominal letters by family and by shape, departments under an English
title and a school before 教授, a second reading of a garbled number line, a vertical
Hong Kong card's second address line, a QR address shorter than the printed one, the
Chinese title of a bilingual card, and a rotated card's name and company. The rep's
default region is CN unless a test says otherwise."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

import pytest

from bot.cardscan.garbled import garbled_number_line
from bot.cardscan.model import OcrLine
from bot.cardscan.reading import read_lines
from bot.cardscan.scanner import CardScanner
from bot.cardscan.script import to_simplified
from tests.cardscan_typed import read, with_qr

if TYPE_CHECKING:
    from bot.cardscan.ocr import OcrEngine


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


# ------------------------------------------- 2. departments under and before the title


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("环境与资源学院 教授", "环境与资源学院 教授"),
        ("电子工程系 副教授", "电子工程系 副教授"),
        ("海洋化学研究所 研究员", "海洋化学研究所 研究员"),
        ("資訊工程學系 講師", "資訊工程學系 講師"),
    ],
)
def test_a_school_before_an_academic_title_stays_with_it(line, title):
    reading = read(f"## 郑文博\n{line}\n东湖理工大学\n手机：139 0715 2288\n武汉市珞瑜路1037号")
    assert reading.fields.name == "郑文博"
    assert to_simplified(reading.fields.title or "") == to_simplified(title)
    assert to_simplified(reading.fields.company or "") == "东湖理工大学"


def test_a_college_alone_is_still_the_company():
    fields = read("## 韩雪\n教授\n南湖艺术学院\n手机：139 0715 2299").fields
    assert fields.title == "教授"
    assert fields.company == "南湖艺术学院"


# ------------------------------------------------ 4. a Chinese address over two lines


@pytest.mark.parametrize(
    "columns",
    [
        ["九龍觀塘開源道62號", "駱駝漆大廈3座11樓"],
        ["駱駝漆大廈3座11樓", "九龍觀塘開源道62號"],  # OCR may put the columns the other way
    ],
)
def test_a_second_address_line_joins_the_first(columns):
    lines = ["## 梁家豪", "店主", "德記五金行", "電話：2341 5520", *columns]
    fields = read("\n".join(lines), "HK").fields
    assert fields.address == "九龍觀塘開源道62號, 駱駝漆大廈3座11樓"


def test_two_addresses_that_each_name_a_street_stay_apart():
    fields = read(
        "## 梁家豪\n店主\n德記五金行\n電話：2341 5520\n九龍觀塘開源道62號\n新界荃灣沙咀道18號", "HK"
    ).fields
    assert fields.address in {"九龍觀塘開源道62號", "新界荃灣沙咀道18號"}


@pytest.mark.parametrize(
    "unit",
    ["Centre for Coastal Hydrology", "Institute of Healthy Ageing", "Laboratory for Soft Robotics"],
)
def test_a_unit_named_for_its_work_under_the_title_joins_it(unit):
    fields = read(
        f"## Tan Hui Min\nResearch Scientist\n{unit}\nKent Ridge University\n"
        "Tel: 6516 2208\nhuimin@kru.edu.sg",
        "SG",
    ).fields
    assert fields.title == f"Research Scientist, {unit}"
    assert fields.company == "Kent Ridge University"
    assert fields.name == "Tan Hui Min"


def test_a_centre_alone_under_the_title_is_the_company():
    fields = read(
        "## Tan Hui Min\nDirector\nCentre for Coastal Hydrology\nTel: 6516 2208", "SG"
    ).fields
    assert fields.title == "Director"
    assert fields.company == "Centre for Coastal Hydrology"


def test_a_section_shaped_line_above_the_title_is_the_firm_when_no_other_is_printed():
    fields = read("星河游泳会所\n## 马晓东\n教练主管\n手机：135 0288 4471").fields
    assert fields.title == "教练主管"
    assert fields.company == "星河游泳会所"


def test_property_letters_after_a_name_are_no_part_of_it():
    fields = read("Ashby Lettings\n## Colin Verity MARLA MNAEA\nBranch Manager", "UK").fields
    assert fields.name == "Colin Verity"


# ----------------------------------- 5. a QR address shorter than the printed one


PRINTED = (
    "Wrekin Lane Estates\n## Tobias Marlow\nLettings Manager\nT 0121 496 0733\n"
    "tobias@wrekinlane.co.uk\n23 Holloway Mews, Harborne\nBirmingham B17 9PL"
)


def test_a_street_with_its_district_joins_the_town_line():
    assert read(PRINTED, "UK").fields.address == "23 Holloway Mews, Harborne, Birmingham B17 9PL"


def test_a_qr_address_the_printed_one_contains_is_no_disagreement():
    qr = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Marlow;Tobias;;;\nFN:Tobias Marlow\n"
        "ADR;TYPE=WORK:;;23 Holloway Mews;Birmingham;;B17 9PL;\nEND:VCARD"
    )
    fields = with_qr(PRINTED, qr, "UK").fields
    assert fields.address == "23 Holloway Mews, Harborne, Birmingham B17 9PL"


def test_a_qr_address_that_says_otherwise_still_wins():
    qr = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Marlow;Tobias;;;\nFN:Tobias Marlow\n"
        "ADR;TYPE=WORK:;;41 Holloway Mews;Birmingham;;B17 9PL;\nEND:VCARD"
    )
    fields = with_qr(PRINTED, qr, "UK").fields
    assert (fields.address or "").startswith("41 Holloway Mews")


# ------------------------------------------------- 6. the Chinese title of a bilingual card


@pytest.mark.parametrize(
    ("line", "title"), [("剪輯 Film Editor", "剪輯"), ("策展 Curator", "策展")]
)
def test_the_chinese_beside_an_english_title_is_the_title(line, title):
    fields = read(
        f"青禾影像有限公司\nQinghe Imaging Ltd.\n## 許家銘\nJimmy Hsu\n{line}\nM +886-912-330-481",
        "TW",
    ).fields
    assert fields.title == title
    assert fields.name == "許家銘"


def test_a_chinese_name_beside_an_english_title_stays_the_name():
    fields = read("青禾影像有限公司\n## 許家銘 Film Editor\nM +886-912-330-481", "TW").fields
    assert fields.name == "許家銘"
    assert fields.title == "Film Editor"


# ------------------------------------------- 7. a rotated card's name and company


def test_the_line_with_letters_after_it_is_the_name_though_measured_smaller():
    # On a photo turned 50°, OCR measured the firm's line taller than the person's.
    printed = [
        ("Larkspur Dispensary", 44.0),
        ("Grace Oyelaran, PharmD", 36.0),
        ("Pharmacist", 37.0),
        ("Phone (503) 555-0162", 40.0),
        ("larkspurdispensary.com", 37.0),
    ]
    lines = [OcrLine(text, 1.0, 0.0, float(i), height) for i, (text, height) in enumerate(printed)]
    fields = read_lines(lines, "US").fields
    assert fields.name == "Grace Oyelaran"
    assert fields.company == "Larkspur Dispensary"


# ------------------------------------- 3. a number line OCR garbled, read once more


@pytest.mark.parametrize(
    "line",
    [
        "T 20 ( 7 4+ 118",  # a label and a handful of digits, no number
        "11  207 1 41  60221",  # the label lost too: mostly digits
        "Te1 (8 2  5  (7731",
    ],
)
def test_a_garbled_number_line_is_told_apart(line):
    assert garbled_number_line(line, "GB")


@pytest.mark.parametrize(
    "line",
    [
        "Tel 020 7946 0118",  # read well
        "GCD Reg. No. 204517",  # a registration: few digits, no label
        "Open Mon-Sat 9-6",
        "44 Marsh Lane, Leeds LS9 8AB",
        "Tel 020 7946 0118  Fax 020 79",  # one number read: the line is left as it is
        "VAT Reg 31884027",  # a registration printed in one run
        "QQ: 3318 40271",
        "營業登記 20418836",
    ],
)
def test_a_readable_or_other_line_is_not_read_again(line):
    assert not garbled_number_line(line, "GB")


class _Recogniser:
    """The recogniser's two answers for a photo: the lines of the whole card, and what
    the crop of one line says when it is read again (counted, to show what it costs)."""

    def __init__(self, lines: list[str], again: dict[str, list[str]]) -> None:
        # A line of digits OCR garbled comes with a low score; the others are clear.
        self.lines = [
            OcrLine(text, 0.6 if text in again else 0.99, 10.0, 40.0 * i, 20.0, 300.0)
            for i, text in enumerate(lines)
        ]
        self.again = again
        self.rereads: list[str] = []

    def load(self) -> None:
        """Nothing to load."""

    def read_oriented(self, image: object) -> tuple[list[OcrLine], float]:
        return self.lines, 0.0

    def reread_line(self, image: object, line: OcrLine, angle: float) -> list[str]:
        self.rereads.append(line.text)
        return self.again.get(line.text, [])


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 400), "white").save(out, format="PNG")
    return out.getvalue()


def test_the_scanner_reads_a_garbled_number_line_again_from_its_crop():
    printed = [
        "Marsh Lane Dental Care",
        "Dr Lowri Pugh BDS",
        "Associate Dentist",
        "T 11 3 4 6 0 2 1",
        "lowri@marshlanedental.co.uk",
    ]
    recogniser = _Recogniser(printed, {"T 11 3 4 6 0 2 1": ["Tel 0113 496 0218"]})
    scanner = CardScanner(engine=lambda: cast("OcrEngine", recogniser))
    result = scanner.scan(_photo(), region="GB")
    assert recogniser.rereads == ["T 11 3 4 6 0 2 1"]  # only that line, once
    assert result.fields.phone == ["+441134960218"]
    assert "Tel 0113 496 0218" in result.lines
    assert result.fields.name == "Lowri Pugh"


def test_a_second_reading_that_still_yields_no_number_changes_nothing():
    printed = ["Marsh Lane Dental Care", "Lowri Pugh", "Associate Dentist", "T 11 3 4 6 0 2 1"]
    recogniser = _Recogniser(printed, {"T 11 3 4 6 0 2 1": ["T 113 4 60 21"]})
    scanner = CardScanner(engine=lambda: cast("OcrEngine", recogniser))
    result = scanner.scan(_photo(), region="GB")
    assert recogniser.rereads == ["T 11 3 4 6 0 2 1"]
    assert list(result.lines) == printed


def test_a_card_read_well_is_not_read_again():
    printed = ["Marsh Lane Dental Care", "Lowri Pugh", "Associate Dentist", "T 0113 496 0218"]
    recogniser = _Recogniser(printed, {})
    CardScanner(engine=lambda: cast("OcrEngine", recogniser)).scan(_photo(), region="GB")
    assert recogniser.rereads == []


def test_brackets_ocr_emptied_inside_a_number_are_dropped():
    fields = read("## Lowri Pugh\nAssociate Dentist\nTel +44 ()20 7946 0118", "GB").fields
    assert fields.phone == ["+442079460118"]


def test_a_clear_line_of_a_number_the_library_rejects_is_not_read_again():
    # 07700 900xxx is the UK's drama range: libphonenumber calls it invalid, OCR read it well.
    printed = ["Marsh Lane Dental Care", "Lowri Pugh", "Associate Dentist", "Mob: 07700 900318"]
    recogniser = _Recogniser(printed, {})
    CardScanner(engine=lambda: cast("OcrEngine", recogniser)).scan(_photo(), region="GB")
    assert recogniser.rereads == []


def test_a_town_and_its_state_mark_no_person():
    # "Ocean City, MD" reads as a doctor's name too; the person stays the larger line.
    fields = read("Harbor Surf Shop\n## Jane Doe\nOwner\nOcean City, MD\nT (410) 555-0142", "US")
    assert fields.fields.name == "Jane Doe"
    assert fields.fields.address == "Ocean City, MD"
