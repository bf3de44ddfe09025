"""Field extraction on typed card text (no OCR): Chinese, English and bilingual cards,
labels and no labels, phones to E.164, the name by size, reading order after rotation."""

from __future__ import annotations

import math

import pytest

from bot.cardscan.fields import extract_fields, lines_from_text, parse_phone
from bot.cardscan.model import CardFields, OcrLine
from bot.cardscan.ocr import RawLine, card_angle, sort_reading_order, upright_lines


def read(text: str, region: str = "CN") -> CardFields:
    return extract_fields(lines_from_text(text), region)


def test_chinese_card_every_field():
    fields = read(
        """星辰科技有限公司
        ## 张伟
        销售总监
        手机：138 0013 8000
        电话：021-6123 4567  传真：021-6123 4568
        邮箱：zhang.wei@xingchen-tech.com
        网址：www.xingchen-tech.com
        微信：zhangwei_88
        地址：上海市浦东新区张江路123号5楼"""
    )
    assert fields.to_json() == {
        "name": "张伟",
        "title": "销售总监",
        "company": "星辰科技有限公司",
        "mobile": ["+8613800138000"],
        "phone": ["+862161234567"],
        "fax": ["+862161234568"],
        "email": ["zhang.wei@xingchen-tech.com"],
        "website": "www.xingchen-tech.com",
        "address": "上海市浦东新区张江路123号5楼",
        "wechat": "zhangwei_88",
    }


def test_english_card_with_two_line_address_and_short_labels():
    fields = read(
        """## David Miller
        Senior Sales Manager
        Globex Trading Ltd.
        M: +1 415 823 4567 | T: +1 (212) 639-2000
        E: david.miller@globex.com   W: https://www.globex.com/
        A: 1200 Market Street, Suite 400,
        San Francisco, CA 94103, USA"""
    )
    assert fields.name == "David Miller"
    assert fields.title == "Senior Sales Manager"
    assert fields.company == "Globex Trading Ltd."
    assert fields.mobile == ["+14158234567"]  # a US number's type is told by its label
    assert fields.phone == ["+12126392000"]
    assert fields.email == ["david.miller@globex.com"]
    assert fields.website == "www.globex.com"
    assert fields.address == "1200 Market Street, Suite 400, San Francisco, CA 94103, USA"


def test_bilingual_card_keeps_the_chinese_forms():
    fields = read(
        """## 李娜
        Li Na
        市场部经理 Marketing Manager
        北京华信电子股份有限公司
        Beijing Huaxin Electronics Co., Ltd.
        手机/Mob: 139 1234 5678
        邮箱/Email: lina@huaxin.com.cn
        地址/Add: 北京市海淀区中关村大街27号1208室
        Room 1208, No. 27 Zhongguancun Street, Haidian, Beijing 100080"""
    )
    assert fields.name == "李娜"
    assert fields.title == "市场部经理"
    assert fields.company == "北京华信电子股份有限公司"
    assert fields.mobile == ["+8613912345678"]
    assert fields.address == "北京市海淀区中关村大街27号1208室"


def test_no_labels_the_values_speak_for_themselves():
    """A line that is only the e-mail's domain is the website: on real cards the web line is
    usually the e-mail's domain (round 2 of issue 17 turned this over; it used to be
    dropped, a guess against OCR cutting an e-mail in two that cost real websites)."""
    fields = read(
        """## 王 芳
        采购经理
        恒通物流有限公司
        186 1234 5678
        (0755) 8888-1234 转801
        wangfang@hengtong.cn
        hengtong.cn
        广东省深圳市南山区科技园南路18号"""
    )
    assert fields.name == "王芳"  # letter-spaced for looks, one name
    assert fields.mobile == ["+8618612345678"]
    assert fields.phone == ["+8675588881234"]  # the extension is not part of E.164
    assert fields.email == ["wangfang@hengtong.cn"]
    assert fields.website == "hengtong.cn"  # a line of its own: the web address
    assert fields.address == "广东省深圳市南山区科技园南路18号"


def test_a_mobile_number_behind_a_tel_label_is_a_mobile():
    fields = read("## 陈明\n恒通科技有限公司\nTel: 13800138000\nFax: 010-8765 4322")
    assert fields.mobile == ["+8613800138000"]
    assert fields.phone == []
    assert fields.fax == ["+861087654322"]


def test_default_region_decides_numbers_without_country_code():
    fields = read("## Grace Tan\nSummit Solutions Pte. Ltd.\nM: 9123 4567\nT: 6123 4567", "SG")
    assert fields.mobile == ["+6591234567"]
    assert fields.phone == ["+6561234567"]


def test_the_largest_name_like_line_is_the_name():
    fields = read(
        """### ACME
        Acme Trading Inc.
        Sales Director
        ## JOHN SMITH
        Peter Parker Building, 12 Queen's Road, Central, Hong Kong
        john@acme.com"""
    )
    assert fields.name == "John Smith"
    assert fields.company == "Acme Trading Inc."


def test_several_numbers_emails_and_ocr_noise():
    fields = read(
        "## 赵磊\n天成贸易有限公司\n手机:138 0013 8000 / 139-1234-5678\n"
        "邮箱 : zhaolei @ tiancheng.com , sales@tiancheng.com\n微信号:wx-zl2024 QQ: 12345678"
    )
    assert fields.mobile == ["+8613800138000", "+8613912345678"]
    assert fields.email == ["zhaolei@tiancheng.com", "sales@tiancheng.com"]
    assert fields.wechat == "wx-zl2024"
    assert fields.phone == []  # a QQ number is not a phone


def test_text_that_is_not_a_card_gives_little():
    fields = read("Total 128.00\nThank you for shopping\n2026-11-18 10:32")
    assert fields.name is None
    assert fields.company is None
    assert not fields.mobile


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("+852 9123 4567", "+85291234567"),
        ("021-6123 4567", "+862161234567"),
        ("not a number", None),
    ],
)
def test_parse_phone(typed, expected):
    assert parse_phone(typed) == expected


def test_qr_fields_win_where_they_disagree():
    ocr = CardFields(name="张伟", title="销售总监", mobile=["+8613800138001"], address="上海")
    qr = CardFields(name="张伟", mobile=["+8613800138000"], email=["zw@x.com"])
    merged = qr.merged_over(ocr)
    assert merged.mobile == ["+8613800138000"]  # the QR's list, not a mix of both
    assert merged.title == "销售总监"
    assert merged.address == "上海"
    assert merged.email == ["zw@x.com"]


# --------------------------------------------------------------------------- geometry


Points = tuple[tuple[float, float], ...]


def _box(x: float, y: float, w: float, h: float, angle_deg: float) -> Points:
    """A text box of an upright card, rotated about the origin like the photo was."""
    a = math.radians(angle_deg)

    def turn(px: float, py: float) -> tuple[float, float]:
        return (px * math.cos(a) - py * math.sin(a), px * math.sin(a) + py * math.cos(a))

    return tuple(turn(px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def _rapidocr_view(points: Points, text: str) -> RawLine:
    """How rapidocr reports a box: corners ordered from the top-left of the image, a tall
    box laid flat and the classifier's upside-down verdict."""
    # rapidocr orders corners clockwise from the one nearest the image's top-left.
    start = min(range(4), key=lambda i: points[i][0] + points[i][1])
    ordered = tuple(points[(start + k) % 4] for k in range(4))
    dx, dy = ordered[1][0] - ordered[0][0], ordered[1][1] - ordered[0][1]
    width = math.hypot(dx, dy)
    height = math.dist(ordered[0], ordered[3])
    truth_dx, truth_dy = points[1][0] - points[0][0], points[1][1] - points[0][1]
    if height >= 1.5 * width:
        dx, dy = ordered[3][0] - ordered[0][0], ordered[3][1] - ordered[0][1]
    flipped = dx * truth_dx + dy * truth_dy < 0
    return RawLine(text, 0.99, ordered, flipped)


@pytest.mark.parametrize("angle", [0, 12, -35, 90, -90, 180, 75])
def test_lines_come_back_in_reading_order_whatever_the_rotation(angle):
    upright = [
        ("星辰科技有限公司", 40, 30, 400, 36),
        ("张伟", 40, 120, 130, 64),
        ("销售总监", 200, 140, 160, 32),
        ("手机：138 0013 8000", 40, 300, 420, 26),
        ("邮箱：zw@xingchen.com", 40, 340, 420, 26),
    ]
    raw = [_rapidocr_view(_box(x, y, w, h, angle), text) for text, x, y, w, h in upright]
    lines = upright_lines(list(reversed(raw)))
    assert [line.text for line in lines] == [t[0] for t in upright]
    assert round(card_angle(raw)) % 360 == angle % 360
    assert max(lines, key=lambda line: line.height).text == "张伟"


def test_pieces_of_one_line_are_joined():
    lines = sort_reading_order(
        [
            OcrLine("Lewis", x=220, y=100, height=60, width=150),
            OcrLine("James", x=20, y=102, height=60, width=170),
            OcrLine("Contoso Inc.", x=20, y=200, height=40, width=300),
            OcrLine("Tel: +1 415 823 4567", x=700, y=200, height=40, width=300),
        ]
    )
    assert [line.text for line in lines] == [
        "James Lewis",
        "Contoso Inc.",
        "Tel: +1 415 823 4567",  # far to the right: another column, not the same line
    ]
