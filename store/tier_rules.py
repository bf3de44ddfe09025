"""Customer tier rules: plain data from the settings (``CRMBOT_TIER_RULES``), apart from
:mod:`store.tiers` so that loading the settings imports no database layer (as
:mod:`store.ticket_policy`).

A rule names a tier and what earns it, any one of: won deals adding up to at least an
amount in the last 12 months, at least a number of won deals (ever), or a tag (a manual
tier tag is an input here, never overwritten). Rules are read top to bottom, the first
that a customer meets is its tier; one that meets none is ``potential``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LOWEST = "potential"
"""The tier of a customer no rule picks."""
KNOWN = ("vip", "normal", LOWEST)
"""Tiers with a name in each language (locales/*/tiers.toml); another is shown as typed."""


@dataclass(frozen=True)
class TierRule:
    tier: str
    min_won: Decimal | None = None
    """Won deals of the last 12 months adding up to this (amounts as recorded)."""
    min_orders: int | None = None
    """Won deals, ever."""
    tags: tuple[str, ...] = ()


DEFAULT_TIER_RULES: tuple[TierRule, ...] = (
    TierRule("vip", min_won=Decimal(500_000), tags=("VIP",)),
    TierRule("normal", min_orders=1, tags=("普通",)),
)


class BadTierRules(ValueError):
    pass


def _amount(raw: str) -> Decimal:
    text = raw.strip().lower().replace(",", "")
    scale = Decimal(1)
    for suffix, factor in (("万", 10_000), ("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            text, scale = text[: -len(suffix)], Decimal(factor)
    try:
        return Decimal(text) * scale
    except InvalidOperation:
        raise BadTierRules(f"{raw!r} is not an amount") from None


def read_tier_rules(text: str) -> tuple[TierRule, ...]:
    """``vip=won>=500000|tag:VIP;normal=orders>=1|tag:普通``: rules, highest tier first, each
    ``TIER=CRITERION|CRITERION`` with criteria ``won>=AMOUNT`` (``50万``, ``500k``),
    ``orders>=N`` and ``tag:NAME``."""
    rules: list[TierRule] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        tier, sep, criteria = part.partition("=")
        tier = tier.strip().casefold()
        if not sep or not tier or not criteria.strip():
            raise BadTierRules(f"{part!r}: write TIER=won>=AMOUNT|orders>=N|tag:NAME")
        won: Decimal | None = None
        orders: int | None = None
        tags: list[str] = []
        for raw in filter(None, (c.strip() for c in criteria.split("|"))):
            low = raw.casefold()
            if low.startswith("won>="):
                won = _amount(raw[5:])
            elif low.startswith("orders>="):
                if not raw[8:].strip().isdigit():
                    raise BadTierRules(f"{raw!r}: orders>= needs a whole number")
                orders = int(raw[8:].strip())
            elif low.startswith(("tag:", "tag：")):
                tags.append(raw[4:].strip())
            else:
                raise BadTierRules(f"{raw!r}: criteria are won>=AMOUNT, orders>=N, tag:NAME")
        rules.append(TierRule(tier, won, orders, tuple(t for t in tags if t)))
    return tuple(rules)
