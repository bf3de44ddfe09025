"""The approval buttons an approver gets (see :mod:`bot.payloads`); ``legacy`` reads the
buttons crmbot wrote before the codec: a request may wait days for its answer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class Approve(Action, tag="ao", legacy=("ap.ok",)):
    approval: int


@dataclass(frozen=True)
class Reject(Action, tag="an", legacy=("ap.no",)):
    approval: int
