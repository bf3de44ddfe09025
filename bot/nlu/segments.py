"""Reading a customer segment from what a manager types, in English or Chinese.

``/segment dormant high value``, "上个月没有拜访的深圳VIP客户", "customers with no order in
3 months": each phrase becomes one :class:`Filter`, and what a filter does not explain
must be filler ("customers", "with", "的", "客户"…). A text with anything else left over
is not a segment (:attr:`SegmentText.complete` is False): that is how free text that is
really a visit log ("拜访了星辰科技客户…") stays a log. Periods stay relative ("last
month" is the month before whenever the segment runs), so a saved segment keeps meaning
what it said. Pure: the words it knows (cities, tags, field names) are handed in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.nlu.lazy import lazy_pattern

FilterKind = Literal[
    "no_activity", "high_value", "no_order", "stuck", "city", "tag", "field", "tier"
]
PeriodUnit = Literal["days", "months", "last_month", "this_month"]
DORMANT_DAYS = 90
STUCK_DAYS = 14
DEFAULT_NO_ACTIVITY_DAYS = 30


@dataclass(frozen=True)
class Filter:
    """One condition. ``activity`` (``visit``, ``call``, ``meeting``; None: any) and
    ``unit``/``n`` for ``no_activity``; ``n`` months for ``no_order`` (``repurchase``: the
    customer had ordered before), ``n`` days for ``stuck``; ``value`` for ``city``,
    ``tag``, ``tier`` (its key: ``vip``) and ``field`` (with ``name`` the field and ``op``
    one of = > < >= <=)."""

    kind: FilterKind
    activity: str | None = None
    unit: PeriodUnit | None = None
    n: int = 0
    repurchase: bool = False
    name: str = ""
    op: str = "="
    value: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "", 0, False, "=")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filter:
        return cls(**data)


@dataclass(frozen=True)
class SegmentText:
    filters: tuple[Filter, ...]
    leftover: str
    save_as: str | None = None

    @property
    def complete(self) -> bool:
        """Every word was understood and something was asked for."""
        return bool(self.filters) and not self.leftover


@dataclass(frozen=True)
class Vocabulary:
    """The words of this workspace a segment can name."""

    cities: Sequence[str] = ()
    tags: Sequence[str] = ()
    fields: Sequence[str] = ()
    tiers: Mapping[str, str] = field(default_factory=dict)
    """A tier's words -> its key ("VIP" -> vip, "潜在" -> potential)."""
    extra_filler: Sequence[str] = field(default_factory=tuple)


_NUM = r"(\d{1,4}|[一二两三四五六七八九十]{1,3})"
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_ACTIVITY_WORDS = {
    "visit": "visit",
    "visits": "visit",
    "visited": "visit",
    "拜访": "visit",
    "上门": "visit",
    "call": "call",
    "calls": "call",
    "电话": "call",
    "通话": "call",
    "meeting": "meeting",
    "meetings": "meeting",
    "会议": "meeting",
    "会面": "meeting",
    "activity": "",
    "contact": "",
    "follow-up": "",
    "follow up": "",
    "活动": "",
    "跟进": "",
    "联系": "",
}
_ACT = "|".join(sorted((re.escape(w) for w in _ACTIVITY_WORDS), key=len, reverse=True))
_PERIOD = (
    rf"(?:(?:in|for|over|during)\s+)?(?:the\s+)?(?:last|past)?\s*{_NUM}\s*(?:days?|天)"
    rf"|(?:(?:in|for|over|during)\s+)?(?:the\s+)?(?:last|past)?\s*{_NUM}\s*(?:months?|个月|月)"
    r"|(?:in\s+|during\s+)?last\s+month|上个?月|上月"
    r"|(?:in\s+|during\s+)?this\s+month|本月|这个月"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        # "no visit last month", "no activity in 30 days", "上个月没有拜访", "30天没有跟进"
        (
            "no_activity_after",
            rf"(?:no|without(?:\s+a)?|not)\s+(?:any\s+)?(?:been\s+)?({_ACT})\s*({_PERIOD})?",
        ),
        (
            "no_activity_before",
            rf"({_PERIOD})\s*(?:内|里|以来)?\s*(?:没有|没|未|无)\s*(?:被)?({_ACT})",
        ),
        ("no_activity_cn", rf"(?:没有|没|未|无)\s*({_ACT})\s*({_PERIOD})?"),
        # "no order in 3 months", "no repurchase in 3 months", "3个月未复购", "3个月没有下单"
        (
            "no_order_after",
            rf"(?:no|without)\s+(?:any\s+)?(re-?purchases?|repeat\s+orders?|orders?|purchases?|deals?\s+won)\s*({_PERIOD})?",
        ),
        (
            "no_order_before",
            rf"({_PERIOD})\s*(?:内|里|以来)?\s*(?:没有|没|未|无)\s*(复购|再次购买|下单|订单|成交|购买)",
        ),
        ("dormant", r"dormant|inactive|沉睡|休眠"),
        ("high_value", r"high[\s-]*value|高价值|大客户"),
        (
            "stuck",
            rf"(?:deals?\s+)?stuck(?:\s+(?:in\s+(?:a\s+)?stage|deals?))?(?:\s+(?:for\s+)?{_NUM}\s*days?)?|(?:商机)?(?:停滞|卡住)(?:{_NUM}天)?(?:的商机)?",
        ),
    )
)

_FILLER = (
    "customers", "customer", "clients", "client", "accounts", "account", "companies",
    "show me", "show", "list", "find", "which", "who", "that", "with", "have", "has", "had",
    "and", "the", "in", "of", "all", "are", "is", "from", "based",
    "please", "pls", "can you", "could you", "would you", "give me", "get me", "get", "me",
    "display", "what", "where", "whose", "located", "w", "i want", "i need", "to see", "see",
    "my", "our", "any", "every", "there", "do", "we", "some", "a", "an", "tagged", "tags",
    "tag", "标签", "带", "打了",
    "客户", "公司", "的", "在", "和", "且", "并且", "哪些", "所有", "有", "里", "中", "是",
    "请", "帮我", "给我", "看看", "看一下", "列出", "显示", "查一下", "查查", "找出", "找一下",
    "一下", "全部", "我的", "位于", "吧", "呢", "么", "吗",
)  # fmt: skip
_FILLER_RE = lazy_pattern(
    "|".join(
        rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w)
        for w in sorted(_FILLER, key=len, reverse=True)
    ),
    re.IGNORECASE,
)
_SAVE_AS = lazy_pattern(
    r"(?:[,，;；]\s*)?(?:(?:and\s+)?save\s+(?:it\s+)?as|另存为"
    r"|(?:保存|存)(?:一下|下来|起来)?\s*[,，]?\s*(?:叫做|叫|名叫|命名为|为|成))\s*[:：]?\s*(.+)$",
    re.I,
)
"""Saving in the same message: "… save as Big makers", "…客户 存一下 叫 大制造"."""
_PUNCT = lazy_pattern(r"[\s,，、;；.。!！?？:：/]+")
_GROUP_WORDS = ("customers", "customer", "clients", "accounts", "companies")
"""The words that make a message a segment; a typo of one (“custmers”) still does."""
_ASCII_WORD = lazy_pattern(r"[A-Za-z]+")
_OPS = {
    ">=": ">=", "<=": "<=", "≥": ">=", "≤": "<=", "＞": ">", "＜": "<", ">": ">", "<": "<",
    "=": "=", "＝": "=", "大于等于": ">=", "小于等于": "<=", "不少于": ">=", "不低于": ">=",
    "不小于": ">=", "至少": ">=", "不超过": "<=", "不高于": "<=", "不多于": "<=", "不大于": "<=",
    "最多": "<=", "大于": ">", "多于": ">", "高于": ">", "超过": ">", "小于": "<", "少于": "<",
    "低于": "<", "不到": "<", "是": "=", "为": "=", "等于": "=", ":": "=", "：": "=",
    "more than": ">", "over": ">", "above": ">", "greater than": ">", "at least": ">=",
    "less than": "<", "fewer than": "<", "under": "<", "below": "<", "at most": "<=",
}  # fmt: skip
"""A field's comparison, as typed: ``员工数>100``, ``员工数大于100``, ``Employees at least 100``."""
_OP_RE = "|".join(
    rf"{re.escape(o)}(?![A-Za-z])" if o[0].isalpha() and o.isascii() else re.escape(o)
    for o in sorted(_OPS, key=len, reverse=True)
)
_AFTER = {"以上": ">=", "及以上": ">=", "或以上": ">=", "以下": "<=", "及以下": "<=",
          "或以下": "<=", "or more": ">=", "or less": "<=", "+": ">="}  # fmt: skip
"""A comparison written after the number: ``员工数100以上``, ``Employees 100 or more``."""
_AFTER_RE = "|".join(re.escape(o) for o in sorted(_AFTER, key=len, reverse=True))
_AMOUNT = r"[$¥￥]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s*(?:万|千|亿|[kKmMwW](?![A-Za-z])|元|块))?"
"""A number or an amount ("100", "50万", "$80k"): a comparison's value ends where it does
("员工数大于100的客户" compares with 100)."""


def _number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + (_CN_NUM.get(raw[1:], 0) if len(raw) > 1 else 0)
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return _CN_NUM.get(tens, 1) * 10 + (_CN_NUM.get(ones, 0) if ones else 0)
    return _CN_NUM.get(raw, 0)


def _period(text: str | None) -> tuple[PeriodUnit, int] | None:
    if not text:
        return None
    low = text.lower()
    if "last month" in low or low.startswith("上"):
        return "last_month", 0
    if "this month" in low or "本月" in low or "这个月" in low:
        return "this_month", 0
    found = re.search(_NUM, low)
    if found is None:
        return None
    n = _number(found.group(1))
    return ("days", n) if ("day" in low or "天" in low) else ("months", n)


def _activity(word: str) -> str | None:
    return _ACTIVITY_WORDS.get(word.lower()) or None


def _from_match(name: str, m: re.Match[str]) -> Filter | None:
    groups = list(m.groups())
    if name == "dormant":
        return Filter("no_activity", unit="days", n=DORMANT_DAYS)
    if name == "high_value":
        return Filter("high_value")
    if name == "stuck":
        days = next((g for g in groups if g), None)
        return Filter("stuck", n=_number(days) if days else STUCK_DAYS)
    if name in ("no_activity_after", "no_activity_cn"):
        period = _period(groups[1]) or ("days", DEFAULT_NO_ACTIVITY_DAYS)
        return Filter("no_activity", activity=_activity(groups[0]), unit=period[0], n=period[1])
    if name == "no_activity_before":
        period = _period(groups[0]) or ("days", DEFAULT_NO_ACTIVITY_DAYS)
        return Filter("no_activity", activity=_activity(groups[-1]), unit=period[0], n=period[1])
    if name == "no_order_after":
        word = groups[0].lower()
        months = _months(_period(groups[1]))
        return Filter("no_order", n=months, repurchase=word.startswith(("re", "repeat")))
    if name == "no_order_before":
        months = _months(_period(groups[0]))
        return Filter("no_order", n=months, repurchase=groups[-1] in ("复购", "再次购买"))
    return None


def _months(period: tuple[PeriodUnit, int] | None) -> int:
    if period is None:
        return 3
    unit, n = period
    if unit == "days":
        return max(1, round(n / 30))
    return n if unit == "months" else 1


def _words(words: Iterable[str]) -> list[str]:
    return sorted({w for w in words if w and w.strip()}, key=len, reverse=True)


def _word_re(word: str) -> re.Pattern[str]:
    escaped = re.escape(word)
    # An ASCII word must not be part of a longer ASCII word; next to Chinese is fine
    # ("深圳VIP客户"), which ``\b`` would refuse (CJK letters are ``\w`` too).
    ascii_word = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
    return re.compile(ascii_word if word.isascii() else escaped, re.I)


def _near(word: str, target: str) -> bool:
    """A small typo of ``target`` (one letter wrong, missing, extra or swapped); only
    for words long enough that one letter cannot make another word. Words whose lengths
    differ by more than one are never that near, and are told apart without rapidfuzz:
    every free-text message asks this of each of its long words."""
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    from rapidfuzz.distance import DamerauLevenshtein

    return DamerauLevenshtein.distance(word, target, score_cutoff=1) <= 1


def fix_group_words(text: str) -> str:
    """``text`` with typos of "customers" and its kind corrected ("vip custmers")."""

    def fixed(m: re.Match[str]) -> str:
        word = m.group(0)
        return _fixable(word) or word

    return _ASCII_WORD.sub(fixed, text)


@functools.lru_cache(maxsize=8192)
def _fixable(word: str) -> str | None:
    """The group word ``word`` is a typo of ("custmers"), if it is one. Every free-text
    message asks this of each of its words, and a rep's words repeat ("called", "follow",
    "Friday"): remembered, a word already met costs one look-up."""
    low = word.lower()
    if len(low) < 6 or low in _GROUP_WORDS or low in _FILLER:
        return None
    return next((g for g in _GROUP_WORDS if _near(low, g)), None)


def _romanized(city: str) -> str:
    """A Chinese city name as typed in Latin letters: 深圳 -> shenzhen."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(city, style=Style.NORMAL)).lower()


def _city_in_pinyin(rest: str, cities: Iterable[str]) -> tuple[str, tuple[int, int]] | None:
    """A Chinese city of the vocabulary typed in pinyin, forgiving a small typo:
    "Shenzhen", "shen zhen", "shenzen" name 深圳."""
    for city in _words(cities):
        if city.isascii():
            continue
        spelled = _romanized(city)
        if not spelled.isascii() or not spelled:
            continue
        words = list(_ASCII_WORD.finditer(rest))
        for i, first in enumerate(words):
            spans = [(first.start(), first.end())]
            if i + 1 < len(words) and rest[first.end() : words[i + 1].start()] == " ":
                spans.insert(0, (first.start(), words[i + 1].end()))
            for start, end in spans:
                typed = rest[start:end].replace(" ", "").lower()
                if typed == spelled or _near(typed, spelled):
                    return city, (start, end)
    return None


def parse_segment(text: str, vocabulary: Vocabulary) -> SegmentText:
    """The filters in ``text`` and what was left over after them and the filler words."""
    rest = fix_group_words(text.strip())
    save_as = None
    saved = _SAVE_AS.search(rest)
    if saved is not None:
        save_as = saved.group(1).strip() or None
        rest = rest[: saved.start()]
    filters: list[Filter] = []
    # Field conditions first ("员工数>100"): their values may be any word.
    for name in _words(vocabulary.fields):
        pattern = re.compile(
            rf"{re.escape(name)}\s*({_OP_RE})?\s*(?:({_AMOUNT})\s*({_AFTER_RE})?(?![\d.])"
            rf"|([^\s,，、;；的]+))",
            re.I,
        )
        m = pattern.search(rest)
        if m is not None:
            typed = rest[m.start() : m.start() + len(name)]  # as written, not as listed
            op = _OPS.get((m.group(1) or "=").lower(), "=")
            if m.group(1) is None and m.group(3):
                op = _AFTER[m.group(3).lower()]
            value = (m.group(2) or m.group(4)).strip()
            filters.append(Filter("field", name=typed, op=op, value=value))
            rest = rest[: m.start()] + " " + rest[m.end() :]
    for name, pattern in _PATTERNS:
        while (m := pattern.search(rest)) is not None:
            found = _from_match(name, m)
            if found is None:
                break
            filters.append(found)
            rest = rest[: m.start()] + " " + rest[m.end() :]
    kinds: tuple[tuple[FilterKind, Iterable[str]], ...] = (
        ("city", vocabulary.cities),
        ("tier", vocabulary.tiers),
        ("tag", vocabulary.tags),
    )
    for kind, words in kinds:
        for word in _words(words):
            m = _word_re(word).search(rest)
            if m is not None:
                value = vocabulary.tiers[word] if kind == "tier" else word
                filters.append(Filter(kind, value=value))
                rest = rest[: m.start()] + " " + rest[m.end() :]
        if kind == "city" and not any(f.kind == "city" for f in filters):
            spelled = _city_in_pinyin(rest, words)
            if spelled is not None:
                filters.append(Filter("city", value=spelled[0]))
                rest = rest[: spelled[1][0]] + " " + rest[spelled[1][1] :]
    rest = re.sub(r"\bin\s*$", "", rest, flags=re.I)
    rest = _FILLER_RE.sub(" ", rest)
    for word in vocabulary.extra_filler:
        rest = rest.replace(word, " ")
    leftover = _PUNCT.sub(" ", rest).strip()
    return SegmentText(tuple(dict.fromkeys(filters)), leftover, save_as)


_ASKING = lazy_pattern(
    r"^\s*(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+)?(?:show|list|find|which|what|"
    r"give\s+me|get|display|who)\b|^\s*(?:请|帮我|给我)?\s*(?:列出|显示|查一下|查查|找出|找一下|看看|哪些|有哪些)"
    r"|[?？]\s*$",
    re.I,
)


def asks_for_customers(text: str) -> bool:
    """A request for a list ("show me customers …", "which customers have …", "列出…客户"):
    one not fully understood is answered with what was not, never taken for a log."""
    return looks_like_segment(text) and _ASKING.search(text) is not None


def is_comparison(parsed: SegmentText) -> bool:
    """A segment that is only field comparisons ("员工数>100"): typed without "customers",
    it is still a segment (a log says no "员工数>100")."""
    return parsed.complete and all(f.kind == "field" and f.op != "=" for f in parsed.filters)


def looks_like_segment(text: str) -> bool:
    """A free-text message that names customers as a group: only such a message may be
    read as a segment without ``/segment`` (and then only when fully understood)."""
    if "客户" in text or _GROUP_WORD.search(text.lower()):
        return True
    if not any(_fixable(word) for word in _ASCII_WORD.findall(text)):
        return False  # no typo of a group word: the text as written is what was read
    return _GROUP_WORD.search(fix_group_words(text).lower()) is not None


_GROUP_WORD = lazy_pattern(r"\b(customers|clients|accounts)\b")


__all__ = [
    "Filter",
    "SegmentText",
    "Vocabulary",
    "asks_for_customers",
    "fix_group_words",
    "is_comparison",
    "looks_like_segment",
    "parse_segment",
]
