"""What one run of text is: an address, a company, a title, a name, or other. The
order of the tests matters (a company word beats a title word, a title word a name)."""

from __future__ import annotations

from bot.cardscan.fields.addresses import _is_cjk_address, _is_latin_address
from bot.cardscan.fields.companies import (
    _AMPERSAND_RE,
    _COMPANY_LATIN_RE,
    _THE_RE,
    _TRADE_LATIN_RE,
    COMPANY_CJK,
    _is_cjk_shop,
)
from bot.cardscan.fields.names import _is_cjk_name, _is_latin_name
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.text import _CAMEL_RE, _capitalised
from bot.cardscan.fields.titles import (
    _CRAFT_TITLE_RE,
    _TITLE_LATIN_RE,
    TITLE_CJK,
    TITLE_CJK_ENDINGS,
    TITLE_CJK_HEAD,
)
from bot.cardscan.script import to_simplified


def _kind(run: _Run) -> str:
    text = run.text
    if run.cjk:
        text = to_simplified(text)  # the vocabulary is simplified; 總經理 is 总经理
        if _is_cjk_address(text):
            return "address"
        if any(text.endswith(s) for s in COMPANY_CJK) or "有限公司" in text:
            return "company"
        if _is_cjk_shop(text) or (len(text) >= 4 and text.endswith(("师行", "师楼"))):
            return "company"  # 何陳律師行, 李會計師樓: a professional's firm, not a title
        if any(word in text for word in TITLE_CJK) or text.endswith(("销售", "总工", "业务")):
            return "title"
        if text.endswith(TITLE_CJK_ENDINGS) and not (len(text) <= 3 and _is_cjk_name(text)):
            return "title"
        if len(text) >= 3 and text.endswith(TITLE_CJK_HEAD) and not _is_cjk_name(text):
            return "title"  # 营运长, 财务长, 秘书长
        if len(text) >= 3 and text.endswith(("师", "员")) and not _is_cjk_name(text):
            return "title"  # 建筑师, 药剂师, 中医师: a profession; 营业员, 业务员
        if _is_cjk_name(text):
            return "name"
        return "other"
    if _is_latin_address(text):
        return "address"
    if _COMPANY_LATIN_RE.search(text):
        return "company"
    # OCR drops the space between two words now and then ("AssociateDirector"): the
    # vocabulary is looked up in the words apart.
    spaced = _CAMEL_RE.sub(" ", text)
    if _TITLE_LATIN_RE.search(spaced) or _CRAFT_TITLE_RE.fullmatch(spaced):
        return "title"
    if _TRADE_LATIN_RE.search(spaced):
        return "company"  # "Harbor Logistics", "Bluefin Capital": no legal form printed
    if _AMPERSAND_RE.search(text) and _capitalised(text):
        return "company"  # "Magnolia Tile & Stone": people are not printed with an "&"
    if _THE_RE.match(text) and _capitalised(text):
        return "company"  # "The Copper Spoon": no person's name starts with "The"
    if _is_latin_name(text):
        return "name"
    return "other"
