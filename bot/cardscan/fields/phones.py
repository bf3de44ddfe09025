"""Phone numbers: found and validated with ``phonenumbers`` in the card's region, filed
as mobile, phone or fax by their label and their own type; a number printed the North
American way stays +1 whatever the region (:mod:`bot.cardscan.region`)."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.cardscan.fields.pieces import _Found
from bot.cardscan.region import NANP_REGIONS, nanp_numbers

DEFAULT_REGION = "CN"


def phone_numbers(text: str, region: str = DEFAULT_REGION) -> list[tuple[str, int]]:
    """Valid phone numbers found in ``text``: (E.164, phonenumbers type), in order."""
    return [
        (phonenumbers.format_number(m.number, PhoneNumberFormat.E164), _type(m.number))
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID)
    ]


def _type(number: phonenumbers.PhoneNumber) -> int:
    return int(phonenumbers.number_type(number))


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """One phone number typed by a person (a correction) as E.164, or None if unreadable."""
    found = phone_numbers(text, region)
    if found:
        return found[0][0]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _take_phones(
    found: _Found, text: str, region: str, label: str | None, *, lenient: bool = True
) -> str:
    """Take the phone numbers out of ``text`` (filed by ``label`` and their type); what is
    left. Under a label a number phonenumbers calls possible but not valid is kept too
    (``lenient``): the label says it is one."""
    # "(852) 2391 6620", "M (86) 139 2874 6031": a country code in brackets, without its +.
    text = _BARE_CODE_RE.sub(r"+\1 ", text)
    text = _EMPTY_BRACKETS_RE.sub(" ", text)
    if region not in NANP_REGIONS:
        # "(617) 555-0142" on a card read as Chinese is still +1, never +86 617…
        for raw, e164 in nanp_numbers(text):
            _file_phone(found, e164, PhoneNumberType.FIXED_LINE_OR_MOBILE, label)
            text = text.replace(raw, " ", 1)
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID))
    if not matches and label is not None and lenient:
        matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE))
    for match in matches:
        digits = sum(ch.isdigit() for ch in match.raw_string)
        if label is None and digits < 7:
            continue
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        _file_phone(found, e164, _type(match.number), label)
        text = text.replace(match.raw_string, " ", 1)
    return text


#: A country code printed in brackets without the plus, before a number's first digit.
#: (Its opening bracket may have been stripped with the label: "M (86) 139…".)
_BARE_CODE_RE = re.compile(r"(?:(?<![\d+])\(|^)(44|65|852|853|886|86)\)\s?(?=[1-9])")


#: Brackets OCR emptied inside a number ("+44 ()141 496 0627": the trunk prefix's 0 was
#: lost); nothing was printed between them that a number needs.
_EMPTY_BRACKETS_RE = re.compile(r"(?<=\d)\s*\(\s*\)\s*(?=\d)")


def _file_phone(found: _Found, e164: str, kind: int, label: str | None) -> None:
    if label == "fax":
        found.fax.append(e164)
    elif kind == PhoneNumberType.MOBILE or (
        label == "mobile" and kind != PhoneNumberType.FIXED_LINE
    ):
        found.mobile.append(e164)
    else:
        found.phone.append(e164)
