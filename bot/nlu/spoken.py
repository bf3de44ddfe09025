"""Numbers said in English words, as a dictated message writes them ("two hundred and ten
thousand US dollars", "thursday at four pm", "on the twenty sixth at ten thirty am").

The amounts and dates readers know digits. :func:`spoken_as_digits` gives them a view of
the message with such words written as digits, **in place and in the same number of
characters** (the digits, then spaces; "thousand" and "million" as "k" and "m", so a
sum said without a currency still says its size), so every position they find holds in the
rep's own text, and everything else the parser takes (a name, a contact, a reason) is still
read from the rep's words. ``text2num`` (its ``alpha2digit``) does the converting.

Only words that are money, a clock time or a day of the month are rewritten: "forty two
trucks", "one of them", "a second session" and "Three Rivers Ltd" stay words, and a
number said beside "pm" but not a clock ("twenty five pm") stays too.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from bot.nlu.amounts import CURRENCY_AFTER, CURRENCY_BEFORE
from bot.nlu.dates import EN_MONTH
from bot.nlu.lazy import lazy_pattern

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_SCALES = "hundred thousand million billion"
_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "thirtieth"
)
_NUMBER_WORDS = frozenset(f"{_UNITS} {_TENS} {_SCALES} {_ORDINALS}".split())
_WORD = "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_LETTERS = lazy_pattern(r"[a-z]+")
_FIRST = "(?!" + _SCALES.replace(" ", r"\b|") + r"\b)"
_RUN = lazy_pattern(
    # "a hundred thousand"; never a scale alone ("three and a half million" stays words)
    rf"(?<![\w$.,])(?:a[ \t]+(?=(?:hundred|thousand|million)\b)|{_FIRST}){_WORD}"
    rf"(?:(?:[ \t]+|-)(?:(?:and|point)[ \t]+)?{_WORD})*(?![\w'])",
    re.IGNORECASE,
)
_BEFORE_VETO = lazy_pattern(r"(?:\bpoint|\bhalf|\band|\d[.,]?)[ \t]*$", re.IGNORECASE)
_AFTER_VETO = lazy_pattern(r"[ \t]*(?:point\b|and[ \t]+a[ \t]+half\b|[.,]?\d)", re.IGNORECASE)
_K_AFTER = lazy_pattern(r"[ \t]*k(?![a-z0-9])", re.IGNORECASE)
_BIG = lazy_pattern(r"thousand|million|billion", re.IGNORECASE)
_CLOCK_AFTER = lazy_pattern(r"[ \t]*(?:(?P<half>[ap])\.?[ \t]?m\b\.?|o'?clock\b)", re.IGNORECASE)
_MONTH = rf"(?:{EN_MONTH})\.?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_DAY_BEFORE = lazy_pattern(
    rf"(?:\b(?:on|by|until|till|before|{_WEEKDAY})[ \t]+the|\b{_MONTH}(?:[ \t]+the)?)[ \t]+$",
    re.I,
)
_OF_MONTH = lazy_pattern(rf"[ \t]+of[ \t]+{_MONTH}", re.IGNORECASE)
_DAY_AFTER = lazy_pattern(
    rf"[ \t]*(?:$|[,.;!?)]|(?:of|at|in|by|morning|afternoon|evening|night|{_MONTH})(?![a-z]))",
    re.IGNORECASE,
)
_WHOLE = lazy_pattern(r"\d+")
_CLOCK = lazy_pattern(r"(\d{1,2})(?: (\d{2}))?")
_ORDINAL = lazy_pattern(r"(\d{1,2})(?:st|nd|rd|th)")


def spoken_as_digits(text: str) -> str:
    """``text`` with the spoken money, clock times and days written as digits, each in the
    length of its words; ``text`` itself when it has none."""
    lower = text.lower()
    if (
        _NUMBER_WORDS.isdisjoint(_LETTERS.findall(lower))
        and "half" not in lower
        and "quarter" not in lower
    ):
        return text  # most messages: a set lookup per word, not the pattern at each word
    found: list[tuple[int, int, str]] = []
    for said in _PAST_THE_HOUR.finditer(text):  # "half past three", "tmrw half 2"
        clock = _past_the_hour(said)
        if clock is not None:
            found.append((said.start(), said.end(), clock))
    done = 0
    for run in _RUN.finditer(text):
        if run.start() < done or any(start <= run.start() < end for start, end, _ in found):
            continue
        if _BEFORE_VETO.search(text, max(0, run.start() - 8), run.start()) or _AFTER_VETO.match(
            text, run.end()
        ):
            continue  # "1.5 million", "three and a half million": part of a number we do not read
        written, end = _as_digits(run, text)
        if written is not None:
            found.append((run.start(), end, written))
            done = end
    if not found:
        return text
    pieces: list[str] = []
    done = 0
    for start, end, written in sorted(found):
        pieces += [text[done:start], written.ljust(end - start)]
        done = end
    return "".join(pieces) + text[done:]


_HOURS = _UNITS.split()[1:13]  # one … twelve
_AT_CLOCK_END = (
    r"(?:[ \t]+[-–—]|[ \t]*(?:$|[,.;:!?)]|[^\x00-\x7f]|(?:on|tomorrow|tmrw|today|tonight|this|next|"
    r"the|then|to|and|so|for|with|their|our|my|his|her|sgt|sg|hkt|uk|local|mon|tue|wed|thu|fri"
    r"|sat|sun|in|at|if|or|latest|sharp|ish|i|we|re|about|regarding)(?![a-z])))"
)
_AT_BEFORE = lazy_pattern(r"(?:\bat|@)[ \t]+$", re.IGNORECASE)
_AT_CLOCK_AFTER = lazy_pattern(_AT_CLOCK_END, re.IGNORECASE)
"""After a time said in words with "at" before it and no "pm" ("I'll call her at two
tomorrow", "at two thirty."): what may follow a clock, not "at two sites"."""
_PAST_THE_HOUR = lazy_pattern(
    r"\b(?:(?P<part>half|quarter)[ \t]+(?P<way>past|to)[ \t]+"
    rf"|(?P<bare>half)[ \t]+(?=(?:{'|'.join(_HOURS)}|1[0-2]|[1-9])\b{_AT_CLOCK_END}))"
    rf"(?P<hour>{'|'.join(_HOURS)}|1[0-2]|[1-9])\b(?![:.]\d)",
    re.IGNORECASE,
)
"""Also British "half ten" (10:30), with nothing after it but what may follow a time."""


def _past_the_hour(said: re.Match[str]) -> str | None:
    """ "half past three" -> "3:30", "quarter to ten" -> "9:45"; None for "half to three"."""
    hour_said = said["hour"].lower()
    hour = _HOURS.index(hour_said) + 1 if hour_said in _HOURS else int(hour_said)
    part, way = (said["part"] or said["bare"]).lower(), (said["way"] or "past").lower()
    if part == "half" and way == "to":
        return None
    minutes = 30 if part == "half" else 15
    if way == "to":
        hour, minutes = (hour - 2) % 12 + 1, 60 - minutes
    return f"{hour}:{minutes:02d}"


def _as_digits(run: re.Match[str], text: str) -> tuple[str | None, int]:
    """The digits for one run of number words and where what they replace ends (a "k"
    said after them is written with them), or None to keep the words."""
    words = run.group()
    said = _number(words)
    end = run.end()
    written: str | None = None
    if said is None:
        return None, end
    clock = _CLOCK.fullmatch(said)
    if _WHOLE.fullmatch(said) and (k := _K_AFTER.match(text, end)) is not None:  # "fifty k"
        written, end = said + "k", k.end()
    elif (
        clock is not None
        and clock[2] is not None
        and int(clock[1]) <= 9
        and (k := _K_AFTER.match(text, end)) is not None
    ):  # "one thirty k": 130k, as "a buck fifty" is said
        written, end = f"{int(clock[1]) * 100 + int(clock[2])}k", k.end()
    elif _WHOLE.fullmatch(said) and _is_money(run, text):
        written = _with_magnitude(said) if _BIG.search(words) else said
    elif clock is not None and (after := _CLOCK_AFTER.match(text, end)) is not None:
        hour, minutes = int(clock[1]), clock[2]
        if 1 <= hour <= 12 and (minutes is None or int(minutes) < 60):
            written = f"{hour}:{minutes}" if minutes else str(hour)
            if after["half"]:  # "two thirty p m": written with it, as "2:30pm"
                written, end = f"{written}{after['half'].lower()}m", after.end()
    elif (
        clock is not None
        and _AT_BEFORE.search(text, max(0, run.start() - 4), run.start())
        and _AT_CLOCK_AFTER.match(text, end)
    ):
        hour, minutes = int(clock[1]), clock[2]  # "at two thirty", "at four": a clock
        if 1 <= hour <= 12 and (minutes is None or int(minutes) < 60):
            written = f"{hour}:{minutes}" if minutes else str(hour)
    elif (day := _ORDINAL.fullmatch(said)) and 1 <= int(day[1]) <= 31 and _is_day(run, text):
        written = said
    if written is None or len(written) > end - run.start():
        return None, end
    return written, end


def _with_magnitude(digits: str) -> str:
    """ "310000" as "310k", "1500000" as "1.5m": the magnitude the rep said stays said, as
    the amounts reader wants of a number with no currency ("landed on 310k")."""
    value = Decimal(digits)
    for size, letter in ((1_000_000, "m"), (1_000, "k")):
        if value >= size:
            return f"{(value / size).normalize():f}{letter}"
    return digits


def _is_money(run: re.Match[str], text: str) -> bool:
    """A currency after or before it, or a thousand or more said in words."""
    return bool(
        CURRENCY_AFTER.match(text, run.end())
        or CURRENCY_BEFORE.search(text, max(0, run.start() - 8), run.start())
        or _BIG.search(run.group())
    )


def _is_day(run: re.Match[str], text: str) -> bool:
    """ "on the twenty sixth at …", "november third", "the third of december": not "the
    fifth floor", nor "their offer was the second" (first, second and third are words
    too)."""
    window = max(0, run.start() - 16)
    if _OF_MONTH.match(text, run.end()):
        return True  # "the third of december", "check back in first of March"
    before = _DAY_BEFORE.search(text, window, run.start())
    return before is not None and _DAY_AFTER.match(text, run.end()) is not None


def _number(words: str) -> str | None:
    """The words as text2num reads them: "210000", "10 30" (a clock), "26th", or "1500000"
    for "one point five million"; None when they are not one number."""
    said = _converted(re.sub(r"^a\s+", "one ", words.lower()))
    parts = said.split()
    if len(parts) == 2 and _DECIMAL.fullmatch(parts[0]) and parts[1] in _POWERS:
        whole = Decimal(parts[0]) * int(parts[1])
        return str(int(whole)) if whole == whole.to_integral_value() else None
    if "." in said:
        return None  # a decimal with no magnitude: not a sum people say in words
    return said


_DECIMAL = lazy_pattern(r"\d+\.\d+")
_POWERS = frozenset({"1000", "1000000", "1000000000"})


@functools.lru_cache(maxsize=1024)
def _converted(words: str) -> str:
    """text2num's reading of the words alone ("ten thirty" -> "10 30"); imported on first
    use, as most messages never need it."""
    from text_to_num import alpha2digit

    return str(alpha2digit(words, "en", threshold=0)).strip()
