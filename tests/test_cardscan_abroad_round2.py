"""Cards from abroad, round 2 (issue 17): the classes the first held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): company names that print no legal form, bare domains, region clues, an untyped
QR number under a printed "Cell", an e-mail that starts with the person's initial, and OCR's
simplified slip in a name on a traditional card. The rep's default region is CN throughout."""

from __future__ import annotations

import pytest

from bot.cardscan.qr import contact_from_qr
from bot.cardscan.reading import merge_qr
from tests.cardscan_typed import read

# --------------------------------------------------------------------------- 1. companies


@pytest.mark.parametrize(
    "company",
    [
        "Kestrel Bay Advisory",
        "Copperfield Solicitors",
        "Silverbirch Venues",
        "Quarry Hill Print & Frame",
        "Foxglove Metalworks",
        "Harrow Lane Property",
        "Northfield Dental Institute",
        "Saltmarsh Bread and Butter",
    ],
)
def test_an_english_company_without_a_legal_form_is_the_company(company):
    fields = read(f"## Rowan Ellis\nOperations Director\n{company}\nrowan@example.com").fields
    assert (fields.name, fields.title, fields.company) == (
        "Rowan Ellis",
        "Operations Director",
        company,
    )


def test_a_trading_name_with_no_business_word_is_read_from_its_place_under_the_name():
    """Two name-shaped lines on a card that carries one person: the one printed as the name
    is the person, the one beside it the business."""
    fields = read(
        "## Dana Whitfield\nHead of Partnerships\nBrightwater Orchard\nM 617 555 0182"
    ).fields
    assert (fields.name, fields.company) == ("Dana Whitfield", "Brightwater Orchard")


def test_a_bilingual_cards_english_name_is_not_taken_for_a_company():
    fields = read("## 张伟\nWei Zhang\n销售经理\n手机 138 0013 8000").fields
    assert (fields.name, fields.company) == ("张伟", None)


@pytest.mark.parametrize(
    "company",
    [
        "福记茶庄",
        "同济中医门诊部",
        "周大祥金行",
        "清风民宿",
        "光影工作室",
        "九如堂",
        "墨香坊",
        "青年旅社",
        "创新创业服务中心",
    ],
)
def test_a_chinese_shop_or_practice_is_the_company_in_either_script(company):
    fields = read(f"{company}\n## 陈立华\n经理\n手机 138 5741 2345").fields
    assert fields.company == company
    assert fields.name == "陈立华"


@pytest.mark.parametrize(
    "company",
    [
        "福記茶莊",
        "仁心中醫診所",
        "海通報關行",
        "百草中藥行",
        "翰墨書畫院",
        "林氏律師事務所",
        "品味餐廳",
        "康寧藥房",
        "晨光書店",
        "南山茶館",
    ],
)
def test_a_shop_on_a_traditional_card_keeps_its_characters(company):
    fields = read(f"{company}\n## 陳立華\n經理\n電話：2345 6789").fields
    assert (fields.company, fields.name) == (company, "陳立華")


@pytest.mark.parametrize("name", ["张德行", "李明堂", "王书院", "周文馆"])
def test_a_persons_name_ending_like_a_shop_stays_a_name(name):
    fields = read(f"## {name}\n销售经理\n恒通物流有限公司\n手机 138 5741 2345").fields
    assert (fields.name, fields.title, fields.company) == (name, "销售经理", "恒通物流有限公司")


@pytest.mark.parametrize(("title", "line"), [("建築師", "建築師"), ("主任医师", "主任医师")])
def test_a_profession_ending_in_shi_is_a_title_not_a_company(title, line):
    fields = read(f"## 吳宗翰\n{line}\n電話 02-2396-1234").fields
    assert fields.title == title


@pytest.mark.parametrize("title", ["Solicitor", "Senior Negotiator", "Chartered Surveyor"])
def test_professions_are_titles(title):
    fields = read(f"## Edward Lowe\n{title}\nKingsmead Legal\nM 07850 900712").fields
    assert (fields.title, fields.company) == (title, "Kingsmead Legal")


# --------------------------------------------------------------------------- 2. bare domains


@pytest.mark.parametrize(
    ("email", "site"),
    [
        ("dana@brightwater.com", "brightwater.com"),
        ("e.lowe@kingsmeadlegal.co.uk", "kingsmeadlegal.co.uk"),
        ("marcus@tanjong.sg", "tanjong.sg"),
        ("rowan@quarryhillprint.com", "othername.io"),
    ],
)
def test_a_line_that_is_only_a_domain_is_the_website(email, site):
    fields = read(f"## Dana Whitfield\nHead of Sales\n{email}\n{site}").fields
    assert fields.website == site


def test_a_domain_inside_other_text_is_still_no_website():
    fields = read("## Dana Whitfield\nHead of Sales\ndana@brightwater.com brightwater.com").fields
    assert fields.website is None


# ------------------------------------------------------------ 3. region, QR, e-mail, script


@pytest.mark.parametrize(
    "where",
    [
        "Unit 3, Mill Lane, Salford M502HE",  # the postcode's space lost by OCR
        "Unit 3, Mill Lane",  # no postcode at all: the .co.uk domain says it
    ],
)
def test_a_uk_card_with_no_plus_44_is_read_as_uk(where):
    reading = read(
        f"## Gareth Price\nSite Manager\nMobile 07850 900321\nOffice 0161 496 0712\n"
        f"gareth@redbrookbuilders.co.uk\n{where}"
    )
    assert (reading.region, reading.region_from_card) == ("GB", True)
    assert reading.fields.mobile == ["+447850900321"]
    assert reading.fields.phone == ["+441614960712"]


@pytest.mark.parametrize(
    ("domain", "region"), [("x.com.hk", "HK"), ("x.sg", "SG"), ("x.com.tw", "TW")]
)
def test_a_countrys_domain_is_a_region_clue(domain, region):
    assert read(f"## Ann Lee\nann@{domain}").region == region


def test_a_domain_word_in_an_e_mails_local_part_is_no_clue():
    assert read("## Ann Lee\nhello.uk@example.com").region == "CN"


def test_an_untyped_qr_number_keeps_the_printed_cell_label():
    """A MeCard TEL has no type, and a US number's own type says nothing: OCR's "Cell"
    label decides; the QR still gives every number."""
    reading = read(
        "## Theo Marsh\nOperations Director\nCell 312-555-0144\nOffice 312-555-0109\n"
        "200 W Adams St, Chicago, IL 60606"
    )
    qr = contact_from_qr(
        ["MECARD:N:Marsh,Theo;TEL:+13125550144;TEL:+13125550109;EMAIL:theo@hl.com;;"],
        reading.region,
    )
    assert qr is not None
    merged = merge_qr(qr, reading.fields)
    assert (merged.mobile, merged.phone) == (["+13125550144"], ["+13125550109"])
    assert merged.email == ["theo@hl.com"]


@pytest.mark.parametrize(
    ("name", "line", "email"),
    [
        ("Edward Lowe", "e.lowe@kingsmeadlegal.co.uk", "e.lowe@kingsmeadlegal.co.uk"),
        ("Eleni Brook-Hart", "e.brookhart@x.co.uk", "e.brookhart@x.co.uk"),
        ("Edward Lowe", "E e.lowe@kingsmeadlegal.co.uk", "e.lowe@kingsmeadlegal.co.uk"),
        ("Anna Wright", "e.anna@harborlog.com", "anna@harborlog.com"),  # "e." the label
        ("Edward Lowe", "e.sales@kingsmeadlegal.co.uk", "sales@kingsmeadlegal.co.uk"),
    ],
)
def test_an_e_dot_is_the_persons_initial_when_their_surname_follows(name, line, email):
    assert read(f"## {name}\n{line}").fields.email == [email]


def test_a_simplified_slip_in_a_name_on_a_traditional_card_is_put_back():
    reading = read(
        "吳宗翰建築師事務所\n建築師\n## 吴宗翰\n電話 02-2396-4471\n臺北市中正區羅斯福路一段52號3樓"
    )
    assert reading.script == "traditional"
    assert reading.fields.name == "吳宗翰"
    assert reading.fields.address == "臺北市中正區羅斯福路一段52號3樓"


def test_characters_both_standards_print_are_left_alone_on_a_traditional_card():
    fields = read("## 黃台生\n經理\n恒豐國際集團\n電話：2345 6789\n香港上環永樂街88號").fields
    assert (fields.name, fields.company) == ("黃台生", "恒豐國際集團")


# --------------------------------------------------------------------------- names and "Co."


@pytest.mark.parametrize(
    "name", ["Tomás Herrera", "Zoë Lefèvre", "Siti Nurhaliza binte Osman", "Ravi s/o Kumar"]
)
def test_names_with_accents_and_patronymics_are_names(name):
    fields = read(f"## {name}\nAccount Manager\nBluefin Supply Pte. Ltd.").fields
    assert fields.name == name


def test_a_company_ending_in_co_dot_is_a_company_but_colorado_is_an_address():
    fields = read(
        "## Dana Whitfield\nHead of Partnerships\nBrightwater Orchard Co.\n"
        "1801 Wynkoop St, Denver, CO 80202"
    ).fields
    assert fields.company == "Brightwater Orchard Co."
    assert fields.address == "1801 Wynkoop St, Denver, CO 80202"
