"""Is this a web address's ending? Top-level domains from the Public Suffix List.

New top-level domains keep arriving (``.wales``, ``.design``, ``.studio``, ``.coffee``): a
hand-written list of endings misses the next one and a card's website is lost. The
``publicsuffixlist`` package (the ``ocr`` extra) bundles the Public Suffix List, is
released whenever the list changes and reads it offline, so the reader knows every
delegated TLD without a network call. Only the ICANN section is used: the private one
names hosting services, not endings a business prints.

Without the package (typed text on a server without the ``ocr`` extra) the commonest
endings below are accepted, so a card's ``.com`` is still a website.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

#: What is accepted when the Public Suffix List is not installed.
FALLBACK_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "info",
        "biz",
        "io",
        "co",
        "ai",
        "app",
        "dev",
        "me",
        "tv",
        "cc",
        "xyz",
        "top",
        "online",
        "site",
        "shop",
        "store",
        "cn",
        "hk",
        "tw",
        "mo",
        "sg",
        "my",
        "jp",
        "kr",
        "uk",
        "us",
        "eu",
        "de",
        "fr",
        "nl",
        "it",
        "es",
        "ch",
        "au",
        "nz",
        "ca",
        "in",
        "asia",
        "global",
    ]
)


@functools.cache
def _lookup() -> Callable[[str], bool]:
    """A test for one top-level label, built once per process (reading the list takes
    about 0.1 s)."""
    try:
        from publicsuffixlist import PublicSuffixList
    except ImportError:
        return FALLBACK_TLDS.__contains__
    psl = PublicSuffixList(only_icann=True)

    def known(label: str) -> bool:
        return psl.publicsuffix(f"x.{label}", accept_unknown=False) == label

    return known


@functools.lru_cache(maxsize=4096)
def is_tld(label: str) -> bool:
    """Whether ``label`` (``"wales"``, ``"com"``) is a delegated top-level domain."""
    label = label.casefold()
    return bool(label) and label.isascii() and _lookup()(label)


def load() -> None:
    """Read the list now (the scanner does at start, so the first card doesn't)."""
    _lookup()


__all__ = ["FALLBACK_TLDS", "is_tld", "load"]
