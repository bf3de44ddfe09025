"""Multi-step flows in the vocabulary of python-telegram-bot's ConversationHandler.

Unlike PTB, nothing is held in memory: the state name, JSON data, flow version and
``expires_at`` live in the ``conversations`` row, so a restart or another worker
carries on where the user left off. A flow's buttons use payloads ``f:<flow>:<value>``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.context import Context

StateHandler = Callable[[Context], Awaitable[None]]
NewIntent = Callable[[Context], Awaitable[bool]]
"""True when a text is clearly a new log, reminder or deal update (not an answer)."""
FLOW_PAYLOAD = "f"


def flow_payload(flow: str, value: str) -> str:
    return f"{FLOW_PAYLOAD}:{flow}:{value}"


def flow_value(ctx: Context, flow: str) -> str | None:
    """The value of a button of this flow that was pressed (or picked by digit), if any."""
    prefix = f"{FLOW_PAYLOAD}:{flow}:"
    if ctx.payload and ctx.payload.startswith(prefix):
        return ctx.payload.removeprefix(prefix)
    return None


class Expects(StrEnum):
    """What a step waits for; the engine uses it to tell an answer from a new message.

    A typed digit presses a button only where the step does not expect a number, and a
    message that is clearly a new log, reminder or command is never filed as the answer of
    a step that waits for a name, a reason, a number, a date or a button: the rep is asked
    which they meant. Only a step that waits for a whole log text (``MESSAGE``, e.g. the
    summary in ``/log``) takes a log-shaped message as its answer.
    """

    CHOICE = "choice"  # buttons (typed text is not an answer)
    TEXT = "text"  # a short answer: a name, a reason, a title, a city
    NUMBER = "number"  # an amount: digits are the answer, never a button press
    DATE = "date"
    MESSAGE = "message"  # free-form log text


@dataclass(frozen=True)
class Step:
    """One state of a flow: the handler of the user's next input and what it expects."""

    handler: StateHandler
    expects: Expects = Expects.TEXT


@dataclass(frozen=True)
class Flow:
    """``states`` maps a persisted state name to its step (or just a handler: ``TEXT``)."""

    name: str
    version: int
    states: Mapping[str, StateHandler | Step]

    def step(self, state: str | None) -> Step | None:
        found = self.states.get(state) if state is not None else None
        if found is None or isinstance(found, Step):
            return found
        return Step(found)


class Flows:
    """The registry of flows the engine can resume by name."""

    def __init__(self) -> None:
        self._flows: dict[str, Flow] = {}

    def add(self, flow: Flow) -> None:
        if flow.name in self._flows:
            raise ValueError(f"flow {flow.name} registered twice")
        self._flows[flow.name] = flow

    def get(self, name: str) -> Flow | None:
        return self._flows.get(name)
