"""The book-of-business buttons (see :mod:`bot.payloads`); the customer card's 🏷 Tags and
🧩 Fields are in :mod:`handlers.common.actions`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class TagDimensionFor(Action, tag="btd"):
    """One dimension's tags for a customer, each a toggle."""

    company: int
    dimension: int


@dataclass(frozen=True)
class ToggleTag(Action, tag="btt"):
    company: int
    tag_id: int


@dataclass(frozen=True)
class EditField(Action, tag="bfe"):
    field: int
    record: int


@dataclass(frozen=True)
class PickChoice(Action, tag="bfc"):
    """A choice of a choice field (its index in the field's choices); for a
    multiple-choice field a toggle."""

    field: int
    record: int
    choice: int


@dataclass(frozen=True)
class RunSegment(Action, tag="bs"):
    """A saved segment (or the presser's last one), from row ``offset``."""

    segment: int
    offset: int


@dataclass(frozen=True)
class RunBuiltin(Action, tag="bsb"):
    key: str
    offset: int


@dataclass(frozen=True)
class SaveSegment(Action, tag="bss"):
    """Save the presser's last segment: asks for a name."""

    segment: int


@dataclass(frozen=True)
class DeleteTag(Action, tag="bdt"):
    """Confirmed: delete the tag, which ``count`` customers carried when asked (asked again
    if that changed)."""

    tag_id: int
    count: int


@dataclass(frozen=True)
class KeepIt(Action, tag="bx"):
    """The "keep it" answer to a delete question: nothing changes."""


@dataclass(frozen=True)
class DeleteField(Action, tag="bfx"):
    """Confirmed: delete the custom field and its ``count`` values (asked again if that
    changed)."""

    field: int
    count: int


@dataclass(frozen=True)
class ManageSegments(Action, tag="bsm"):
    """The saved segments the presser may rename or delete (their own; an admin: all)."""


@dataclass(frozen=True)
class SegmentMenu(Action, tag="bsn"):
    segment: int


@dataclass(frozen=True)
class RenameSegment(Action, tag="bsr"):
    """Asks for the new name."""

    segment: int


@dataclass(frozen=True)
class DeleteSegment(Action, tag="bsx"):
    """``sure``: False asks first, True (the question's 🗑 button) deletes."""

    segment: int
    sure: bool
