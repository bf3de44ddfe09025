"""Buttons one feature shows for another: the deal card's 📄 Contract is answered by the
contracts feature, which itself uses the deal approvals' pushes — declaring the button here
keeps the features free of an import cycle. The card's 🏷 Tags and 🧩 Fields likewise."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class ContractFromDeal(Action, tag="kd"):
    deal: int


@dataclass(frozen=True)
class TagsFor(Action, tag="bt"):
    """A customer's tags, with a button per dimension (the book of business answers)."""

    company: int


@dataclass(frozen=True)
class FieldsFor(Action, tag="bf"):
    """A record's custom fields, a button each, to set one (the book of business answers)."""

    entity: str
    record: int


@dataclass(frozen=True)
class ReleaseToPool(Action, tag="pr"):
    """The card's 🌊 Release: asks to confirm (the lead pool answers, handlers/pool)."""

    company: int


@dataclass(frozen=True)
class Claim(Action, tag="pc"):
    """✋ Claim a pooled customer: from ``/pool``, and from the duplicate check (查重) when
    the customer a rep is creating is in the pool (handlers/pool answers)."""

    company: int


@dataclass(frozen=True)
class AssignSegment(Action, tag="pa"):
    """Under a segment's results, for a manager: assign them all (handlers/pool answers).
    ``segment``: a saved segment's id (0 for a built-in one, named by ``builtin``)."""

    segment: int
    builtin: str
