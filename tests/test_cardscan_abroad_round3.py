"""Cards from abroad, round 3 (issue 17): the classes the second held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): the QR code's reassembled address and registration lines kept out of the
address, titles of two roles or of unlisted trades, combined and trailing phone labels,
new top-level domains, generations and forms of address in names, social handles, and
trading names that start with "The". The rep's default region is CN throughout."""

from __future__ import annotations

import pytest

from bot.cardscan.domains import is_tld
from bot.cardscan.qr import contact_from_qr
from bot.cardscan.reading import merge_qr, same_address
from tests.cardscan_typed import read
from tests.cardset import field_right

# --------------------------------------------------------------------------- 1. addresses


def _vcard(adr: str) -> str:
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:Ruth Adler\nADR;TYPE=WORK:{adr}\nEND:VCARD"


@pytest.mark.parametrize(
    ("printed", "adr"),
    [
        # the country the QR appends, and its comma between state and ZIP
        ("88 Pearl St, Hartford, CT 06103", ";;88 Pearl St;Hartford;CT;06103;USA"),
        # the unit moved behind the street by the vCard's parts
        (
            "Flat 2, 17 Elm Grove, Leeds LS6 2AB",
            ";Flat 2;17 Elm Grove;Leeds;;LS6 2AB;United Kingdom",
        ),
        (
            "5 Jalan Kilang, #03-01, Singapore 159405",
            ";;5 Jalan Kilang, #03-01;Singapore;;159405;Singapore",
        ),
        # a Chinese address: the country in front, a district the QR left out
        ("浙江省宁波市鄞州区高新技术开发区院士路66号", ";;院士路66号;宁波市;浙江省;;中国"),
        ("臺南市東區大學路1號", ";;大學路1號;臺南市;;;台灣"),
    ],
)
def test_the_printed_address_stays_when_the_qr_only_reorders_it_or_adds_the_country(printed, adr):
    reading = read(f"## Ruth Adler\nBuyer\nadler@example.com\n{printed}")
    qr = contact_from_qr([_vcard(adr)], reading.region)
    assert qr is not None
    assert qr.address
    assert merge_qr(qr, reading.fields).address == printed


def test_the_qr_address_still_wins_where_it_says_something_else():
    assert not same_address("88 Pearl St, Hartferd, CT 06103", "88 Pearl St, Hartford, CT 06103")
    reading = read("## Ruth Adler\nBuyer\n88 Pearl St, Hartferd, CT 06103")
    qr = contact_from_qr([_vcard(";;88 Pearl St;Hartford;CT;06103;USA")], reading.region)
    assert qr is not None
    assert merge_qr(qr, reading.fields).address == "88 Pearl St, Hartford, CT, 06103, USA"


@pytest.mark.parametrize(
    "line",
    [
        "Registered in England and Wales, company no. 07654321",
        "Incorporated in Hong Kong, CR No. 1234567",
        "Registered in Scotland No. SC123456",
        "Authorised and regulated by the Financial Conduct Authority",
        "Registered charity number 1098765",
        "Company Reg. No. 199901234D",
        "GST Reg No. M2-0123456-7",
        "VAT No. GB 123 4567 89",
        "统一社会信用代码 91440300MA5F000000",
        "旅行業執照 交觀綜字第2103號",
    ],
)
def test_a_registration_line_is_not_part_of_the_address_or_the_company(line):
    fields = read(
        f"Fenwick & Dale Surveyors\n## Imogen Hart\nSenior Surveyor\n"
        f"T 0131 496 0188\n12 Queen Street, Edinburgh EH2 1JE\n{line}"
    ).fields
    assert fields.address == "12 Queen Street, Edinburgh EH2 1JE"
    assert fields.company == "Fenwick & Dale Surveyors"


def test_a_professions_registration_word_without_a_number_is_still_a_title():
    fields = read("仁安中醫診所\n註冊中醫師\n## 何嘉慧\n電話：2388 0001").fields
    assert fields.title == "註冊中醫師"


# --------------------------------------------------------------------------- 2. titles


@pytest.mark.parametrize(
    "title",
    [
        "Founder / Managing Director",
        "Partner | Head of Disputes",
        "Founder & CEO",
        "Owner & Lead Florist",
        "Principal – Landscape Architecture",
    ],
)
def test_two_roles_in_one_title_stay_one_title(title):
    fields = read(f"## Ivo Brandt\n{title}\nBrandt Landscape Ltd\nivo@brandt.example").fields
    assert fields.title == title


@pytest.mark.parametrize(
    "title",
    [
        "Proprietor",
        "Associate Director",
        "Chef Patron",
        "Licensed Salesperson",
        "Deputy Registrar",
        "Clinical Psychologist",
        "Landlady",
        "Chief Investment Officer",
    ],
)
def test_titles_the_vocabulary_did_not_list(title):
    fields = read(f"Juniper Row Holdings Ltd\n## Maeve Quinlan\n{title}\nM 07700 900123").fields
    assert (fields.name, fields.title) == ("Maeve Quinlan", title)


@pytest.mark.parametrize(
    ("title", "line"),
    [
        ("店主", "店主"),
        ("東主", "東主 Proprietor"),
        ("營運長", "營運長"),
        ("財務長", "財務長 CFO"),
        ("社长", "社长"),
    ],
)
def test_chinese_owners_and_heads_are_titles(title, line):
    fields = read(f"晨光茶行\n## 蔡文雄\n{line}\n手機 0912-345-678").fields
    assert fields.title == title


@pytest.mark.parametrize("name", ["Tom Baker", "Sarah Mason", "Alan Dean"])
def test_surnames_that_are_also_trades_stay_names(name):
    assert read(f"## {name}\nAccount Manager\nOakfield Ltd").fields.name == name


def test_a_bank_branch_is_no_title():
    fields = read("中国银行长沙分行\n## 刘芳\n客户经理\n手机 138 0731 0000").fields
    assert fields.title == "客户经理"


def test_an_en_dash_and_a_hyphen_score_alike():
    """OCR reads a printed en dash as a hyphen; the score treats punctuation alike."""
    assert field_right("title", "Senior Buyer – Grocery", "Senior Buyer - Grocery")


# --------------------------------------------------------------------------- 3. phone labels


@pytest.mark.parametrize(
    ("line", "mobile", "phone", "fax", "wechat"),
    [
        ("Mob/WeChat: +86 139 1234 5678", ["+8613912345678"], [], [], None),
        ("手机/微信：139 1234 5678", ["+8613912345678"], [], [], None),
        ("微信/手机：139 1234 5678", ["+8613912345678"], [], [], None),
        ("WhatsApp/WeChat +852 9123 4567", ["+85291234567"], [], [], None),
        ("Tel/Fax: +852 2123 4567", [], ["+85221234567"], ["+85221234567"], None),
        ("Mob / WeChat: +86 139 1234 5678", ["+8613912345678"], [], [], None),
        ("Tel & Fax: +852 2123 4567", [], ["+85221234567"], ["+85221234567"], None),
        ("电话、传真：0755-8888 1234", [], ["+8675588881234"], ["+8675588881234"], None),
        ("电话/传真：0755-8888 1234", [], ["+8675588881234"], ["+8675588881234"], None),
    ],
)
def test_combined_labels_name_one_number(line, mobile, phone, fax, wechat):
    fields = read(f"## 周海\n经理\n{line}").fields
    assert (fields.mobile, fields.phone, fields.fax, fields.wechat) == (mobile, phone, fax, wechat)


@pytest.mark.parametrize(
    ("lines", "mobile", "phone"),
    [
        ("+1 (213) 555-0172 mobile\n+1 (213) 555-0100 office", ["+12135550172"], ["+12135550100"]),
        ("(213) 555-0172 (M)\n(213) 555-0100 (O)", ["+12135550172"], ["+12135550100"]),
        ("213.555.0172 cell\n213.555.0100 main", ["+12135550172"], ["+12135550100"]),
    ],
)
def test_a_label_after_the_number_counts(lines, mobile, phone):
    fields = read(f"## Nora Fields\nBuyer\n{lines}\n600 W 5th St, Los Angeles, CA 90071").fields
    assert (fields.mobile, fields.phone) == (mobile, phone)


@pytest.mark.parametrize("label", ["Text", "SMS"])
def test_a_number_to_text_is_a_mobile(label):
    fields = read(f"## Nora Fields\nBuyer\nOffice (213) 555-0100\n{label} (213) 555-0172").fields
    assert (fields.mobile, fields.phone) == (["+12135550172"], ["+12135550100"])


@pytest.mark.parametrize(
    "line",
    [
        "Clinic 0131 496 0418",
        "Studio 0131 496 0418",
        "Gallery: 0131 496 0418",
        "Bookings 0131 496 0418",
        "Switchboard 0131 496 0418",
    ],
)
def test_a_word_before_a_number_is_its_label_not_the_company(line):
    fields = read(
        f"Larkhill Eyecare\n## Ewan Stirling\nOptometrist\n{line}\nM 07700 900456\n"
        "3 Bridge Street, Stirling FK8 1AA"
    ).fields
    assert fields.company == "Larkhill Eyecare"
    assert fields.phone == ["+441314960418"]
    assert fields.mobile == ["+447700900456"]


def test_a_name_beside_its_number_is_no_label():
    fields = read("星辰科技有限公司\n张伟 138 0013 8000\n销售经理").fields
    assert (fields.name, fields.mobile) == ("张伟", ["+8613800138000"])


def test_a_chinese_hotline_label_is_a_phone_label():
    fields = read("## 王芳\n店长\n预约专线：021-6123 4567\n服务热线 400-820-0000").fields
    assert "+862161234567" in fields.phone


def test_a_bracketed_country_code_without_its_plus_is_read_in_that_country():
    fields = read("## 黃子謙\n經理\nM (852) 9123 4567\nM (86) 139 1234 5678").fields
    assert fields.mobile == ["+85291234567", "+8613912345678"]


# --------------------------------------------------------------------------- 4. websites


@pytest.mark.parametrize(
    "site",
    [
        "hollowoak.wales",
        "kiln.design",
        "studio-nine.london",
        "beanline.coffee",
        "fernway.events",
        "ashby.law",
    ],
)
def test_new_top_level_domains_are_websites(site):
    fields = read(f"## Ada Price\nFounder\nada@{site}\n{site}").fields
    assert fields.website == site


def test_the_tld_list_is_the_public_suffix_list():
    assert is_tld("wales")
    assert is_tld("design")
    assert is_tld("com")
    assert not is_tld("louis")
    assert not is_tld("suite")


@pytest.mark.parametrize(
    "line", ["Bluefin Supply Pte.Ltd.", "St.Louis Bakery", "Harbour Co.Limited"]
)
def test_words_joined_by_a_dot_are_no_website(line):
    assert read(f"## Ada Price\nFounder\n{line}").fields.website is None


# --------------------------------------------------------------------------- 5. names


@pytest.mark.parametrize(
    "name", ["Marcus Webb Jr.", "Marcus Webb, Jr.", "Henry Ford III", "Luis Ortega Sr."]
)
def test_a_generation_stays_in_the_name(name):
    fields = read(f"## {name}\nSales Director\nHarrowgate Supply Inc.").fields
    assert fields.name == name


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Dr. Helen Park", "Helen Park"),
        ("Prof Marek Nowak", "Marek Nowak"),
        ("Mrs. Joan Ellery-Vance", "Joan Ellery-Vance"),
        ("Ar. Lim Boon Keat", "Lim Boon Keat"),
        ("Dr Ravi Menon Jr.", "Ravi Menon Jr."),
        ("DR. HELEN PARK", "Helen Park"),
    ],
)
def test_a_form_of_address_is_not_part_of_the_name(printed, name):
    """The name a contact is saved, searched and de-duplicated by; every card set's answer
    key leaves "Dr", "Prof", "Mrs" out."""
    fields = read(f"## {printed}\nSales Director\nHarrowgate Supply Inc.").fields
    assert fields.name == name


# --------------------------------------------------------------------------- 6. social handles


@pytest.mark.parametrize("line", ["Instagram @fernway.sg", "IG: @fernway.sg", "@fernway.sg"])
def test_a_social_handle_is_neither_an_email_nor_a_website(line):
    fields = read(f"## Ada Price\nFounder\nada@fernway.sg\n{line}").fields
    assert fields.email == ["ada@fernway.sg"]
    assert fields.website is None


# --------------------------------------------------------------------------- 7. trading names


def test_a_trading_name_starting_with_the_is_the_company_over_its_tagline():
    fields = read("The Salt Cellar\nOyster & Grill Room\n## Owen Pryce\nHead Chef").fields
    assert fields.company == "The Salt Cellar"
