"""Exchange rates an admin sets (``crmbot fx set USD 7.2``), so reports can add up deals in
several currencies in the viewer's own.

A rate says how many units of the workspace's base currency (``CRMBOT_DEFAULT_CURRENCY``)
one unit of a currency is worth; converting between two others goes through the base. A
currency without a rate is never guessed: reports keep it beside the total, unconverted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import FxRate


@dataclass(frozen=True)
class Rates:
    base: str
    per_unit: Mapping[str, Decimal] = field(default_factory=dict)  # base units per unit
    set_on: Mapping[str, date] = field(default_factory=dict)

    def rate(self, currency: str) -> Decimal | None:
        return Decimal(1) if currency == self.base else self.per_unit.get(currency)

    def convert(self, cents: int, source: str, target: str) -> int | None:
        """``cents`` of ``source`` in ``target``; None when either has no rate."""
        if source == target:
            return cents
        from_rate, to_rate = self.rate(source), self.rate(target)
        if from_rate is None or to_rate is None:
            return None
        return round(Decimal(cents) * from_rate / to_rate)

    def between(self, source: str, target: str) -> Decimal | None:
        """How many ``target`` one ``source`` is worth."""
        from_rate, to_rate = self.rate(source), self.rate(target)
        if from_rate is None or to_rate is None:
            return None
        return from_rate / to_rate


async def load_rates(session: AsyncSession, base: str) -> Rates:
    rows = (await session.scalars(select(FxRate))).all()
    return Rates(
        base,
        {r.currency: Decimal(r.rate) for r in rows if r.currency != base},
        {r.currency: r.updated_at.date() for r in rows},
    )


async def set_rate(session: AsyncSession, currency: str, rate: Decimal, now: datetime) -> None:
    row = await session.get(FxRate, currency)
    if row is None:
        session.add(FxRate(currency=currency, rate=rate, updated_at=now))
    else:
        row.rate, row.updated_at = rate, now
    await session.flush()
