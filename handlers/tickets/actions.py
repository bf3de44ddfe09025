"""The ticket feature's buttons (see :mod:`bot.payloads`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class OpenTicket(Action, tag="wo"):
    ticket: int


@dataclass(frozen=True)
class NewTicketFor(Action, tag="wn"):
    company: int


@dataclass(frozen=True)
class TakeTicket(Action, tag="wt"):
    ticket: int


@dataclass(frozen=True)
class ReassignTicket(Action, tag="wa"):
    ticket: int


@dataclass(frozen=True)
class GiveTicket(Action, tag="wg"):
    ticket: int
    user: int


@dataclass(frozen=True)
class ChangePriority(Action, tag="wp"):
    ticket: int


@dataclass(frozen=True)
class SetPriority(Action, tag="wq"):
    ticket: int
    priority: str


@dataclass(frozen=True)
class CloseTicket(Action, tag="wc"):
    ticket: int


@dataclass(frozen=True)
class SurveyTicket(Action, tag="ws"):
    ticket: int
