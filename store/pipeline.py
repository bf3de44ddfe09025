"""The default sales pipeline, in one place.

Stages are plain strings rather than an enum because admins will be able to configure their
own pipeline later; until then every module that needs the stage order, the closed stages or
a stage's default win probability reads it from here instead of repeating the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

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
"""CNY per unit: a static table (``CRMBOT_APPROVAL_RATES``) — the threshold is a policy line,
not accounting, so yesterday's rate is good enough and no rate service is needed."""


@dataclass(frozen=True)
class ApprovalPolicy:
    """Which deals need approval to be won: CNY-equivalent amount >= ``threshold`` (CNY).

    An amount in a currency missing from ``rates`` is compared unconverted (its own units),
    which errs on the side of asking. A threshold of 0 switches approvals off.
    """

    threshold: Decimal = DEFAULT_APPROVAL_THRESHOLD
    rates: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATES))

    def needs_approval(self, amount_cents: int, currency: str) -> bool:
        if self.threshold <= 0:
            return False
        rate = self.rates.get(currency.upper(), Decimal(1))
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

    def probability(self, stage: str) -> int:
        if stage in DEFAULT_PROBABILITY:
            return DEFAULT_PROBABILITY[stage]
        # A custom open stage: spread evenly between the first and the last open stage.
        opens = self.open_stages
        return round(10 + 80 * opens.index(stage) / max(len(opens) - 1, 1))
