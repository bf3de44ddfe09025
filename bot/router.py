"""Routes: a matcher (composable with ``&``, ``|``, ``~``) and the handler it selects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import Context
from bot.payloads import Action

Handler = Callable[[Context], Awaitable[None]]


class Matcher:
    """``actions``: the button actions this matcher can select (the bot's codec is built
    from those of all its routes)."""

    def __init__(
        self,
        test: Callable[[Context], bool],
        label: str,
        actions: frozenset[type[Action]] = frozenset(),
    ) -> None:
        self._test = test
        self.label = label
        self.actions = actions

    def __call__(self, ctx: Context) -> bool:
        return self._test(ctx)

    def __and__(self, other: Matcher) -> Matcher:
        return Matcher(
            lambda c: self(c) and other(c),
            f"({self.label} & {other.label})",
            self.actions | other.actions,
        )

    def __or__(self, other: Matcher) -> Matcher:
        return Matcher(
            lambda c: self(c) or other(c),
            f"({self.label} | {other.label})",
            self.actions | other.actions,
        )

    def __invert__(self) -> Matcher:
        return Matcher(lambda c: not self(c), f"~{self.label}")


def command(*names: str) -> Matcher:
    """Matches a canonical command name; aliases (``/帮助``) are resolved before routing."""
    wanted = frozenset(names)
    return Matcher(lambda c: c.command in wanted, f"command{sorted(wanted)}")


def action(*kinds: type[Action]) -> Matcher:
    """Matches a pressed button whose payload decoded to one of ``kinds``; the handler
    reads it with ``ctx.pressed(Kind)``."""
    names = ",".join(k.__name__ for k in kinds)
    return Matcher(lambda c: isinstance(c.action, kinds), f"action[{names}]", frozenset(kinds))


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

    def actions(self) -> frozenset[type[Action]]:
        """Every button action some route of this router selects."""
        return frozenset(kind for route in self.routes for kind in route.matcher.actions)

    def find(self, ctx: Context) -> Handler | None:
        for route in self.routes:
            if route.matcher(ctx):
                return route.handler
        return None
