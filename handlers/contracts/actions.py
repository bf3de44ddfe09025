"""The contract feature's buttons (see :mod:`bot.payloads`); the deal card's 📄 Contract is
:class:`handlers.common.actions.ContractFromDeal`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class OpenContract(Action, tag="ko"):
    contract: int


@dataclass(frozen=True)
class NewContractFor(Action, tag="kc"):
    company: int


@dataclass(frozen=True)
class SubmitContract(Action, tag="ks"):
    contract: int


@dataclass(frozen=True)
class ApproveContract(Action, tag="ka"):
    approval: int


@dataclass(frozen=True)
class RejectContract(Action, tag="kr"):
    approval: int


@dataclass(frozen=True)
class PlanPayments(Action, tag="kp"):
    contract: int


@dataclass(frozen=True)
class MarkPaid(Action, tag="kx"):
    payment: int


@dataclass(frozen=True)
class RenewContract(Action, tag="kn"):
    contract: int


@dataclass(frozen=True)
class TerminateContract(Action, tag="kt"):
    contract: int


@dataclass(frozen=True)
class SetSigned(Action, tag="kf"):
    contract: int


@dataclass(frozen=True)
class EditContract(Action, tag="kw"):
    contract: int
