"""Dates and times as people say them, in English and Chinese.

Everything is resolved against ``now``: the instant the message was *sent*, an aware datetime
in the user's time zone. Results are aware datetimes in that same zone. A reminder set from a
message that sat in a queue must not drift, which is why ``now`` is a parameter, not a clock.

How a text is read
------------------
A text is scanned with regular expressions for *pieces*: a date ("下周二", "next Friday",
"Dec 3"), a part of the day ("下午", "morning"), a clock time ("3点15", "10:30", "3pm") or a
duration counted in hours/minutes ("2小时后", "in 30 minutes"). Adjacent pieces (separated only
by spaces, a comma, "at"/"on"/"by"/"around"/"@") form one *phrase*: "下周二下午3点",
"tomorrow at 9:30", "8pm tonight". Each phrase resolves to one instant.

Chinese is parsed entirely here: dateparser does not read Chinese relative phrases and jionlp
costs 220 MB. English date words are recognised by our own grammar (so that "may", "march",
"sun", "second", "now", "a" in ordinary sentences never become dates, and so that dateparser's
13-22 ms scan of non-date text is never paid); the date part of what matched is then handed to
dateparser (languages=["en"], PREFER_DATES_FROM="future", RETURN_AS_TIMEZONE_AWARE=False,
RELATIVE_BASE = the sender's local date as a naive midnight) for calendar dates ("Dec 3",
"3rd of December, 2026", "12/3/2026"), today/tomorrow/yesterday, bare weekdays and durations
in days/weeks/months/years. Only the *date* of its answer is used: the time of day always comes
from our own grammar (and the zone from ``now``), so English and Chinese share one set of rules
and dateparser's answers can be cached per day.

Rules (the same in both languages)
----------------------------------
* **Explicit dates are never moved.** 今天/today, 今晚/tonight, this afternoon, 本月5号,
  上周五/last Friday, a date with a year: resolved literally, even when already past
  ("今晚8点" sent at 21:00 is today 20:00, in the past). Silently moving a date the user
  stated would hide their mistake; the caller sees ``at < now`` and can ask.
* **Implicit dates prefer the future.** A bare weekday (周五, Friday) is the next such day
  *after* today (said on a Friday it means next week's: to mean today people say 今天/today).
  这周五/本周五/this Friday is the Friday of the current Monday-Sunday week, or next week's
  if that is already past. 下周五/next Friday is the Friday of next week (Monday-based), so
  on a Wednesday "Friday" is in two days and "next Friday" in nine. A bare day number
  (5号) or month-day without a year (12月3日, Dec 3) is the next such date on or after
  today, unless a month-day fell within the last :data:`RECENT_PAST_DAYS` days: "11/16
  site visit" sent on 18 November happened two days ago; it is no follow-up a year out.
* **A time without a date** (3点, 下午, 10:30, 3pm) is its next occurrence: today if not yet
  past, else tomorrow. **A date without a time** carries ``default_time`` (09:00 unless
  configured) and ``has_time=False``.
* **Parts of the day** without a number: morning/上午/早上 09:00, noon/中午 12:00,
  afternoon/下午 15:00, 傍晚 18:00, evening/晚上 19:00, tonight/night/今晚/明晚 20:00;
  end of day/EOD 17:00. These count as ``has_time=True`` (the user did say when).
  With a number they pick the half of the day: 下午3点/3 in the afternoon = 15:00,
  晚上12点 = midnight at the end of that day.
* **Bare hours 1-6** with no am/pm or part of day (3点, at 3, 3:30) are read as afternoon:
  nobody schedules a sales call at 3 a.m. Other bare hours are taken as written.
* 下周/next week = Monday of next week; 下个月/next month = the 1st of next month;
  月底/end of month = its last day; 周末/weekend = Saturday. 3天后/in 3 days count calendar
  days (the date only); 2小时后/in 2 hours count elapsed time.
* DST: wall-clock times are built as ``datetime(y, m, d, h, mi, tzinfo=zone)`` and normalised
  through UTC, so a time inside a spring-forward gap moves forward by the gap (02:30 -> 03:30)
  and an ambiguous fall-back time takes its first occurrence; elapsed-time durations are
  added in UTC.

``find_datetime`` returns the phrase that best describes a *future follow-up*: among all
phrases it prefers those in the future (a date-only phrase counts when its day is after today),
then the most specific (date and time > date only > a time with no date), then the last one
(notes tell what happened first and the next step last: "今天拜访了…，下周二下午3点跟进").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from typing import Literal

from bot.nlu.lazy import lazy_pattern
from bot.nlu.tries import union
from bot.nlu.zones import on_their_clock


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date/time phrase found in a text: where it was, and the instant it means."""

    at: datetime  # aware, in the time zone of the ``now`` it was resolved against
    start: int
    end: int  # text[start:end] is the phrase
    has_time: bool  # False when only a date was said (``at`` then carries the default time)
    day_said: bool = True
    """False for a time of day said with no day ("下午", "3点", "at 4pm"): ``at`` is today's,
    or tomorrow's once today's has passed."""


# --------------------------------------------------------------------------------------------
# Vocabulary

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN = "零〇一二两三四五六七八九十"
_CNN = f"[{_CN}]{{1,3}}"
_N = rf"(?:\d{{1,2}}|{_CNN})"
_MONTH_PART = "底|末|初|上旬|中旬|下旬|中"  # 旬: thirds of a month

Pod = Literal["early", "morning", "noon", "afternoon", "dusk", "evening", "night"]

# Hour a part of the day means when no number is given; "early" (凌晨, small hours) has none.
_POD_DEFAULT: dict[str, int | None] = {
    "early": None,
    "morning": 9,
    "noon": 12,
    "afternoon": 15,
    "dusk": 18,
    "evening": 19,
    "night": 20,
}
_CN_POD: dict[str, Pod] = {
    "凌晨": "early",
    "半夜": "early",
    "深夜": "early",
    "清晨": "morning",
    "早上": "morning",
    "早晨": "morning",
    "上午": "morning",
    "中午": "noon",
    "午后": "afternoon",
    "下午": "afternoon",
    "傍晚": "dusk",
    "晚上": "evening",
    "晚间": "evening",
    "夜里": "night",
    "夜间": "night",
}
_EN_POD: dict[str, Pod] = {
    "morning": "morning",
    "afternoon": "afternoon",
    "arvo": "afternoon",
    "evening": "evening",
    "night": "night",
}
_CN_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# Nouns after "N点" that make it "N points/items", not a clock time ("三点建议").
_CN_POINT_NOUNS = (
    "建议|意见|要求|问题|内容|想法|原因|好处|优势|不足|需求|事项|注意|理由|看法|体会|改进|共识|"
    "计划|措施|结论|要点|区别|优点|缺点|收获"
)
# Things numbered with 号/日 that are not days of the month ("5号楼", "3号线").
_CN_NOT_A_DAY = (
    "楼|栋|线|门|房|室|馆|厅|位|台|桌|院|机|库|仓|口|区|街|路|车|床|柜|窗|码|种|样|文件|合同|"
    "客户|员工|选手|球员|店|铺|包|箱|组|队|产品|游|均|活|报|志|元|工|会议室"
)

# --------------------------------------------------------------------------------------------
# Patterns: one per kind of piece. Alternatives are ordered so that the longer reading wins at
# a given position (finditer takes the leftmost match, then the first alternative that fits).

_CN_DATE = lazy_pattern(
    rf"""
    # tried only where a reading can start: every other place is passed over at once
    (?=[\d{_CN}百半大后前明今昨下这本上当周星礼年月])
    (?:(?P<dur>(?<![\d{_CN}])(?P<dn>\d{{1,3}}|[{_CN}百]{{1,4}}|半)\s*
        (?P<du>个?半?(?:小时|钟头)|分钟|天|日|个?(?:星期|礼拜)|周|个月|年)
        (?P<dd>以后|之后|后|以前|之前|前)(?!往|面|续|来|台|端|期))
    |(?P<rel>大后天|大前天|后天|前天|明天|今天|昨天|明日|今日|昨日|明儿|今儿
        |今晚上?|明晚上?|昨晚上?|今夜|明夜|今早|明早|今晨|明晨)
    |(?P<wk>(?P<wkmod>下下个?|下个?|这个?|本|上上个?|上个?)?(?:(?<![老小])周|星期|礼拜)
        (?P<wkday>[二三四五六日天末1-7]|一(?!起|直|定|样|般|些|致|旦|共)))
    |(?P<wkonly>(?P<wkmod2>下下个?|下个?|上上个?|上个?)(?:周|星期|礼拜))
    |(?P<cnth>(?:(?P<cnthm>{_N})\s*月|(?P<cnthrel>下个?|这个?|本)月)的?
        (?:第(?P<cnthn>[一二三四1-4])个|(?P<cnthlast>最后一个))(?:周|星期|礼拜)
        (?P<cnthwd>[一二三四五六日天1-7]))
    |(?P<mon>(?P<monmod>下下个?|下个?|上个?|这个?|本|当)月
        (?:(?P<montail>{_MONTH_PART})|(?P<monday>{_N})[日号])?)
    |(?P<ytail>(?:今年)?年(?:底|末))
    |(?P<mtail>(?<![\d{_CN}个])月(?P<mtailpos>{_MONTH_PART}))
    |(?P<md>(?<![\d{_CN}])(?:(?P<mdy>\d{{4}})\s*年\s*)?(?P<mdm>{_N})\s*月\s*
        (?:(?P<mdtail>{_MONTH_PART})|(?P<mdd>{_N})(?:\s*(?P<mdsuf>[日号]))?))
    |(?P<day>(?<![\d{_CN}第.])(?P<dayn>{_N})(?P<daysuf>[日号])(?!{_CN_NOT_A_DAY})))
    """,
    re.X,
)
# Every character _CN_DATE's readings require (天, 月, 周, 号…) is in this range.
_HAN = lazy_pattern("[\u3400-\u9fff]")
_CN_CLOCK = lazy_pattern(
    rf"""
    (?=[\d{_CN}])  # every reading starts so: other places are passed over at once
    (?<![\d:：.])
    (?:
        (?P<hh>[01]?\d|2[0-3])[:：](?P<mm>[0-5]\d)(?![\d:：])  # also after 周三: "周三10:30"
        |(?:(?<![{_CN}第几])|(?<=[周期拜][一二三四五六日天]))  # "周五3点"
         (?P<ch>\d{{1,2}}|{_CNN})(?:点钟?|(?<=\d)时)
         (?P<cm>半|一刻|三刻|整|零?\d{{1,2}}分?|零?[{_CN}]{{1,3}}分?)?
         (?!\d|{_CN_POINT_NOUNS})
    )
    """,
    re.X,
)
_POD = lazy_pattern(
    r"""
    (?=[凌半深清早上中午下傍晚夜imaen])  # where a reading can start: no other place is tried
    (?:(?P<cn>凌晨|半夜|深夜|清晨|早上|早晨|上午|中午|午后|下午|傍晚|晚上|晚间|夜里|夜间)(?!好)
    |\b(?P<in>in\s+the\s+)?(?P<en>morning|afternoon|arvo|evening|night)\b)
    """,
    re.X | re.I,
)

_WD_FULL = "|".join(_EN_WEEKDAYS)
_WD_ABBR = r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
_WD_SAFE_ABBR = r"mon|tues?|wed|thu(?:rs?)?|fri"  # "sat"/"sun" alone are ordinary words
EN_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
"""An English month's name or its short form, as an alternation (no group)."""
_DAYNUM = r"(?:3[01]|[12]\d|0?[1-9])"
_NUMWORD = (
    r"\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|half\s+an?"
)
_UNIT = r"minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?"

_EN_DATE_WORDS = (
    "in", "within", "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "couple", "few", "half", "the", "day", "today",
    "tomorrow", "tomorow", "tmrw", "tmr", "yesterday", "yday", "ystd", "tonight", "tonite",
    "last", "this", "next", "coming", "weekend", "end", "start", "beginning", "middle", "eom",
    "eow", "month", "first", "second", "third", "fourth", *_EN_WEEKDAYS,
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_EN_DATE_STARTS = r"\d+(?:[\s/.-]|st|nd|rd|th)|mid|early|late|" + union(_EN_DATE_WORDS)
"""What each of _EN_DATE's readings starts with: digits then a space, a separator or an
ordinal's ending; a month's part ("mid-Dec", "earlyjan"); or one of these words, whole. A
word that starts no reading ("they" for "the", "10am") is passed over without trying them."""
_EN_DATE = lazy_pattern(
    rf"""
    \b(?=\w)  # a word's start: its ends are passed over before the readings are tried
    # and of those only the starts a reading can have (_EN_DATE_STARTS), so that most words
    # ("called", "they", "follow", "10am") fail here at once instead of in every reading
    (?={_EN_DATE_STARTS})
    (?:
    # each reading behind a class of the letters it can start with, so that the others are
    # passed over at once where one is tried ("07 Ltd" tries the numbers' only)
    (?=[\diwaotfsench])(?P<dur>(?:in|within)\s+(?P<dn>{_NUMWORD})\s+(?P<du>{_UNIT})
        |(?P<dn2>{_NUMWORD})\s+(?P<du2>{_UNIT})\s+(?P<dd>from\s+(?:now|today)|later|ago))
    |(?=[tdy])(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday
        |today|tomorrow|tomorow|tmrw|tmr|yesterday|yday|ystd)
    |(?=[tl])(?P<tonight>tonight|tonite|last\s+night|this\s+(?P<thispod>morning|afternoon|arvo|evening))
    |(?=[ntcl])(?P<wk>(?P<wkmod>next|this\s+coming|this|coming|last)\s+(?P<wkday>{_WD_FULL}|{_WD_ABBR}))
    |(?=[ntlw])(?P<we>(?:(?P<wemod>next|this|last)\s+|the\s+)?weekend)
    |(?=[nl])(?P<per>(?P<permod>next|last)\s+(?P<peru>week|month))
    |(?=[tesbm])(?P<edge>(?:the\s+)?(?:(?P<edgepos>end|start|beginning|middle)\s+of\s+(?:the\s+)?|mid[-\s]?)
        (?P<edgemod>this\s+|next\s+)?(?P<edgeu>week|month)|(?P<edgeabbr>eom|eow|month[-\s]end))
    |(?=[tfsl\d])(?P<nth>(?:the\s+)?(?P<nthn>first|1st|second|2nd|third|3rd|fourth|4th|last)\s+
        (?P<nthwd>{_WD_FULL}|{_WD_ABBR})\.?\s+(?:of|in)\s+
        (?:(?P<nthmon>{EN_MONTH})(?![a-z])|(?P<nthrel>(?:the|this|next)\s+month)))
    |(?=[mtwfsjaond\d])(?P<cal>(?:(?:{_WD_FULL}|{_WD_ABBR})\.?,?\s+)?
        (?P<caltext>(?P<calmon>{EN_MONTH})\.?\s+(?:the\s+(?={_DAYNUM}(?:st|nd|rd|th)))?
            (?P<calday>{_DAYNUM})(?:st|nd|rd|th)?
        |(?:the\s+)?(?P<calday2>{_DAYNUM})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<calmon2>{EN_MONTH}))
        (?:\.?,?\s+(?P<calyear>\d{{4}}))?)
    |(?=[mtwfs])(?P<wdord>(?:{_WD_FULL}|{_WD_ABBR})\.?,?\s+(?:the\s+)?(?P<wdday>{_DAYNUM})(?:st|nd|rd|th))
    |(?=[mtwfs])(?P<wdnum>(?P<wdnwd>{_WD_FULL}|{_WD_ABBR})\.?,?\s+(?P<wdnday>3[01]|[12]\d)
        (?![\d:/]|\.\d|\s*(?:am|pm|a\.m|p\.m|h\b|hrs?\b|o'?clock|mins?\b|%|k\b)))
    |(?=[mtwfs])(?P<wkweek>(?P<wwday>{_WD_FULL}|{_WD_ABBR})\s+week)
    |(?=[mel])(?P<mpart>(?P<mpos>mid|early|late|end\s+of)[-\s]?(?P<mpmon>{EN_MONTH})(?![a-z]))
    |(?=\d)(?P<iso>\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}})
    |(?=\d)(?P<num>\d{{1,2}}/\d{{1,2}}(?:/(?P<numyear>\d{{4}}|\d{{2}}))?)
    |(?=[t\d])(?P<ord>(?:the\s+)?(?P<ordday>{_DAYNUM})(?:st|nd|rd|th))
    |(?=[mtwfs])(?P<wd>{_WD_FULL}|{_WD_SAFE_ABBR})
    )(?![A-Za-z0-9_])(?![/:-]\d)  # a word's end in English: "fri下午4点" is Friday
    """,
    re.X | re.I,
)
_EN_CLOCK = lazy_pattern(
    r"""
    (?=[\d@nmeca])  # where a reading can start (a digit, "noon", "eod", "at" …): no other place
    (?<![A-Za-z0-9_:.$/])  # not a word's middle; after Chinese, a clock: "周五3pm"
    (?:
        (?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?\s*(?P<mer>[ap])\.?m(?![A-Za-z0-9_])\.?
        |(?P<noon>noon|midday)(?![A-Za-z0-9_])
        |(?P<oh>\d{1,2})\s*o'?clock(?![A-Za-z0-9_])
        |(?P<eod>eod|cob|end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+business)\b
        |(?P<ih>\d{1,2})(?=\s+in\s+the\s+(?:morning|afternoon|evening|night)\b)
        |(?:at|@)\s*(?P<dh>\d{1,2})\.(?P<dm>[0-5]\d)(?!\d|[.,/]\d|\s*(?:%|[ap]\.?m\b))
        |(?:at|@)\s*(?P<ah>\d{1,2})(?![\d:.,/%]\d|\d|\s*(?:%|[ap]\.?m\b|o'?clock))
    )
    """,
    re.X | re.I,
)
# What may sit between two pieces of one phrase.
_GLUE = lazy_pattern(r"(?:\s*[,，])?\s*(?:(?:at|on|around|by)\s+|@\s*)?", re.I)
# What may follow an English piece that is only a date when followed by nothing wordy
# ("on the 3rd" yes, "on the 3rd floor" no; "may 5" yes, "may 5 people" no).
_FOLLOW_OK = lazy_pattern(
    r"\s*(?:$|[^\w\s]|\d|[^\x00-\x7f]|(?:at|on|by|in|and|to|or|am|pm|a\.m|p\.m|o'?clock"
    r"|morning|afternoon|arvo|evening|night|noon|tomorrow|today|tonight|next|this"
    r"|mon|tue|wed|thu|fri|sat|sun)\b)",
    re.I,
)
_CLOCK_NEXT = lazy_pattern(r"[ \t,]+(?:at[ \t]+)?\d{1,2}(?:[:.][0-5]\d)?[ \t]*[ap]\.?m\b", re.I)
_PREPOSITION_BEFORE = lazy_pattern(r"\b(?:on|by|before|after|until|till|due|from|for|to)\s+$", re.I)
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar"})  # ordinary words when lowercase
_EDGE_CHARS = " \t\r\n,.;:!?，。；：！？、…\"'“”‘’()（）[]【】「」<>《》-—~～"
_LEADING_FILLER = lazy_pattern(r"(?:(?:on|at|by|around|for|in|until|till|before)\s+|在|于)", re.I)


# --------------------------------------------------------------------------------------------
# Pieces and phrases


@dataclass(frozen=True, slots=True)
class _Piece:
    """One recognised fragment; ``kind`` says which fields matter."""

    kind: Literal["date", "pod", "clock", "instant"]
    start: int
    end: int
    day: date | None = None  # date
    pod: Pod | None = None  # date (今晚, tonight) or pod
    hour: int = 0  # clock
    minute: int = 0  # clock
    fixed: bool = False  # clock: the hour is already 0-23 as meant (am/pm, 15点, 09:00, noon)
    weak: bool = False  # may not stand alone ("morning", "一点"); needs a date or clock beside
    instant: datetime | None = None  # instant


@dataclass(frozen=True, slots=True)
class _Ctx:
    now: datetime
    zone: tzinfo
    today: date
    text: str


def _cn_int(numeral: str) -> int | None:
    """A number written in digits or Chinese numerals (二十三, 两, 零五, 一百) -> int."""
    if numeral.isdigit():
        return int(numeral)
    if numeral == "半":
        return None
    if "百" in numeral:
        head, _, tail = numeral.partition("百")
        hundreds = _CN_DIGITS.get(head, -1) if head else 1
        if hundreds < 0:
            return None
        rest = _cn_int(tail.lstrip("零〇")) if tail else 0
        return None if rest is None else hundreds * 100 + rest
    if "十" in numeral:
        head, _, tail = numeral.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        units = _CN_DIGITS.get(tail, -1) if tail else 0
        if tens < 0 or units < 0 or len(head) > 1 or len(tail) > 1:
            return None
        return tens * 10 + units
    value = 0
    for char in numeral:
        if char not in _CN_DIGITS:
            return None
        value = value * 10 + _CN_DIGITS[char]
    return value


_EN_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
           "4th": 4, "last": -1}  # fmt: skip


def _nth_weekday(month_start: date, weekday: int, nth: int) -> date | None:
    """The month's ``nth`` such weekday (-1: its last), or None when it has no such one."""
    if nth == -1:
        last = _month_end(month_start)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    found = month_start + timedelta(days=(weekday - month_start.weekday()) % 7 + 7 * (nth - 1))
    return found if found.month == month_start.month else None


def _coming_month(today: date, month: int) -> date:
    """The 1st of ``month`` this year, or next year's once this year's has gone by: "mid-Dec",
    "first monday of jan", "1月第一个周一" said in November."""
    return date(today.year if month >= today.month else today.year + 1, month, 1)


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clipped to the month's end (Jan 31 + 1 -> Feb 28)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_day(year: int, month: int, day: int) -> date:
    """Day ``day`` of a month, clipped to its end ("下个月31号" in January -> Feb 28)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _week_day(today: date, weeks: int, weekday: int) -> date:
    """``weekday`` (0 = Monday) of the Monday-based week ``weeks`` away from this one."""
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks, days=weekday)


def _next_weekday(today: date, weekday: int) -> date:
    """The next ``weekday`` strictly after today (a bare "周五" never means today)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _this_weekday(today: date, weekday: int) -> date:
    """``weekday`` of this week, or of next week when this week's has passed."""
    day = _week_day(today, 0, weekday)
    return day if day >= today else day + timedelta(weeks=1)


def _next_day_number(today: date, number: int) -> date | None:
    """The next date on or after today whose day of the month is ``number`` ("5号")."""
    if not 1 <= number <= 31:
        return None
    first = today.replace(day=1)
    for ahead in range(13):
        month = _add_months(first, ahead)
        if number <= calendar.monthrange(month.year, month.month)[1]:
            candidate = month.replace(day=number)
            if candidate >= today:
                return candidate
    return None


RECENT_PAST_DAYS = 45
"""How far back a month and day written without a year still means this past one."""


def _recent_or_next(today: date, upcoming: date) -> date:
    """``upcoming`` (the next such month and day), or the same month and day a year earlier
    when that is at most :data:`RECENT_PAST_DAYS` days ago: a date a rep writes without a
    year is when something happened lately or when it will, not a day eleven months out."""
    try:
        before = upcoming.replace(year=upcoming.year - 1)
    except ValueError:  # 29 February
        return upcoming
    return before if 0 < (today - before).days <= RECENT_PAST_DAYS else upcoming


def _next_month_day(today: date, month: int, number: int) -> date | None:
    """The next ``month``/``number`` on or after today ("12月3日" without a year)."""
    if not (1 <= month <= 12 and 1 <= number <= 31):
        return None
    for year in range(today.year, today.year + 9):  # Feb 29 may need a few years
        if number <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, number)
            if candidate >= today:
                return candidate
    return None


def _month_point(month_start: date, where: str) -> date:
    """底/末/end -> last day, 初/上旬/start -> 1st, 中/中旬/mid -> 15th, 下旬 -> 21st."""
    if where in ("底", "末", "end"):
        return _month_end(month_start)
    if where in ("中", "中旬", "middle", "mid"):
        return month_start.replace(day=15)
    if where == "下旬":
        return month_start.replace(day=21)
    return month_start.replace(day=1)


def _floating_month_point(today: date, where: str) -> date:
    """月底/月初/月中 with no month: this month's, or next month's once it has passed."""
    day = _month_point(today.replace(day=1), where)
    return day if day >= today else _month_point(_add_months(today.replace(day=1), 1), where)


def _wall(day: date, hour: int, minute: int, zone: tzinfo, second: int = 0) -> datetime:
    """The instant a wall clock in ``zone`` shows ``day hour:minute``.

    Built on the naive wall-clock fields (never by adding timedeltas to an aware datetime, which
    would carry the wrong UTC offset across a DST change) and normalised through UTC, so a time
    in a spring-forward gap comes out moved forward by the gap and an ambiguous time takes its
    first occurrence (``fold=0``).
    """
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone)


@cache
def _dateparser_parse() -> Callable[..., datetime | None]:
    """dateparser, imported on first use: importing it costs ~60 ms that Chinese never needs."""
    import dateparser  # type: ignore[import-untyped]

    parse: Callable[..., datetime | None] = dateparser.parse
    return parse


@lru_cache(maxsize=2048)
def _dateparser_date(phrase: str, today: date) -> date | None:
    """The date dateparser reads in an English date phrase, relative to ``today``.

    Only the date of its answer is used (the time of day is ours), so the relative base is the
    local midnight of today: same answers as the sender's local now, and cacheable per day.
    """
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    result = _dateparser_parse()(phrase, languages=["en"], settings=settings)
    return None if result is None else result.date()


def warm_up() -> None:
    """Import dateparser and pay its first-parse cost (~250 ms) now, not on a user's message."""
    _dateparser_parse()("tomorrow", languages=["en"], settings={"PREFER_DATES_FROM": "future"})
    find_datetime("tomorrow at 3pm, 明天下午3点", datetime(2026, 1, 1, tzinfo=UTC))


def _follow_ok(text: str, end: int) -> bool:
    return _FOLLOW_OK.match(text, end) is not None


_ABOUT_NEXT = lazy_pattern(
    r"\s+(?:re|about|for|with|w/?|regarding|sharp|to\s+(?:discuss|go|review|talk|walk))\b", re.I
)
"""After "at 2", what the appointment is about: "call Kelvin tmrw at 2 re the quote"."""


def _clock_follow_ok(text: str, end: int) -> bool:
    return _follow_ok(text, end) or _ABOUT_NEXT.match(text, end) is not None


# --------------------------------------------------------------------------------------------
# Piece builders


def _cn_date_piece(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    today = ctx.today
    start, end = m.span()
    if m["dur"]:
        amount, unit = _count(m["dn"]), _unit(m["du"])
        if amount is None or unit is None:
            return None
        past = m["dd"] in ("以前", "之前", "前")
        return _duration_piece(amount + unit[1], unit[0], past, start, end, ctx)
    if rel := m["rel"]:
        offsets = {"大后": 3, "后": 2, "明": 1, "今": 0, "昨": -1, "前": -2, "大前": -3}
        head = rel[:2] if rel.startswith("大") else rel[0]
        pod: Pod | None = None
        if "晚" in rel or "夜" in rel:
            pod = "night"
        elif "早" in rel or "晨" in rel:
            pod = "morning"
        return _Piece("date", start, end, day=today + timedelta(days=offsets[head]), pod=pod)
    if m["wk"]:
        mod, wkday = m["wkmod"] or "", m["wkday"]
        weekday = 5 if wkday == "末" else int(wkday) - 1 if wkday.isdigit() else _CN_WEEKDAY[wkday]
        if mod.startswith(("这", "本")):
            return _Piece("date", start, end, day=_this_weekday(today, weekday))
        if not mod:
            day = _this_weekday(today, 5) if wkday == "末" else _next_weekday(today, weekday)
            return _Piece("date", start, end, day=day)
        weeks = {"下下": 2, "下": 1, "上": -1, "上上": -2}[mod.rstrip("个")]
        return _Piece("date", start, end, day=_week_day(today, weeks, weekday))
    if m["wkonly"]:
        weeks = {"下下": 2, "下": 1, "上": -1, "上上": -2}[m["wkmod2"].rstrip("个")]
        return _Piece("date", start, end, day=_week_day(today, weeks, 0))
    if m["cnth"]:  # "12月第一个周一", "下个月最后一个周五"
        if m["cnthm"]:
            month = _cn_int(m["cnthm"])
            if month is None or not 1 <= month <= 12:
                return None
            month_start = _coming_month(today, month)
        else:
            ahead = 1 if m["cnthrel"].startswith("下") else 0
            month_start = _add_months(today.replace(day=1), ahead)
        wkday = m["cnthwd"]
        weekday = int(wkday) - 1 if wkday.isdigit() else _CN_WEEKDAY[wkday]
        number = m["cnthn"]
        which = -1 if m["cnthlast"] else int(number) if number.isdigit() else _CN_DIGITS[number]
        found = _nth_weekday(month_start, weekday, which)
        return None if found is None else _Piece("date", start, end, day=found)
    if m["mon"]:
        mod = m["monmod"].rstrip("个")
        months = {"下下": 2, "下": 1, "上": -1}.get(mod, 0)
        month_start = _add_months(today.replace(day=1), months)
        if m["montail"]:
            return _Piece("date", start, end, day=_month_point(month_start, m["montail"]))
        if m["monday"]:
            number = _cn_int(m["monday"])
            if number is None or not 1 <= number <= 31:
                return None
            day = _month_day(month_start.year, month_start.month, number)
            return _Piece("date", start, end, day=day)
        if months == 0:
            return None  # 这个月/本月 alone is a span, not a day
        return _Piece("date", start, end, day=month_start)
    if m["ytail"]:
        return _Piece("date", start, end, day=date(today.year, 12, 31))
    if m["mtail"]:
        return _Piece("date", start, end, day=_floating_month_point(today, m["mtailpos"]))
    if m["md"]:
        return _cn_month_day(m, ctx)
    if m["day"]:
        if m["daysuf"] == "日" and not m["dayn"].isdigit():
            return None  # "三日", "一日" are as often "three days", "one day"
        number = _cn_int(m["dayn"])
        day_found = None if number is None else _next_day_number(today, number)
        return None if day_found is None else _Piece("date", start, end, day=day_found)
    return None


def _cn_month_day(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    month = _cn_int(m["mdm"])
    if month is None or not 1 <= month <= 12:
        return None
    year = int(m["mdy"]) if m["mdy"] else None
    start, end = m.span()
    if m["mdtail"]:
        day = _month_point(date(year or ctx.today.year, month, 1), m["mdtail"])
        if year is None and (ctx.today - day).days > RECENT_PAST_DAYS:
            day = _month_point(date(ctx.today.year + 1, month, 1), m["mdtail"])
        return _Piece("date", start, end, day=day)
    number = _cn_int(m["mdd"])
    if number is None or not 1 <= number <= 31:
        return None
    if not m["mdsuf"]:
        # "12月3" is a date, "3月5万" is not: without 日/号 the number must end there.
        following = ctx.text[end : end + 1]
        if following and following in f"0123456789{_CN}百千万亿元块个点时天周年%":
            return None
        if following == "." and ctx.text[end + 1 : end + 2].isdigit():
            return None  # "3月5.5": a number going on; "follow up 11/24." ends a sentence
    if year is None:
        upcoming = _next_month_day(ctx.today, month, number)
        found = None if upcoming is None else _recent_or_next(ctx.today, upcoming)
    elif number <= calendar.monthrange(year, month)[1]:
        found = date(year, month, number)
    else:
        found = None
    return None if found is None else _Piece("date", start, end, day=found)


Unit = Literal["minute", "hour", "day", "week", "month", "year"]


def _count(numeral: str) -> float | None:
    """How many: 3, 三, 两, 十五, 半 / half an (0.5), a / one…twelve, a couple (2), a few (3)."""
    lowered = numeral.lower()
    if lowered == "半" or lowered.startswith("half"):
        return 0.5
    if lowered in _EN_NUMBERS:
        return _EN_NUMBERS[lowered]
    if "couple" in lowered:
        return 2
    if "few" in lowered:
        return 3
    return _cn_int(numeral)


def _unit(word: str) -> tuple[Unit, float] | None:
    """The unit of 天/周/个月/小时/days/hrs…, and the extra half of "一个半小时"."""
    lowered = word.lower()
    extra = 0.5 if lowered.startswith("个半") else 0.0
    if lowered == "分钟" or lowered.startswith("min"):
        return "minute", extra
    if "小时" in lowered or "钟头" in lowered or lowered.startswith(("hour", "hr")):
        return "hour", extra
    if lowered in ("天", "日") or lowered.startswith("day"):
        return "day", extra
    if lowered == "周" or "星期" in lowered or "礼拜" in lowered or lowered.startswith("w"):
        return "week", extra
    if lowered == "个月" or lowered.startswith("month"):
        return "month", extra
    if lowered == "年" or lowered.startswith(("year", "yr")):
        return "year", extra
    return None


def _duration_piece(
    amount: float, unit: Unit, past: bool, start: int, end: int, ctx: _Ctx
) -> _Piece | None:
    """3天后 / in 3 days (calendar days: a date) or 2小时后 / in 2 hours (elapsed: an instant)."""
    sign = -1 if past else 1
    if unit in ("minute", "hour") or (unit == "day" and amount < 1):  # 半天后: 12 hours
        seconds = amount * {"minute": 60, "hour": 3600, "day": 86400}[unit]
        moved = ctx.now.astimezone(UTC) + timedelta(seconds=sign * seconds)
        return _Piece("instant", start, end, instant=moved.astimezone(ctx.zone))
    whole = int(amount)
    if amount != whole:
        if unit == "month" and whole == 0:  # 半个月后: 15 days
            return _Piece("date", start, end, day=ctx.today + timedelta(days=sign * 15))
        if unit == "year" and whole == 0:  # 半年后: 6 months
            unit, whole = "month", 6
        else:
            return None
    if unit == "day":
        day = ctx.today + timedelta(days=sign * whole)
    elif unit == "week":
        day = ctx.today + timedelta(weeks=sign * whole)
    else:
        day = _add_months(ctx.today, sign * whole * (12 if unit == "year" else 1))
    return _Piece("date", start, end, day=day)


def _en_date_piece(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    today, text = ctx.today, ctx.text
    start, end = m.span()
    if m["dur"]:
        count, unit_word = (m["dn"], m["du"]) if m["dn"] else (m["dn2"], m["du2"])
        past = (m["dd"] or "").lower() == "ago"
        amount, unit_found = _count(count), _unit(unit_word)
        if amount is None or unit_found is None:
            return None
        unit = unit_found[0]
        if unit in ("minute", "hour") or amount != int(amount):
            return _duration_piece(amount, unit, past, start, end, ctx)  # elapsed time: ours
        phrase = f"{int(amount)} {unit}s ago" if past else f"in {int(amount)} {unit}s"
        found = _dateparser_date(phrase, today)
        return None if found is None else _Piece("date", start, end, day=found)
    if rel := m["rel"]:
        phrase = " ".join(rel.lower().split())
        phrase = {
            "tmr": "tomorrow",
            "tmrw": "tomorrow",
            "tomorow": "tomorrow",
            "yday": "yesterday",
            "ystd": "yesterday",
        }.get(phrase, phrase)
        found = _dateparser_date(phrase, today)
        return None if found is None else _Piece("date", start, end, day=found)
    if tonight := m["tonight"]:
        lowered = tonight.lower()
        if lowered.startswith("last"):
            return _Piece("date", start, end, day=today - timedelta(days=1), pod="night")
        pod = _EN_POD.get((m["thispod"] or "night").lower(), "night")
        return _Piece("date", start, end, day=today, pod=pod)
    if m["wk"]:
        mod = " ".join(m["wkmod"].lower().split())
        weekday = en_weekday(m["wkday"])
        if mod == "this":
            day = _this_weekday(today, weekday)
        elif mod in ("coming", "this coming"):
            day = _next_weekday(today, weekday)
        else:
            day = _week_day(today, 1 if mod == "next" else -1, weekday)
        return _Piece("date", start, end, day=day)
    if m["we"]:
        mod = (m["wemod"] or "").lower()
        if mod in ("next", "last"):
            return _Piece("date", start, end, day=_week_day(today, 1 if mod == "next" else -1, 5))
        return _Piece("date", start, end, day=_this_weekday(today, 5))
    if m["per"]:
        step = 1 if m["permod"].lower() == "next" else -1
        if m["peru"].lower() == "week":
            return _Piece("date", start, end, day=_week_day(today, step, 0))
        return _Piece("date", start, end, day=_add_months(today.replace(day=1), step))
    if m["edge"]:
        return _en_edge(m, ctx)
    if m["nth"]:  # "first monday of jan", "the last Friday of the month"
        if m["nthmon"]:
            month_start = _coming_month(today, EN_MONTHS_SHORT.index(m["nthmon"].lower()[:3]) + 1)
        else:
            ahead = 1 if m["nthrel"].lower().startswith("next") else 0
            month_start = _add_months(today.replace(day=1), ahead)
        found = _nth_weekday(month_start, en_weekday(m["nthwd"]), _EN_NTH[m["nthn"].lower()])
        return None if found is None else _Piece("date", start, end, day=found)
    if m["cal"]:
        return _en_calendar(m, ctx)
    if m["wdord"]:  # "mon 23rd", "thu the 26th": the day's number says which week
        found = _next_day_number(today, int(m["wdday"]))
        return None if found is None else _Piece("date", start, end, day=found)
    if m["wdnum"]:  # "f/u thu 26": the day's number (10 or more: "thu 3" may be 3pm),
        # when it falls on that weekday
        weekday = en_weekday(m["wdnwd"])
        found = _next_day_number(today, int(m["wdnday"]))
        if found is not None and found.weekday() == weekday:
            return _Piece("date", start, end, day=found)
        named = _dateparser_date(_EN_WEEKDAYS[weekday], today)  # "fri 10": Friday, 10 or not
        return None if named is None else _Piece("date", start, m.end("wdnwd"), day=named)
    if m["mpart"]:  # "mid-Dec", "early Jan", "end of March": that point of the next such month
        month_start = _coming_month(today, EN_MONTHS_SHORT.index(m["mpmon"].lower()[:3]) + 1)
        pos = m["mpos"].split()[0].lower()
        where = {"mid": "mid", "early": "start", "late": "下旬", "end": "end"}[pos]
        return _Piece("date", start, end, day=_month_point(month_start, where))
    if m["wkweek"]:  # "Monday week": a week after the coming Monday (or after today's)
        ahead = (en_weekday(m["wwday"]) - today.weekday()) % 7
        return _Piece("date", start, end, day=today + timedelta(days=ahead + 7))
    if m["iso"]:
        found = _dateparser_date(m["iso"], today)
        return None if found is None else _Piece("date", start, end, day=found)
    if m["num"]:
        # "1/2 off", "50/50" are not dates: without a year, only after on/by/due/...
        if not m["numyear"] and not _PREPOSITION_BEFORE.search(text, 0, start):
            return None
        found = _dateparser_date(m["num"], today)
        return None if found is None else _Piece("date", start, end, day=found)
    if m["ord"]:
        if (
            not _PREPOSITION_BEFORE.search(text, 0, start)
            and not (start == 0 or not text[:start].strip(_EDGE_CHARS))
            and not _CLOCK_NEXT.match(text, end)  # "Replied ok, 26th 2pm at their office"
        ):
            return None
        if not _follow_ok(text, end):
            return None  # "on the 3rd floor"
        found = _next_day_number(today, int(m["ordday"]))
        return None if found is None else _Piece("date", start, end, day=found)
    if m["wd"]:
        found = _dateparser_date(_EN_WEEKDAYS[en_weekday(m["wd"])], today)
        return None if found is None else _Piece("date", start, end, day=found)
    return None


EN_MONTHS_SHORT = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
"""The English months' first three letters, in order: a month's number is its index + 1."""


def en_weekday(token: str) -> int:
    """Monday = 0 for an English weekday's name or short form ("tues", "Thurs.")."""
    lowered = token.lower()
    return next(i for i, name in enumerate(_EN_WEEKDAYS) if name.startswith(lowered[:3]))


def _en_edge(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    """end/start/middle of (this/next) week/month, EOM, EOW, month end."""
    today = ctx.today
    start, end = m.span()
    if abbr := m["edgeabbr"]:
        month = abbr.lower() == "eom" or abbr.lower().startswith("month")  # "month end"
        pos, unit, nxt = "end", ("month" if month else "week"), False
    else:
        pos, unit = (m["edgepos"] or "middle").lower(), m["edgeu"].lower()
        nxt = (m["edgemod"] or "").strip().lower() == "next"
    pos = "start" if pos == "beginning" else pos
    if unit == "week":
        weekday = {"start": 0, "middle": 2, "end": 4}[pos]
        day = _week_day(today, 1, weekday) if nxt else _this_weekday(today, weekday)
        return _Piece("date", start, end, day=day)
    if nxt:
        return _Piece(
            "date", start, end, day=_month_point(_add_months(today.replace(day=1), 1), pos)
        )
    return _Piece("date", start, end, day=_floating_month_point(today, pos))


def _en_calendar(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    month_token = m["calmon"] or m["calmon2"]
    start, end = m.span()
    # lowercase "may 5" / "march 3" only count when nothing wordy follows ("may 5 people")
    lowercase_word = month_token.islower() and month_token in _AMBIGUOUS_MONTHS
    if lowercase_word and not _follow_ok(ctx.text, end):
        return None
    phrase = " ".join(m["caltext"].split())
    if m["calyear"]:
        found = _dateparser_date(f"{phrase} {m['calyear']}", ctx.today)
    else:
        found = _dateparser_date(phrase, ctx.today)
        if found is not None and found == _same_day_next_year(ctx.today):
            found = ctx.today  # dateparser counts today's own date as past; we count it as upcoming
        elif found is not None:
            found = _recent_or_next(ctx.today, found)
    return None if found is None else _Piece("date", start, end, day=found)


def _same_day_next_year(today: date) -> date | None:
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return None


def _cn_clock_piece(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    start, end = m.span()
    if m["hh"]:
        hour, minute = int(m["hh"]), int(m["mm"])
        fixed = hour == 0 or hour >= 13 or m["hh"].startswith("0")
        return _Piece("clock", start, end, hour=hour, minute=minute, fixed=fixed)
    hour_found = _cn_int(m["ch"])
    if hour_found is None or hour_found > 24:
        return None
    hour = hour_found
    minute = 0
    if cm := m["cm"]:
        if cm == "半":
            minute = 30
        elif cm == "一刻":
            minute = 15
        elif cm == "三刻":
            minute = 45
        elif cm != "整":
            minute_found = _cn_int(cm.rstrip("分").lstrip("零〇") or "0")
            if minute_found is None or minute_found > 59:
                return None
            minute = minute_found
    # "一点" alone is usually "a little" (便宜一点): only a time when a date or part of day
    # stands beside it, or minutes follow.
    weak = m["ch"] == "一" and not cm
    fixed = hour == 0 or hour >= 13 or m["ch"].startswith("0")
    return _Piece("clock", start, end, hour=hour, minute=minute, fixed=fixed, weak=weak)


def _en_clock_piece(m: re.Match[str], ctx: _Ctx) -> _Piece | None:
    start, end = m.span()
    if m["noon"]:
        return _Piece("clock", start, end, hour=12, fixed=True)
    if m["eod"]:
        return _Piece("clock", start, end, hour=17, fixed=True)
    if m["mer"]:
        hour, minute = int(m["h"]), int(m["m"] or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["mer"].lower() == "p" else 0)
        return _Piece("clock", start, end, hour=hour, minute=minute, fixed=True)
    if m["dh"]:  # "Monday at 10.30": a British clock
        hour = int(m["dh"])
        if hour > 23 or not _clock_follow_ok(ctx.text, end):
            return None
        fixed = hour == 0 or hour >= 13 or m["dh"].startswith("0")
        return _Piece("clock", start, end, hour=hour, minute=int(m["dm"]), fixed=fixed)
    token = m["oh"] or m["ah"] or m["ih"]
    hour = int(token)
    if hour > 23:
        return None
    if m["ah"] and not _clock_follow_ok(ctx.text, end):
        return None  # "at 3 companies"
    fixed = hour == 0 or hour >= 13 or token.startswith("0")
    return _Piece("clock", start, end, hour=hour, fixed=fixed)


def _pod_piece(m: re.Match[str]) -> _Piece:
    start, end = m.span()
    if cn := m["cn"]:
        pod = _CN_POD[cn]
        return _Piece("pod", start, end, pod=pod, weak=_POD_DEFAULT[pod] is None)
    # English: "morning" alone is a greeting; "in the morning" or "Monday morning" is a time.
    return _Piece("pod", start, end, pod=_EN_POD[m["en"].lower()], weak=not m["in"])


def _pieces(ctx: _Ctx) -> list[_Piece]:
    """All pieces in the text, overlaps resolved in favour of the earlier, then longer one."""
    text = ctx.text
    found: list[_Piece] = []
    builders: Sequence[tuple[re.Pattern[str], Callable[[re.Match[str], _Ctx], _Piece | None]]] = (
        (_CN_DATE, _cn_date_piece),
        (_EN_DATE, _en_date_piece),
        (_CN_CLOCK, _cn_clock_piece),
        (_EN_CLOCK, _en_clock_piece),
    )
    for pattern, build in builders:
        if pattern is _CN_DATE and not _HAN.search(text):
            continue  # each of its readings has a Chinese character; an English text has none
        for m in pattern.finditer(text):
            if m.end() > m.start() and (piece := build(m, ctx)) is not None:
                found.append(piece)
    found.extend(_pod_piece(m) for m in _POD.finditer(text))
    found.sort(key=lambda p: (p.start, p.start - p.end))
    kept: list[_Piece] = []
    for piece in found:
        if not kept or piece.start >= kept[-1].end:
            kept.append(piece)
    if "after" in text.lower():
        kept = _after_that(kept, text)
    if "week" in text.lower():
        kept = _weekday_of_week(kept, ctx)
    return kept


_EN_WEEK_ONLY = lazy_pattern(r"(?P<mod>next|this|coming|the\s+following|following)\s+week", re.I)
_EN_WEEKDAY_ONLY = lazy_pattern(rf"(?:{_WD_FULL}|{_WD_ABBR})\.?", re.I)
_WEEK_GLUE = lazy_pattern(r"[ \t]*(?:,|of)?[ \t]*", re.I)


def _weekday_of_week(pieces: list[_Piece], ctx: _Ctx) -> list[_Piece]:
    """ "follow up thurs next week", "next week Thursday": that week's Thursday, one date, not
    this week's Thursday and next Monday side by side."""
    text = ctx.text
    merged: list[_Piece] = []
    i = 0
    while i < len(pieces):
        pair = pieces[i : i + 2]
        if len(pair) == 2 and _WEEK_GLUE.fullmatch(text, pair[0].end, pair[1].start):
            words = [text[p.start : p.end].strip() for p in pair]
            week = next((m for w in words if (m := _EN_WEEK_ONLY.fullmatch(w))), None)
            weekday = next((w for w in words if _EN_WEEKDAY_ONLY.fullmatch(w)), None)
            if week is not None and weekday is not None:
                weeks = 0 if week["mod"].lower() == "this" else 1
                day = _week_day(ctx.today, weeks, en_weekday(weekday.rstrip(".")))
                merged.append(_Piece("date", pair[0].start, pair[1].end, day=day))
                i += 2
                continue
        merged.append(pieces[i])
        i += 1
    return merged


_EN_AFTER_THAT = lazy_pattern(
    rf"\b(?:the\s+)?(?:(?P<wd>{_WD_FULL}|{_WD_ABBR})|(?P<n>{_NUMWORD})\s+days?|day)"
    r"\s+after\s+(?:that|it|then)\b",
    re.I,
)


def _after_that(pieces: list[_Piece], text: str) -> list[_Piece]:
    """ "their board meets mon 23rd so ping her the wed after that": a day counted from the
    date said before it, not from today."""
    for m in _EN_AFTER_THAT.finditer(text):
        before = [p for p in pieces if p.kind == "date" and p.day and p.end <= m.start()]
        if not before:
            continue
        anchor = before[-1].day
        assert anchor is not None
        if m["wd"]:
            day = anchor + timedelta(days=(en_weekday(m["wd"]) - anchor.weekday() - 1) % 7 + 1)
        else:
            count = _count(m["n"]) if m["n"] else 1
            if count is None or count != int(count):
                continue
            day = anchor + timedelta(days=int(count))
        pieces = [p for p in pieces if p.end <= m.start() or p.start >= m.end()]
        pieces.append(_Piece("date", m.start(), m.end(), day=day))
        pieces.sort(key=lambda p: p.start)
    return pieces


def _phrases(pieces: list[_Piece], text: str) -> list[list[_Piece]]:
    """Adjacent pieces joined by glue, at most one date, part of day and clock in each."""
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups:
            last = groups[-1]
            kinds = {p.kind for p in last}
            glue = _GLUE.fullmatch(text, last[-1].end, piece.start)
            if (
                glue is not None
                and piece.kind not in kinds
                and "instant" not in kinds
                and piece.kind != "instant"
            ):
                last.append(piece)
                continue
        groups.append([piece])
    return groups


def _hour_in(hour: int, pod: Pod | None, fixed: bool) -> int:
    """The 0-24 hour a spoken hour means, given the part of the day said with it."""
    if fixed:
        return hour
    if pod is None:
        return hour + 12 if 1 <= hour <= 6 else hour  # business hours: "3点" is 15:00
    if pod == "early":
        return 0 if hour == 12 else hour
    if pod == "noon":
        return hour + 12 if 1 <= hour <= 5 else hour
    if pod in ("afternoon", "dusk"):
        return hour + 12 if 1 <= hour <= 11 else hour
    if pod in ("evening", "night"):
        return hour + 12 if 1 <= hour <= 12 else hour  # 晚上12点: midnight closing the day
    return hour


def _resolve(group: list[_Piece], ctx: _Ctx, default_time: time) -> DateMatch | None:
    start, end = group[0].start, group[-1].end
    by_kind = {p.kind: p for p in group}
    if instant := by_kind.get("instant"):
        assert instant.instant is not None
        return DateMatch(instant.instant, start, end, True)
    date_piece, pod_piece, clock = by_kind.get("date"), by_kind.get("pod"), by_kind.get("clock")
    day = date_piece.day if date_piece is not None else None
    if day is None and all(p.weak for p in group):
        return None
    pod = pod_piece.pod if pod_piece else date_piece.pod if date_piece else None
    if clock is not None:
        hour, minute = _hour_in(clock.hour, pod, clock.fixed), clock.minute
    elif pod is not None and (pod_hour := _POD_DEFAULT[pod]) is not None:
        hour, minute = pod_hour, 0
    elif date_piece is not None and day is not None:
        # Only a date: the default time. A "small hours" word with no number is left out.
        at = _wall(day, default_time.hour, default_time.minute, ctx.zone, default_time.second)
        return DateMatch(at, date_piece.start, date_piece.end, False)
    else:
        return None
    if hour > 24 or minute > 59:
        return None
    if day is not None:
        return DateMatch(_wall(day, hour, minute, ctx.zone), start, end, True)
    at = _wall(ctx.today, hour, minute, ctx.zone)
    if at < ctx.now:
        at = _wall(ctx.today + timedelta(days=1), hour, minute, ctx.zone)
    return DateMatch(at, start, end, True, day_said=False)


def _context(text: str, now: datetime) -> _Ctx:
    zone = now.tzinfo
    if zone is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (the user's zone)")
    return _Ctx(now=now, zone=zone, today=now.date(), text=text)


def _find(text: str, now: datetime, default_time: time) -> list[DateMatch]:
    read = _dotted_times(text)
    ctx = _context(read, now)
    found = (_resolve(g, ctx, default_time) for g in _phrases(_pieces(ctx), read))
    return [
        replace(f, at=on_their_clock(text, f.start, f.end, f.at)) if f.has_time else f
        for f in found
        if f is not None
    ]  # "Fri 3pm their time (London)": that instant on the sender's clock


_DOTTED_TIME = lazy_pattern(
    r"(?i:\b(?:tmrw|tmr|tomorrow|today|tonight|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?"
    r"|\d{1,2}(?:st|nd|rd|th))[ \t]+)(\d{1,2})\.([0-5]\d)(?![\d%]|\.\d)"
)


def _dotted_times(text: str) -> str:
    """ "tmrw 9.30", "Thu 26th 2.30": a time written with a dot right after its day, as
    "9:30", which the clock reader knows (same length, offsets hold). Elsewhere a dotted
    number may be money or a version ("quoted 9.30"), so only after a day ("at 10.30" is
    read by the clock reader itself)."""
    if "." not in text:
        return text
    return _DOTTED_TIME.sub(lambda m: m.group()[: m.start(1) - m.start()] + f"{m[1]}:{m[2]}", text)


def find_all_datetimes(
    text: str, now: datetime, *, default_time: time = time(9, 0)
) -> list[DateMatch]:
    """Every date/time phrase in ``text``, in order, each resolved against ``now``."""
    return _find(text, now, default_time)


def find_datetime(text: str, now: datetime, *, default_time: time = time(9, 0)) -> DateMatch | None:
    """The date/time phrase in ``text`` that best describes a follow-up, resolved against ``now``.

    A note often names the past activity and then the next step ("今天拜访了…，下周二下午3点
    跟进"), so the choice is: future phrases first (a date-only phrase counts when its day is
    after today), then the most specific (date and time > date only > a time with no date,
    which may be the past activity's "上午"), then the last one.
    """

    def rank(item: tuple[int, DateMatch]) -> tuple[bool, int, int]:
        index, match = item
        future = match.at > now if match.has_time else match.at.date() > now.date()
        specificity = (2 if match.has_time else 1) if match.day_said else 0
        return future, specificity, index

    found = _find(text, now, default_time)
    return max(enumerate(found), key=rank)[1] if found else None


def parse_datetime(text: str, now: datetime, *, default_time: time = time(9, 0)) -> datetime | None:
    """``text`` that is only a date/time phrase (e.g. a snooze answer) -> the instant, or None.

    Surrounding spaces and punctuation and one leading preposition ("on Friday", "在明天") are
    allowed; anything else around the phrase makes it not a date.
    """
    core = text.strip(_EDGE_CHARS)
    if not core:
        return None
    matches = find_all_datetimes(core, now, default_time=default_time)
    if len(matches) != 1 or matches[0].end != len(core):
        return None
    lead = core[: matches[0].start]
    if lead and _LEADING_FILLER.fullmatch(lead) is None:
        return None
    return matches[0].at
