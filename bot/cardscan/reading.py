"""From one reading of a card (its lines, and any QR text) to fields, with the card's region
and script decided first: the step :class:`~bot.cardscan.scanner.CardScanner` runs on each
OCR pass, and what the review runs again when the rep says the numbers are another country's.

Order matters: the script is decided on all the text (so a lone traditional slip doesn't
make a card traditional), the region from everything printed including the QR code (a
``+1`` there tells how to read ``617.555.0142`` on the front), the fields in that region,
and only then are a simplified card's fields normalised to simplified characters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import phonenumbers
from phonenumbers import PhoneNumberType

from bot.cardscan.fields import extract_fields, has_cjk
from bot.cardscan.fields.contacts import agreeing_wechat
from bot.cardscan.model import CardFields, OcrLine
from bot.cardscan.region import infer_region
from bot.cardscan.script import Script, card_script, to_simplified, traditional_slips

#: Fields whose characters are normalised on a simplified card.
TEXT_FIELDS = ("name", "title", "company", "address")


@dataclass(frozen=True)
class Reading:
    fields: CardFields
    region: str  # ISO 3166 code the numbers printed without + were read in
    region_from_card: bool  # False: nothing on the card told, the rep's default was used
    script: Script


def read_lines(
    lines: Sequence[OcrLine],
    default_region: str,
    *,
    extra_texts: Sequence[str] = (),
    region: str | None = None,
) -> Reading:
    """Fields from ``lines``; ``region`` forces the numbers' region (the rep chose it),
    otherwise it is inferred from the card and ``extra_texts`` (QR codes)."""
    texts = [line.text for line in lines]
    script = card_script(texts)
    if region is None:
        guess = infer_region(
            [*texts, *extra_texts], default_region, traditional=script == "traditional"
        )
        region, from_card = guess.region, guess.from_card
    else:
        from_card = False
    fields = extract_fields(lines, region)
    if script == "simplified":
        fields = simplified(fields)
    elif script == "traditional" and fields.name:
        # Only the name: 台 and 恒 are simplified-only to OpenCC but printed in Taiwanese
        # and Hong Kong companies and addresses; a person's name is where OCR's slip shows.
        fields = replace(fields, name=traditional_slips(fields.name))
    return Reading(fields, region, from_card, script)


def simplified(fields: CardFields) -> CardFields:
    """The text fields in simplified characters (an OCR slip such as 張 in 張伟)."""

    def convert(value: str | None) -> str | None:
        return to_simplified(value) if value else value

    return replace(
        fields,
        name=convert(fields.name),
        title=convert(fields.title),
        company=convert(fields.company),
        address=convert(fields.address),
    )


def merge_qr(qr: CardFields, ocr: CardFields) -> CardFields:
    """The QR code's fields over OCR's (:meth:`CardFields.merged_over`: the QR wins where
    both have a field, OCR fills what the QR lacks), and a number or address the QR files
    in one list is not left by OCR in another (a US number OCR called an office phone that
    the QR says is the mobile)."""
    merged = qr.merged_over(ocr)
    for name in TEXT_FIELDS:
        printed, coded = getattr(ocr, name), getattr(qr, name)
        if printed and coded and has_cjk(printed) and not has_cjk(coded):
            # A bilingual card's QR in English is a translation, not a correction: keep
            # the Chinese form, as everywhere else on a bilingual card.
            setattr(merged, name, printed)
    if ocr.title and qr.title and _extends(ocr.title, qr.title):
        # "Senior Lecturer" in the QR, "Senior Lecturer, School of Law" printed: the
        # printed title carries the department the QR left out.
        merged.title = ocr.title
    if ocr.address and qr.address and same_address(ocr.address, qr.address):
        merged.address = ocr.address
    if ocr.name and qr.name and not has_cjk(ocr.name + qr.name):
        merged.name = in_printed_order(ocr.name, qr.name)
    if merged.wechat and not qr.wechat:
        merged.wechat = agreeing_wechat(merged.wechat, merged.email)
    numbers = set(qr.mobile + qr.phone + qr.fax)
    for name in ("mobile", "phone", "fax"):
        if not getattr(qr, name):
            setattr(merged, name, [n for n in getattr(merged, name) if n not in numbers])
    # An untyped QR number (MeCard's TEL) that could be either is filed by its own type,
    # which for a US number says nothing; the printed "Cell" label knows better.
    label_knows = [n for n in ocr.mobile if n in merged.phone and _either(n)]
    if label_knows:
        merged.phone = [n for n in merged.phone if n not in label_knows]
        merged.mobile = list(dict.fromkeys([*merged.mobile, *label_knows]))
    return merged


def _extends(printed: str, coded: str) -> bool:
    """Whether the printed text is the coded one with more after it (", School of Law")."""
    short = " ".join(coded.split()).casefold()
    long = " ".join(printed.split()).casefold()
    return len(long) > len(short) and long.startswith(short) and long[len(short)] in ", -–/|"


#: Country names a QR address adds that a card does not print beside its address.
_COUNTRIES = re.compile(
    r"(?<![a-z])(?:usa|u\.s\.a\.?|united states(?: of america)?|us|uk|u\.k\.|united kingdom|"
    r"great britain|england|scotland|wales|hong kong(?: sar)?|hk|singapore|"
    r"taiwan(?: \(?r\.o\.c\.?\)?)?|roc|china|p\.?r\.? ?china|prc|malaysia|macau|macao)(?![a-z])"
    r"|中华人民共和国|中國|中国|香港特别行政区|香港特別行政區|香港|台湾|臺灣|台灣|新加坡|澳门|澳門",
    re.IGNORECASE,
)


def _address_tokens(text: str) -> Counter[str]:
    """An address as a bag of words (Latin) and characters (CJK), case and punctuation
    aside, so two orderings of the same parts compare equal."""
    folded = _COUNTRIES.sub(" ", text).casefold()
    tokens = re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", folded)
    return Counter(tokens)


def in_printed_order(printed: str, coded: str) -> str:
    """The QR's name in the order the card prints it. A vCard's N (Family;Given) or a
    MeCard's (N:Family,Given) is put together given name first, while a Singaporean or
    Malaysian card prints "Goh Siew Ling", family name first: when the QR's last word
    (the family name) is printed before its first, or opens the printed name (an OCR slip
    in the given name aside), it goes first. The words stay the QR's."""
    words = coded.split()
    if len(words) < 2:
        return coded
    seen = [re.sub(r"[^\w/]", "", word).casefold() for word in printed.split()]
    family, given = words[-1].casefold(), words[0].casefold()
    if family not in seen or family == given:
        return coded
    at = seen.index(family)
    if (given in seen and at < seen.index(given)) or (given not in seen and at <= 1):
        return " ".join([words[-1], *words[:-1]])
    return coded


#: A mainland postcode in a QR address, with or without its label ("邮编 310000").
_CJK_POSTCODE_RE = re.compile(r"(?:邮编|郵編|邮政编码|郵遞區號)?\s*[:：]?\s*(?<!\d)\d{6}(?!\d)")
#: Provinces, cities and regions a QR address names before the part a card prints
#: ("云南省昆明市…" for a card that prints "昆明市…").
_CJK_DIVISIONS_RE = re.compile(
    r"(?:[\u4e00-\u9fff]{2,7}?(?:省|市|自治区|自治區|特别行政区|特別行政區))*"
)


def _cjk_tail(printed: str, coded: str) -> bool:
    """Is the printed Chinese address the QR's, less its country, postcode and leading
    divisions ("中国650021云南省昆明市五华区青年路389号" ~ "昆明市五华区青年路389号")?"""
    if not has_cjk(printed) or not has_cjk(coded):
        return False

    def bare(text: str) -> str:
        text = _CJK_POSTCODE_RE.sub("", _COUNTRIES.sub("", text))
        return re.sub(r"[\s,，、]", "", text)

    short, long = bare(printed), bare(coded)
    if not short or not long.endswith(short):
        return False
    return _CJK_DIVISIONS_RE.fullmatch(long[: -len(short)]) is not None


def same_address(printed: str, coded: str) -> bool:
    """Does the QR code's address say nothing the printed one does not? A vCard's ADR is
    reassembled from parts (street, city, code, country) in an order and with a country
    the card may not print ("…, MA, 02109, USA"; "中国湖北省…"), while the printed line
    is the form the person gave; when every word of the code's address (its country
    aside) is on the card, the printed form is kept. Where they differ (an OCR slip),
    the QR's wins as everywhere else."""
    want = _address_tokens(coded)
    if want and not (want - _address_tokens(printed)):
        return True
    # A Chinese QR address may also add the province and the postcode the card leaves out.
    return _cjk_tail(printed, coded)


def _either(e164: str) -> bool:
    """Can't tell a mobile from an office line by the number alone (US, Canada, …)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE_OR_MOBILE


def reread_numbers(
    texts: Sequence[str], region: str, qr: CardFields | None, into: CardFields
) -> CardFields:
    """``into`` with its mobile, phone and fax read again from the card's lines in
    ``region`` (the rep said the numbers are that country's); the QR code's numbers still
    win. Every other field is left as the rep has it."""
    again = read_lines([OcrLine(text) for text in texts], region, region=region).fields
    numbers = CardFields(mobile=again.mobile, phone=again.phone, fax=again.fax)
    if qr is not None:
        only_numbers = CardFields(mobile=qr.mobile, phone=qr.phone, fax=qr.fax)
        numbers = merge_qr(only_numbers, numbers)
    return replace(into, mobile=numbers.mobile, phone=numbers.phone, fax=numbers.fax)


__all__ = [
    "TEXT_FIELDS",
    "Reading",
    "in_printed_order",
    "merge_qr",
    "read_lines",
    "reread_numbers",
    "same_address",
    "simplified",
]
