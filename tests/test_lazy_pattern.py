"""The parser's module-level patterns are compiled when first used, and a server's warm-up
compiles every one of them first (issue 20: start-up without a slower message)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import bot.nlu
from bot.nlu.lazy import LazyPattern, lazy_pattern
from bot.nlu.message import warm_up

SOURCE = r"(?P<word>[a-z]+)-(\d+)"
TEXT = "see ab-12 and cd-345, then EF-6"


def test_a_lazy_pattern_answers_as_the_compiled_one_and_compiles_once() -> None:
    lazy = lazy_pattern(SOURCE, re.IGNORECASE)
    real = re.compile(SOURCE, re.IGNORECASE)
    assert isinstance(lazy, LazyPattern)
    assert not lazy.is_compiled
    assert lazy.pattern == SOURCE  # its text, without compiling it
    assert not lazy.is_compiled

    def spans(found: object) -> object:
        if isinstance(found, re.Match):
            return (found.span(), found.groups(), found.groupdict())
        return found

    assert spans(lazy.search(TEXT, 5)) == spans(real.search(TEXT, 5))
    assert lazy.is_compiled
    first = lazy.compiled()
    assert spans(lazy.match(TEXT, 4)) == spans(real.match(TEXT, 4))
    assert spans(lazy.fullmatch("ab-1")) == spans(real.fullmatch("ab-1"))
    assert [m.span() for m in lazy.finditer(TEXT)] == [m.span() for m in real.finditer(TEXT)]
    assert lazy.findall(TEXT) == real.findall(TEXT)
    assert lazy.sub(r"\2", TEXT) == real.sub(r"\2", TEXT)
    assert lazy.subn(lambda m: m["word"], TEXT, 1) == real.subn(lambda m: m["word"], TEXT, 1)
    assert lazy.split(TEXT) == real.split(TEXT)
    assert (lazy.flags, lazy.groups, dict(lazy.groupindex)) == (
        real.flags,
        real.groups,
        dict(real.groupindex),
    )
    assert lazy.compiled() is first  # compiled once


def test_a_lazy_pattern_first_used_through_any_method_compiles_itself() -> None:
    for call in (
        lambda p: p.match(TEXT),
        lambda p: p.fullmatch(TEXT),
        lambda p: list(p.finditer(TEXT)),
        lambda p: p.findall(TEXT),
        lambda p: p.sub("", TEXT),
        lambda p: p.subn("", TEXT),
        lambda p: p.split(TEXT),
        lambda p: p.groups,
    ):
        lazy = lazy_pattern(SOURCE)
        call(lazy)
        assert isinstance(lazy, LazyPattern)
        assert lazy.is_compiled


def test_a_servers_warm_up_compiles_every_lazy_pattern_of_the_parser() -> None:
    """Every module of ``bot.nlu``, so that a module given lazy patterns later and left out
    of the warm-up fails here instead of on a user's message; each module then holds the
    compiled patterns themselves, as if it had compiled them at its import."""
    modules = [
        importlib.import_module(f"bot.nlu.{info.name}")
        for info in pkgutil.iter_modules(bot.nlu.__path__)
    ]
    lazy = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, LazyPattern)
    }
    warm_up()
    # (none at all if an earlier test in this worker warmed the parser up already)
    assert len(lazy) > 250 or not lazy
    held = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
    }
    assert [name for name, value in held.items() if isinstance(value, LazyPattern)] == []
    for name, pattern in lazy.items():
        assert held[name] is pattern.compiled()


def test_a_card_workers_preload_compiles_the_post_nominals_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The card reader's one lazy pattern (50 ms to compile) is compiled by a worker's
    preload, before the first photo; the name reader's alias to it is that same pattern."""
    from bot.cardscan import scanner
    from bot.cardscan.fields import names, postnominals

    calls: list[None] = []
    real_compile_now = postnominals.compile_now
    monkeypatch.setattr(postnominals, "compile_now", lambda: calls.append(real_compile_now()))
    scanner.preload_models()
    assert len(calls) == 1
    assert isinstance(postnominals.POST_NOMINALS_RE, re.Pattern)
    alias = names._POST_NOMINALS_RE
    assert isinstance(alias, re.Pattern) or (isinstance(alias, LazyPattern) and alias.is_compiled)
    assert alias.search("Helen Ward KC")
