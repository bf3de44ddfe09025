"""The deal feature's buttons (see :mod:`bot.payloads`); ``legacy`` reads the buttons crmbot
wrote before the codec, still in chats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class OpenDeal(Action, tag="d", legacy=("dl",)):
    deal: int


@dataclass(frozen=True)
class NewDealFor(Action, tag="dn", legacy=("dl.new",)):
    company: int


@dataclass(frozen=True)
class PickStage(Action, tag="ds", legacy=("dl.st",)):
    deal: int


@dataclass(frozen=True)
class MoveDeal(Action, tag="dm", legacy=("dl.mv",)):
    """``stage`` is one of the configured pipeline's (checked when pressed)."""

    deal: int
    stage: str


@dataclass(frozen=True)
class EditAmount(Action, tag="da", legacy=("dl.amt",)):
    deal: int


@dataclass(frozen=True)
class EditClose(Action, tag="dc", legacy=("dl.cls",)):
    deal: int


@dataclass(frozen=True)
class ReopenDeal(Action, tag="dro"):
    """Reopen a won or lost deal (asks for the reason first)."""

    deal: int
