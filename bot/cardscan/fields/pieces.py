"""The pieces a card is read in: what the first pass leaves over (:class:`_Candidate`),
what it takes off the card (:class:`_Found`), and a run of one script (:class:`_Run`) that
the classifiers place as a name, title, company or address."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.cardscan.fields.text import has_cjk


@dataclass
class _Candidate:
    """Leftover text from a line, to be classified as name, title, company or address."""

    text: str
    line: int
    height: float
    labelled_address: bool = False


@dataclass
class _Found:
    mobile: list[str]
    phone: list[str]
    fax: list[str]
    email: list[str]
    websites: list[str]
    wechat: list[str]
    candidates: list[_Candidate]
    web_labelled: set[str] = field(default_factory=set)  # web addresses after a web label


@dataclass
class _Run:
    text: str
    cjk: bool
    line: int
    height: float


def _whole(cand: _Candidate) -> _Run:
    return _Run(cand.text, has_cjk(cand.text), cand.line, cand.height)
