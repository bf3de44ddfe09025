"""Which country's numbers a card prints: read from the card itself before the rep's default.

A number printed without ``+`` means nothing until we know where it is dialled: "617.555.0142"
is a Boston number, and read with the rep's default (CN) it used to become +86 617… So the
card is asked first, in the order a person would look:

- numbers printed with a country code elsewhere on the card ("+1", "+44", "+852", "+65",
  or bracketed without the plus: "(852) 2511 3344");
- the address: a country or territory named (USA, United Kingdom, Hong Kong, 香港, Singapore,
  Taiwan, 臺灣/台湾, China, 中国), a US state with its ZIP code, a UK postcode, a Singapore
  postcode, a Taiwanese or mainland city;
- the script and shape of the numbers: an English-only card with a NANP-shaped number
  (3-3-4 digits) is North American; a traditional-Chinese card whose numbers carry a trunk 0
  is Taiwanese, with eight-digit numbers Hong Kong's.

Each clue adds to a score per region; the highest wins, and with no clue the rep's default
stands. :func:`nanp_number` is the one rule that holds whatever the region: a 10-digit
number printed the North American way that is a valid NANP number is never given +86.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat

#: phonenumbers' regions for the Crown dependencies whose mobiles are +44 numbers.
_SAME_AS = {"GG": "GB", "JE": "GB", "IM": "GB", "CA": "US"}

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
]
_US_ZIP_RE = re.compile(rf"\b(?:{'|'.join(US_STATES)})\.?\s+\d{{5}}(?:-\d{{4}})?\b")
_UK_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")
_SG_POSTCODE_RE = re.compile(r"\bSingapore\s*\(?\d{6}\)?", re.IGNORECASE)
#: A UK postcode whose space OCR dropped ("BS16DZ"), after a capitalised town.
_UK_POSTCODE_GLUED_RE = re.compile(r"\b[A-Z][a-z]+,? [A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}\b")
#: A country's domain in an e-mail or web address ("@x.co.uk", "x.com.hk", "x.sg").
_DOMAIN_RE = re.compile(
    r"[a-z0-9-]\.(?:(?:co|com|org|net|gov|edu|ac)\.)?(uk|hk|sg|tw|cn)(?![a-z0-9@.-])"
)
_DOMAIN_REGION = {"uk": "GB", "hk": "HK", "sg": "SG", "tw": "TW", "cn": "CN"}

#: Words that name the place, by region (casefolded search; CJK as printed).
_PLACES: dict[str, tuple[str, ...]] = {
    "US": ("usa", "u.s.a", "united states"),
    "GB": ("united kingdom", "u.k.", "england", "scotland", "london", "manchester"),
    "HK": ("hong kong", "kowloon", "香港", "九龍", "九龙", "新界", "h.k."),
    "SG": ("singapore", "新加坡"),
    "TW": (
        "taiwan",
        "taipei",
        "台灣",
        "臺灣",
        "台湾",
        "台北",
        "臺北",
        "新北",
        "台中",
        "臺中",
        "高雄",
        "r.o.c",
    ),
    "CN": (
        "p.r. china",
        "p.r.china",
        "prc",
        "中国",
        "中國",
        "上海",
        "北京",
        "深圳",
        "广州",
        "杭州",
        "苏州",
        "成都",
        "南京",
        "天津",
        "重庆",
        "武汉",
        "西安",
        "省",
    ),
}
#: A 10-digit number printed the North American way: (617) 555-0142, 617.555.0142, 617-555-0142.
_NANP_SHAPE = re.compile(
    r"(?<![\d+])(?:1[\s.\-])?\(?[2-9]\d{2}\)?[\s.\-]?[2-9]\d{2}[\s.\-]\d{4}(?!\d)"
)
_LOCAL_TRUNK = re.compile(r"(?<![\d+])\(?0\d{1,3}\)?[\s\-]?\d{3,4}[\s\-]?\d{3,4}(?!\d)")
_EIGHT_DIGITS = re.compile(r"(?<![\d+])\d{4}[\s\-]?\d{4}(?!\d)")
_CJK_RE = re.compile("[\u3400-\u9fff]")
_BARE_CODE_RE = re.compile(r"(?<![\d+])\((1|44|65|852|853|886|86)\)\s?[2-9]")

#: Regions whose numbers are North American (+1) ones.
NANP_REGIONS = frozenset({"US", "CA"})

#: How much each kind of clue counts.
CODE_WEIGHT = 3
PLACE_WEIGHT = 3
SHAPE_WEIGHT = 1


@dataclass(frozen=True)
class RegionGuess:
    """The region numbers are read in, and whether the card said so (else the default)."""

    region: str
    from_card: bool


def _canonical(region: str | None) -> str | None:
    if region is None or region == "ZZ":
        return None
    return _SAME_AS.get(region, region)


def _has_word(text: str, word: str) -> bool:
    """``word`` in ``text`` (casefolded); a Latin word must stand alone ("usa" not in "usage")."""
    if _CJK_RE.search(word):
        return word in text
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def clues(texts: Iterable[str], traditional: bool = False) -> Counter[str]:
    """Score per region from what the card prints (see the module docstring)."""
    lines = [t for t in texts if t.strip()]
    score: Counter[str] = Counter()
    joined = "\n".join(lines)
    folded = joined.casefold()
    for match in phonenumbers.PhoneNumberMatcher(joined, "ZZ", leniency=Leniency.POSSIBLE):
        region = _canonical(phonenumbers.region_code_for_number(match.number))
        if region is not None:
            score[region] += CODE_WEIGHT
    for bracketed in _BARE_CODE_RE.finditer(joined):
        # "(852) 2511 3344", "(65) 6123 4567": a country code in brackets, without the +.
        code = int(bracketed.group(1))
        region = _canonical(phonenumbers.region_code_for_country_code(code))
        if region is not None:
            score[region] += CODE_WEIGHT
    for region, words in _PLACES.items():
        if any(_has_word(folded, word) for word in words):
            score[region] += PLACE_WEIGHT
    if _US_ZIP_RE.search(joined):
        score["US"] += PLACE_WEIGHT
    if _UK_POSTCODE_RE.search(joined) or _UK_POSTCODE_GLUED_RE.search(joined):
        score["GB"] += PLACE_WEIGHT
    # A country's domain says where as plainly as a postcode (and survives OCR better).
    for region in {_DOMAIN_REGION[m.group(1)] for m in _DOMAIN_RE.finditer(folded)}:
        score[region] += PLACE_WEIGHT
    if _SG_POSTCODE_RE.search(joined):
        score["SG"] += PLACE_WEIGHT
    cjk = _CJK_RE.search(joined) is not None
    if not cjk and any(_valid_nanp(m.group(0)) for m in _NANP_SHAPE.finditer(joined)):
        score["US"] += SHAPE_WEIGHT
    if traditional:
        if _LOCAL_TRUNK.search(joined):
            score["TW"] += SHAPE_WEIGHT
        elif _EIGHT_DIGITS.search(joined):
            score["HK"] += SHAPE_WEIGHT
    return score


def infer_region(texts: Iterable[str], default: str, *, traditional: bool = False) -> RegionGuess:
    """The card's region from its clues, else ``default``; a tie keeps the default if tied."""
    score = clues(texts, traditional)
    if not score:
        return RegionGuess(default, False)
    best = max(score.values())
    leaders = [region for region, value in score.items() if value == best]
    if default in leaders:
        return RegionGuess(default, True)
    return RegionGuess(sorted(leaders)[0] if len(leaders) > 1 else leaders[0], True)


def _valid_nanp(raw: str) -> bool:
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and number.country_code == 1


def nanp_numbers(text: str) -> list[tuple[str, str]]:
    """(as printed, E.164) for each number in ``text`` printed the North American way and
    valid there (see :func:`nanp_number`)."""
    found = []
    for match in _NANP_SHAPE.finditer(text):
        e164 = nanp_number(match.group(0))
        if e164 is not None:
            found.append((match.group(0), e164))
    return found


def nanp_number(raw: str) -> str | None:
    """E.164 of ``raw`` when it is printed the North American way and valid there, else None:
    such a number is never read as a Chinese one, whatever the region."""
    if "+" in raw or _NANP_SHAPE.fullmatch(raw.strip()) is None or not _valid_nanp(raw):
        return None
    return phonenumbers.format_number(phonenumbers.parse(raw, "US"), PhoneNumberFormat.E164)


__all__ = ["NANP_REGIONS", "RegionGuess", "clues", "infer_region", "nanp_number", "nanp_numbers"]
