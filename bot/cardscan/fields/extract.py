"""The first pass and the entry point: each line normalised, cut at its labels, its
numbers, e-mails and web addresses taken, and what is left handed to :mod:`.classify`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.cardscan.fields.classify import _classify
from bot.cardscan.fields.contacts import (
    _DOTTED_E_RE,
    _EMAIL_RE,
    _LOOSE_EMAIL_RE,
    _URL_RE,
    _WECHAT_ID_RE,
    _pick_website,
    _take_emails,
    _take_urls,
    _undot,
    _web_address,
    agreeing_wechat,
)
from bot.cardscan.fields.labels import _WORD_BEFORE_NUMBER_RE, _segments
from bot.cardscan.fields.names import _is_cjk_name, _is_latin_name
from bot.cardscan.fields.phones import DEFAULT_REGION, _take_phones
from bot.cardscan.fields.pieces import _Candidate, _Found
from bot.cardscan.fields.regulatory import _without_regulatory
from bot.cardscan.fields.text import _SEPARATORS, _unique, normalise_text
from bot.cardscan.model import CardFields, OcrLine


def extract_fields(lines: Sequence[OcrLine], region: str = DEFAULT_REGION) -> CardFields:
    """The contact fields printed on a card, from its lines in reading order."""
    found = _Found([], [], [], [], [], [], [])
    dotted: list[str] = []  # "e.brookesmith@…": a label "e." or the address itself?
    for index, line in enumerate(lines):
        text = _without_regulatory(normalise_text(line.text))
        if not text:
            continue
        if _DOTTED_E_RE.match(text):
            dotted.append(text.split()[0].lower())
        for kind, segment in _segments(text):
            _take_segment(found, kind, segment, index, line.height, region)
    cards = CardFields(
        mobile=_unique(found.mobile),
        phone=_unique(p for p in found.phone if p not in found.mobile),
        fax=_unique(found.fax),
        email=_unique(found.email),
        website=_pick_website(found.websites, found.email, found.web_labelled),
        wechat=agreeing_wechat(found.wechat[0], found.email) if found.wechat else None,
    )
    _classify(cards, found.candidates)
    cards.email = [_undot(email, dotted, cards.name) for email in cards.email]
    return cards


def _take_segment(
    found: _Found, kind: str | None, text: str, line: int, height: float, region: str
) -> None:
    text = text.strip(_SEPARATORS)
    if not text:
        return
    if kind == "social":
        # The handle, up to the first space; whatever follows is read as usual.
        text = re.sub(r"^@?\S+", "", text)
        kind = None
    if kind == "ignore":
        # A QQ number or a postcode: consume the digits, keep whatever follows.
        text = re.sub(r"^[\d\s\-]+", "", text)
        kind = None
    if kind == "phone+fax":
        before = len(found.phone)
        text = _take_phones(found, text, region, "phone")
        found.fax.extend(found.phone[before:])
    elif kind in {"mobile", "phone", "fax", "number"}:
        text = _take_phones(found, text, region, kind)
    elif kind == "wechat":
        match = _WECHAT_ID_RE.search(text)
        if match is not None:
            found.wechat.append(match.group(0).replace(" ", ""))
            text = text[: match.start()] + " " + text[match.end() :]
    elif kind == "address":
        text = _take_emails(found, text)
        found.candidates.append(_Candidate(text.strip(_SEPARATORS), line, height, True))
        return
    elif kind == "email" and "@" in text and not _EMAIL_RE.search(text):
        loose = re.sub(r"\s+", "", text).replace(",", ".")
        if _LOOSE_EMAIL_RE.fullmatch(loose):
            found.email.append(loose.lower())
            return
    # Whatever the label, values with a shape of their own are taken where they are.
    # A line that is nothing but a domain is the card's web address, even with no label
    # and no www ("lumenorchard.com" under "dana@lumenorchard.com").
    whole = _URL_RE.fullmatch(text)
    alone = kind is None and whole is not None and _web_address(whole.group(0))
    text = _take_emails(found, text)
    text = _take_urls(found, text, labelled=kind == "website" or alone)
    if kind is None:
        labelled = _WORD_BEFORE_NUMBER_RE.fullmatch(text)
        if labelled is not None and not _is_name_shaped(
            labelled.group("word"), labelled.group("cjk")
        ):
            number = labelled.group("number")
            left = _take_phones(found, number, region, "number", lenient=False)
            if left.strip(_SEPARATORS) != number.strip(_SEPARATORS):
                return  # the number was read; the word was its label
        text = _take_phones(found, text, region, None)
    text = text.strip(_SEPARATORS)
    if text:
        found.candidates.append(_Candidate(text, line, height))


def _is_name_shaped(word: str | None, cjk: str | None) -> bool:
    """A person's name beside their number on one row ("Wei Zhang 138 0013 8000", "张伟
    138…") is no label."""
    if cjk is not None:
        return _is_cjk_name(cjk)
    return word is not None and " " in word and _is_latin_name(word)
