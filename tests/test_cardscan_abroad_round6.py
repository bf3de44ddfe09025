"""Cards from abroad, round 6 (issue 17): the classes the fifth held-out set exposed, one
section each, on typed card text (no OCR) with examples of our own (the held-out set's are
not copied): departments joined by "&" or printed under the title, a Chinese department
before the title, Malay and Indian names and capitals with qualifications, accreditation
and licence lines, a stray letter before a website, a QR name in family-name-first order,
an underscore OCR read as a hyphen in a WeChat id, and a Chinese QR address with its
country, province and postcode. The rep's default region is CN unless a test says
otherwise."""

from __future__ import annotations

import pytest

from bot.cardscan.model import OcrLine
from bot.cardscan.reading import in_printed_order, read_lines, same_address
from tests.cardscan_typed import read, with_qr

# --------------------------------------------------- 1. departments with "&" or under the title


@pytest.mark.parametrize(
    ("company", "title", "department", "region"),
    [
        ("Calloway Mutual", "Head of Underwriting", "Property & Casualty", "UK"),
        (
            "Riverside Children's Trust",
            "Director of Development",
            "Grants, Donors & Legacies",
            "UK",
        ),
        ("Quayside Payments", "Product Lead", "Card Issuing & Disputes", "SG"),
        ("Tern Analytics Pte Ltd", "Principal Engineer", "Data Platform Solutions", "SG"),
        ("Lantern Street Foundation", "Manager", "Volunteers & Events", "HK"),
    ],
)
def test_a_department_printed_under_the_title_joins_it(company, title, department, region):
    fields = read(
        f"{company}\n## Morgan Ellery\n{title}\n{department}\nT: +44 20 7946 0311\n"
        "morgan@example.org",
        region,
    ).fields
    assert fields.title == f"{title}, {department}"
    assert fields.name == "Morgan Ellery"
    assert fields.company == company


def test_a_department_under_a_title_with_a_comma_joins_it_too():
    fields = read(
        "Quillfeather\n## Dara Whelan\nVP, Growth\nMerchant Onboarding\ndara@quillfeather.io\n"
        "quillfeather.io",
        "US",
    ).fields
    assert fields.title == "VP, Growth, Merchant Onboarding"
    assert fields.company == "Quillfeather"


@pytest.mark.parametrize("discipline", ["Small Animal Dentistry", "Equine Medicine", "Cardiology"])
def test_a_discipline_under_the_title_is_no_name_even_measured_taller(discipline):
    # OCR measures a line's height from its letters: the department may come out the
    # tallest name-shaped line, the person's own printed above the title.
    printed = [
        ("Brookfield Animal Hospital", 20.0),
        ("Hannah Cole", 22.0),
        ("Staff Veterinarian", 20.0),
        (discipline, 24.0),
        ("T (303) 555-0161", 18.0),
    ]
    lines = [OcrLine(text, 1.0, 0.0, float(i), height) for i, (text, height) in enumerate(printed)]
    fields = read_lines(lines, "US").fields
    assert fields.name == "Hannah Cole"
    assert fields.title == f"Staff Veterinarian, {discipline}"
    assert fields.company == "Brookfield Animal Hospital"


def test_the_firms_second_name_under_the_title_is_still_no_department():
    fields = read("## Ines Marlow\nSenior Associate\nHarbor Logistics\nT 617.555.0133", "US")
    assert fields.fields.company == "Harbor Logistics"
    assert fields.fields.title == "Senior Associate"


# -------------------------------------------------------- 2. a Chinese department before the title


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("华东销售区 区域经理", "华东销售区 区域经理"),
        ("结构设计室 高级工程师", "结构设计室 高级工程师"),
        ("质量管理部 主任", "质量管理部 主任"),
        ("财务处 副处长", "财务处 副处长"),
        ("会计部 经理", "会计部 经理"),
    ],
)
def test_a_department_before_the_title_on_its_line_stays_with_it(line, title):
    fields = read(f"宁波恒远精密机械有限公司\n## 周文斌\n{line}\n手机：139 5741 2260").fields
    assert fields.title == title
    assert fields.name == "周文斌"


@pytest.mark.parametrize(
    ("line", "title"), [("客務部 副理", "客務部 副理"), ("會計課 課長", "會計課 課長")]
)
def test_a_traditional_department_keeps_its_characters(line, title):
    fields = read(f"鼎興大飯店股份有限公司\n## 林佩君\n{line}\n行動：0936-218-447", "TW").fields
    assert fields.title == title


def test_a_department_on_the_line_above_the_title_joins_it():
    fields = read("仁和中医门诊部\n## 郑海涛\n针灸科\n主治医师\n电话：0571-8702 3316").fields
    assert fields.title == "针灸科 主治医师"
    assert fields.name == "郑海涛"


def test_a_name_before_the_title_on_its_line_stays_the_name():
    # 刘科 ends like a department (…科) but reads as a person's name.
    fields = read("星河传媒有限公司\n## 刘科 总监\n手机：137 0123 4567").fields
    assert fields.name == "刘科"
    assert fields.title == "总监"


@pytest.mark.parametrize(
    ("card", "title"),
    [
        ("安康宠物医院\n## 何嘉欣\n主治兽医\nVeterinary Surgeon\n电话：020-3822 1100", "主治兽医"),
        ("安康寵物醫院\n## 何嘉欣\n執業獸醫\nVeterinary Surgeon\n電話：2388 1100", "執業獸醫"),
        ("安康宠物医院\n## 何嘉欣\n外科 兽医\n电话：020-3822 1100", "外科 兽医"),
    ],
)
def test_a_veterinarian_is_a_title(card, title):
    assert read(card).fields.title == title


# ----------------------------------------------- 3. Malay and Indian names, capitals and letters


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Siti Aminah binti Yusof", "Siti Aminah binti Yusof"),
        ("Muhammad Firdaus bin Abdul Rahman", "Muhammad Firdaus bin Abdul Rahman"),
        ("Kavitha d/o Muniandy", "Kavitha d/o Muniandy"),
        ("Arjun Pillai a/l Krishnan", "Arjun Pillai a/l Krishnan"),
        ("SURESH s/o RAMASAMY", "Suresh s/o Ramasamy"),
        ("NORAINI BINTE HASSAN", "Noraini binte Hassan"),
        ("Ar. Farah Nadia binte Zulkifli", "Farah Nadia binte Zulkifli"),
    ],
)
def test_malay_and_indian_names_are_names(printed, name):
    fields = read(
        f"Jurong Point Design Studio\n## {printed}\nProject Architect\nM: 9123 5508", "SG"
    )
    assert fields.fields.name == name
    assert fields.fields.title == "Project Architect"


@pytest.mark.parametrize(
    "centre", ["Hillview Tuition Centre", "Serangoon Dental Center", "Bedok Hospital"]
)
def test_a_centre_printed_larger_than_the_name_is_the_company(centre):
    fields = read(f"## {centre}\n# Kavitha d/o Raman\nOperations Manager\nM: 9123 4455", "SG")
    assert fields.fields.company == centre
    assert fields.fields.name == "Kavitha d/o Raman"


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("PETER HOLLOWAY Dip PFS", "Peter Holloway"),
        ("LAURA BRENNAN ACII", "Laura Brennan"),
        ("DAVID OKONJO Cert CII (MP)", "David Okonjo"),
        ("Rhona Baird Adv Dip CII", "Rhona Baird"),
        ("Mrs Ellen Marsh MA (Ed", "Ellen Marsh"),
    ],
)
def test_qualifications_after_a_name_in_capitals_are_no_part_of_it(printed, name):
    fields = read(
        f"Wexford Risk Partners LLP\n## {printed}\nAccount Handler\nD: 0161 496 0812", "UK"
    )
    assert fields.fields.name == name


# ---------------------------------------------------------------- 4. accreditation lines


@pytest.mark.parametrize(
    "line",
    [
        "VetGold Accredited Practice",
        "Fear Free Certified Clinic",
        "BSI Approved Training Provider",
        "ISO 9001 Certified",
        "国际认证医院",
    ],
)
def test_an_accreditation_line_is_no_name_even_printed_large(line):
    fields = read(
        f"## {line}\nPinecrest Animal Clinic\n# Tomas Reyes\nPractice Manager\nT 0117 496 0733",
        "UK",
    ).fields
    assert fields.name == "Tomas Reyes"
    assert fields.company == "Pinecrest Animal Clinic"
    assert line not in {fields.title, fields.address}


def test_a_persons_credential_stays_a_title():
    fields = read("## Amy Lorne\nCertified Financial Planner\nLorne Wealth LLC", "US").fields
    assert fields.title == "Certified Financial Planner"


# ------------------------------------------------------------------- 5. licence numbers


@pytest.mark.parametrize(
    "licence",
    [
        "USDOT 2290117 · MC 804455",
        "FMC OTI 028812",
        "CA BAR #301928",
        "NMLS ID 1877345",
        "CSLB Lic. 1093374",
    ],
)
def test_a_licence_line_under_the_address_joins_no_field(licence):
    fields = read(
        f"Sandpiper Haulage\n## Roy Delgado\nDispatcher\nT 562.555.0147\n"
        f"1180 W Anaheim St, Wilmington, CA 90744\n{licence}",
        "US",
    ).fields
    assert fields.address == "1180 W Anaheim St, Wilmington, CA 90744"
    digits = "".join(ch for ch in licence if ch.isdigit())
    for value in (fields.name, fields.title, fields.company, fields.address, fields.wechat):
        assert not value or digits not in "".join(ch for ch in value if ch.isdigit())
    assert all(digits not in number for number in fields.phone + fields.mobile + fields.fax)


def test_a_licence_on_the_address_line_is_left_out_of_it():
    fields = read(
        "## Roy Delgado\nDispatcher\n1180 W Anaheim St, Wilmington, CA 90744 · USDOT 2290117", "US"
    ).fields
    assert fields.address == "1180 W Anaheim St, Wilmington, CA 90744"


def test_mc_in_a_name_is_no_licence():
    fields = read("## Fiona McKenna\nMC 2026 Host\nT 0131 496 0112", "UK").fields
    assert fields.name == "Fiona McKenna"


# ------------------------------------------------------------ 6. a stray letter before a website


@pytest.mark.parametrize(
    ("line", "site"),
    [
        ("owww.pinecrestvet.com", "www.pinecrestvet.com"),
        ("ewww.pinecrestvet.com", "www.pinecrestvet.com"),
        ("网址：owww.pinecrestvet.com", "www.pinecrestvet.com"),
    ],
)
def test_a_stray_letter_before_www_is_dropped(line, site):
    fields = read(f"## Tomas Reyes\nManager\ntomas@pinecrestvet.com\n{line}", "US").fields
    assert fields.website == site


@pytest.mark.parametrize("glued", ["opinecrestvet.com", "epinecrestvet.com", "Wpinecrestvet.com"])
def test_a_stray_letter_glued_on_the_emails_domain_is_dropped(glued):
    fields = read(f"## Tomas Reyes\nManager\ntomas@pinecrestvet.com\n{glued}", "US").fields
    assert fields.website == "pinecrestvet.com"


@pytest.mark.parametrize("separator", [" | ", " · ", " • "])
def test_the_emails_domain_as_a_piece_of_its_line_is_the_website(separator):
    fields = read(f"## Ada Price\nFounder\nada@tidewater.co{separator}tidewater.co", "UK").fields
    assert fields.website == "tidewater.co"


def test_a_one_letter_subdomain_is_kept():
    fields = read("## Ada Price\nFounder\nada@tidewater.co\nm.tidewater.co", "UK").fields
    assert fields.website == "m.tidewater.co"


# ------------------------------------------------------------ 7. a QR name, family name first


@pytest.mark.parametrize(
    ("printed", "qr_text", "name"),
    [
        ("Lim Wei Jie", "BEGIN:VCARD\nVERSION:3.0\nN:Lim;Wei Jie;;;\nEND:VCARD", "Lim Wei Jie"),
        ("TAN KOK LEONG", "MECARD:N:Tan,Kok Leong;TEL:+6591234567;;", "Tan Kok Leong"),
        # an OCR slip in the given name: the QR's words, in the card's order
        ("Ng Mei Lng", "BEGIN:VCARD\nVERSION:4.0\nN:Ng;Mei Ling;;;\nEND:VCARD", "Ng Mei Ling"),
        ("Jane Harper", "MECARD:N:Harper,Jane;TEL:+6591234567;;", "Jane Harper"),
    ],
)
def test_a_qr_name_is_built_the_way_the_card_prints_it(printed, qr_text, name):
    fields = with_qr(f"## {printed}\nPartnerships Lead\nT +65 6570 1111", qr_text, "SG").fields
    assert fields.name == name


def test_the_printed_order_only_turns_the_qrs_own_words():
    assert in_printed_order("Goh Siew Ling", "Siew Ling Goh") == "Goh Siew Ling"
    assert in_printed_order("Mary Goh", "Mary Goh") == "Mary Goh"
    assert in_printed_order("Peter Quill", "Siew Ling Goh") == "Siew Ling Goh"


# ------------------------------------------------------ 8. a WeChat id's underscore read as "-"


@pytest.mark.parametrize(
    ("line", "email", "wechat"),
    [
        ("微信：chen-yu88", "chen_yu88@hengyuan.cn", "chen_yu88"),
        ("WeChat: Li-Na-2020", "li_na_2020@example.com", "Li_Na_2020"),
        ("微信号 wx-zhao-lx", "wx_zhao-lx@qq.com", "wx_zhao-lx"),
    ],
)
def test_an_underscore_read_as_a_hyphen_is_put_back_where_the_email_agrees(line, email, wechat):
    fields = read(f"## 陈宇\n销售经理\n{line}\n邮箱：{email}").fields
    assert fields.wechat == wechat


@pytest.mark.parametrize(
    ("line", "email"),
    [("微信：chen-yu88", "chenyu@hengyuan.cn"), ("WeChat: li-na", "lina@example.com")],
)
def test_a_hyphen_stays_when_nothing_agrees(line, email):
    fields = read(f"## 陈宇\n销售经理\n{line}\n邮箱：{email}").fields
    assert fields.wechat == line.split(maxsplit=1)[-1].split("：")[-1].strip()


def test_the_qrs_email_can_agree_too():
    qr_text = "MECARD:N:陈,宇;EMAIL:chen_yu88@hengyuan.cn;;"
    fields = with_qr("## 陈宇\n销售经理\n微信：chen-yu88", qr_text).fields
    assert fields.wechat == "chen_yu88"


# ------------------------------------ 9. a Chinese QR address with country, province, postcode


def _vcard_adr(adr: str) -> str:
    return f"BEGIN:VCARD\nVERSION:4.0\nFN:周文斌\nADR;TYPE=work:{adr}\nEND:VCARD"


@pytest.mark.parametrize(
    ("printed", "qr_text"),
    [
        ("杭州市西湖区文三路90号", _vcard_adr(";;西湖区文三路90号;杭州市;浙江省;310012;中国")),
        (
            "宁波市鄞州区天童南路588号",
            "MECARD:N:周,文斌;ADR:中国 浙江省宁波市鄞州区天童南路588号 邮编 315100;;",
        ),
        (
            "鄞州区天童南路588号",
            "MECARD:N:周,文斌;ADR:中国浙江省宁波市鄞州区天童南路588号 315100;;",
        ),
        (
            "广西壮族自治区南宁市青秀区民族大道136号",
            _vcard_adr(";;青秀区民族大道136号;南宁市;广西壮族自治区;530028;中国"),
        ),
    ],
)
def test_the_printed_chinese_address_stays_when_the_qr_adds_country_province_postcode(
    printed, qr_text
):
    fields = with_qr(f"## 周文斌\n销售经理\n{printed}", qr_text).fields
    assert fields.address == printed


def test_a_chinese_qr_address_that_says_something_else_still_wins():
    printed, coded = "杭州市西湖区文三路98号", "中国310012浙江省杭州市西湖区文三路90号"
    assert not same_address(printed, coded)
    qr_text = _vcard_adr(";;西湖区文三路90号;杭州市;浙江省;310012;中国")
    fields = with_qr(f"## 周文斌\n销售经理\n{printed}", qr_text).fields
    assert fields.address != printed
    assert "文三路90号" in (fields.address or "")
