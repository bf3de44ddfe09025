"""Cards from abroad, round 4 (issue 17): the classes the third held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): a postcode printed before a Chinese address, a department on the line under
an English title, companies with no company word (trade words, a shop's name that reads as
a person's, the line nothing else claims), traditional-script and trade titles, an O read
as a zero in a name, and a town with its US state as the only address. The rep's default
region is CN throughout."""

from __future__ import annotations

import pytest

from tests.cardscan_typed import read

# --------------------------------------------------------------------------- 1. postcodes


@pytest.mark.parametrize(
    ("line", "address"),
    [
        ("403 臺中市西區公益路 61 號 3 樓", "403 臺中市西區公益路61號3樓"),
        ("40341 台中市西區公益路61號3樓", "40341 台中市西區公益路61號3樓"),
        ("403-41 台中市西區公益路61號", "403-41 台中市西區公益路61號"),
        ("310012 浙江省杭州市西湖区文三路 90 号", "310012 浙江省杭州市西湖区文三路90号"),
        ("地址：530021 广西南宁市青秀区民族大道 12 号", "530021 广西南宁市青秀区民族大道12号"),
    ],
)
def test_a_postcode_printed_before_a_chinese_address_is_kept_with_it(line, address):
    assert read(f"## 林雅婷\n業務經理\n統禾企業有限公司\n{line}").fields.address == address


def test_the_postcode_takes_nothing_from_the_numbers_beside_it():
    fields = read("## 林雅婷\n業務經理\n電話：(04) 2322-7810\n403 臺中市西區公益路61號3樓").fields
    assert fields.phone == ["+886423227810"]
    assert fields.address == "403 臺中市西區公益路61號3樓"


def test_a_phone_number_before_an_address_is_still_a_phone_number():
    fields = read("## 林雅婷\n業務經理\n0423227810 台中市西區公益路61號3樓").fields
    assert fields.phone == ["+886423227810"]
    assert fields.address == "台中市西區公益路61號3樓"


def test_a_short_number_before_words_that_are_no_address_stays_out_of_the_address():
    fields = read("## 周明远\n店长\n365 天为您服务\n上海市静安区南京西路 88 号").fields
    assert fields.address == "上海市静安区南京西路88号"


# --------------------------------------------------------------------------- 2. departments


@pytest.mark.parametrize(
    ("title", "department"),
    [
        ("Research Fellow", "School of Marine Sciences"),
        ("Associate Professor", "Department of Urban Planning"),
        ("Senior Associate", "Private Clients Team"),
        ("Programme Officer", "Office of Global Engagement"),
        ("Head of Underwriting", "Specialty Lines Division"),
        ("Registrar", "Faculty of Veterinary Medicine"),
    ],
)
def test_a_department_under_an_english_title_belongs_to_the_title(title, department):
    card = f"Ardmore Institute Ltd\n## Niamh Gallagher\n{title}\n{department}\nT +44 28 9024 1188"
    fields = read(card).fields
    assert fields.title == f"{title}, {department}"
    assert fields.company == "Ardmore Institute Ltd"
    assert fields.name == "Niamh Gallagher"


def test_a_unit_printed_like_a_name_under_the_title_joins_it_when_the_company_is_elsewhere():
    card = "Corvid Aerospace Inc.\n## Tomas Reyes\nStaff Engineer\nFlight Software\nM: 206-555-0139"
    assert read(card).fields.title == "Staff Engineer, Flight Software"
    card = "Pell & Marsh LLP\n## Hana Kowalski\nPartner\nTax & Estate Planning\nD +1 617 555 0107"
    fields = read(card).fields
    assert fields.title == "Partner, Tax & Estate Planning"
    assert fields.company == "Pell & Marsh LLP"


def test_the_company_under_the_title_is_not_taken_for_a_department():
    fields = read("## Tomas Reyes\nStaff Engineer\nCorvid Aerospace Inc.\nM: (206) 555-0139").fields
    assert fields.title == "Staff Engineer"
    assert fields.company == "Corvid Aerospace Inc."
    fields = read("## Tomas Reyes\nStaff Engineer\nDirect Line 206-555-0139\nOrbis Labs").fields
    assert fields.title == "Staff Engineer"
    assert fields.phone == ["+12065550139"]


# --------------------------------------------------------------------------- 3. companies


@pytest.mark.parametrize("company", ["蜀香居私房菜", "云雾茶业", "嘉禾地产代理", "松风轩"])
def test_a_trade_word_makes_a_chinese_company(company):
    fields = read(f"{company}\n## 何美玲\n店主\n电话：020-8736 5521").fields
    assert fields.company == company
    assert fields.name == "何美玲"


@pytest.mark.parametrize("company", ["蜀香居私房菜", "雲霧茶業", "嘉禾地產代理", "松風軒"])
def test_a_trade_word_makes_a_company_in_traditional_characters(company):
    fields = read(f"{company}\n## 何美玲\n負責人\n電話：2736 5521").fields
    assert fields.company == company
    assert fields.name == "何美玲"


@pytest.mark.parametrize(("shop", "person"), [("金福軒", "黃志明"), ("李记轩", "陈国华")])
def test_a_shops_name_that_reads_as_a_persons_is_the_company_beside_the_real_name(shop, person):
    fields = read(f"{shop}\nTea House & Dim Sum\n## Ivan {person}\n经理 Manager").fields
    assert fields.company == shop
    assert fields.name == person


@pytest.mark.parametrize(
    ("brand", "person", "title"),
    [
        ("saltmarsh", "Priya Raman", "Head Roaster"),
        ("Little Kettle", "Daniel Koh", "Founder"),
        ("晨光手作", "许嘉怡", "创办人"),
        ("晨光手作", "許嘉怡", "創辦人"),
    ],
)
def test_the_line_nothing_else_claims_is_the_company(brand, person, title):
    fields = read(f"# {brand}\n## {person}\n{title}\n+65 9123 4567\nhi@example.sg").fields
    assert fields.company == brand
    assert fields.name == person


def test_no_company_is_invented_on_text_that_is_not_a_persons_card():
    fields = read("Thank you for visiting\nopen daily\n+65 6123 4567").fields
    assert fields.company is None


def test_a_capitalised_name_wins_over_its_lower_case_tagline():
    fields = read("# OAK & INK\nletterpress studio\n## Mei Lin Tan\nArt Director").fields
    assert fields.company == "OAK & INK"


# --------------------------------------------------------------------------- 4. titles, names


@pytest.mark.parametrize(
    "title", ["註冊社工", "社工師", "資深社工", "高级社工", "行政總廚", "主厨", "營業員", "督導"]
)
def test_traditional_and_trade_titles_are_titles_not_names(title):
    fields = read(f"博愛長者中心\n黎詠詩 Lai Wing Sze\n{title}\n電話 2388 1024").fields
    assert fields.title == title
    assert fields.name == "黎詠詩"


def test_an_o_read_as_a_zero_at_the_start_of_a_name_is_put_back():
    fields = read("## Grace 0yelaran\nBroker\nHolt Brothers Insurance LLC\nM 312-555-0147").fields
    assert fields.name == "Grace Oyelaran"
    fields = read("## Grace Oyelaran\nBroker\nRoom 1020, 88 Main St, Boston, MA 02110").fields
    assert fields.address == "Room 1020, 88 Main St, Boston, MA 02110"


# --------------------------------------------------------------------------- 5. addresses


def test_a_town_and_us_state_alone_is_the_address_when_nothing_better_is_printed():
    card = "## Leah Brandt\nIllustrator\nmobile 503.555.0172\nleah@brandt.art\nPortland, OR"
    fields = read(card).fields
    assert fields.address == "Portland, OR"
    assert fields.mobile == ["+15035550172"]


def test_a_town_and_state_under_a_street_is_the_addresss_second_line():
    card = "## Leah Brandt\nIllustrator\n1420 NW Lovejoy St\nPortland, OR\nleah@brandt.art"
    assert read(card).fields.address == "1420 NW Lovejoy St, Portland, OR"
