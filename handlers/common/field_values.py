"""Reading a custom field's value from what someone typed (or a spreadsheet cell), and
showing it back, in the user's language. Shared by chat, the CLI import and the export."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from bot.nlu.amounts import cn_to_decimal, find_amount
from bot.nlu.dates import parse_datetime
from locales.formatting import format_full_date, format_money, join_list
from store.fields import Typed
from store.models import CustomField, CustomValue

ISO_DAY = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
SEPARATORS = re.compile(r"\s*[,，、;；/]\s*")


class BadValue(Exception):
    """``raw`` is not a value of ``field``; ``reason`` is a catalogue key under
    ``book.fields``: ``wrong_number``, ``wrong_date``, ``wrong_money``, ``wrong_choice``."""

    def __init__(self, field: CustomField, raw: str, reason: str) -> None:
        super().__init__(f"{field.key}: {raw!r} ({reason})")
        self.field = field
        self.raw = raw
        self.reason = reason


def _number(raw: str) -> Decimal | None:
    text = raw.strip().replace(",", "").replace("，", "")
    value: Decimal | None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = cn_to_decimal(text) if text else None
    return value if value is not None and value.is_finite() else None


def _day(raw: str, now: datetime) -> date | None:
    m = ISO_DAY.match(raw)
    if m is not None:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    parsed = parse_datetime(raw, now)
    return parsed.date() if parsed is not None else None


def _choice(field: CustomField, raw: str) -> str | None:
    folded = raw.strip().casefold()
    return next((c for c in field.choices if c.casefold() == folded), None)


def read_value(field: CustomField, raw: str, *, currency: str, now: datetime) -> list[Typed]:
    """The typed value(s) of ``raw`` for ``field``; empty text clears the field.
    :class:`BadValue` when the text is not of the field's type."""
    raw = raw.strip()
    if not raw:
        return []
    if field.kind == "text":
        return [Typed(text=raw)]
    if field.kind == "number":
        number = _number(raw)
        if number is None:
            raise BadValue(field, raw, "wrong_number")
        return [Typed(number=number)]
    if field.kind == "money":
        money = find_amount(raw)
        plain = _number(raw)
        if money is None and plain is None:
            raise BadValue(field, raw, "wrong_money")
        if money is not None:
            return [Typed(number=money.amount, currency=money.currency or currency)]
        return [Typed(number=plain, currency=currency)]
    if field.kind == "date":
        day = _day(raw, now)
        if day is None:
            raise BadValue(field, raw, "wrong_date")
        return [Typed(day=day)]
    parts = [raw] if field.kind == "choice" else [p for p in SEPARATORS.split(raw) if p]
    picked = []
    for part in parts:
        choice = _choice(field, part)
        if choice is None:
            raise BadValue(field, part, "wrong_choice")
        picked.append(choice)
    return [Typed(text=c) for c in dict.fromkeys(picked)]


def field_name(field: CustomField, lang: str) -> str:
    return field.name_zh if lang == "zh" else field.name_en


def show_value(field: CustomField, values: list[CustomValue], lang: str) -> str:
    """The values as a person reads them: money with its currency, a date in full."""
    shown = []
    for value in values:
        if field.kind == "money" and value.number_value is not None:
            cents = int(value.number_value * 100)
            shown.append(format_money(cents, value.currency or "CNY", lang))
        elif field.kind == "number" and value.number_value is not None:
            shown.append(f"{value.number_value.normalize():f}")
        elif field.kind == "date" and value.date_value is not None:
            shown.append(format_full_date(value.date_value, lang))
        elif value.text_value is not None:
            shown.append(value.text_value)
    return join_list(shown, lang)


def plain_value(field: CustomField, values: list[CustomValue]) -> str:
    """The values as an export cell, readable back by :func:`read_value`."""
    out = []
    for value in values:
        if field.kind in ("number", "money") and value.number_value is not None:
            number = f"{value.number_value.normalize():f}"
            out.append(f"{value.currency} {number}" if field.kind == "money" else number)
        elif field.kind == "date" and value.date_value is not None:
            out.append(value.date_value.isoformat())
        elif value.text_value is not None:
            out.append(value.text_value)
    return ", ".join(out)
