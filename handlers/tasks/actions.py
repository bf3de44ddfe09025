"""The task buttons, on task lists and on the reminders the scheduler pushes (see
:mod:`bot.payloads`); ``legacy`` reads the buttons crmbot wrote before the codec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.payloads import Action

Snooze = Literal["1h", "tomorrow", "nextweek"]
SNOOZES: tuple[Snooze, ...] = ("1h", "tomorrow", "nextweek")


@dataclass(frozen=True)
class TaskDone(Action, tag="td", legacy=("tk.done",)):
    task: int


@dataclass(frozen=True)
class SnoozeTask(
    Action, tag="ts", legacy={f"tk.sn.{until}": {"until": until} for until in SNOOZES}
):
    task: int
    until: Snooze


@dataclass(frozen=True)
class TaskPage(Action, tag="tp"):
    """The next page of ``/today`` (``today``) or ``/tasks``, ``offset`` rows in."""

    today: bool
    offset: int
