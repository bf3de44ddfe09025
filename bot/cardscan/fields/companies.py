"""Company names: legal forms, trade words and shop endings in both scripts, and
where no word says so, the line that position or elimination leaves."""

from __future__ import annotations

import re

from bot.cardscan.fields.names import _best_name, _is_cjk_name
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.text import _capitalised, has_cjk
from bot.cardscan.fields.titles import TITLE_CJK
from bot.cardscan.script import to_simplified

COMPANY_CJK = (
    "有限公司",
    "有限责任公司",
    "股份公司",
    "集团",
    "公司",
    "研究院",
    "研究所",
    "事务所",
    "银行",
    "大学",
    "学院",
    "医院",
    "工作室",
    "协会",
    "商行",
    "酒店",
    "出版社",
    "厂",
    # Shops and practices that print no legal form (traditional ones are matched through
    # their simplified form: 茶莊 is 茶庄, 診所 is 诊所).
    "茶庄",
    "茶行",
    "茶楼",
    "诊所",
    "门诊部",
    "医馆",
    "金行",
    "珠宝行",
    "报关行",
    "中药行",
    "药行",
    "药房",
    "药店",
    "民宿",
    "书画院",
    "画廊",
    "餐厅",
    "饭店",
    "酒家",
    "酒楼",
    "宾馆",
    "旅馆",
    "旅行社",
    "会馆",
    "商店",
    "商场",
    "超市",
    "书店",
    "花店",
    "车行",
    "银号",
    "当铺",
    "律所",
    "工作坊",
    "美容院",
    "中心",
    "研究中心",
    "基金会",
    "印刷厂",
    "实业",
    "贸易",
    "科技",
    # Trades that name a shop or firm by what it sells (川味坊私房菜, 山嵐茶業, 翠林地產代理).
    "私房菜",
    "菜馆",
    "小馆",
    "茶餐厅",
    "火锅",
    "烧腊",
    "茶业",
    "茶叶",
    "酒业",
    "药业",
    "食品",
    "地产",
    "地产代理",
    "物业",
    "置业",
    "房产",
    "专门店",
    "专卖店",
    "餐饮",
    "烘焙",
    "影楼",
    "花艺",
    "五金",
    "建材",
    "家具",
    "物流",
    "快递",
    "货运",
    "印务",
    "传媒",
)


#: One-character endings of a shop or practice (永利金行, 同仁堂, 墨香坊); a short run that
#: also reads as a person's name (张德行) stays a name.
COMPANY_CJK_SHORT = ("行", "堂", "坊", "院", "社", "馆", "店", "轩", "阁", "斋", "居")


_COMPANY_LATIN_RE = re.compile(
    r"\b(?:co\.?\s*,?\s*ltd|ltd|limited|inc|incorporated|llc|l\.l\.c|corp|corporation|"
    r"company|group|gmbh|ag|plc|pte|llp|holdings|bank|university|s\.a)\b\.?"
    r"|\bco\.$",  # "Lumen Orchard Co." (not "CO 80202", Colorado: that needs the dot, last)
    re.IGNORECASE,
)


#: Words that make a line a company's name when no legal form is printed; weaker than a
#: title word ("Logistics Manager" is a title).
_TRADE_LATIN_RE = re.compile(
    r"\b(?:logistics|analytics|capital|partners|associates|consulting|consultants|industries|"
    r"enterprises|technologies|technology|systems|solutions|labs|laboratories|ventures|foods|"
    r"robotics|trading|electronics|software|networks|studio|studios|media|pharma|"
    r"pharmaceuticals|biotech|energy|supply|supplies|manufacturing|investments|advisors|"
    r"agency|properties|realty|insurance|securities|hotel|hotels|airlines|motors|"
    r"advisory|consultancy|\w*works|venues?|institute|solicitors|property|print|printing|"
    r"printers|architects|accountants|surveyors|lettings|estates|interiors|catering|"
    r"construction|builders|healthcare|wellness|clinic|clinics|dental|pharmacy|bakery|"
    r"gallery|galleries|academy|foundation|collective|outfitters|imports|exports|freight|"
    r"shipping|textiles|apparel|boutique|salon|tailors|kitchen|brewery|distillery|"
    r"winery|florist|jewellers|jewelers|opticians|veterinary|chambers|"
    r"law|legal|finance|financial|wealth|investment|holdings|trust|dynamics|"
    r"innovations|creative|design|designs|communications|events|travel|tours|"
    r"logistik|co-op|cooperative|atelier|workshop|foundry|traders|merchants|"
    r"marine|engineering|services|group|hospital|school|college|kindergarten|preschool|"
    r"centre|center)\b",
    re.IGNORECASE,
)


#: Words that make a line a company only where nothing else claims it: "Tile & Stone",
#: "Health", "Harbour" are also surnames or plain words, so they need an ampersand or a
#: second business word beside them.
_AMPERSAND_RE = re.compile(r"[A-Za-z] (?:&|and) [A-Z]")


_THE_RE = re.compile(r"The [A-Z]")


def _shops_among_names(names: list[_Run], companies: list[_Run]) -> None:
    """A shop's name can read as a person's (金龍軒: 金 is a surname): when the card has
    another Chinese name and no Chinese company, a name-shaped run with a shop's ending is
    the company."""
    cjk = [run for run in names if run.cjk]
    shops = [run for run in cjk if _is_cjk_shop_shaped(to_simplified(run.text))]
    if not shops or len(shops) == len(cjk) or any(run.cjk for run in companies):
        return
    for shop in shops:
        names.remove(shop)
        companies.append(shop)


def _is_cjk_shop_shaped(text: str) -> bool:
    return len(text) >= 3 and text.endswith(COMPANY_CJK_SHORT) and all(map(has_cjk, text))


def _company_by_elimination(unclaimed: list[_Run]) -> str | None:
    """On a person's card with no company word anywhere, the company is the line nothing
    else claims (川味坊私房菜, a brand in lower case, "tidepool"), the tallest such if
    several: a card's company is printed larger than its small print."""
    fit = [run for run in unclaimed if _company_shaped(run)]
    if not fit:
        return None
    return " ".join(max(fit, key=lambda r: (r.height, -r.line)).text.split())


def _company_shaped(run: _Run) -> bool:
    """Short, no digits, no sentence, no handle: what a trading name looks like."""
    if any(ch.isdigit() for ch in run.text) or "@" in run.text:
        return False
    if run.cjk:
        return 3 <= len(run.text) <= 14 and all(map(has_cjk, run.text))
    words = run.text.split()
    if not 1 <= len(words) <= 4 or sum(ch.isalpha() for ch in run.text) < 4:
        return False
    return len(words) == 1 or _capitalised(run.text)  # not "Thank you for shopping"


def _is_cjk_shop(text: str) -> bool:
    """A shop or practice named by a one-character ending (永利金行, 百草堂): three or more
    characters, all Chinese, that do not read as a person's name or a title."""
    if len(text) < 3 or not all(has_cjk(ch) for ch in text):
        return False
    if not text.endswith(COMPANY_CJK_SHORT):
        return False
    if any(word in text for word in TITLE_CJK):
        return False
    return not (len(text) <= 3 and _is_cjk_name(text))


def _company_by_position(names: list[_Run], name: str | None) -> str | None:
    """On a Latin card with no company word, a second run shaped like a name and printed
    within two lines of the name is the trading name ("Lumen Orchard" under "Dana Okafor"):
    a card carries one person. Not on a card with a Chinese name, whose English name is a
    translation of it."""
    if name is None or any(run.cjk for run in names):
        return None
    chosen = [run for run in names if _best_name([run]) == name]
    if not chosen:
        return None
    anchor = chosen[0]
    others = [
        run
        for run in names
        if run is not anchor
        and abs(run.line - anchor.line) <= 2
        and _best_name([run]) != name
        and len(run.text.split()) >= 2
    ]
    if not others:
        return None
    return " ".join(min(others, key=lambda r: abs(r.line - anchor.line)).text.split())


def _prefer_cjk(runs: list[_Run]) -> str | None:
    pool = [r for r in runs if r.cjk] or runs
    return " ".join(pool[0].text.split()) if pool else None


def _best_company(runs: list[_Run]) -> str | None:
    pool = [r for r in runs if r.cjk] or runs
    if not pool:
        return None
    best = max(
        pool,
        key=lambda r: (
            "公司" in r.text or _COMPANY_LATIN_RE.search(r.text) is not None,
            not r.text.islower(),  # "FERN & FOLD" over its tagline "design studio"
            r.height,
            -r.line,
        ),
    )
    return " ".join(best.text.split())
