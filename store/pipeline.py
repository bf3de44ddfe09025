"""The default sales pipeline, in one place.

Stages are plain strings rather than an enum because admins will be able to configure their
own pipeline later; until then every module that needs the stage order, the closed stages or
a stage's default win probability reads it from here instead of repeating the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

DEFAULT_STAGES: tuple[str, ...] = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
"""In pipeline order; a deal normally walks left to right and ends in ``won`` or ``lost``."""

CLOSED_STAGES: tuple[str, ...] = ("won", "lost")
"""Stages a deal does not leave; open-pipeline reports and reminders skip them."""

DEFAULT_PROBABILITY: dict[str, int] = {
    "lead": 10,
    "qualified": 25,
    "proposal": 50,
    "negotiation": 75,
    "won": 100,
    "lost": 0,
}
"""Win probability (percent) a deal gets when it enters a stage, for the weighted forecast."""


WON = "won"

THRESHOLD_CURRENCY = "CNY"
DEFAULT_APPROVAL_THRESHOLD = Decimal(500_000)
"""CNY: a deal this big or bigger needs a manager's yes before it counts as won."""

DEFAULT_RATES: dict[str, Decimal] = {
    "CNY": Decimal(1),
    "USD": Decimal("7.1"),
    "EUR": Decimal("7.7"),
    "GBP": Decimal("9.0"),
    "HKD": Decimal("0.91"),
    "SGD": Decimal("5.3"),
    "JPY": Decimal("0.047"),
}
"""CNY per unit, the fallback for the threshold (``CRMBOT_APPROVAL_RATES``): a currency an
admin gave a rate with ``crmbot fx set`` is converted at that rate instead, the same one the
reports use, so a manager never sees a deal priced one way on the chart and another by the
approval line."""


class Converter(Protocol):
    """What the threshold needs of the workspace's exchange rates (:class:`store.fx.Rates`)."""

    def convert(self, cents: int, source: str, target: str) -> int | None: ...


@dataclass(frozen=True)
class ApprovalPolicy:
    """Which deals need approval to be won: CNY-equivalent amount >= ``threshold`` (CNY).

    An amount is converted at the admin's rate (``crmbot fx set``) where there is one, else
    at the static ``rates``; a currency missing from both is compared unconverted (its own
    units), which errs on the side of asking. A threshold of 0 switches approvals off.
    """

    threshold: Decimal = DEFAULT_APPROVAL_THRESHOLD
    rates: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATES))
    fx_base: str = THRESHOLD_CURRENCY
    """The currency ``crmbot fx`` rates are quoted in (``CRMBOT_DEFAULT_CURRENCY``)."""

    def needs_approval(self, amount_cents: int, currency: str, fx: Converter | None = None) -> bool:
        if self.threshold <= 0:
            return False
        code = currency.upper()
        in_cny = fx.convert(amount_cents, code, THRESHOLD_CURRENCY) if fx is not None else None
        if in_cny is not None:
            return Decimal(in_cny) / 100 >= self.threshold
        rate = self.rates.get(code, Decimal(1))
        return Decimal(amount_cents) / 100 * rate >= self.threshold


class Pipeline:
    """The configured stages (``CRMBOT_PIPELINE_STAGES``), in order, with their probabilities,
    and the approval a big deal needs before it may enter ``won``."""

    def __init__(
        self, stages: tuple[str, ...] = DEFAULT_STAGES, approval: ApprovalPolicy | None = None
    ) -> None:
        self.approval = approval or ApprovalPolicy()
        missing = [s for s in CLOSED_STAGES if s not in stages]
        if missing:
            raise ValueError(f"the pipeline must contain {', '.join(missing)}")
        if len(set(stages)) != len(stages):
            raise ValueError("stage names must be unique")
        self.stages = stages

    @property
    def open_stages(self) -> tuple[str, ...]:
        return tuple(s for s in self.stages if s not in CLOSED_STAGES)

    @property
    def first(self) -> str:
        return self.stages[0]

    def is_closed(self, stage: str) -> bool:
        return stage in CLOSED_STAGES

    def goes_forward(self, from_stage: str, to_stage: str) -> bool:
        """Whether ``to_stage`` lies past ``from_stage`` (a closed deal goes nowhere)."""
        if self.is_closed(from_stage) or from_stage not in self.stages:
            return False
        return to_stage in self.stages and self.stages.index(to_stage) > self.stages.index(
            from_stage
        )

    def probability(self, stage: str) -> int:
        if stage in DEFAULT_PROBABILITY:
            return DEFAULT_PROBABILITY[stage]
        # A custom open stage: spread evenly between the first and the last open stage.
        opens = self.open_stages
        return round(10 + 80 * opens.index(stage) / max(len(opens) - 1, 1))
