"""Money as people write it: 50万, 1.2万, 五十万, 500k, $1.2m, ¥80,000, RMB 50万, €20k.

Reps type deal sizes the way they would say them, mixing Chinese magnitudes (万, 亿),
Chinese numerals (一百二十万), English shorthand (500k, 1.2m) and currency symbols or words
before or after the number. This module finds the one amount a message is about and says
which currency the text names, leaving the user's default currency to the caller when it
names none (so "50万" is 500000 with ``currency=None``: 万 alone does not say yuan).

A number is only read as money when something says it is money: a currency (symbol, code or
word), a magnitude of at least a thousand (万, 千, k, m, million...) or a money cue right
next to it (报价, budget, deal...). That rule, plus a few vetoes (times, dates, percentages,
phone numbers, years, quantities of other things), keeps "10am", "3点", "下周二", "12月3日",
"2 weeks", "13800138000", "20%", "Q4" and "2026" out. When several amounts qualify, the one
next to a money cue wins, then the one with a currency, then the first.

Chinese numerals are converted by the small routine below rather than a dependency: the
grammar needed (digits, 十百千万亿, 零, 两, colloquial "一万五") fits in forty lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.nlu.lazy import lazy_pattern


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal  # in the currency's units (yuan, dollars), not cents
    currency: str | None  # ISO 4217 when the text says it, else None
    start: int
    end: int


# --- Chinese numerals --------------------------------------------------------------------

_CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_CN_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_ARABIC_TOKEN = lazy_pattern(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _numeral_tokens(numeral: str) -> list[Decimal | str] | None:
    """Split "1.2万" / "一百二十万" / "3千5" into numbers and unit characters."""
    tokens: list[Decimal | str] = []
    i = 0
    while i < len(numeral):
        char = numeral[i]
        if char.isdigit():
            match = _ARABIC_TOKEN.match(numeral, i)
            if match is None:  # pragma: no cover - isdigit() guarantees a match
                return None
            tokens.append(Decimal(match.group().replace(",", "")))
            i = match.end()
            continue
        if char in _CN_DIGITS:
            digit = Decimal(_CN_DIGITS[char])
            previous = tokens[-1] if tokens else None
            # "二零二六": consecutive Chinese digits are read positionally.
            if isinstance(previous, Decimal) and i > 0 and numeral[i - 1] in _CN_DIGITS:
                tokens[-1] = previous * 10 + digit if char not in "零〇" or previous else digit
            else:
                tokens.append("零" if char in "零〇" else digit)
        elif char in _CN_SMALL_UNITS or char in _CN_BIG_UNITS:
            tokens.append(char)
        else:
            return None
        i += 1
    return tokens


def cn_to_decimal(numeral: str) -> Decimal | None:
    """The value of a Chinese (or mixed Arabic/Chinese) numeral, or None if it is not one.

    Handles "五十万", "一百二十万", "一亿五千万", "一千零五", "1.2万", "3千", and the spoken
    shorthand where a trailing digit takes the next smaller unit ("一万五" = 15000,
    "3千5" = 3500, "一百五" = 150).
    """
    parts = _numeral_tokens(numeral)
    if not parts:
        return None
    total = Decimal(0)  # everything up to the last 亿
    section = Decimal(0)  # everything since the last 亿, already multiplied out by 万
    group = Decimal(0)  # the part below 万 (千百十 and digits)
    number: Decimal | None = None
    last_unit = 0  # value of the unit just before the pending number, for "一万五"
    previous: Decimal | str | None = None
    for part in parts:
        if isinstance(part, Decimal):
            number = part
            last_unit = _unit_value(previous)
        elif part == "零":
            number = None
            last_unit = 0
        elif part in _CN_SMALL_UNITS:
            group += (Decimal(1) if number is None else number) * _CN_SMALL_UNITS[part]
            number = None
        elif part in _CN_BIG_UNITS:
            if number is None and group == 0 and section == 0 and total == 0:
                return None  # a numeral does not start with 万 or 亿
            value = group + (number or 0)
            if part == "亿":
                total = (total + section + value) * _CN_BIG_UNITS[part]
                section = Decimal(0)
            else:
                section = (section + value) * _CN_BIG_UNITS[part]
            group = Decimal(0)
            number = None
        previous = part
    if number is not None:
        if last_unit >= 100 and number < 10 and number == number.to_integral_value():
            number *= last_unit // 10
        group += number
    return total + section + group


def _unit_value(token: Decimal | str | None) -> int:
    if isinstance(token, str):
        return _CN_SMALL_UNITS.get(token) or _CN_BIG_UNITS.get(token, 0)
    return 0


# --- The amount pattern --------------------------------------------------------------------

# Longest spellings first so "HK$" wins over "$" and "美元" over "元".
_PREFIX_CURRENCIES: dict[str, str] = {
    "hk$": "HKD",
    "us$": "USD",
    "sg$": "SGD",
    "s$": "SGD",
    "$": "USD",
    "＄": "USD",
    "¥": "CNY",
    "￥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "rmb": "CNY",
    "cny": "CNY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "hkd": "HKD",
    "sgd": "SGD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "₹": "INR",
    "inr": "INR",
    "rs.": "INR",
    "rs": "INR",
    "人民币": "CNY",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "新币": "SGD",
}
_SUFFIX_CURRENCIES: dict[str, str] = {
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "usd": "USD",
    "us dollars": "USD",
    "us dollar": "USD",
    "u.s. dollars": "USD",
    "singapore dollars": "SGD",
    "sg dollars": "SGD",
    "sing dollars": "SGD",
    "singapore dollar": "SGD",
    "sing dollar": "SGD",
    "hong kong dollars": "HKD",
    "hk dollars": "HKD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "eur": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "gbp": "GBP",
    "pounds": "GBP",
    "hkd": "HKD",
    "sgd": "SGD",
    "aud": "AUD",
    "australian dollars": "AUD",
    "inr": "INR",
    "rupees": "INR",
    "人民币": "CNY",
    "块钱": "CNY",
    "块": "CNY",
    "元": "CNY",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "港币元": "HKD",
    "新币": "SGD",
    "新加坡元": "SGD",
    "新元": "SGD",
}
_EN_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "mn": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "w": 10_000,  # Chinese shorthand for 万: "30w"
    "billion": 1_000_000_000,
    "lakh": 100_000,  # India: "₹45 lakh", "INR 1.2 crore"
    "lakhs": 100_000,
    "crore": 10_000_000,
    "crores": 10_000_000,
}
_SHORT_EN_MULTIPLIERS = ("k", "m", "mm", "mn", "b", "bn", "w")  # written right after the digits


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _word_alternation(words: dict[str, str]) -> str:
    """ASCII words need a boundary after them ("usd" but not "usdt"); symbols and CJK don't."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        tail = r"(?![a-z])" if word[-1].isascii() and word[-1].isalpha() else ""
        if word.endswith("元"):
            tail = r"(?![旦宵])"  # 元旦, 元宵: a festival, not yuan
        parts.append(re.escape(word) + tail)
    return "|".join(parts)


def _class_of(chars: Iterable[str]) -> str:
    """The characters, once each, escaped for a character class."""
    return "".join(re.escape(char) for char in dict.fromkeys(chars))


CURRENCY_AFTER = lazy_pattern(
    r"[ \t]*(?:" + _word_alternation(_SUFFIX_CURRENCIES) + ")", re.IGNORECASE
)
"""A currency written after a number ("… US dollars", "… 万元"), matched where it starts."""
CURRENCY_BEFORE = lazy_pattern(
    r"(?<![a-z])(?:" + _word_alternation(_PREFIX_CURRENCIES) + r")[ \t]*$", re.IGNORECASE
)
"""A currency written before a number ("USD …", "$ …"), searched up to the number."""

_CN_NUMERAL_CHARS = "零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿"
_CN_START_CHARS = "一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾"
_CN_UNIT_CHARS = "十拾百佰千仟万萬亿"
_LONG_EN = [w for w in _EN_MULTIPLIERS if w not in _SHORT_EN_MULTIPLIERS]

_AMOUNT = lazy_pattern(
    rf"""
    # only where an amount can start (a currency's first character, a digit, a Chinese
    # numeral): every other place is passed over before the currencies are tried
    (?=[\d{_CN_START_CHARS}{_class_of(w for w in _PREFIX_CURRENCIES if len(w) == 1)}]
        |[{_class_of(w[0] for w in _PREFIX_CURRENCIES if len(w) > 1)}]
         [{_class_of(w[1] for w in _PREFIX_CURRENCIES if len(w) > 1)}])
    (?<![a-z0-9_.$])
    (?:(?P<prefix>{_word_alternation(_PREFIX_CURRENCIES)})\s*)?
    (?P<number>
        (?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?     # Arabic, maybe grouped, maybe decimal
        (?:\s?[{_CN_UNIT_CHARS}](?:\d+(?:\.\d+)?|[{_CN_NUMERAL_CHARS}])*)?  # 万, 千5 ...
      | [{_CN_START_CHARS}][{_CN_NUMERAL_CHARS}]*
    )
    (?:
        (?P<short>{_alternation(_SHORT_EN_MULTIPLIERS)})(?![a-z0-9])
      | \s?(?P<long>{_alternation(_LONG_EN)})(?![a-z])
    )?
    (?:\s*(?P<suffix>{_word_alternation(_SUFFIX_CURRENCIES)}))?
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Money cues: a number right after (or right before) one of these is an amount even bare.
_CUES_BEFORE = lazy_pattern(
    r"""(?:报价|总价|价格|价钱|金额|合同额|合同|预算|成交额|成交价|订单|单价|总额|标的|价值|估值
        |(?<![a-z])(?:deal|quote[ds]?|budget|price[ds]?|pricing|worth|valued?|value|contract
          |amount|revenue|offer(?:ed)?|bid|costs?|acv|arr|tcv|po|order))
        (?:\s*(?:size|total|amount|value|is|was|of|at|about|around|approx\.?|approximately|~|≈|
              为|是|约|大约|大概|在|共|总共|了|到|:|：|=)\s*)*\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_CUES_AFTER = lazy_pattern(
    r"^\s*(?:的)?\s*(?:合同|订单|单子|预算|报价|(?:deal|contract|order|budget|quote|po)(?![a-z]))",
    re.IGNORECASE,
)

# Vetoes. A bare number followed by one of these counts something else.
_CN_NOT_MONEY_AFTER = lazy_pattern(
    r"^\s*(?:[个人家次天周月年日号点时分秒岁台件套位名倍%％度层条份箱斤吨款]|小时|星期|礼拜|"
    r"成(?!交)|公里|米|月份)"
)
_EN_NOT_MONEY_AFTER = lazy_pattern(
    r"""^\s*(?:%|percent|per\s?cent|pct|a\.?m\b|p\.?m\b|o'?clock|
        (?:st|nd|rd|th|x|h|hrs?|hours?|mins?|minutes?|secs?|seconds?|days?|weeks?|wks?|
           months?|mos?|years?|yrs?|people|persons?|pax|units?|pcs|pieces?|users?|seats?|
           licen[cs]es?|items?|times|employees|staff|stores?|sites?|boxes|visits?|calls?)
        (?![a-z]))""",
    re.IGNORECASE | re.VERBOSE,
)
_CN_NOT_MONEY_BEFORE = lazy_pattern(r"(?:百分之|周|星期|礼拜|第|初|每)$")
_REFERENCE_BEFORE = lazy_pattern(
    r"(?=[pirtco#])(?:(?<![a-z])(?:po|p\.o\.|invoice|inv|ref|ticket|case|order\s+(?:no\.?|number))"
    r"\s*(?:#|no\.?|number|num)?|#)\s*$",
    re.IGNORECASE,
)
"""Right before a number that names a document, not its value: "PO 44718", "invoice #2231"."""
_PHONE = lazy_pattern(
    r"(?=[+\d])"  # every reading starts so: other places are passed over at once
    r"(?:\+\d{1,3}[\s-]?\d[\d\s-]{5,}\d"  # international: +86 138 0013 8000
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"  # a Chinese mobile number
    r"|(?<!\d)\d{2,4}(?:[\s-]\d{3,4}){2,}(?!\d))"  # 138 0013 8000, 021-6234-5678
)
_YEAR = lazy_pattern(r"(?:19|20)\d\d")
_TRAILING_DIGIT = lazy_pattern(
    r"(?<=[百佰千仟万萬亿])(?:\d|[一壹二贰两三叁四肆五伍六陆七柒八捌九玖])$"
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    money: Money
    cue: bool


def _fold(text: str) -> str:
    """Full-width digits and symbols to ASCII, one character for one so offsets still hold."""
    return text.translate(_FULL_WIDTH)


_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９．＄％：／－＋",
    "0123456789.$%:/-+",
)


def _to_decimal(number: str) -> Decimal | None:
    compact = number.replace(" ", "")
    if not any(char in _CN_NUMERAL_CHARS for char in compact):
        try:
            return Decimal(compact.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            return None
    return cn_to_decimal(compact)


def _tidy(value: Decimal) -> Decimal:
    """500000 rather than 500000.0 or 5E+5, so amounts compare and print as people expect."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def _candidates(text: str) -> list[_Candidate]:
    folded = _fold(text)
    phones = [m.span() for m in _PHONE.finditer(folded)]
    found: list[_Candidate] = []
    for match in _AMOUNT.finditer(folded):
        candidate = _judge(folded, match, phones)
        if candidate is not None:
            found.append(candidate)
    return found


_GARBLED_AFTER = lazy_pattern(r"\.\d")
_WORD_GOES_ON = lazy_pattern(r"[a-z0-9]", re.IGNORECASE)
_DATE_OR_TIME_AFTER = lazy_pattern(r"[:/\-]\d")
_DATE_OR_TIME_BEFORE = lazy_pattern(r"\d[:/\-]$")


def _judge(text: str, match: re.Match[str], phones: list[tuple[int, int]]) -> _Candidate | None:
    """Decide whether one numeric match is money; None if it is a time, date, phone..."""
    number = match["number"]
    prefix, suffix = match["prefix"], match["suffix"]
    start, end = match.span()
    num_start = match.start("number")
    before, after = text[:start], text[end:]
    is_cn = not number[0].isdigit()

    currency = None
    if prefix:
        currency = _PREFIX_CURRENCIES[prefix.lower()]
    if suffix:
        suffix_currency = _SUFFIX_CURRENCIES[suffix.lower()]
        if currency is None:
            currency = suffix_currency

    # "50万一年" is 50万 a year, not 501000: a spoken trailing digit ("一万五") is dropped
    # when what follows shows it starts a new quantity.
    trailing = _TRAILING_DIGIT.search(number)
    bare_tail = not suffix and not (match["short"] or match["long"])
    if trailing and bare_tail and _CN_NOT_MONEY_AFTER.match(text[num_start + len(number) :]):
        number = number[: trailing.start()]
        end = num_start + len(number)
        after = text[end:]

    value = _to_decimal(number)
    if value is None:
        return None
    magnitude = _cn_magnitude(number)
    english = match["short"] or match["long"]
    if english:
        multiplier = _EN_MULTIPLIERS[english.lower()]
        value *= multiplier
        magnitude = max(magnitude, multiplier)

    # "一块去" is "together", not one yuan: 块 needs a real number before it.
    if suffix and suffix in ("块", "块钱") and prefix is None and is_cn and value < 10:
        currency = None
        end = match.start("suffix")
        after = text[end:]

    # A bare number is money only right after a money cue, and only in digits
    # ("报价五" is not a price; "三点" is not three yuan): asked first, as most numbers in
    # a message ("Customer 07", "#17", "10am") are none and need no other test.
    cue_before = _CUES_BEFORE.search(before[-24:]) is not None
    bare = currency is None and magnitude < 1000
    if bare and (is_cn or not cue_before):
        return None

    # Structural vetoes that hold even with a currency: part of a longer token or a date/time.
    if _GARBLED_AFTER.match(after):
        return None  # "$12.5.0k": a garbled number is no amount at all
    if _WORD_GOES_ON.match(after) and not suffix:
        return None  # "10am", "2nd", "5x"
    if not is_cn and (_DATE_OR_TIME_AFTER.match(after) or _DATE_OR_TIME_BEFORE.search(before)):
        return None  # "10:30", "12/3", "2026-11-20"
    if before.endswith("+"):
        return None  # "+86"
    if currency is None:
        if any(p_start <= num_start < p_end for p_start, p_end in phones):
            return None
        if _CN_NOT_MONEY_AFTER.match(after) or _EN_NOT_MONEY_AFTER.match(after):
            return None
        if after.startswith("折") and magnitude < 10000:
            return None  # "打8折": a discount; "42万 折下来每月3.5万" is still 42万
        if _CN_NOT_MONEY_BEFORE.search(before):
            return None
        if not english and magnitude == 1 and _YEAR.fullmatch(number):
            return None  # "2026", "Q4 2026 budget"
        if not english and magnitude == 1 and _REFERENCE_BEFORE.search(before[-16:]):
            return None  # "she'll raise PO 44718": the order's number
    cue = cue_before or _CUES_AFTER.match(after) is not None
    if value <= 0:
        return None
    return _Candidate(Money(_tidy(value), currency, start, end), cue)


def _cn_magnitude(number: str) -> int:
    """The largest unit written in the numeral (1 when none): 万 -> 10000, 千 -> 1000."""
    best = 1
    for char in number:
        unit = _CN_SMALL_UNITS.get(char) or _CN_BIG_UNITS.get(char)
        if unit and unit > best:
            best = unit
    return best


def find_amount(text: str) -> Money | None:
    """The amount ``text`` is about, or None when it names no money.

    Prefers, in order: an amount next to a money cue, one with a currency, the first.
    ``start``/``end`` cover the whole written amount including its currency.
    """
    candidates = _candidates(text)
    if not candidates:
        return None
    best = max(
        enumerate(candidates),
        key=lambda item: (item[1].cue, item[1].money.currency is not None, -item[0]),
    )
    return best[1].money


def currency_code(text: str) -> str | None:
    """``USD``, ``usd``, ``$``, ``美元``, ``人民币`` -> an ISO 4217 code; None when unknown."""
    word = text.strip().lower()
    code = _PREFIX_CURRENCIES.get(word) or _SUFFIX_CURRENCIES.get(word)
    if code is None and len(word) == 3 and word.isalpha() and word.upper() in _KNOWN_CODES:
        code = word.upper()
    return code


_KNOWN_CODES = frozenset(
    {*_PREFIX_CURRENCIES.values(), *_SUFFIX_CURRENCIES.values(), "JPY", "AUD", "CAD", "CHF"}
)


def find_amounts(text: str) -> list[Money]:
    """Every amount in ``text``, in order (for callers that need more than the main one)."""
    return [candidate.money for candidate in _candidates(text)]
