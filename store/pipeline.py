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
