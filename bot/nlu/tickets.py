"""Is a message an after-sales problem ("星辰科技的打印机坏了，很急", "Acme's printer is
broken, urgent")? Which type and priority do its words say? Pure: text in, words out.

The words live in ``locales/keywords/tickets/<lang>.toml`` (all languages merged, as the
logging's keywords). "Not urgent" / 不急 are read before "urgent" / 急, longest phrase first.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from locales.catalog import CATALOG_DIR

WORDS_DIR = CATALOG_DIR / "keywords" / "tickets"
PRIORITY_ORDER = ("low", "urgent", "high")
"""Looked for in this order: a negated urgency (不急, not urgent) before the urgency itself."""


@dataclass(frozen=True)
class TicketWords:
    """``kind``: the type a problem word points to (``None``: no problem word)."""

    kind: str | None
    priority: str | None


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        body = r"\s+".join(re.escape(p) for p in word.split())
        if word[0].isascii() and word[0].isalnum():
            body = r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


@functools.cache
def _tables() -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    problem: dict[str, list[str]] = {}
    priority: dict[str, list[str]] = {}
    for path in sorted(WORDS_DIR.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        for kind, words in table.get("problem", {}).items():
            problem.setdefault(kind, []).extend(words)
        for level, words in table.get("priority", {}).items():
            priority.setdefault(level, []).extend(words)
    return (
        {k: _pattern(v) for k, v in problem.items()},
        {k: _pattern(v) for k, v in priority.items()},
    )


def read_priority(text: str) -> str | None:
    """The priority the words say (``urgent``, ``high``, ``low``), or ``None``."""
    _, priority = _tables()
    rest = text
    for level in PRIORITY_ORDER:
        pattern = priority.get(level)
        if pattern is not None and pattern.search(rest):
            return level
    return None


def read_ticket(text: str) -> TicketWords:
    problem, _ = _tables()
    kind = next((k for k, p in problem.items() if p.search(text)), None)
    return TicketWords(kind, read_priority(text))


@dataclass(frozen=True)
class CloseWords:
    """``asked``: the message says a ticket is done ("修好了 关了吧", "fixed, close it");
    ``number``: the ticket it names (``None``: by customer); ``about_ticket``: it says
    "ticket" (工单, 单子) or a number, so an answer is owed even when none is open."""

    asked: bool
    number: int | None
    about_ticket: bool


_NUMBER = re.compile(
    r"(?:#\s*|(?<![A-Za-z0-9])(?:ticket|case)\s*#?\s*|工单\s*#?\s*)(\d{1,9})"
    r"|(?<!\d)(\d{1,9})\s*号\s*(?:工单|单子|单)",  # "7号工单修好了"
    re.I,
)


@functools.cache
def _close_tables() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words: list[str] = []
    ticket: list[str] = []
    for path in sorted(WORDS_DIR.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("close", {})
        words += table.get("words", [])
        ticket += table.get("ticket", [])
    return _pattern(words), _pattern(ticket)


def read_close(text: str) -> CloseWords:
    words, ticket = _close_tables()
    found = _NUMBER.search(text)
    number = int(found.group(1) or found.group(2)) if found else None
    return CloseWords(
        bool(words.search(text)), number, number is not None or bool(ticket.search(text))
    )


@functools.cache
def _reminder_words() -> re.Pattern[str]:
    words: list[str] = []
    for path in sorted(WORDS_DIR.glob("*.toml")):
        words += (
            tomllib.loads(path.read_text(encoding="utf-8")).get("reminder", {}).get("words", [])
        )
    return _pattern(words)


def asks_for_reminder(text: str) -> bool:
    """ "remind me to check Acme's error report", "提醒我明天去看…": the task itself is asked
    for, so a fault in it does not make a ticket."""
    return _reminder_words().search(text) is not None
