"""QR codes on cards: find them with zxing-cpp, read vCards (2.1, 3.0, 4.0) and MeCards.

A QR code carries the contact as exact text, so where it and OCR disagree the QR wins
(:meth:`~bot.cardscan.model.CardFields.merged_over`). zxing-cpp is a compiled wheel with
no system library; ``vobject`` parses vCards, including 2.1's quoted-printable and bare
``TEL;CELL`` parameters. MeCard (``MECARD:N:Zhang,Wei;TEL:…;;``, common on Chinese and
Japanese cards) has no parser worth a dependency, so it is read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import vobject  # type: ignore[import-untyped]
import zxingcpp
from phonenumbers import PhoneNumberType
from PIL import Image, ImageFilter

from bot.cardscan.fields import (
    DEFAULT_REGION,
    has_cjk,
    normalise_text,
    parse_phone,
    phone_numbers,
)
from bot.cardscan.model import CardFields
from bot.safe_text import strip_controls

MAX_QR_TEXT = 4096
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode_qr_texts(image: Image.Image) -> list[str]:
    """The text of every QR code zxing-cpp finds in the photo.

    A dense vCard code printed small has modules of a few pixels, which a slightly blurred
    photo smears together; when nothing decodes, a sharpened copy is tried (it recovered
    every such code of the generated card set, for a few milliseconds).
    """
    gray = image.convert("L")
    for attempt in (gray, gray.filter(ImageFilter.UnsharpMask(2, 200, 0))):
        # Plain: the code's own text. The default (HRI) spells a control character out
        # ("<ESC>"), which would leave an escape sequence's parameters in a contact's name;
        # contact_from_qr drops controls whole instead.
        found = zxingcpp.read_barcodes(attempt, formats=QR_ONLY, text_mode=zxingcpp.TextMode.Plain)
        texts = [barcode.text for barcode in found if barcode.valid and barcode.text]
        if texts:
            return texts
    return []


def contact_from_qr(texts: Iterable[str], region: str = DEFAULT_REGION) -> CardFields | None:
    """The first QR text that is a contact (vCard or MeCard), as fields; None if none is."""
    for text in texts:
        # A QR code is text from a stranger: no terminal control or bidi override is kept.
        text = strip_controls(text.strip()[:MAX_QR_TEXT])
        head = text[:16].upper()
        fields: CardFields | None = None
        if head.startswith("BEGIN:VCARD"):
            fields = parse_vcard(text, region)
        elif head.startswith("MECARD:"):
            fields = parse_mecard(text, region)
        if fields is not None and not fields.is_empty():
            return fields
    return None


# --------------------------------------------------------------------------- vCard


def parse_vcard(text: str, region: str = DEFAULT_REGION) -> CardFields | None:
    """A vCard of any version as fields, or None when it does not parse."""
    try:
        card = vobject.readOne(text)
    except Exception:  # vobject raises a zoo of errors on malformed input
        return None
    contents: dict[str, list[object]] = card.contents
    fields = CardFields()
    fields.name = _vcard_name(contents)
    fields.company = _clean(_organisation(_first(contents, "org")))
    fields.title = _clean(_first(contents, "title"))
    for prop in contents.get("tel", []):
        value = str(getattr(prop, "value", "")).removeprefix("tel:")
        kinds = _types(prop)
        _add_phone(
            fields,
            value,
            region,
            fax="fax" in kinds,
            cell=bool(kinds & {"cell", "mobile", "iphone"}),
            work=bool(kinds & {"work", "voice", "main"}),
        )
    for prop in contents.get("email", []):
        email = str(getattr(prop, "value", "")).removeprefix("mailto:").strip().lower()
        if "@" in email and email not in fields.email:
            fields.email.append(email)
    url = _clean(_first(contents, "url"))
    fields.website = _website(url) if url else None
    fields.address = _vcard_address(contents)
    for key in ("x-wechat", "x-weixin"):
        fields.wechat = fields.wechat or _clean(_first(contents, key))
    for prop in contents.get("impp", []):
        value = str(getattr(prop, "value", ""))
        if value.lower().startswith(("weixin:", "wechat:")) and not fields.wechat:
            fields.wechat = value.split(":", 1)[1].strip() or None
    return fields


def _organisation(value: object) -> object:
    """ORG's first component (the organisation; a department may follow after ``;``).
    vobject also splits 3.0 / 4.0 values at unescaped commas, which "Co., Ltd." is full
    of: those pieces are joined back."""
    if not isinstance(value, list):
        return value
    first = value[0] if value else ""
    if isinstance(first, list):
        return ", ".join(str(part).strip() for part in first if str(part).strip())
    return first


def _first(contents: dict[str, list[object]], key: str) -> object:
    props = contents.get(key)
    return getattr(props[0], "value", None) if props else None


def _types(prop: object) -> set[str]:
    """TYPE values of a property, whichever way the vCard version spells them."""
    params: dict[str, list[str]] = getattr(prop, "params", {})
    kinds = {
        kind.strip(' "').lower()
        for value in params.get("TYPE", [])
        for kind in str(value).split(",")
    }
    kinds |= {str(p).strip(' "').lower() for p in getattr(prop, "singletonparams", [])}
    return kinds


def _vcard_name(contents: dict[str, list[object]]) -> str | None:
    name = _clean(_first(contents, "fn"))
    if name:
        return _join_name(name.split(" ")) if has_cjk(name) else name
    n = _first(contents, "n")
    if n is None:
        return None
    family = _clean(getattr(n, "family", None)) or ""
    given = _clean(getattr(n, "given", None)) or ""
    return _join_name([family, given] if has_cjk(family + given) else [given, family])


def _vcard_address(contents: dict[str, list[object]]) -> str | None:
    label = _clean(_first(contents, "label"))
    adr = _first(contents, "adr")
    if adr is None:
        return label
    parts = [
        getattr(adr, key, "")
        for key in ("street", "extended", "box", "city", "region", "code", "country")
    ]
    # vCard 3.0 and 4.0 read an unescaped comma as a list separator: join lists back.
    parts = [_clean(", ".join(p) if isinstance(p, list) else p) or "" for p in parts]
    parts = [p for p in parts if p]
    if not parts:
        return label
    if has_cjk("".join(parts)):
        # Chinese addresses run from the country down: 中国上海市浦东新区…
        street, *rest = parts
        return "".join([*reversed(rest), street]) if rest else street
    return ", ".join(parts)


# --------------------------------------------------------------------------- MeCard


def parse_mecard(text: str, region: str = DEFAULT_REGION) -> CardFields | None:
    """``MECARD:N:Miller,David;TEL:…;EMAIL:…;URL:…;ADR:…;ORG:…;TITLE:…;;`` as fields."""
    body = text[len("MECARD:") :]
    fields = CardFields()
    for item in _split_unescaped(body, ";"):
        key, sep, value = item.partition(":")
        if not sep:
            continue
        key = key.strip().upper()
        value = _unescape(value).strip()
        if not value:
            continue
        if key == "N":
            parts = [p.strip() for p in _split_unescaped(value, ",")]
            family, given = ([*parts, ""])[:2]
            family, given = _unescape(family), _unescape(given)
            cjk = has_cjk(family + given)
            fields.name = _join_name([family, given] if cjk else [given, family])
        elif key == "TEL":
            _add_phone(fields, value, region, fax=False, cell=False, work=False)
        elif key == "EMAIL" and "@" in value:
            fields.email.append(value.lower())
        elif key == "URL":
            fields.website = _website(value)
        elif key == "ADR":
            parts = [_unescape(p).strip() for p in _split_unescaped(value, ",")]
            fields.address = ", ".join(p for p in parts if p) or None
        elif key == "ORG":
            fields.company = value
        elif key == "TITLE":
            fields.title = value
        elif key in {"WECHAT", "X-WECHAT", "WEIXIN"}:
            fields.wechat = value
    return fields


def _split_unescaped(text: str, separator: str) -> list[str]:
    """Split at ``separator`` not preceded by a backslash (MeCard escapes ``\\;`` ``\\:``)."""
    return re.split(rf"(?<!\\){re.escape(separator)}", text)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --------------------------------------------------------------------------- shared


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = normalise_text(str(value))
    return text or None


def _join_name(parts: list[str]) -> str | None:
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        return None
    joined = "".join(parts) if all(has_cjk(p) for p in parts) else " ".join(parts)
    return joined.replace(" ", "") if has_cjk(joined) else joined


def _website(url: str) -> str | None:
    value = url.strip().rstrip("/").lower()
    value = re.sub(r"^https?://", "", value)
    return value or None


def _add_phone(
    fields: CardFields, value: str, region: str, *, fax: bool, cell: bool, work: bool
) -> None:
    """File one TEL by its type: CELL is a mobile, FAX a fax, WORK / VOICE an office phone;
    untyped (MeCard), the number's own type decides. A number phonenumbers calls possible
    but not valid (a new range, a made-up one) is kept too: the code printed it."""
    found = phone_numbers(value, region)[:1]
    if not found:
        e164 = parse_phone(value, region)
        found = [(e164, int(PhoneNumberType.UNKNOWN))] if e164 else []
    for e164, kind in found:
        if fax:
            target = fields.fax
        elif cell or (kind == PhoneNumberType.MOBILE and not work):
            target = fields.mobile
        else:
            target = fields.phone
        if e164 not in target:
            target.append(e164)


__all__ = ["contact_from_qr", "decode_qr_texts", "parse_mecard", "parse_vcard"]
