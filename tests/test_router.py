"""Routing asks only the routes that can select an event's kind (issue 20: a free-text
message tested every command and button route first), and the first match still wins."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from bot.payloads import Action
from bot.router import Handler, Matcher, Router, action, command, has_text


@dataclass(frozen=True)
class Press(Action):
    n: int = 0


def event(command=None, action=None, payload=None, text=""):
    return SimpleNamespace(command=command, action=action, payload=payload, text=text)


def handler(name: str) -> Handler:
    async def handle(ctx) -> None:
        return None

    handle.__name__ = name
    return handle


def test_the_first_route_that_matches_wins_whatever_kinds_are_skipped():
    asked: list[str] = []

    def counted(label: str, test) -> Matcher:
        def check(ctx) -> bool:
            asked.append(label)
            return bool(test(ctx))

        return Matcher(check, label)

    router = Router()
    handlers = {name: handler(name) for name in "abcdefg"}
    router.add(command("find"), handlers["a"])
    router.add(action(Press), handlers["b"])
    router.add(counted("any", lambda c: c.text == "hello"), handlers["c"])
    router.add(counted("long", lambda c: len(c.text) > 20) & has_text(), handlers["d"])
    router.add(command("help") | action(Press), handlers["e"])
    router.add(~command("find"), handlers["f"])
    router.add(has_text(), handlers["g"])

    assert router.find(event(command="find")) is handlers["a"]
    assert router.find(event(command="help")) is handlers["e"]
    assert router.find(event(action=Press(), payload="p")) is handlers["b"]
    assert router.find(event(text="hello")) is handlers["c"]
    assert router.find(event(text="a message longer than twenty")) is handlers["d"]
    assert router.find(event(text="short")) is handlers["f"]  # ~ matches any kind
    assert router.find(event(payload="stale")) is handlers["f"]
    asked.clear()
    assert router.find(event(command="help")) is handlers["e"]
    assert asked == ["any"]  # the free-text route's own test was not run for a command
    router.add(command("new"), handlers["a"], first=True)  # a route added later counts
    assert router.find(event(command="new")) is handlers["a"]
    assert router.routes[0].matcher.label == "command['new']"
