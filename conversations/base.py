"""Multi-step flows in the vocabulary of python-telegram-bot's ConversationHandler.

Unlike PTB, nothing is held in memory: the state name, JSON data, flow version and
``expires_at`` live in the ``conversations`` row, so a restart or another worker
carries on where the user left off. A flow's buttons use payloads ``f:<flow>:<value>``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.context import Context

StateHandler = Callable[[Context], Awaitable[None]]
FLOW_PAYLOAD = "f"


def flow_payload(flow: str, value: str) -> str:
    return f"{FLOW_PAYLOAD}:{flow}:{value}"


def flow_value(ctx: Context, flow: str) -> str | None:
    """The value of a button of this flow that was pressed (or picked by digit), if any."""
    prefix = f"{FLOW_PAYLOAD}:{flow}:"
    if ctx.payload and ctx.payload.startswith(prefix):
        return ctx.payload.removeprefix(prefix)
    return None


@dataclass(frozen=True)
class Flow:
    """``states`` maps a persisted state name to the handler of the user's next input."""

    name: str
    version: int
    states: Mapping[str, StateHandler]


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
