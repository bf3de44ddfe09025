"""Addresses: street, building and locality words, postcodes and countries; an
address printed over several lines is joined, and the best one chosen."""

from __future__ import annotations

import re

from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.text import _CJK_CHARS

_ADDRESS_CJK = (
    "省",
    "市",
    "区",
    "县",
    "路",
    "街",
    "道",
    "号",
    "楼",
    "室",
    "层",
    "大厦",
    "园",
    "镇",
    "村",
    "座",
    "弄",
    "巷",
    "栋",
    "幢",
)


_ADDRESS_LATIN_RE = re.compile(
    r"\b(?:road|rd|street|st|avenue|ave|boulevard|blvd|lane|ln|drive|dr|floor|fl|suite|ste|"
    r"room|rm|unit|building|bldg|tower|plaza|centre|center|district|way|highway|park|"
    r"level|block|blk|industrial|estate|place|square|court|hwy|parkway)\b",
    re.IGNORECASE,
)


_COUNTRY_RE = re.compile(
    r"\b(?:china|p\.?\s?r\.?\s?china|singapore|hong kong|macau|taiwan|japan|korea|malaysia|"
    r"usa|u\.s\.a|united states|uk|u\.k|united kingdom|england|germany|france|australia|"
    r"canada|india|vietnam|thailand|indonesia|philippines)\b\.?",
    re.IGNORECASE,
)


_POSTCODE_RE = re.compile(
    r"\b(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|\d{6}|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b"
)


#: A line that says where, by itself: a US state and ZIP, a UK postcode after a town,
#: Singapore and its postcode, Hong Kong's districts, a country after a comma.
_LOCALITY_RE = re.compile(
    r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*,? "
    r"(?:[A-Z]{2} \d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})\b"
    r"|\bSingapore \(?\d{6}\b|\b(?:Hong Kong|Kowloon|New Territories)\b"
    r"|, (?:USA|U\.S\.A\.?|United States|United Kingdom|UK|Taiwan|China|P\.R\. China)\b"
)


#: A house number and a street name with no street word ("99 Deansgate", "1 Canada Square"),
#: and the district after it if printed ("17 Holloway Mews, Jericho"): kept whole, to be
#: joined with the town on the next line.
_STREET_RE = re.compile(
    r"\d{1,5}[A-Za-z]?,? [A-Z][A-Za-z'.]+(?: [A-Z][A-Za-z'.]+){0,3}"
    r"(?:, [A-Z][a-z'.]+(?: [A-Z][a-z'.]+)?)?"
)


#: A town and a US state with nothing else ("Seattle, WA"): an address only when the card
#: prints no better one, or the second line of the address above it.
_TOWN_STATE_RE = re.compile(
    r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2},? (?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|"
    r"M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])"
)


#: A postcode printed before a Chinese address: Taiwan's 3, 3+2 or 3+3 digits, the
#: mainland's 6 (a phone number has 7 or more digits and is taken out before this).
_POSTCODE_CJK_RE = re.compile(r"\d{3}(?:-?\d{2,3})?")


def _postcode_alone(group: tuple[bool, list[str]]) -> bool:
    cjk, tokens = group
    return not cjk and len(tokens) == 1 and _POSTCODE_CJK_RE.fullmatch(tokens[0]) is not None


def _is_cjk_address(text: str) -> bool:
    hits = sum(1 for word in _ADDRESS_CJK if word in text)
    digits = any(ch.isdigit() for ch in text)
    if len(text) < 6:
        return False
    return hits >= 3 or (hits >= 2 and digits) or (hits >= 1 and digits and "号" in text)


#: A house number and, after it, a Singapore / Hong Kong unit "#floor-unit" ("20 Collyer
#: Quay, #12-05", "Blk 18 Jalan Besar, #01-23"): the line is an address.
_UNIT_NUMBER_RE = re.compile(r"\b\d{1,5}[A-Za-z]?\b.*?[A-Za-z].*#\s?\d{1,3}-\d{1,5}[A-Za-z]?\b")


def _is_latin_address(text: str) -> bool:
    digits = any(ch.isdigit() for ch in text)
    if _UNIT_NUMBER_RE.search(text):
        return True  # "20 Collyer Quay, #12-05": a unit, never a phone number's tail
    if _ADDRESS_LATIN_RE.search(text) and digits:
        return True
    if _LOCALITY_RE.search(text):
        return True
    return bool(_COUNTRY_RE.search(text) and _POSTCODE_RE.search(text))


def _continues_address(
    addresses: list[tuple[_Run, bool]],
    address_lines: dict[int, int],
    run: _Run,
    *,
    loose: bool = False,
) -> int | None:
    """Append ``run`` to the address printed on the line just above, if it continues it
    (a second address line: "Pudong, Shanghai 200120, China")."""
    index = address_lines.get(run.line - 1)
    if index is None or run.cjk != addresses[index][0].cjk or run.cjk:
        return None
    if loose and not (_COUNTRY_RE.search(run.text) or _POSTCODE_RE.search(run.text)):
        return None
    previous, labelled = addresses[index]
    joined = _Run(f"{previous.text}, {run.text}", False, run.line, previous.height)
    addresses[index] = (joined, labelled)
    del address_lines[run.line - 1]
    address_lines[run.line] = index
    return index


#: Where a Chinese address says which town, district or street (省 市 区 县 路 街 道 …);
#: a line with none of them is only a building, floor or room.
_CJK_WHERE_RE = re.compile("[省市區区縣县鎮镇村路街道巷弄]")
#: A building, floor, unit or room (商業中心9樓903室, 大厦21楼, B座1203).
_CJK_BUILDING_RE = re.compile("大[厦廈]|中心|[樓楼层層室座舖铺]")


def _joined_cjk_lines(addresses: list[tuple[_Run, bool]]) -> list[tuple[_Run, bool]]:
    """A Chinese address printed over two lines (or two columns of a vertical card): the
    street and number on one, the building, floor and room on the next ("…英皇道1010號",
    "…商業中心9樓903室"), joined with ", " street first, whichever OCR put first."""
    out: list[tuple[_Run, bool] | None] = list(addresses)
    by_line = {run.line: i for i, (run, _labelled) in enumerate(addresses) if run.cjk}
    for line, i in sorted(by_line.items()):
        j = by_line.get(line + 1)
        here, there = out[i], out[j] if j is not None else None
        if j is None or here is None or there is None:
            continue
        pair = (here[0], there[0])
        street = [r for r in pair if _CJK_WHERE_RE.search(r.text)]
        building = [r for r in pair if not _CJK_WHERE_RE.search(r.text)]
        if len(street) != 1 or len(building) != 1:
            continue
        if not _CJK_BUILDING_RE.search(building[0].text) or street[0].text[-1:] not in "號号":
            continue
        text = f"{street[0].text}, {building[0].text}"
        out[i] = (_Run(text, True, here[0].line, here[0].height), here[1] or there[1])
        out[j] = None
    return [a for a in out if a is not None]


def _best_address(addresses: list[tuple[_Run, bool]]) -> str | None:
    if not addresses:
        return None
    addresses = _joined_cjk_lines(addresses)
    pool = [a for a in addresses if a[0].cjk] or addresses
    run, _labelled = max(pool, key=lambda a: (a[1], len(a[0].text)))
    text = run.text
    if run.cjk:
        # OCR puts spaces between Chinese characters where the typesetting had gaps.
        text = re.sub(f"(?<=[{_CJK_CHARS}]) (?=[{_CJK_CHARS}0-9])", "", text)
        text = re.sub(f"(?<=[0-9]) (?=[{_CJK_CHARS}])", "", text)
        # A postcode in front stays apart from the town it precedes ("114 台北市…").
        text = re.sub(f"^(\\d{{3}}(?:-?\\d{{2,3}})?)(?=[{_CJK_CHARS}])", r"\1 ", text)
    return " ".join(text.split())
