"""Made-up people, companies and contact details for generated cards, with their truth.

Everything is drawn from a seeded ``random.Random`` so card N is the same card on every
machine. Phone numbers are checked with ``phonenumbers`` (a number the library calls
invalid would be an unfair test), and the truth holds them as E.164, the way the reader
must return them. On a bilingual card the truth is the Chinese name, title, company and
address (the reader's documented preference); the English forms are printed beside them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from pypinyin import lazy_pinyin

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文斌宇浩鹏飞晨欣怡嘉瑞思远志雪琳凯婷俊海峰"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
FIRST_NAMES = [
    "David",
    "Michael",
    "Sarah",
    "Emma",
    "James",
    "Olivia",
    "Robert",
    "Sophia",
    "Daniel",
    "Laura",
    "Peter",
    "Anna",
    "Thomas",
    "Grace",
    "Kevin",
    "Rachel",
    "Andrew",
    "Claire",
    "Mark",
    "Helen",
    "Brian",
    "Julia",
    "Steven",
    "Lucy",
    "Henry",
    "Alice",
    "Jason",
    "Natalie",
]
LAST_NAMES = [
    "Miller",
    "Johnson",
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Anderson",
    "Clark",
    "Lewis",
    "Walker",
    "Harris",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Turner",
    "Parker",
    "Collins",
    "Evans",
    "Morgan",
]
BRANDS = (
    ("星辰", "Xingchen", "xingchen"),
    ("华信", "Huaxin", "huaxin"),
    ("瑞丰", "Ruifeng", "ruifeng"),
    ("博远", "Boyuan", "boyuan"),
    ("嘉禾", "Jiahe", "jiahe"),
    ("恒通", "Hengtong", "hengtong"),
    ("天成", "Tiancheng", "tiancheng"),
    ("鼎盛", "Dingsheng", "dingsheng"),
    ("汇智", "Huizhi", "huizhi"),
    ("启明", "Qiming", "qiming"),
    ("云帆", "Yunfan", "yunfan"),
    ("金桥", "Jinqiao", "jinqiao"),
    ("宏达", "Hongda", "hongda"),
    ("远景", "Yuanjing", "yuanjing"),
)
INDUSTRIES = (
    ("科技", "Technology", "tech"),
    ("贸易", "Trading", "trade"),
    ("电子", "Electronics", "elec"),
    ("物流", "Logistics", "logistics"),
    ("医疗器械", "Medical Devices", "med"),
    ("信息技术", "Information Technology", "it"),
    ("新材料", "New Materials", "materials"),
    ("智能装备", "Intelligent Equipment", "equip"),
    ("软件", "Software", "soft"),
    ("环保科技", "Environmental Technology", "eco"),
)
ZH_SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
EN_BRANDS = [
    "Globex",
    "Initech",
    "Northwind",
    "Contoso",
    "Vertex",
    "Bluewave",
    "Summit",
    "Pioneer",
    "Evergreen",
    "Silverline",
    "Redwood",
    "Brightpath",
    "Ironbridge",
    "Clearview",
    "Lumina",
    "Stonegate",
]
EN_INDUSTRIES = [
    "Technologies",
    "Trading",
    "Electronics",
    "Logistics",
    "Medical",
    "Consulting",
    "Software",
    "Materials",
    "Systems",
    "Solutions",
    "Analytics",
    "Robotics",
]
EN_SUFFIXES = ("Inc.", "Ltd.", "LLC", "Corporation", "Co., Ltd.", "Pte. Ltd.", "Limited")
TITLES = (
    ("销售总监", "Sales Director"),
    ("销售经理", "Sales Manager"),
    ("区域销售经理", "Regional Sales Manager"),
    ("市场部经理", "Marketing Manager"),
    ("总经理", "General Manager"),
    ("技术总监", "Technical Director"),
    ("首席执行官", "Chief Executive Officer"),
    ("高级工程师", "Senior Engineer"),
    ("采购经理", "Purchasing Manager"),
    ("客户经理", "Account Manager"),
    ("副总裁", "Vice President"),
    ("财务总监", "Finance Director"),
    ("项目经理", "Project Manager"),
    ("产品经理", "Product Manager"),
    ("董事长", "Chairman"),
    ("运营总监", "Operations Director"),
    ("销售代表", "Sales Representative"),
    ("首席技术官", "Chief Technology Officer"),
)
EN_TITLES = (
    "Senior Account Executive",
    "Head of Partnerships",
    "Founder & CEO",
    "Business Development Manager",
    "Software Architect",
    "VP of Sales",
    "Customer Success Manager",
)
ZH_PLACES = (
    ("上海市", "浦东新区", "张江路", "Zhangjiang Road, Pudong, Shanghai", "200120"),
    ("北京市", "海淀区", "中关村大街", "Zhongguancun Street, Haidian, Beijing", "100080"),
    ("广东省深圳市", "南山区", "科技园南路", "Keji South Road, Nanshan, Shenzhen", "518057"),
    ("浙江省杭州市", "西湖区", "文三路", "Wensan Road, Xihu, Hangzhou", "310012"),
    ("广东省广州市", "天河区", "天河路", "Tianhe Road, Tianhe, Guangzhou", "510620"),
    ("江苏省苏州市", "工业园区", "星湖街", "Xinghu Street, SIP, Suzhou", "215123"),
    ("四川省成都市", "高新区", "天府大道", "Tianfu Avenue, Gaoxin, Chengdu", "610041"),
)
BUILDINGS = ("创新大厦", "国际中心", "科技园", "商务大厦", "")
CN_MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
]
CN_AREA = ("10", "21", "755", "20", "571", "512", "28")
US_AREA = ("415", "212", "646", "312", "617", "206", "512")
US_STREETS = ("Market", "Mission", "Madison", "Lexington", "Michigan", "Pine", "Howard")
US_CITIES = (
    ("San Francisco", "CA", "941"),
    ("New York", "NY", "100"),
    ("Chicago", "IL", "606"),
    ("Boston", "MA", "021"),
    ("Seattle", "WA", "981"),
    ("Austin", "TX", "787"),
)
UK_STREETS = ("Baker", "Oxford", "Regent", "Victoria", "King's", "Camden")
SG_STREETS = ("Robinson", "Cecil", "Anson", "Raffles", "Scotts", "Orchard")
HK_STREETS = ("Queen's", "Des Voeux", "Gloucester", "Nathan", "Canton", "Hennessy")
UK_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
HK_DISTRICTS = ("Central", "Wan Chai", "Tsim Sha Tsui", "Causeway Bay", "Admiralty")


@dataclass
class Person:
    """Truth for one card plus the printed forms the drawing needs."""

    lang: str  # "zh", "en" or "bi" (Chinese with English)
    region: str  # "CN", "HK", "SG", "US", "GB"
    name: str
    title: str | None
    company: str
    mobile: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    fax: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    wechat: str | None = None
    # Printed forms (what is drawn) where they differ from the truth.
    family: str = ""
    given: str = ""
    name_en: str | None = None
    title_en: str | None = None
    company_en: str | None = None
    address_en: str | None = None
    printed: dict[str, list[str]] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "company": self.company,
            "mobile": list(self.mobile),
            "phone": list(self.phone),
            "fax": list(self.fax),
            "email": list(self.email),
            "website": self.website,
            "address": self.address,
            "wechat": self.wechat,
        }


def _digits(rng: random.Random, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _valid(e164: str, kind: int | None = None) -> bool:
    number = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(number):
        return False
    return kind is None or phonenumbers.number_type(number) == kind


def _number(rng: random.Random, region: str, mobile: bool) -> str:
    """A valid E.164 number of the region, a mobile or an office line."""
    for _ in range(200):
        if region == "CN":
            if mobile:
                e164 = "+86" + rng.choice(CN_MOBILE_PREFIXES) + _digits(rng, 8)
            else:
                area = rng.choice(CN_AREA)
                e164 = "+86" + area + _digits(rng, 8 if len(area) <= 3 else 7, "2345678")
        elif region == "HK":
            e164 = "+852" + _digits(rng, 8, "569" if mobile else "23")
        elif region == "SG":
            e164 = "+65" + _digits(rng, 8, "89" if mobile else "6")
        elif region == "US":
            e164 = "+1" + rng.choice(US_AREA) + _digits(rng, 3, "2346789") + _digits(rng, 4)
        else:  # GB
            e164 = "+447" + _digits(rng, 9, "4589") if mobile else "+4420" + _digits(rng, 8, "78")
        wanted: int | None = None
        if region != "US":
            wanted = PhoneNumberType.MOBILE if mobile else PhoneNumberType.FIXED_LINE
        if _valid(e164, wanted):
            return e164
    raise RuntimeError(f"no valid number for {region}")


def _fax_beside(phone: str) -> str:
    """The office's fax: the phone number with the next last digit (same exchange)."""
    for step in range(1, 10):
        fax = phone[:-1] + str((int(phone[-1]) + step) % 10)
        if _valid(fax):
            return fax
    return phone[:-2] + "99"


def print_phone(rng: random.Random, e164: str, region: str, home: str) -> str:
    """A way a card might print the number (national when it is the card's home region)."""
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    styles: list[str] = [phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)]
    if region == "CN" and home == "CN":
        if national.startswith("1"):
            styles += [
                f"{national[:3]} {national[3:7]} {national[7:]}",
                f"{national[:3]}-{national[3:7]}-{national[7:]}",
                national,
                f"+86 {national[:3]} {national[3:7]} {national[7:]}",
            ]
        else:
            area_len = 2 if national[:2] in {"10", "21", "20", "28"} else 3
            area, rest = national[:area_len], national[area_len:]
            half = len(rest) // 2
            styles += [
                f"0{area}-{rest[:half]} {rest[half:]}",
                f"(0{area}) {rest[:half]}-{rest[half:]}",
                f"0{area}-{rest}",
                f"+86 {area} {rest[:half]} {rest[half:]}",
            ]
    elif region == "US":
        styles += [f"+1 ({national[:3]}) {national[3:6]}-{national[6:]}"]
    return rng.choice(styles)


def _pinyin(text: str) -> list[str]:
    return [p for p in lazy_pinyin(text) if p.isalpha()]


def make_person(rng: random.Random, lang: str) -> Person:
    if lang == "en":
        region = rng.choice(("US", "US", "GB", "SG", "HK", "CN"))
    else:
        region = rng.choice(("CN",) * 6 + ("HK",))
    if lang == "en":
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name, local = (
            f"{first} {last}",
            rng.choice(
                [f"{first}.{last}", f"{first[0]}{last}", first, f"{first}{last[0]}"]
            ).lower(),
        )
        brand = rng.choice(EN_BRANDS)
        company = f"{brand} {rng.choice(EN_INDUSTRIES)} {rng.choice(EN_SUFFIXES)}"
        domain = rng.choice([f"{brand.lower()}.com", f"{brand.lower()}.io", f"{brand.lower()}.co"])
        title: str | None = rng.choice([*(t[1] for t in TITLES), *EN_TITLES])
        person = Person(lang, region, name, title, company, family=last, given=first)
        name_py = [first.lower(), last.lower()]
    else:
        surname = rng.choice(COMPOUND) if rng.random() < 0.05 else rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        name = surname + given
        py = _pinyin(name)
        surname_py = "".join(_pinyin(surname))
        given_py = "".join(py[len(surname) :])
        local = rng.choice(
            [
                f"{surname_py}.{given_py}",
                f"{given_py}.{surname_py}",
                f"{surname_py}{given_py}",
                "".join(p[0] for p in py) + str(rng.randint(1, 99)),
            ]
        )
        brand_zh, brand_en, brand_dom = rng.choice(BRANDS)
        ind_zh, ind_en, ind_dom = rng.choice(INDUSTRIES)
        city = rng.choice(("", "", "上海", "深圳", "北京", "杭州"))
        company = f"{city}{brand_zh}{ind_zh}{rng.choice(ZH_SUFFIXES)}"
        title_zh, title_en = rng.choice(TITLES)
        title = title_zh
        domain = rng.choice(
            [f"{brand_dom}-{ind_dom}.com", f"{brand_dom}.com.cn", f"{brand_dom}.cn"]
        )
        person = Person(lang, region, name, title, company, family=surname, given=given)
        person.name_en = f"{given_py.title()} {surname_py.title()}" if lang == "bi" else None
        person.title_en = title_en if lang == "bi" else None
        person.company_en = f"{brand_en} {ind_en} Co., Ltd." if lang == "bi" else None
        name_py = py
    if rng.random() < 0.05:
        person.title = None
        person.title_en = None
    # Phones: at least one number; offices may have a fax.
    if rng.random() < 0.9:
        person.mobile.append(_number(rng, region, mobile=True))
    if rng.random() < 0.55 or not person.mobile:
        person.phone.append(_number(rng, region, mobile=False))
        if rng.random() < 0.45:
            person.fax.append(_fax_beside(person.phone[0]))
    if rng.random() < 0.9:
        person.email.append(f"{local}@{domain}")
        if rng.random() < 0.1:
            person.email.append(f"sales@{domain}")
    if rng.random() < 0.55:
        person.website = f"www.{domain}"
    if rng.random() < 0.85:
        _address(rng, person, lang)
    if lang != "en" and region == "CN" and rng.random() < 0.45:
        base = "".join(name_py)
        person.wechat = rng.choice(
            [
                f"{base}_{rng.randint(10, 9999)}",
                f"wx-{base}{rng.randint(1, 99)}",
                f"{base}{rng.randint(1980, 2005)}",
            ]
        )
    return person


def _address(rng: random.Random, person: Person, lang: str) -> None:
    region = person.region
    if lang != "en" and region == "CN":
        province, district, road, road_en, postcode = rng.choice(ZH_PLACES)
        number = rng.randint(1, 999)
        building = rng.choice(BUILDINGS)
        floor = rng.choice(
            [
                f"{rng.randint(2, 30)}楼",
                f"{rng.randint(2, 30)}层",
                f"{rng.randint(101, 2808)}室",
                f"A座{rng.randint(2, 20)}层",
            ]
        )
        person.address = f"{province}{district}{road}{number}号{building}{floor}"
        if lang == "bi":
            room = rng.randint(101, 2808)
            person.address_en = f"Room {room}, No. {number} {road_en} {postcode}"
        return
    n = rng.randint(1, 999)
    if region == "US":
        city, state, zip3 = rng.choice(US_CITIES)
        street = f"{n} {rng.choice(US_STREETS)} {rng.choice(('Street', 'Avenue', 'Blvd'))}"
        person.address = (
            f"{street}, Suite {rng.randint(100, 2400)}, {city}, {state} {zip3}{rng.randint(10, 99)}"
        )
        if rng.random() < 0.5:
            person.address += ", USA"
    elif region == "GB":
        person.address = (
            f"{n} {rng.choice(UK_STREETS)} Street, London W1{rng.choice('ABCDEFGHJ')} "
            f"{rng.randint(1, 9)}{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}, UK"
        )
    elif region == "SG":
        person.address = (
            f"{n} {rng.choice(SG_STREETS)} Road, "
            f"#{rng.randint(2, 40):02d}-{rng.randint(1, 20):02d}, "
            f"Singapore {rng.randint(10, 82):02d}{rng.randint(1000, 9999)}"
        )
    elif region == "HK":
        person.address = (
            f"Room {rng.randint(101, 3008)}, {rng.randint(2, 40)}/F, "
            f"{n} {rng.choice(HK_STREETS)} Road, {rng.choice(HK_DISTRICTS)}, Hong Kong"
        )
    else:  # an English card of a Chinese company
        _p, _d, _r, road_en, postcode = rng.choice(ZH_PLACES)
        person.address = f"Room {rng.randint(101, 2808)}, No. {n} {road_en} {postcode}, China"


__all__ = ["Person", "make_person", "print_phone"]
