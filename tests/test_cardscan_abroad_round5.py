"""Cards from abroad, round 5 (issue 17): the classes the fourth held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): a brand printed in lower case and a social handle, letters after a name,
departments and licence lines under a title, Singapore unit numbers, craft titles, and a
Hong Kong professional's firm beside a title in Chinese. The rep's default region is CN
unless a test says otherwise."""

from __future__ import annotations

import pytest

from bot.cardscan.model import CardFields
from bot.cardscan.reading import merge_qr
from tests.cardscan_typed import read

# ------------------------------------------------------------- 1. brands and social handles


@pytest.mark.parametrize(
    ("brand", "email", "extra"),
    [
        ("saltmarsh bakehouse", "ruth@saltmarshbake.com", "@saltmarshbakes"),
        ("the reading room on mill lane", "hi@thereadingroommill.co.uk", "IG @readingroommill"),
        ("kite & kettle", "orders@kiteandkettle.sg", "@kiteandkettle.sg"),
        ("pebble yoga studio", "namaste@pebbleyoga.hk", "IG: @pebble.yoga.hk"),
    ],
)
def test_a_lower_case_brand_spelt_by_the_domain_is_the_company_never_the_handle(
    brand, email, extra
):
    fields = read(f"## {brand}\n# Ruth Ambrose\nFounder\n{email}\n{extra}", "UK").fields
    assert fields.company == brand
    assert fields.name == "Ruth Ambrose"
    assert fields.title == "Founder"


def test_the_brand_line_wins_over_a_generic_word_left_from_a_number():
    fields = read(
        "## pebble yoga studio\n# Mei Chan\nOwner\n2555 0101 (Studio)\nnamaste@pebbleyoga.hk", "HK"
    ).fields
    assert fields.company == "pebble yoga studio"


def test_a_lower_case_brand_at_the_top_is_the_company_even_with_a_title_word():
    fields = read("## stride physio\n# Daniel Ong\nPhysiotherapist\nT: 6123 4567", "SG").fields
    assert fields.company == "stride physio"
    assert fields.title == "Physiotherapist"


def test_a_chinese_company_still_wins_over_its_lower_case_gloss():
    fields = read("湯匙軒\nspoon house\n## 陳家豪\nKelvin Chan\n創辦人\nhello@spoonhouse.hk", "HK")
    assert fields.fields.company == "湯匙軒"
    assert fields.fields.name == "陳家豪"


def test_a_persons_own_domain_does_not_make_the_name_a_company():
    fields = read("# Dana Whitlow\nIllustrator\ndana@danawhitlow.com\ndanawhitlow.com", "US")
    assert fields.fields.name == "Dana Whitlow"
    assert fields.fields.company is None


# ---------------------------------------------------------------- 2. letters after a name


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Owen Pryce CEng MICE", "Owen Pryce"),
        ("Harriet Vance, MD", "Harriet Vance"),
        ("Samir Qureshi MRPharmS", "Samir Qureshi"),
        ("Gareth Lloyd FCCA", "Gareth Lloyd"),
        ("Imogen Reyes MIStructE", "Imogen Reyes"),
        ("Tan Hui Min, MBBS (S'pore)", "Tan Hui Min"),
        ("Colin McDonald", "Colin McDonald"),
        ("Ewan MacLeod ACMA", "Ewan MacLeod"),
    ],
)
def test_letters_after_a_name_are_not_part_of_it(printed, name):
    fields = read(f"Brightwater Partners Ltd\n## {printed}\nDirector\nT +44 20 7946 0101", "UK")
    assert fields.fields.name == name


def test_a_town_with_its_state_is_still_the_address():
    fields = read("## Harriet Vance, MD\nPaediatrician\nOcean City, MD", "US").fields
    assert fields.name == "Harriet Vance"
    assert fields.address == "Ocean City, MD"


# ----------------------------------------------------------- 3. departments and licences


@pytest.mark.parametrize(
    ("company", "title", "department"),
    [
        ("Northgate Marine Services Pte Ltd", "Fleet Superintendent", "Marine Operations"),
        ("Ashby Crowe Solicitors", "Associate", "Development & Planning"),
        ("Ridgeway Insurance Ltd", "Senior Underwriter", "Commercial Claims"),
    ],
)
def test_a_department_under_the_title_joins_it(company, title, department):
    fields = read(
        f"{company}\n## Lena Fairweather\n{title}\n{department}\nT +65 6222 0101", "SG"
    ).fields
    assert fields.title == f"{title}, {department}"
    assert fields.company == company


@pytest.mark.parametrize("licence", ["GPhC 2049917", "UEN 201912345W", "VAT Reg. GB 123 4567 89"])
def test_a_licence_line_under_the_title_is_never_part_of_it(licence):
    fields = read(
        f"Hillcrest Pharmacy\n## Omar Siddiqui\nResponsible Pharmacist\n{licence}", "UK"
    ).fields
    assert fields.title == "Responsible Pharmacist"


def test_the_printed_title_with_its_department_wins_over_the_qrs_shorter_one():
    printed = CardFields(name="Ada Brennan", title="Reader, School of History")
    coded = CardFields(name="Ada Brennan", title="Reader")
    assert merge_qr(coded, printed).title == "Reader, School of History"
    assert merge_qr(CardFields(title="Dean"), CardFields(title="Deanery Office")).title == "Dean"


# -------------------------------------------------------- 4. Singapore and HK unit numbers


@pytest.mark.parametrize(
    ("street", "address"),
    [
        ("Blk 42 Tiong Bahru Road, #02-118", "Blk 42 Tiong Bahru Road, #02-118, Singapore 160042"),
        ("BIk 42 Tiong Bahru Road, #02-118", "Blk 42 Tiong Bahru Road, #02-118, Singapore 160042"),
        ("9 Raffles Place, #31-02", "9 Raffles Place, #31-02, Singapore 048619"),
    ],
)
def test_a_unit_number_stays_in_the_address(street, address):
    lines = "Lim Kok Wah\nDirector\nTel: 6222 0101\n" + street
    postcode = address.rsplit(" ", 1)[-1]
    fields = read(f"{lines}\nSingapore {postcode}", "SG").fields
    assert fields.address == address
    assert fields.phone == ["+6562220101"]


# --------------------------------------------------------------------- 5. craft titles


@pytest.mark.parametrize("title", ["Head Brewer", "Master Baker", "Barista", "Roaster", "Tailor"])
def test_a_craft_under_a_shops_tagline_is_the_title(title):
    fields = read(f"## Ashcombe & Pike\nFine Breads since 1958\n# Tom Ashcombe\n{title}", "UK")
    assert fields.fields.title == title
    assert fields.fields.name == "Tom Ashcombe"


def test_a_surname_that_is_a_craft_stays_a_name():
    assert read("## Tom Cutter\nManaging Director\nCutter & Sons Ltd", "UK").fields.name == (
        "Tom Cutter"
    )


# ------------------------------------------------- 6. a professional's firm in Hong Kong


@pytest.mark.parametrize(
    ("firm", "title"),
    [("陳李律師行", "執業律師"), ("黃氏會計師行", "合夥人"), ("林何律師樓", "顧問律師")],
)
def test_a_hong_kong_firm_is_the_company_and_the_title_stays_the_title(firm, title):
    fields = read(
        f"{firm}\n{title}\n## 陳嘉儀\nChan Ka Yee\nSolicitor\nChan & Lee Solicitors", "HK"
    ).fields
    assert fields.company == firm
    assert fields.title == title
    assert fields.name == "陳嘉儀"
