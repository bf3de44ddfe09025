"""The phone numbers in a spreadsheet cell, as E.164, read once per distinct number.

Planning an import reads every row's phone cells with ``phonenumbers`` (parse, validate,
type, format: about 0.1 ms a number, the largest part of planning 100,000 rows). Two
things keep that down without changing a result:

- the number's type is asked once: ``number_type`` returns ``UNKNOWN`` for an invalid
  number (its documented contract, and how ``is_valid_number`` itself decides), so it
  answers "valid?" and "mobile?" together, where ``is_valid_number`` and then
  ``number_type`` worked the type out twice;
- a :class:`PhoneReader` remembers what each distinct piece of text gave (a company's
  switchboard repeated on every row of its people is read once); it lives as long as one
  plan, so nothing is shared between imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

#: Several numbers in one cell: "138… / 010-…", "138…、139…", two or more spaces.
_PHONE_SPLIT = re.compile(r"\s*[/,;、，；\n]\s*|\s{2,}")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

Number = tuple[str, bool]
"""A number as E.164, and whether it is (or may be) a mobile."""


def read_number(text: str, region: str) -> Number | None:
    """One number as ``phonenumbers`` reads it in ``region``; None when it is not a valid
    number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:  # what is_valid_number says False to
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, kind in _MOBILE_TYPES


@dataclass
class PhoneReader:
    """Reads phone cells for one plan, remembering each distinct piece's answer."""

    region: str
    _seen: dict[str, Number | None] = field(default_factory=dict, init=False, repr=False)

    def read(self, text: str) -> tuple[list[Number], list[str]]:
        """The numbers in a cell's text, and the pieces that are not numbers."""
        good: list[Number] = []
        bad: list[str] = []
        for part in _PHONE_SPLIT.split(text):
            if not part:
                continue
            if part in self._seen:
                found = self._seen[part]
            else:
                found = self._seen[part] = read_number(part, self.region)
            if found is None:
                bad.append(part)
            else:
                good.append(found)
        return good, bad
