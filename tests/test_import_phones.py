"""An import reads each phone number with one ``number_type`` call instead of
``is_valid_number`` and then ``number_type`` (handlers/imports/phones.py): the answers must
stay those of the two calls, for every region's kinds of numbers, valid or not."""

from __future__ import annotations

import phonenumbers

from handlers.imports.phones import PhoneReader, read_number

MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def two_calls(text: str, region: str) -> tuple[str, bool] | None:
    """What the import did before: validate, then ask the type."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.number_type(number) in MOBILE


def samples() -> list[tuple[str, str]]:
    """Every region's example number of every kind, as written at home and abroad, and
    each with a digit too many and too few."""
    found: list[tuple[str, str]] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            national = phonenumbers.national_significant_number(example)
            international = phonenumbers.format_number(
                example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            for text in (national, international, national + "5", national[:-1]):
                found += [(text, region), (text, "CN")]
    return found


def test_one_type_call_answers_as_the_two_did() -> None:
    cases = samples()
    assert len(cases) > 2000
    for text, region in cases:
        assert read_number(text, region) == two_calls(text, region), (text, region)


def test_a_cell_of_several_numbers_and_words() -> None:
    reader = PhoneReader("CN")
    good, bad = reader.read("13800138000 / 010-6512 3456、call me")
    assert good == [("+8613800138000", True), ("+861065123456", False)]
    assert bad == ["call me"]
    assert reader.read("13800138000 / 010-6512 3456、call me") == (good, bad)  # remembered
