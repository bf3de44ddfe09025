"""The quick-log *plan*: what a logged message means, kept in the conversation row while the
chat asks for what is missing (which customer, what kind, which deal, a big amount change).

A dataclass, so a misspelt key is an error rather than a ``None``; stored as JSON in the
flow's data. Reading is tolerant: a row saved by an older crmbot (a key missing, a value of
an unexpected shape) loads with that field at its default, so a question asked before an
upgrade can still be answered after it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Intent = Literal["log", "task", "deal"]
INTENTS: tuple[Intent, ...] = ("log", "task", "deal")


def a_move_with_its_to_do(task: bool, amount: Decimal | None, stage: str | None) -> bool:
    """ "Globex moved to negotiation, send the contract by Friday", "X signed!! Kickoff Tue
    10am": the move and the to-do both, logged as a note with its follow-up; a to-do alone
    would drop the move."""
    return task and bool(amount or stage)


@dataclass(frozen=True)
class DealBefore:
    """The deal as it was before the log changed it (for "Proposal → Won" on the card)."""

    stage: str
    cents: int
    currency: str


@dataclass
class Plan:
    summary: str
    sent_at: datetime
    activity: str | None = None  # an ActivityKind value
    customer_text: str | None = None  # the customer as written
    company_id: int | None = None
    contact: str | None = None  # the person as written
    amount: Decimal | None = None
    currency: str | None = None
    stage: str | None = None
    follow_up: datetime | None = None
    deal_id: int | None = None  # 0: create a deal
    created_company: int | None = None  # created by this log (undone with it)
    source_text: str | None = None
    intent: Intent = "log"
    problems: list[str] = field(default_factory=list)  # "kind:written" the parser refused
    reason: str | None = None  # why a deal was won or lost
    activity_at: datetime | None = None  # a past day the message names
    more: list[str] = field(default_factory=list)  # the next customers of the message
    amount_ok: bool = False  # a big amount change was confirmed
    stage_forward_only: bool = False  # implied ("quoted"): never moves a deal back
    was: DealBefore | None = None  # set while saving; not stored

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "sent_at": self.sent_at.isoformat(),
            "activity": self.activity,
            "customer_text": self.customer_text,
            "company_id": self.company_id,
            "contact": self.contact,
            "amount": str(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "stage": self.stage,
            "follow_up": self.follow_up.isoformat() if self.follow_up else None,
            "deal_id": self.deal_id,
            "created_company": self.created_company,
            "source_text": self.source_text,
            "intent": self.intent,
            "problems": list(self.problems),
            "reason": self.reason,
            "activity_at": self.activity_at.isoformat() if self.activity_at else None,
            "more": list(self.more),
            "amount_ok": self.amount_ok,
            "stage_forward_only": self.stage_forward_only,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, now: datetime) -> Plan:
        """The plan in a flow's data; ``now`` stands in for a missing ``sent_at``."""
        intent = data.get("intent")
        return cls(
            summary=_text(data, "summary") or "",
            sent_at=_when(data, "sent_at") or now,
            activity=_text(data, "activity"),
            customer_text=_text(data, "customer_text"),
            company_id=_id(data, "company_id"),
            contact=_text(data, "contact"),
            amount=_decimal(data.get("amount")),
            currency=_text(data, "currency"),
            stage=_text(data, "stage"),
            follow_up=_when(data, "follow_up"),
            deal_id=_id(data, "deal_id"),
            created_company=_id(data, "created_company"),
            source_text=_text(data, "source_text"),
            intent=intent if intent in INTENTS else "log",
            problems=_texts(data, "problems"),
            reason=_text(data, "reason"),
            activity_at=_when(data, "activity_at"),
            more=_texts(data, "more"),
            amount_ok=data.get("amount_ok") is True,
            stage_forward_only=data.get("stage_forward_only") is True,
        )

    def next_customer(self) -> Plan:
        """ "上午去了A，下午去了B": the same log for the next customer the message names."""
        return dataclasses.replace(
            self,
            customer_text=self.more[0],
            more=self.more[1:],
            company_id=None,
            created_company=None,
            deal_id=None,
            contact=None,
            problems=[],
            was=None,
        )


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _texts(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _id(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if type(value) is int else None


def _when(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if not isinstance(value, str | int):
        return None
    try:
        found = Decimal(value)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None
