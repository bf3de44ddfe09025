"""Buttons one feature shows for another: the deal card's 📄 Contract is answered by the
contracts feature, which itself uses the deal approvals' pushes — declaring the button here
keeps the features free of an import cycle."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class ContractFromDeal(Action, tag="kd"):
    deal: int
