"""Multi-step flows in the vocabulary of python-telegram-bot's ConversationHandler.

Unlike PTB, nothing is held in memory: the state, JSON data, flow version and
``expires_at`` live in the ``conversations`` row, so a restart or another worker carries on
where the user left off. A flow is named by a :class:`~bot.context.FlowKey` whose states
are an enum (stored as their string values), and its buttons are :class:`Answer` actions
that only the waiting flow takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.context import Context, FlowKey
from bot.payloads import Action

S = TypeVar("S", bound=StrEnum)
StateHandler = Callable[[Context], Awaitable[None]]
NewIntent = Callable[[Context], Awaitable[bool]]
"""True when a text is clearly a new log, reminder or deal update (not an answer)."""


class Answer(Action):
    """A button answering a flow's question. It is taken only while its flow waits (each
    answer class belongs to one flow, which lists it); pressed later it is stale."""


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
class Flow(Generic[S]):
    """``states`` maps each state of ``key.states`` to its step (or just a handler:
    ``TEXT``); ``answers`` are the flow's button actions. A state that is not a member of
    the flow's enum, or a member without a step, fails here, when the flow is defined."""

    key: FlowKey[S]
    states: Mapping[S, StateHandler | Step]
    answers: tuple[type[Answer], ...] = ()

    def __post_init__(self) -> None:
        enum = self.key.states
        stray = [s for s in self.states if not isinstance(s, enum)]
        missing = [s.value for s in enum if s not in self.states]
        if stray or missing:
            raise ValueError(
                f"flow {self.key.name}: states {stray} are not {enum.__name__} members"
                if stray
                else f"flow {self.key.name}: no step for {missing}"
            )
        for answer in self.answers:
            if not issubclass(answer, Answer) or not answer.tag:
                raise TypeError(f"flow {self.key.name}: {answer.__name__} is not an Answer")

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def version(self) -> int:
        return self.key.version

    def step(self, state: str | None) -> Step | None:
        """The step of a stored state; ``None`` for one this flow does not have."""
        member = _member(self.key.states, state)
        found = self.states.get(member) if member is not None else None
        if found is None or isinstance(found, Step):
            return found
        return Step(found)

    def takes(self, action: Action | None) -> bool:
        """True for a button of this flow's."""
        return action is not None and type(action) in self.answers


class Flows:
    """The registry of flows the engine can resume by name."""

    def __init__(self) -> None:
        self._flows: dict[str, Flow[Any]] = {}
        self._owners: dict[type[Answer], str] = {}

    def add(self, flow: Flow[Any]) -> None:
        if flow.name in self._flows:
            raise ValueError(f"flow {flow.name} registered twice")
        for answer in flow.answers:
            owner = self._owners.setdefault(answer, flow.name)
            if owner != flow.name:
                raise ValueError(f"{answer.__name__} answers both {owner} and {flow.name}")
        self._flows[flow.name] = flow

    def get(self, name: str) -> Flow[Any] | None:
        return self._flows.get(name)

    def answers(self) -> Iterable[type[Answer]]:
        return tuple(self._owners)


def _member(enum: type[S], value: str | None) -> S | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        return None
