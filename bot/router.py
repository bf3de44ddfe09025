"""Routes: a matcher (composable with ``&``, ``|``, ``~``) and the handler it selects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.context import Context
from bot.events import is_free_text
from bot.payloads import Action

Handler = Callable[[Context], Awaitable[None]]


Kind = Literal["command", "action", "text"]
"""What an event carries, as routing sees it: a command, a pressed button that decoded,
free text."""


def kinds_of(ctx: Context) -> frozenset[Kind]:
    kinds: set[Kind] = set()
    if ctx.command is not None:
        kinds.add("command")
    if ctx.action is not None:
        kinds.add("action")
    if is_free_text(ctx.command, ctx.payload, ctx.text):
        kinds.add("text")
    return frozenset(kinds)


class Matcher:
    """``actions``: the button actions this matcher can select (the bot's codec is built
    from those of all its routes). ``needs``: the only kind of event it can select
    (``None``: any), so that routing skips it for the others without asking."""

    def __init__(
        self,
        test: Callable[[Context], bool],
        label: str,
        actions: frozenset[type[Action]] = frozenset(),
        needs: Kind | None = None,
    ) -> None:
        self._test = test
        self.label = label
        self.actions = actions
        self.needs = needs

    def __call__(self, ctx: Context) -> bool:
        return self._test(ctx)

    def __and__(self, other: Matcher) -> Matcher:
        return Matcher(
            lambda c: self(c) and other(c),
            f"({self.label} & {other.label})",
            self.actions | other.actions,
            self.needs or other.needs,
        )

    def __or__(self, other: Matcher) -> Matcher:
        return Matcher(
            lambda c: self(c) or other(c),
            f"({self.label} | {other.label})",
            self.actions | other.actions,
            self.needs if self.needs == other.needs else None,
        )

    def __invert__(self) -> Matcher:
        return Matcher(lambda c: not self(c), f"~{self.label}")


def command(*names: str) -> Matcher:
    """Matches a canonical command name; aliases (``/帮助``) are resolved before routing."""
    wanted = frozenset(names)
    return Matcher(lambda c: c.command in wanted, f"command{sorted(wanted)}", needs="command")


def action(*kinds: type[Action]) -> Matcher:
    """Matches a pressed button whose payload decoded to one of ``kinds``; the handler
    reads it with ``ctx.pressed(Kind)``."""
    names = ",".join(k.__name__ for k in kinds)
    return Matcher(
        lambda c: isinstance(c.action, kinds), f"action[{names}]", frozenset(kinds), "action"
    )


def has_text() -> Matcher:
    return Matcher(lambda c: is_free_text(c.command, c.payload, c.text), "text", needs="text")


def has_args() -> Matcher:
    return Matcher(lambda c: bool(c.args), "args")


@dataclass(frozen=True, slots=True)
class Route:
    matcher: Matcher
    handler: Handler


class Router:
    """Ordered routes; the first match handles the event."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._by_kind: dict[frozenset[Kind], list[Route]] = {}

    @property
    def routes(self) -> tuple[Route, ...]:
        """In order; changed only through :meth:`add` and :meth:`include`."""
        return tuple(self._routes)

    def add(self, matcher: Matcher, handler: Handler, *, first: bool = False) -> None:
        """After the routes so far, or (``first``) before them all."""
        route = Route(matcher, handler)
        if first:
            self._routes.insert(0, route)
        else:
            self._routes.append(route)
        self._by_kind.clear()

    def on(self, matcher: Matcher) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(matcher, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        self._routes.extend(other.routes)
        self._by_kind.clear()

    def actions(self) -> frozenset[type[Action]]:
        """Every button action some route of this router selects."""
        return frozenset(kind for route in self.routes for kind in route.matcher.actions)

    def find(self, ctx: Context) -> Handler | None:
        """The first route that selects the event, asking only the routes that can select
        its kind: a free-text message no longer tests every command and button first."""
        kinds = kinds_of(ctx)
        routes = self._by_kind.get(kinds)
        if routes is None:
            routes = [
                r for r in self._routes if r.matcher.needs is None or r.matcher.needs in kinds
            ]
            self._by_kind[kinds] = routes
        for route in routes:
            if route.matcher(ctx):
                return route.handler
        return None
