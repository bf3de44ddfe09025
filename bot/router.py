"""Routes: a matcher (composable with ``&``, ``|``, ``~``) and the handler it selects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import Context

Handler = Callable[[Context], Awaitable[None]]


class Matcher:
    def __init__(self, test: Callable[[Context], bool], label: str) -> None:
        self._test = test
        self.label = label

    def __call__(self, ctx: Context) -> bool:
        return self._test(ctx)

    def __and__(self, other: Matcher) -> Matcher:
        return Matcher(lambda c: self(c) and other(c), f"({self.label} & {other.label})")

    def __or__(self, other: Matcher) -> Matcher:
        return Matcher(lambda c: self(c) or other(c), f"({self.label} | {other.label})")

    def __invert__(self) -> Matcher:
        return Matcher(lambda c: not self(c), f"~{self.label}")


def command(*names: str) -> Matcher:
    """Matches a canonical command name; aliases (``/帮助``) are resolved before routing."""
    wanted = frozenset(names)
    return Matcher(lambda c: c.command in wanted, f"command{sorted(wanted)}")


def payload(prefix: str) -> Matcher:
    """Matches a button payload ``prefix:...``."""
    head = prefix + ":"
    return Matcher(
        lambda c: c.payload is not None and c.payload.startswith(head), f"payload:{prefix}"
    )


def has_text() -> Matcher:
    return Matcher(lambda c: c.command is None and c.payload is None and bool(c.text), "text")


def has_args() -> Matcher:
    return Matcher(lambda c: bool(c.args), "args")


@dataclass(frozen=True, slots=True)
class Route:
    matcher: Matcher
    handler: Handler


class Router:
    """Ordered routes; the first match handles the event."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, matcher: Matcher, handler: Handler) -> None:
        self.routes.append(Route(matcher, handler))

    def on(self, matcher: Matcher) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(matcher, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        self.routes.extend(other.routes)

    def find(self, ctx: Context) -> Handler | None:
        for route in self.routes:
            if route.matcher(ctx):
                return route.handler
        return None
