"""QR codes on cards: vCard 2.1 / 3.0 / 4.0 and MeCard read into fields, found in images."""

from __future__ import annotations

import numpy as np
import segno
from PIL import Image

from bot.cardscan.qr import contact_from_qr, decode_qr_texts, parse_mecard, parse_vcard

VCARD_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;=E4=BC=9F\r\n"
    "TEL;CELL:+8613800138000\r\nTEL;WORK;VOICE:021-6123 4567\r\nTEL;WORK;FAX:+862161234568\r\n"
    "EMAIL;INTERNET:Zhang.Wei@Xingchen-Tech.com\r\nORG;CHARSET=UTF-8:星辰科技有限公司\r\n"
    "TITLE;CHARSET=UTF-8:销售总监\r\nX-WECHAT:zhangwei_88\r\nEND:VCARD\r\n"
)
VCARD_30 = (
    "BEGIN:VCARD\nVERSION:3.0\nN:Miller;David;;;\nFN:David Miller\nORG:Globex Trading Ltd.\n"
    "TITLE:Sales Director\nTEL;TYPE=CELL:+1 415 823 4567\nTEL;TYPE=WORK,VOICE:+1 212 639 2000\n"
    "EMAIL;TYPE=INTERNET:david@globex.com\nURL:https://www.globex.com/\n"
    "ADR;TYPE=WORK:;Suite 400;1200 Market Street;San Francisco;CA;94103;USA\nEND:VCARD\n"
)
VCARD_40 = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:李娜\nORG:北京华信电子股份有限公司\n"
    'TEL;TYPE="cell";VALUE=uri:tel:+86-139-1234-5678\nEMAIL:lina@huaxin.com.cn\n'
    "IMPP:weixin:lina_hx\nADR;TYPE=work:;;中关村大街27号;海淀区;北京市;100080;中国\nEND:VCARD\n"
)
MECARD = (
    r"MECARD:N:Tan,Grace;TEL:+6591234567;TEL:+6561234567;EMAIL:grace@summit.sg;"
    r"URL:http\://www.summit.sg;ADR:1 Raffles Place\, #20-01\, Singapore 048616;"
    r"ORG:Summit Solutions Pte. Ltd.;TITLE:Head of Sales;;"
)


def test_vcard_21_with_quoted_printable_and_bare_types():
    fields = parse_vcard(VCARD_21)
    assert fields is not None
    assert fields.name == "张伟"
    assert fields.company == "星辰科技有限公司"
    assert fields.title == "销售总监"
    assert fields.mobile == ["+8613800138000"]
    assert fields.phone == ["+862161234567"]
    assert fields.fax == ["+862161234568"]
    assert fields.email == ["zhang.wei@xingchen-tech.com"]
    assert fields.wechat == "zhangwei_88"


def test_vcard_30():
    fields = parse_vcard(VCARD_30)
    assert fields is not None
    assert (fields.name, fields.company, fields.title) == (
        "David Miller",
        "Globex Trading Ltd.",
        "Sales Director",
    )
    assert fields.mobile == ["+14158234567"]
    assert fields.phone == ["+12126392000"]
    assert fields.website == "www.globex.com"
    assert fields.address == "1200 Market Street, Suite 400, San Francisco, CA, 94103, USA"


def test_vcard_40_with_uri_phones_and_chinese_address():
    fields = parse_vcard(VCARD_40)
    assert fields is not None
    assert fields.name == "李娜"
    assert fields.mobile == ["+8613912345678"]
    assert fields.wechat == "lina_hx"
    assert fields.address == "中国100080北京市海淀区中关村大街27号"


def test_mecard_with_escapes():
    fields = parse_mecard(MECARD, "SG")
    assert fields is not None
    assert fields.name == "Grace Tan"
    assert fields.mobile == ["+6591234567"]
    assert fields.phone == ["+6561234567"]
    assert fields.website == "www.summit.sg"
    assert fields.address == "1 Raffles Place, #20-01, Singapore 048616"
    assert fields.company == "Summit Solutions Pte. Ltd."
    assert fields.title == "Head of Sales"


def test_only_contact_codes_count():
    assert contact_from_qr(["https://u.wechat.com/abc", "hello"]) is None
    assert contact_from_qr(["BEGIN:VCARD\nnot really"]) is None
    found = contact_from_qr(["https://example.com", MECARD])
    assert found is not None
    assert found.name == "Grace Tan"


def _qr_photo(payload: str) -> Image.Image:
    code = segno.make_qr(payload, encoding="utf-8", error="l")
    rows = [[0 if bit else 255 for bit in row] for row in code.matrix_iter(scale=4, border=4)]
    qr = Image.fromarray(np.array(rows, dtype=np.uint8), "L").convert("RGB")
    photo = Image.new("RGB", (1200, 800), (235, 235, 230))
    photo.paste(qr, (800, 350))
    return photo.rotate(8, expand=True, fillcolor=(90, 80, 70))


def test_codes_are_found_in_a_photo():
    texts = decode_qr_texts(_qr_photo(VCARD_21))
    assert len(texts) == 1
    fields = contact_from_qr(texts)
    assert fields is not None
    assert fields.name == "张伟"
    assert fields.company == "星辰科技有限公司"
    assert decode_qr_texts(Image.new("RGB", (400, 300), "white")) == []
