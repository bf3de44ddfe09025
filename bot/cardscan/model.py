"""What a business card scan produces: the fields of a contact and the lines they came from.

Plain dataclasses with no dependency on OCR, Pillow or the database, so field extraction
can be tested on typed text and the chat flow can keep a scan as JSON in its state row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

Source = Literal["ocr", "qr", "ocr+qr", "contact"]
"""Where the fields came from; ``contact``: a contact shared in the chat (no photo)."""

#: Scalar fields (one value) and list fields (several phone numbers or emails), in the
#: order a person reads them on a card and in the ``crmbot card --json`` output.
SCALAR_FIELDS = ("name", "title", "company", "website", "address", "wechat")
LIST_FIELDS = ("mobile", "phone", "fax", "email")
FIELD_ORDER = (
    "name",
    "title",
    "company",
    "mobile",
    "phone",
    "fax",
    "email",
    "website",
    "address",
    "wechat",
)


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised line of text, placed in the card's upright frame.

    ``x`` is the left edge and ``y`` the vertical centre after undoing the card's rotation
    (so lines sort top to bottom, left to right whatever way the photo was taken);
    ``height`` is the text height in pixels, the best hint for which line is the name;
    ``width`` its length along the line.
    """

    text: str
    score: float = 1.0
    x: float = 0.0
    y: float = 0.0
    height: float = 20.0
    width: float = 0.0


@dataclass(slots=True)
class CardFields:
    """The contact fields read from one card; phones are E.164, emails lowercase."""

    name: str | None = None
    title: str | None = None
    company: str | None = None
    mobile: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    fax: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    wechat: str | None = None

    def filled(self) -> list[str]:
        """Names of the fields that hold something."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def is_empty(self) -> bool:
        return not self.filled()

    def to_json(self) -> dict[str, Any]:
        return {name: _copy(getattr(self, name)) for name in FIELD_ORDER}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardFields:
        values: dict[str, Any] = {}
        for name in SCALAR_FIELDS:
            value = data.get(name)
            values[name] = str(value) if value else None
        for name in LIST_FIELDS:
            raw = data.get(name) or []
            values[name] = [str(v) for v in raw if v]
        return cls(**values)

    def merged_over(self, base: CardFields) -> CardFields:
        """``self`` wins wherever it has a value; ``base`` fills the rest.

        Used with a QR code's fields over OCR's: the QR carries the exact text, so where
        the two disagree the QR is right. A list is taken whole from one side, never mixed,
        so a misread digit in OCR cannot add a wrong second number beside the QR's.
        """
        values = {name: getattr(self, name) or getattr(base, name) for name in FIELD_ORDER}
        return replace(base, **{k: _copy(v) for k, v in values.items()})


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


__all__ = ["FIELD_ORDER", "LIST_FIELDS", "SCALAR_FIELDS", "CardFields", "OcrLine", "Source"]
