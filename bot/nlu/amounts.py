"""Money as people write it: 50万, 1.2万, 五十万, 500k, $1.2m, ¥80,000 (interface; being built)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal  # in the currency's units (yuan, dollars), not cents
    currency: str | None  # ISO 4217 when the text says it, else None
    start: int
    end: int


def find_amount(text: str) -> Money | None:
    raise NotImplementedError
