"""Cards from abroad (issue 17), one class of mistake per section, on typed card text (no OCR):
numbers read in the card's own region, label variants, QR vCard / MeCard types and the QR over
OCR, traditional and simplified characters. The rep's default region is CN throughout, as for
a rep in Shanghai, the case that used to give a Boston number +86."""

from __future__ import annotations

import pytest

from bot.cardscan.fields import extract_fields, lines_from_text
from bot.cardscan.model import CardFields
from bot.cardscan.qr import contact_from_qr, parse_mecard, parse_vcard
from bot.cardscan.reading import merge_qr, reread_numbers
from bot.cardscan.region import infer_region
from tests.cardscan_typed import read

US_CARD = """## Anna Wright
VP Sales
Harbor Logistics Inc.
M 617.555.0142
p. (617) 555-0199
E anna@harborlog.com
w. www.harborlog.com
100 Federal St, Boston, MA 02110"""


# --------------------------------------------------------------------------- 1. numbers abroad


def test_a_us_card_is_read_as_us_for_a_rep_in_china():
    reading = read(US_CARD)
    assert (reading.region, reading.region_from_card) == ("US", True)
    assert reading.fields.mobile == ["+16175550142"]
    assert reading.fields.phone == ["+16175550199"]
    assert reading.fields.address == "100 Federal St, Boston, MA 02110"


@pytest.mark.parametrize(
    ("lines", "region"),
    [
        # the address says where
        ("Mobile: (303) 555-0117\n1 Main Street\nDenver, CO 80202", "US"),
        ("Mob 07400 123456\n99 Deansgate\nManchester M3 4LZ", "GB"),
        ("T 2123 4567\n18/F, 1 Queen's Road Central\nCentral, Hong Kong", "HK"),
        ("M 9123 4567\n1 Raffles Place, #20-01\nSingapore 048616", "SG"),
        ("手機：0912 345 678\n臺北市信義區信義路五段7號", "TW"),
        ("手机：138 0013 8000\n上海市浦东新区张江路123号", "CN"),
        # a country code printed elsewhere on the card
        ("M +44 7400 123456\nT 020 7946 0958", "GB"),
        ("T +852 2123 4567\nM 9123 4567", "HK"),
        ("T +65 6123 4567\nM 9123 4567", "SG"),
        ("T +1 212 555 0199\nM 212 555 0142", "US"),
        # an English-only card with a NANP-shaped number and nothing else
        ("Anna Wright\nM 617.555.0142", "US"),
        # a traditional card: numbers with a trunk 0 are Taiwan's, eight digits Hong Kong's
        ("陳大文\n銷售總監\n電話：(02) 2345-6789", "TW"),
        ("陳大文\n銷售總監\n電話：2345 6789", "HK"),
    ],
)
def test_the_region_is_read_from_the_card(lines, region):
    assert read(lines).region == region


def test_with_nothing_to_go_by_the_reps_region_stands():
    guess = infer_region(["张伟", "手机：138 0013 8000"], "CN")
    assert (guess.region, guess.from_card) == ("CN", False)
    assert infer_region(["Wei Zhang", "M 9123 4567"], "SG").region == "SG"


def test_a_valid_nanp_number_never_gets_86():
    # A Chinese card with a US office: no English-only clue, read in CN. 212 555 0142 is
    # also a valid Shanghai number without its 0; printed the NANP way it is American.
    fields = extract_fields(lines_from_text("## 张伟\n纽约办事处\nTel: (212) 555-0142"), "CN")
    assert fields.phone == ["+12125550142"]
    fields = extract_fields(lines_from_text("## 张伟\n电话：212.555.0142"), "CN")
    assert fields.phone == ["+12125550142"]
    # Chinese numbers are not taken for American ones.
    fields = extract_fields(lines_from_text("## 张伟\n电话：021-6123 4567\n手机：138 0013 8000"))
    assert (fields.phone, fields.mobile) == (["+862161234567"], ["+8613800138000"])


# --------------------------------------------------------------------------- 2. labels


@pytest.mark.parametrize(
    "label", ["M ", "M: ", "M.: ", "Mob ", "Mob. ", "Cell ", "C ", "M", "手机：", "移动电话 "]
)
def test_mobile_labels(label):
    fields = read(f"## Anna Wright\n{label}617.555.0142\n100 Federal St, Boston, MA 02110").fields
    assert (fields.mobile, fields.phone) == (["+16175550142"], [])


@pytest.mark.parametrize(
    "label",
    [
        "T ",
        "Tel ",
        "P ",
        "p. ",
        "p.",
        "Phone ",
        "Phone: ",
        "Office ",
        "Direct ",
        "D ",
        "电话：",
        "座机：",
        "总机：",
    ],
)
def test_phone_labels(label):
    fields = read(f"## Anna Wright\n{label}(617) 555-0199\nBoston, MA 02110").fields
    assert (fields.phone, fields.mobile) == (["+16175550199"], [])


@pytest.mark.parametrize("label", ["F ", "Fax ", "F: ", "传真："])
def test_fax_labels(label):
    fields = read(f"## Anna Wright\nT 617 555 0199\n{label}617 555 0198\nBoston, MA 02110").fields
    assert fields.fax == ["+16175550198"]
    assert fields.phone == ["+16175550199"]


@pytest.mark.parametrize("label", ["E ", "e. ", "e.", "E", "Email ", "E-mail: ", "邮箱："])
def test_email_labels_are_never_glued_to_the_address(label):
    fields = read(f"## Anna Wright\n{label}anna@harborlog.com").fields
    assert fields.email == ["anna@harborlog.com"]


@pytest.mark.parametrize("label", ["W ", "w. ", "w.", "W", "Web ", "网址：", "网站："])
def test_website_labels_are_never_glued_to_the_address(label):
    fields = read(f"## Anna Wright\nE anna@harborlog.com\n{label}www.harborlog.com").fields
    assert fields.website == "www.harborlog.com"


@pytest.mark.parametrize("line", ["web acme.io", "Web: acme.io", "webacme.io", "w. acme.io"])
def test_a_bare_domain_after_a_web_label_is_the_website(line):
    assert read(f"## Anna Wright\nE anna@acme.io\n{line}").fields.website == "acme.io"


def test_label_letters_inside_values_stay_values():
    fields = read(
        "## Mark Patel\nM 07400 123456\nE emma.smith@keystone.co.uk\nwww.keystone.co.uk\n"
        "99 Deansgate\nManchester M3 4LZ"
    ).fields
    assert fields.email == ["emma.smith@keystone.co.uk"]  # not "mma.smith"
    assert fields.website == "www.keystone.co.uk"  # not "ww.keystone…"
    assert fields.address == "99 Deansgate, Manchester M3 4LZ"  # M3 is a postcode, no mobile
    assert fields.mobile == ["+447400123456"]


@pytest.mark.parametrize(
    ("line", "mobile", "phone", "fax", "region"),
    [
        ("HP +65 9123 8765", ["+6591238765"], [], [], "CN"),
        ("H/P: 9123 8765", ["+6591238765"], [], [], "SG"),
        ("DID +65 6812 3456", [], ["+6568123456"], [], "CN"),
        ("手提 Mobile: (852) 9876 5432", ["+85298765432"], [], [], "CN"),
        ("行動：0933-123-456", ["+886933123456"], [], [], "TW"),
        ("Tel/Fax: +65 6812 3456", [], ["+6568123456"], ["+6568123456"], "CN"),
        ("電話/傳真：+852 2511 3344", [], ["+85225113344"], ["+85225113344"], "CN"),
    ],
)
def test_more_label_variants(line, mobile, phone, fax, region):
    fields = read(f"## Tan Wei Ming\n{line}", region).fields
    assert (fields.mobile, fields.phone, fields.fax) == (mobile, phone, fax)


def test_an_email_label_ocr_glued_on_with_its_colon_misread_is_dropped():
    fields = read("## 吳建宏\nE-mailojh.wu@twprecision.com.tw").fields
    assert fields.email == ["jh.wu@twprecision.com.tw"]


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("James O'Connor", "James O'Connor"),
        ("Ian McDonald", "Ian McDonald"),
        ("Fiona Campbell MBA", "Fiona Campbell"),
        ("Li Wei, PhD", "Li Wei"),
    ],
)
def test_latin_names(printed, name):
    assert read(f"## {printed}\nProcurement Lead\nM +44 7400 123456").fields.name == name


# --------------------------------------------------------------------------- 3. QR codes

VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Anna Wright
ORG:Harbor Logistics Inc.
TEL;TYPE=CELL:+1 617 555 0142
TEL;TYPE=CELL:+1 617 555 0143
TEL;TYPE=WORK,VOICE:+1 617 555 0199
TEL;TYPE=WORK,FAX:+1 617 555 0198
EMAIL:anna@harborlog.com
END:VCARD"""


def test_vcard_types_file_every_number():
    fields = parse_vcard(VCARD)
    assert fields is not None
    assert fields.mobile == ["+16175550142", "+16175550143"]
    assert fields.phone == ["+16175550199"]
    assert fields.fax == ["+16175550198"]


def test_vcard_21_and_40_spellings_of_the_types():
    v21 = VCARD.replace("VERSION:3.0", "VERSION:2.1").replace("TYPE=WORK,VOICE", "WORK;VOICE")
    v21 = v21.replace("TYPE=CELL", "CELL").replace("TYPE=WORK,FAX", "WORK;FAX")
    v40 = VCARD.replace("VERSION:3.0", "VERSION:4.0").replace(
        "TYPE=WORK,VOICE", 'TYPE="work,voice"'
    )
    for text in (v21, v40):
        fields = parse_vcard(text)
        assert fields is not None
        assert (fields.mobile, fields.phone, fields.fax) == (
            ["+16175550142", "+16175550143"],
            ["+16175550199"],
            ["+16175550198"],
        )


def test_a_number_phonenumbers_calls_possible_is_kept():
    # Ofcom's drama range: not "valid", but the code printed it, so it is kept.
    fields = parse_vcard(VCARD.replace("+1 617 555 0143", "+44 7700 900123"))
    assert fields is not None
    assert fields.mobile == ["+16175550142", "+447700900123"]


def test_mecard_numbers_by_their_own_type_in_the_cards_region():
    fields = parse_mecard(
        "MECARD:N:Tan,Mei Ling;TEL:9123 4567;TEL:6123 4567;EMAIL:mei@x.sg;;", "SG"
    )
    assert fields is not None
    assert (fields.name, fields.mobile, fields.phone) == (
        "Mei Ling Tan",
        ["+6591234567"],
        ["+6561234567"],
    )


def test_the_qr_fills_what_ocr_missed_and_wins_where_they_disagree():
    ocr = read(
        "## Anna Wrlght\nHarbor Logistics Inc.\n617 555 0142\nE anna@harb0rlog.com\n"
        "100 Federal St, Boston, MA 02110"
    ).fields
    assert ocr.phone == ["+16175550142"]  # no label: OCR can't tell it is the mobile
    qr = contact_from_qr([VCARD])
    assert qr is not None
    merged = merge_qr(qr, ocr)
    assert merged.name == "Anna Wright"  # the QR wins
    assert merged.email == ["anna@harborlog.com"]
    assert merged.mobile == ["+16175550142", "+16175550143"]
    assert merged.phone == ["+16175550199"]  # not the mobile a second time
    assert merged.fax == ["+16175550198"]  # filled from the QR
    assert merged.address == "100 Federal St, Boston, MA 02110"  # filled from OCR


def test_a_bilingual_cards_english_qr_does_not_replace_the_chinese_name():
    ocr = read("## 陈美玲 Chen Meiling\n采购经理 Purchasing Manager\nTel: +65 6745 1122").fields
    qr = contact_from_qr(["MECARD:N:Chen,Meiling;TEL:+6582345566;;"], "SG")
    assert qr is not None
    merged = merge_qr(qr, ocr)
    assert merged.name == "陈美玲"
    assert (merged.mobile, merged.phone) == (["+6582345566"], ["+6567451122"])


# --------------------------------------------------------------------------- 4. scripts


def test_a_traditional_slip_on_a_simplified_card_is_normalised():
    reading = read(
        "宏图科技有限公司\n## 張伟\n销售总监\n手机：138 0013 8000\n上海市浦东新区张江路123号"
    )
    assert reading.script == "simplified"
    assert reading.fields.name == "张伟"
    assert reading.fields.title == "销售总监"


def test_a_traditional_card_keeps_its_characters():
    reading = read(
        "港灣貿易有限公司\n## 陳大文\n銷售總監\n手機：9123 4567\n電話：2123 4567\n"
        "電郵：david@harbour.com.hk\n香港中環皇后大道中18號20樓"
    )
    assert reading.script == "traditional"
    assert (reading.region, reading.fields.to_json()) == (
        "HK",
        {
            "name": "陳大文",
            "title": "銷售總監",
            "company": "港灣貿易有限公司",
            "mobile": ["+85291234567"],
            "phone": ["+85221234567"],
            "fax": [],
            "email": ["david@harbour.com.hk"],
            "website": None,
            "address": "香港中環皇后大道中18號20樓",
            "wechat": None,
        },
    )


def test_a_taiwanese_card_reads_labels_titles_and_address_in_traditional():
    fields = read(
        "宏圖科技有限公司\n## 趙美玲\n業務經理\n行動電話：0912 345 678\n總機：(02) 2345-6789\n"
        "傳真：(02) 2345-6788\n網址：www.hongtu.com.tw\n臺北市信義區信義路五段7號9樓"
    ).fields
    assert (fields.name, fields.title) == ("趙美玲", "業務經理")
    assert (fields.mobile, fields.phone, fields.fax) == (
        ["+886912345678"],
        ["+886223456789"],
        ["+886223456788"],
    )
    assert fields.website == "www.hongtu.com.tw"
    assert fields.address == "臺北市信義區信義路五段7號9樓"


# --------------------------------------------------------------------------- re-reading


def test_numbers_read_again_in_another_region_keep_the_reps_edits_and_the_qr():
    texts = ["Mei Ling Tan", "M 9123 4567", "T 6123 4567"]
    edited = CardFields(name="Mei Ling Tan (edited)", mobile=["+8691234567"])
    qr = CardFields(fax=["+6561234500"])
    again = reread_numbers(texts, "SG", qr, edited)
    assert again.name == "Mei Ling Tan (edited)"
    assert (again.mobile, again.phone, again.fax) == (
        ["+6591234567"],
        ["+6561234567"],
        ["+6561234500"],
    )
