"""A trading name printed as a plain line, recognised by the card's own domain
("harbour tea house" ~ harbourtea.com)."""

from __future__ import annotations

import re

from bot.cardscan.fields.kinds import _kind
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.model import CardFields


def _brand_line(runs: list[_Run], cards: CardFields) -> _Run | None:
    """The trading name printed as a plain line ("harbour tea house", "Copper & Pine"):
    the line whose letters spell the card's web or e-mail domain (harbourtea.com ~
    "harbour tea house"), else a lower-case line at the very top of a card with no
    company word. A handle ("@harbourtea") is never one."""
    stems = _domain_stems(cards)
    fit = sorted(
        (r for r in runs if not r.cjk and _brand_shaped(r.text)),
        key=lambda r: r.line,
    )
    for run in fit:
        letters = _letters(run.text)
        if any(_spells(stem, letters) for stem in stems):
            return run
    top = min((r.line for r in runs), default=None)
    for run in fit:
        if run.line == top and run.text.islower() and not any(_kind(r) == "company" for r in runs):
            return run
    return None


def _brand_shaped(text: str) -> bool:
    """One to six words of letters, no digits and no handle."""
    if any(ch.isdigit() for ch in text) or "@" in text:
        return False
    return 1 <= len(text.split()) <= 6 and sum(ch.isalpha() for ch in text) >= 4


#: The labels of a domain that say nothing of the firm ("www.", "co.uk", "com.sg").
_GENERIC_LABELS = frozenset({"www", "co", "com", "org", "net", "edu", "gov", "ac", "ltd", "plc"})


def _domain_stems(cards: CardFields) -> list[str]:
    hosts = [email.rsplit("@", 1)[-1] for email in cards.email]
    if cards.website:
        hosts.append(re.sub(r"^[a-z]+://", "", cards.website.lower()).split("/")[0])
    stems: list[str] = []
    for host in hosts:
        labels = [label for label in host.lower().split(".")[:-1] if label not in _GENERIC_LABELS]
        stems.extend(_letters(label) for label in labels if len(_letters(label)) >= 4)
    return stems


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold().replace("&", "and"))


def _spells(stem: str, letters: str) -> bool:
    """Whether a domain's name and a line's letters spell the same firm: one reads in the
    other in order, both begin alike, and the shorter is not a mere fragment."""
    short, long = sorted((stem, letters), key=len)
    if len(short) < 4 or short[:3] != long[:3] or len(short) < 0.45 * len(long):
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)
