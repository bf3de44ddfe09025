"""Spreadsheets for the import tests, written by openpyxl and the csv module as a clerk's
Excel or WPS would save them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    merge: Sequence[str] = (),
    sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
    date_format: str = "yyyy-mm-dd",
) -> Path:
    """A workbook whose first sheet holds ``rows`` (dates as real Excel dates), optionally
    a merged title row above the header and more sheets."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "客户"
    if title is not None:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    for cell_range in merge:
        sheet.merge_cells(cell_range)
    for row in sheet.iter_rows():
        for cell in row:
            if getattr(cell, "is_date", False):
                cell.number_format = date_format
    for name, extra in (sheets or {}).items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(list(row))
    book.save(path)
    return path


def csv_file(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path
