"""The customer feature's buttons (see :mod:`bot.payloads`); ``legacy`` reads the buttons
crmbot wrote before the codec, still in chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.payloads import Action


@dataclass(frozen=True)
class OpenCompany(Action, tag="c", legacy=("co",)):
    company: int


@dataclass(frozen=True)
class OpenContact(Action, tag="ct", legacy=("ct",)):
    contact: int


@dataclass(frozen=True)
class AskDeleteCompany(Action, tag="cd", legacy=("co.del",)):
    company: int


@dataclass(frozen=True)
class DeleteCompany(Action, tag="cx", legacy=("co.delok",)):
    company: int


@dataclass(frozen=True)
class LogFor(Action, tag="l", legacy=("lg.co",)):
    """``/log`` for the company whose card it is on (routed by the logging feature)."""

    company: int


@dataclass(frozen=True)
class ShowHistory(Action, tag="h", legacy=("hi",)):
    """A page of a company's activities, ``offset`` rows in."""

    company: int
    offset: int


@dataclass(frozen=True)
class CompanyPage(Action, tag="cp"):
    """The next page of ``/companies``, ``offset`` rows in."""

    offset: int


@dataclass(frozen=True)
class FindMore(Action, tag="fm"):
    """The next page of the customers a search found (the query rides along: a lookup
    keeps no state, so any worker answers the button)."""

    query: str
    offset: int


RecordKind = Literal["company", "contact", "activity"]


@dataclass(frozen=True)
class CorrectFrom(Action, tag="rm"):
    """The Edit button on a company's card: pick what to correct (the company, one of its
    contacts, one of its latest activities)."""

    company: int


@dataclass(frozen=True)
class CorrectRecord(Action, tag="rc"):
    """One record's corrections: its fields, and Delete."""

    kind: RecordKind
    record: int


@dataclass(frozen=True)
class EditField(Action, tag="rf"):
    kind: RecordKind
    record: int
    field: str


@dataclass(frozen=True)
class AskDeleteRecord(Action, tag="rd"):
    kind: RecordKind
    record: int


@dataclass(frozen=True)
class DeleteRecord(Action, tag="rx"):
    kind: RecordKind
    record: int


TwinKind = Literal["company", "contact"]


@dataclass(frozen=True)
class AskHandover(Action, tag="th"):
    """Ask the owner of a colleague's twin record to hand it over."""

    kind: TwinKind
    record: int


@dataclass(frozen=True)
class RequestAccess(Action, tag="ta"):
    """Ask the owner's manager (or an admin) for a colleague's twin record."""

    kind: TwinKind
    record: int


@dataclass(frozen=True)
class GiveRecord(Action, tag="tg"):
    """The owner's (or a manager's) yes: the record goes to user ``to``."""

    kind: TwinKind
    record: int
    to: int
