"""The default sales pipeline, in one place.

Stages are plain strings rather than an enum because admins will be able to configure their
own pipeline later; until then every module that needs the stage order, the closed stages or
a stage's default win probability reads it from here instead of repeating the list.
"""

from __future__ import annotations

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


class Pipeline:
    """The configured stages (``CRMBOT_PIPELINE_STAGES``), in order, with their probabilities."""

    def __init__(self, stages: tuple[str, ...] = DEFAULT_STAGES) -> None:
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
