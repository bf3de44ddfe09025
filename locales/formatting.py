"""Money and times, written the way a rep reads them on a phone, in their language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "SGD": "S$", "JPY": "JP¥"}
WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _trim(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_money(cents: int, currency: str, lang: str) -> str:
    """Compact amounts: ``¥50万`` / ``¥1.2亿`` in Chinese, ``¥500k`` / ``$1.2m`` in English."""
    units = Decimal(cents) / 100
    symbol = SYMBOLS.get(currency, currency + " ")
    sign = "-" if units < 0 else ""
    units = abs(units)
    if lang == "zh":
        if units >= 100_000_000:
            return f"{sign}{symbol}{_trim(units / 100_000_000)}亿"
        if units >= 10_000:
            return f"{sign}{symbol}{_trim(units / 10_000)}万"
        return f"{sign}{symbol}{_trim(units)}"
    if units >= 1_000_000:
        return f"{sign}{symbol}{_trim(units / 1_000_000)}m"
    if units >= 10_000:
        return f"{sign}{symbol}{_trim(units / 1_000)}k"
    return f"{sign}{symbol}{units:,.2f}".replace(".00", "")


def format_money_exact(cents: int, currency: str) -> str:
    """Every digit, for records an admin checks (the audit log): ``¥300,000``, ``$1,234.50``."""
    units = Decimal(cents) / 100
    symbol = SYMBOLS.get(currency, currency + " ")
    text = f"{abs(units):,.2f}".removesuffix(".00")
    return f"{'-' if units < 0 else ''}{symbol}{text}"


def join_list(items: Iterable[str], lang: str) -> str:
    """Items as a sentence lists them: "A、B" in Chinese, "A, B" in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut with "…" (a summary in a card)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_date(day: date, lang: str) -> str:
    weekday = WEEKDAYS.get(lang, WEEKDAYS["en"])[day.weekday()]
    if lang == "zh":
        return f"{day.month}月{day.day}日（{weekday}）"
    return f"{weekday} {day.day} {MONTHS_EN[day.month - 1]}"


def format_when(at: datetime, now: datetime, lang: str) -> str:
    """``today 15:00`` / ``tomorrow 9:00`` / ``Tue 24 Nov 15:00``; ``at`` and ``now`` local."""
    day, today = at.date(), now.date()
    clock = f"{at.hour}:{at.minute:02d}"
    words = {
        "en": {0: "today", 1: "tomorrow", -1: "yesterday"},
        "zh": {0: "今天", 1: "明天", -1: "昨天"},
    }.get(lang, {})
    offset = (day - today).days
    if offset in words:
        return f"{words[offset]} {clock}"
    label = format_date(day, lang)
    if day.year != today.year:
        label = f"{day.year}年{label}" if lang == "zh" else f"{label} {day.year}"
    separator = "" if label.endswith("）") else " "
    return f"{label}{separator}{clock}"


def next_weekday(now: datetime, weekday: int) -> date:
    """The next date falling on ``weekday`` (0 = Monday), strictly after today."""
    days = (weekday - now.weekday() - 1) % 7 + 1
    return (now + timedelta(days=days)).date()


def format_full_date(day: date, lang: str) -> str:
    """``17 Nov 2027`` / ``2027年11月17日``: a date that may be years away (a contract's
    term), so always with its year and without a weekday."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
