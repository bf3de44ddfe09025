"""The lead pool's and the assignments' buttons (see :mod:`bot.payloads`); the card's
🌊 Release, the duplicate check's ✋ Claim and the segment's 👥 Assign are in
:mod:`handlers.common.actions`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class PoolPage(Action, tag="pl"):
    """A page of the pool from row ``offset``, in ``city`` ("" = every city)."""

    offset: int
    city: str


@dataclass(frozen=True)
class ConfirmRelease(Action, tag="px"):
    company: int


@dataclass(frozen=True)
class Keep(Action, tag="pk"):
    """From the warning push: the holder keeps a quiet customer (its clock starts again)."""

    company: int


@dataclass(frozen=True)
class AssignPick(Action, tag="ak"):
    """A customer picked for ``/assign``: next, the person."""

    company: int


@dataclass(frozen=True)
class AssignTo(Action, tag="at"):
    company: int
    to: int


@dataclass(frozen=True)
class SegmentTo(Action, tag="sp"):
    """A person picked for a segment's customers: next, the count to confirm."""

    segment: int
    builtin: str
    to: int


@dataclass(frozen=True)
class SegmentGo(Action, tag="sg"):
    """Confirmed: assign the segment's ``count`` customers (asked again if it changed)."""

    segment: int
    builtin: str
    to: int
    count: int


@dataclass(frozen=True)
class ItemTo(Action, tag="ai"):
    """A deal (``kind`` "deal") or task ("task") to a person picked by button."""

    kind: str
    item: int
    to: int
