"""A customer tier and its reason in the reader's words: the card, the change push, segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from locales.formatting import format_money
from store.tags import label
from store.tier_rules import KNOWN

Translate = Callable[..., str]


def tier_name(t: Translate, tier: str) -> str:
    return t(f"tiers.name.{tier}") if tier in KNOWN else tier


def reason_text(t: Translate, lang: str, reason: str, currency: str) -> str:
    """``won:CENTS`` → "won ¥520k in 12 months", ``tag:VIP`` → "tagged VIP"…"""
    kind, _, value = reason.partition(":")
    values: dict[str, Any] = {}
    if kind == "won":
        values["amount"] = format_money(int(value), currency, lang)
    elif kind == "orders":
        values["n"] = int(value)
    elif kind == "tag":
        values["tag"] = label(value, lang)
    else:
        kind = "none"
    return t(f"tiers.reason.{kind}", **values)
