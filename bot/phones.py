"""Phone numbers for display: international format a phone can dial with one tap."""

from __future__ import annotations

import phonenumbers


def display_phone(value: str, region: str = "CN") -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(value: str) -> str:
    """``+86 138 0013 8000`` -> ``138****8000``: enough to recognise, not to dial."""
    digits = "".join(c for c in value if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
