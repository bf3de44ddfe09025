"""The parser's module-level regular expressions, each compiled when first used.

Why: ``crmbot parse`` and the console's first answer import the parser, whose modules hold
some three hundred patterns. Compiling them all was most of the import (about 80 of its
95 ms on a 2 vCPU AMD EPYC, BENCHMARKS.md "Start-up"), and one message uses a fraction of
them. A server compiles every one before it serves (:func:`compile_all`, called by
:func:`bot.nlu.message.warm_up`), so no user's message pays for one, and puts the compiled
pattern in the module in its place.

A :class:`LazyPattern` offers what the parser calls on a pattern. At the first call it
compiles the pattern and keeps the compiled pattern's own bound methods on itself, so
every later call goes straight to them: about 9 ns more a call than on a pattern (``timeit``,
a ``search`` through a module global). In a server, after the warm-up, there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, cast

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """``re.compile(source, flags)``, done at the first call of one of its methods."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self.pattern = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern; compiled now, if this is its first use."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self._flags)
            for name in _METHODS:  # what the class's methods below found: now found first
                setattr(self, name, getattr(self._compiled, name))
        return self._compiled

    def search(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().search(*args)

    def match(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().match(*args)

    def fullmatch(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().fullmatch(*args)

    def finditer(self, *args: Any) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(*args)

    def findall(self, *args: Any) -> list[Any]:
        return self.compiled().findall(*args)

    def sub(self, repl: str | Callable[[re.Match[str]], str], *args: Any) -> str:
        return self.compiled().sub(repl, *args)

    def subn(self, repl: str | Callable[[re.Match[str]], str], *args: Any) -> tuple[str, int]:
        return self.compiled().subn(repl, *args)

    def split(self, *args: Any) -> list[str | Any]:
        return self.compiled().split(*args)

    @property
    def flags(self) -> int:
        return self.compiled().flags

    @property
    def groups(self) -> int:
        return self.compiled().groups

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self.compiled().groupindex

    def __repr__(self) -> str:
        return f"lazy_pattern({self.pattern!r}, {self._flags!r})"


def lazy_pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern that compiles itself when first used; typed as the pattern it stands for,
    whose methods it answers."""
    return cast(re.Pattern[str], LazyPattern(source, flags))


def compile_all(*modules: ModuleType) -> int:
    """Compile every lazy pattern the modules hold at their top level, and put the compiled
    pattern in its place there, so that a server's every call goes to the pattern itself;
    how many were replaced."""
    found = 0
    for module in modules:
        for name, value in list(vars(module).items()):
            if isinstance(value, LazyPattern):
                setattr(module, name, value.compiled())
                found += 1
    return found
