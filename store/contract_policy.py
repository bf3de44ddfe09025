"""How contracts are numbered and which approvals they need: plain data, read from the
settings.

Apart from :mod:`store.contracts` (which reads and writes contracts through SQLAlchemy) so
that loading the settings — every ``crmbot`` command does, ``crmbot parse`` included —
imports no database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from store.pipeline import DEFAULT_RATES
from store.roles import Role

DEFAULT_NUMBER_PATTERN = "HT-{year}-{seq:04d}"
DEFAULT_TYPES: tuple[str, ...] = ("sale", "service", "framework")
DEFAULT_LEVELS: tuple[tuple[Decimal, tuple[str, ...]], ...] = (
    (Decimal(500_000), (Role.MANAGER.value, Role.ADMIN.value)),
)


@dataclass(frozen=True)
class ContractPolicy:
    """Numbering, types and approval levels (``CRMBOT_CONTRACT_*``).

    ``levels``: (CNY-equivalent threshold, roles asked in turn); the highest threshold the
    amount reaches applies. Other currencies are converted with ``rates`` (the deal
    approval's table); a currency without a rate is compared unconverted.
    """

    number_pattern: str = DEFAULT_NUMBER_PATTERN
    types: tuple[str, ...] = DEFAULT_TYPES
    levels: tuple[tuple[Decimal, tuple[str, ...]], ...] = DEFAULT_LEVELS
    rates: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATES))

    def roles_for(self, amount_cents: int, currency: str) -> tuple[str, ...]:
        value = Decimal(amount_cents) / 100 * self.rates.get(currency.upper(), Decimal(1))
        reached = [(t, roles) for t, roles in self.levels if value >= t]
        return max(reached, key=lambda item: item[0])[1] if reached else ()

    def number(self, year: int, seq: int) -> str:
        return self.number_pattern.format(year=year, seq=seq)
