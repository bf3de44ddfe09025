"""Made-up people from the US, the UK, Hong Kong, Singapore, Taiwan and the mainland, as
written cards (:mod:`tests.cardset.abroad`'s TOML format): the lines a card of that place
prints (its number formats, label variants, address shapes, script) and their truth.

``python -m tests.cardset.regions FILE --count 40 --seed 17`` writes a tuning file (that is
how ``abroad_tuning.toml`` was made). Seeded: the same seed writes the same file.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat

FIRST = ("Anna", "Mark", "Priya", "Oliver", "Grace", "Ethan", "Chloe", "Lucas", "Maya", "Ryan")
LAST = ("Wright", "Patel", "Hughes", "Nguyen", "Fischer", "Carter", "Lim", "Okafor", "Reyes")
EN_TITLES = (
    "VP Sales",
    "Account Director",
    "Head of Procurement",
    "Sales Engineer",
    "Managing Director",
    "Regional Manager",
    "Business Development Lead",
)
EN_BRANDS = ("Harbor", "Bluefin", "Crescent", "Keystone", "Meridian", "Northgate", "Tidewater")
EN_TRADES = ("Logistics", "Analytics", "Foods", "Robotics", "Capital", "Supply", "Labs")
SUFFIX = {
    "US": ("Inc.", "LLC", "Corp."),
    "UK": ("Ltd", "Limited", "plc"),
    "HK": ("Limited", "Co., Ltd."),
    "SG": ("Pte. Ltd.", "Pte Ltd"),
    "TW": ("Co., Ltd.", "Corp."),
    "CN": ("Co., Ltd.",),
}
TLD = {
    "US": ".com",
    "UK": ".co.uk",
    "HK": ".com.hk",
    "SG": ".com.sg",
    "TW": ".com.tw",
    "CN": ".com.cn",
}

ZH_SURNAMES_S = "王李张刘陈杨黄赵吴周"
ZH_SURNAMES_T = "王李張劉陳楊黃趙吳周"
ZH_GIVEN_S = ("伟", "芳", "志强", "嘉欣", "俊杰", "丽华", "文斌", "晓东", "美玲", "国荣")
ZH_GIVEN_T = ("偉", "芳", "志強", "嘉欣", "俊傑", "麗華", "文斌", "曉東", "美玲", "國榮")
ZH_TITLES_S = ("销售总监", "业务经理", "总经理", "采购经理", "市场总监")
ZH_TITLES_T = ("銷售總監", "業務經理", "總經理", "採購經理", "市場總監")
ZH_BRANDS_S = ("港湾贸易有限公司", "宏图科技有限公司", "东方物流有限公司", "华美电子有限公司")
ZH_BRANDS_T = ("港灣貿易有限公司", "宏圖科技有限公司", "東方物流有限公司", "華美電子有限公司")

#: Printed label variants by field, per script.
LATIN_LABELS = {
    "mobile": ("M", "M.", "Mob", "Mobile:", "Cell", "C", "m."),
    "phone": ("T", "Tel", "P", "p.", "Phone:", "Office", "Direct", "D", "t."),
    "fax": ("F", "Fax", "f."),
    "email": ("E", "e.", "Email", "E-mail:"),
    "website": ("W", "w.", "Web"),
}
SIMPLIFIED_LABELS = {
    "mobile": ("手机：", "移动电话：", "手机 "),
    "phone": ("电话：", "座机：", "总机："),
    "fax": ("传真：",),
    "email": ("邮箱：",),
    "website": ("网址：", "网站："),
}
TRADITIONAL_LABELS = {
    "mobile": ("手機：", "流動電話：", "行動電話："),
    "phone": ("電話：", "總機："),
    "fax": ("傳真：",),
    "email": ("電郵：", "郵箱："),
    "website": ("網址：", "網站："),
}


def _number(rng: random.Random, region: str, mobile: bool) -> phonenumbers.PhoneNumber:
    for _ in range(500):
        digits = "".join(rng.choice("0123456789") for _ in range(8))
        if region == "US":
            text = f"+1{rng.choice(('617', '212', '415', '303', '206'))}555{digits[:4]}"
            if not mobile and rng.random() < 0.5:
                text = f"+1{rng.choice(('617', '312', '646'))}{rng.choice('2345678')}{digits[:6]}"
        elif region == "UK":
            text = (
                f"+447{rng.choice('45789')}{digits}"
                if mobile
                else f"+4420{rng.choice('78')}{digits[:7]}"
            )
        elif region == "HK":
            text = f"+852{rng.choice('569') if mobile else rng.choice('23')}{digits[:7]}"
        elif region == "SG":
            text = f"+65{rng.choice('89') if mobile else '6'}{digits[:7]}"
        elif region == "TW":
            text = f"+8869{digits}" if mobile else f"+8862{rng.choice('2378')}{digits[:7]}"
        else:
            text = (
                f"+8613{digits}{rng.choice('0123456789')}"
                if mobile
                else f"+8621{rng.choice('56')}{digits[:7]}"
            )
        number = phonenumbers.parse(text)
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(region)


def _printed(rng: random.Random, number: phonenumbers.PhoneNumber, region: str) -> str:
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = str(number.national_number)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    nat = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    styles = [intl, nat]
    if region == "US":
        a, b, c = national[:3], national[3:6], national[6:]
        styles += [f"{a}.{b}.{c}", f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a}.{b}.{c}"]
    elif region in {"HK", "SG"}:
        styles += [
            f"{national[:4]} {national[4:]}",
            f"{e164[: len(e164) - 8]} {national[:4]} {national[4:]}",
        ]
    elif region == "TW":
        styles += [nat.replace(" ", "-")]
    elif region == "UK":
        styles += [intl.replace("+44 ", "+44 (0)")]
    return rng.choice(styles)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _address(rng: random.Random, region: str, script: str) -> list[str]:
    n = rng.randint(1, 400)
    if region == "US":
        city = rng.choice(
            (
                ("Boston", "MA", "02110"),
                ("New York", "NY", "10017"),
                ("Denver", "CO", "80202"),
                ("Seattle", "WA", "98101"),
            )
        )
        lines = [
            f"{n} {rng.choice(('Federal St', 'Main Street', 'Park Ave', 'Pine St'))}",
            f"{city[0]}, {city[1]} {city[2]}",
        ]
        if rng.random() < 0.3:
            lines[-1] += ", USA"
    elif region == "UK":
        lines = [
            f"{n} {rng.choice(('Canada Square', 'High Holborn', 'Deansgate'))}",
            rng.choice(("London E14 5AB", "London WC1V 6RL", "Manchester M3 4LZ")),
        ]
        if rng.random() < 0.4:
            lines[-1] += ", United Kingdom"
    elif region == "HK":
        if script == "traditional":
            return [f"香港中環皇后大道中{n}號{rng.randint(2, 40)}樓"]
        lines = [f"{rng.randint(2, 40)}/F, {n} Queen's Road Central", "Central, Hong Kong"]
    elif region == "SG":
        lines = [
            f"{n} Raffles Place, #{rng.randint(2, 40):02d}-{rng.randint(1, 20):02d}",
            f"Singapore {rng.randint(10, 82):02d}{rng.randint(1000, 9999)}",
        ]
    elif region == "TW":
        if script != "latin":
            return [f"臺北市信義區信義路五段{n}號{rng.randint(2, 30)}樓"]
        lines = [f"{rng.randint(2, 30)}F, No. {n}, Sec. 5, Xinyi Rd.", "Taipei 110, Taiwan"]
    else:
        if script != "latin":
            return [f"上海市浦东新区张江路{n}号{rng.randint(2, 30)}楼"]
        lines = [
            f"Room {rng.randint(101, 2808)}, No. {n} Zhangjiang Road",
            "Pudong, Shanghai 200120, China",
        ]
    return [", ".join(lines)] if rng.random() < 0.5 else lines


def make_card(
    rng: random.Random, index: int, region: str, script: str, layout: str
) -> dict[str, Any]:
    """One written card of the region (see the module docstring)."""
    chinese = script in {"simplified", "traditional", "bilingual"}
    traditional = script == "traditional" or (script == "bilingual" and region in {"HK", "TW"})
    expect: dict[str, Any] = {}
    lines: list[str] = []
    domain_word = rng.choice(EN_BRANDS).lower()
    if chinese:
        i, j = rng.randrange(10), rng.randrange(10)
        name = (
            (ZH_SURNAMES_T[i] + ZH_GIVEN_T[j])
            if traditional
            else (ZH_SURNAMES_S[i] + ZH_GIVEN_S[j])
        )
        k = rng.randrange(5)
        title = (ZH_TITLES_T if traditional else ZH_TITLES_S)[k]
        company = (ZH_BRANDS_T if traditional else ZH_BRANDS_S)[k % 4]
        printed_name = name
        if script == "simplified" and rng.random() < 0.3:
            # An OCR-like slip: one traditional form in an otherwise simplified name.
            printed_name = ZH_SURNAMES_T[i] + ZH_GIVEN_S[j]
        lines += [company, printed_name, title]
        if script == "bilingual":
            lines.insert(1, f"{rng.choice(EN_BRANDS)} {rng.choice(EN_TRADES)} {SUFFIX[region][0]}")
            lines.append(rng.choice(EN_TITLES))
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        title = rng.choice(EN_TITLES)
        company = f"{domain_word.title()} {rng.choice(EN_TRADES)} {rng.choice(SUFFIX[region])}"
        lines += [name, title, company]
    expect.update(name=name, title=title, company=company)
    local = rng.choice(("anna", "m.lee", "sales", "info", "wright.a", "chen"))
    domain = domain_word + TLD[region]
    table = (
        LATIN_LABELS if not chinese else (TRADITIONAL_LABELS if traditional else SIMPLIFIED_LABELS)
    )

    def label(kind: str) -> str:
        chosen = rng.choice(table[kind])
        return chosen if chosen.endswith(("：", ":", " ")) else chosen + rng.choice((" ", ": "))

    mobile = [_number(rng, region, True)] if rng.random() < 0.85 else []
    phone = [_number(rng, region, False)] if rng.random() < 0.7 or not mobile else []
    fax = [_number(rng, region, False)] if phone and rng.random() < 0.3 else []
    for kind, numbers in (("mobile", mobile), ("phone", phone), ("fax", fax)):
        for number in numbers:
            lines.append(label(kind) + _printed(rng, number, region))
        expect[kind] = [_e164(n) for n in numbers]
    email = f"{local}@{domain}"
    lines.append(label("email") + email)
    expect["email"] = [email]
    if rng.random() < 0.6:
        site = f"www.{domain}"
        lines.append(label("website") + site)
        expect["website"] = site
    address = _address(rng, region, script)
    lines += address
    expect["address"] = ", ".join(address)
    qr = ""
    if layout == "qr":
        qr = _vcard(rng, expect)
    return {
        "id": f"{region.lower()}-{index:02d}",
        "region": region,
        "script": script,
        "layout": layout,
        "lines": lines,
        "qr": qr,
        "expect": expect,
    }


def _vcard(rng: random.Random, expect: dict[str, Any]) -> str:
    if rng.random() < 0.25:
        tels = "".join(f"TEL:{t};" for t in expect["mobile"] + expect["phone"])
        return (
            f"MECARD:N:{expect['name']};ORG:{expect['company']};{tels}EMAIL:{expect['email'][0]};;"
        )
    version = rng.choice(("3.0", "4.0", "2.1"))
    out = [
        "BEGIN:VCARD",
        f"VERSION:{version}",
        f"FN:{expect['name']}",
        f"ORG:{expect['company']}",
        f"TITLE:{expect['title']}",
    ]
    for kind, types in (("mobile", "CELL"), ("phone", "WORK,VOICE"), ("fax", "WORK,FAX")):
        for tel in expect[kind]:
            out.append(
                f"TEL;{types.replace(',', ';')}:{tel}"
                if version == "2.1"
                else f"TEL;TYPE={types}:{tel}"
            )
    out.append(f"EMAIL:{expect['email'][0]}")
    out.append("END:VCARD")
    return "\n".join(out)


def tuning_cards(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    combos = [
        ("US", "latin"),
        ("UK", "latin"),
        ("HK", "latin"),
        ("HK", "traditional"),
        ("SG", "latin"),
        ("TW", "traditional"),
        ("TW", "latin"),
        ("CN", "simplified"),
        ("CN", "bilingual"),
        ("HK", "bilingual"),
    ]
    layouts = ("horizontal", "vertical", "rotated", "qr")
    return [
        make_card(rng, i, *combos[i % len(combos)], layouts[(i // len(combos) + i) % len(layouts)])
        for i in range(count)
    ]


def to_toml(cards: list[dict[str, Any]], font_labels: list[str]) -> str:
    """The cards in the written-card TOML format (JSON strings are valid TOML strings)."""

    def value(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    out = [f"fonts = {value(font_labels)}", ""]
    for card in cards:
        out.append("[[card]]")
        for key in ("id", "region", "script", "layout", "lines", "qr"):
            out.append(f"{key} = {value(card[key])}")
        out.append("[card.expect]")
        out += [f"{k} = {value(v)}" for k, v in card["expect"].items()]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cardset.regions", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--fonts", default="NotoSansCJKsc-Regular,SourceHanSerifSC-Regular,DejaVuSans,DejaVuSerif"
    )
    args = parser.parse_args(argv)
    text = to_toml(tuning_cards(args.count, args.seed), args.fonts.split(","))
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
