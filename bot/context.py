"""Everything a handler needs about one event, handed to it explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.events import InboundEvent
from bot.masking import SHOW_ALL, Masking
from bot.payloads import Action
from bot.replies import Button, Choices, Reply, Text
from bot.workers import SlowWorkers
from locales.catalog import Translator
from store.access import Principal, Records
from store.fields import FieldName
from store.models import Conversation, User
from store.riders import Riders

A = TypeVar("A", bound=Action)
S = TypeVar("S", bound=StrEnum)


class UserFacingError(Exception):
    """Abort the handler's changes and tell the user ``key`` (a catalogue message)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class SlowWork:
    """Work too slow to do while the event's transaction is open (a card's OCR, drawing a
    chart): on SQLite that transaction holds the only write lock, and everyone else would
    wait for it. The engine commits what the handler did so far, runs ``compute`` with no
    transaction open, then opens a fresh one and calls ``finish`` with its result."""

    compute: Callable[[], Awaitable[Any]]
    finish: Callable[[Context, Any], Awaitable[None]]


@dataclass(frozen=True)
class FlowKey(Generic[S]):
    """A flow's identity: the name and version stored in the conversation row, and the
    enum of its states, so that a mistyped state is an error (mypy's, or at the latest
    when the flow is defined) instead of a question nobody answers."""

    name: str
    version: int
    states: type[S]


@dataclass
class FlowControl:
    """A handler's view of the persisted conversation row for this chat and user.

    ``states``: the enum of the flow waiting or just started (the flow machinery sets it
    for a waiting flow), against which :meth:`goto` checks its state at run time."""

    row: Conversation
    timeout_minutes: int
    now: datetime
    ended: bool = False
    states: type[StrEnum] | None = None

    @property
    def name(self) -> str | None:
        return self.row.flow

    @property
    def state(self) -> str | None:
        return self.row.state

    @property
    def data(self) -> dict[str, Any]:
        return self.row.data

    def start(self, key: FlowKey[S], state: S, data: dict[str, Any] | None = None) -> None:
        self.row.flow = key.name
        self.row.flow_version = key.version
        self.row.data = dict(data or {})
        self.states = key.states
        self.goto(state)

    def goto(self, state: StrEnum) -> None:
        if self.states is None or not isinstance(state, self.states):
            raise TypeError(f"{state!r} is not a state of the flow {self.row.flow!r}")
        self.row.state = state.value
        self.row.expires_at = self.now + timedelta(minutes=self.timeout_minutes)
        self.ended = False

    def update(self, **values: Any) -> None:
        # A fresh dict so SQLAlchemy sees the JSON column change.
        self.row.data = {**self.row.data, **values}

    def end(self) -> None:
        # Only what is set is cleared: assigning the same None or {} still marks the row
        # changed, and the next query's autoflush then runs a unit of work that writes
        # nothing (a one-message log, which has no flow to end, paid one each; issue 20).
        if self.row.flow is not None or self.row.state is not None:
            self.row.flow = None
            self.row.state = None
        if self.row.data:
            self.row.data = {}
        if self.row.expires_at is not None:
            self.row.expires_at = None
        self.states = None
        self.ended = True


@dataclass
class Context:
    event: InboundEvent
    session: AsyncSession
    clock: Clock
    settings: Settings
    translator: Translator
    lang: str
    tz: ZoneInfo
    user: User | None = None
    principal: Principal | None = None
    flow: FlowControl | None = None
    command: str | None = None
    args: str = ""
    payload: str | None = None
    action: Action | None = None
    """The pressed button's payload, decoded (``None``: no button, or one we cannot read)."""
    replies: list[Reply] = field(default_factory=list)
    refused: bool = False
    """The event was refused (not allowed, not found, a button that no longer works): a
    pressed button changed nothing, so its message is left as it was, and in a group only
    the presser hears why."""
    slow: SlowWork | None = None
    savepoint: bool = True
    """Whether a handler runs in a savepoint (bot/running.py). The engine's first try of
    an event runs without one and is replayed with one if the handler refuses."""
    workers: SlowWorkers = field(default_factory=lambda: SlowWorkers(0))
    custom_fields: tuple[FieldName, ...] | None = None
    """The custom fields' names, read with the sender (``None``: not read; ask the store)."""
    riders: Riders | None = None
    """Writes the engine sends with the replies (:mod:`store.riders`); ``None``: at once."""
    customer_names: list[str] | None = None
    """The names of the customers the sender sees, for recognising one named as written:
    read with the sender for a rep's free text, else on first use
    (:func:`handlers.common.customer_names.customer_names`)."""
    masking: Masking = SHOW_ALL
    """What this viewer sees masked (role policy, owner exception, group chat): every view
    that shows a phone, an e-mail or an amount asks it (bot/masking.py)."""

    @property
    def text(self) -> str:
        return self.event.text.strip()

    @property
    def now(self) -> datetime:
        """When the work happens (UTC); for reading dates in a message use ``sent_local``."""
        return self.clock.now()

    @property
    def currency(self) -> str:
        """The currency an amount without one is in: the user's own, else the workspace's."""
        return self.settings.currency_for(self.user.currency if self.user is not None else None)

    @property
    def sent_local(self) -> datetime:
        """When the user sent the message, on their own wall clock."""
        return self.event.sent_at.astimezone(self.tz)

    @property
    def records(self) -> Records:
        if self.principal is None:
            raise RuntimeError("records need a linked user")
        return Records(self.session, self.principal, self.now)

    def pressed(self, kind: type[A]) -> A:
        """The pressed button as ``kind`` (the type its route matched on)."""
        if not isinstance(self.action, kind):
            raise UserFacingError("errors.not_found")
        return self.action

    def t(self, key: str, /, **values: Any) -> str:
        return self.translator.t(self.lang, key, **values)

    def reply(self, reply: Reply) -> None:
        self.replies.append(reply)

    def reply_text(self, text: str) -> None:
        self.replies.append(Text(text))

    def say(self, key: str, /, **values: Any) -> None:
        self.replies.append(Text(self.t(key, **values)))

    def ask(self, text: str, buttons: list[Button]) -> None:
        self.replies.append(Choices(text, tuple(buttons)))

    def defer(
        self,
        compute: Callable[[], Awaitable[Any]],
        finish: Callable[[Context, Any], Awaitable[None]],
    ) -> None:
        """Run ``compute`` after this event's transaction, then ``finish`` in a new one."""
        if self.slow is not None:
            raise RuntimeError("one piece of slow work per event")
        self.slow = SlowWork(compute, finish)
