"""A spreadsheet's bytes -> sheets of cell rows, with maintained readers only.

- ``.xlsx`` / ``.xlsm``: python-calamine (Rust; an order of magnitude faster than
  openpyxl's pure-Python read-only mode, which took half a minute for 100,000 rows); cells
  formatted as dates arrive as ``date`` / ``datetime``; a merged cell's value is in its
  first cell and the others are empty, which the header finder copes with
  (:mod:`handlers.imports.columns`).
- ``.csv`` / ``.txt``: the encoding is detected, not asked: a UTF-8 BOM, else UTF-8 if the
  bytes decode, else charset-normalizer's best guess among the Chinese encodings Excel writes
  (GB18030, a superset of GBK and GB2312), then the csv module with its sniffed dialect
  (comma, semicolon or tab).

python-calamine and charset-normalizer are imported when a file is read, not with the module: every
process that builds the bot (the slow-work processes too) imports this package, and they
start faster without them.

Legacy ``.xls`` is refused with a clear message: no maintained pure-Python reader of it fits
(xlrd 2 dropped everything but .xls and is unmaintained); "Save as .xlsx" is one click.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zipfile import BadZipFile

Cell = str | int | float | date | datetime | None

#: Encodings a CSV from a Chinese or Western spreadsheet comes in, beyond UTF-8.
CSV_ENCODINGS = ["gb18030", "big5", "cp1252", "latin-1"]


class UnreadableFile(Exception):
    """The file is not a spreadsheet we read; ``reason`` is a locale key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: Sequence[tuple[Cell, ...]]  # the file's rows, row 1 first, trailing blanks kept
    encoding: str | None = None  # CSV only: what the bytes were decoded as


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of the file, in order (a CSV is one sheet named after the file)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in {"xlsx", "xlsm"} or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if suffix == "xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile("xls")
    if suffix in {"csv", "txt", "tsv", ""}:
        return [_read_csv(data, filename)]
    raise UnreadableFile("format")


def _read_xlsx(data: bytes) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableFile("broken") from None
    try:
        return [
            Sheet(
                name,
                [
                    tuple(map(_cell, row))
                    for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                ],
            )
            for name in book.sheet_names
        ]
    except (CalamineError, BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableFile("broken") from None
    finally:
        book.close()


def _cell(value: object) -> Cell:
    """What calamine gives, as the cell types the importer reads: an empty cell is None,
    a whole number an int (Excel stores every number as a float: a phone typed as a number
    must not read as ``13800138000.0``), a bool, a time or a duration its text."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str | int | date) and not isinstance(value, bool):
        return value
    return str(value)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=CSV_ENCODINGS).best()
    encoding = best.encoding if best is not None else "gb18030"
    if encoding in {"gbk", "gb2312"}:
        encoding = "gb18030"  # the superset: a rare character in a GBK file still decodes
    return data.decode(encoding, errors="replace"), encoding


def _read_csv(data: bytes, filename: str) -> Sheet:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise UnreadableFile("format")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:20_000], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    rows = [tuple(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    return Sheet(filename.rsplit("/", 1)[-1] or "csv", rows, encoding)
