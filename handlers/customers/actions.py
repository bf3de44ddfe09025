"""The customer feature's buttons (see :mod:`bot.payloads`); ``legacy`` reads the buttons
crmbot wrote before the codec, still in chats."""

from __future__ import annotations

from dataclasses import dataclass

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
