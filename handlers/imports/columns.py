"""Which column is what: spreadsheet headers in Chinese or English -> import fields.

The header row is found, not assumed: the first of the top ten rows where at least two
cells name a known field (a title row such as "客户名单 2026" above it, merged across the
columns, is passed over). A header cell left empty by a merge across two columns
("联系方式" over 手机 and 邮箱) is read from the row below when that row names fields.
Matching ignores case, spaces, punctuation and a trailing "(必填)" / "*" marker.
Columns that name no field are *unknown*: shown in the report and kept as notes or skipped.
``tier`` is the export's computed tier: recognised so a re-import reads past it (the rules
compute it; a file cannot set it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers.imports.read import Cell

#: Field -> the headers that mean it (compared after :func:`header_key`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "company": (
        "公司名称",
        "公司",
        "客户名称",
        "客户",
        "单位",
        "单位名称",
        "企业名称",
        "企业",
        "company",
        "company name",
        "customer",
        "customer name",
        "account",
        "account name",
        "organization",
    ),
    "contact": (
        "联系人",
        "姓名",
        "联系人姓名",
        "客户联系人",
        "名字",
        "contact",
        "contact name",
        "name",
        "full name",
        "person",
    ),
    "mobile": (
        "手机",
        "手机号",
        "手机号码",
        "移动电话",
        "mobile",
        "mobile phone",
        "cell",
        "cellphone",
    ),
    "phone": (
        "电话",
        "联系电话",
        "座机",
        "办公电话",
        "电话号码",
        "phone",
        "telephone",
        "tel",
        "office phone",
        "work phone",
        "phone number",
    ),
    "email": ("邮箱", "电子邮箱", "邮件", "电子邮件", "email", "e-mail", "mail", "email address"),
    "address": ("地址", "公司地址", "联系地址", "address", "street address"),
    "title": ("职位", "职务", "头衔", "title", "job title", "position", "role"),
    "owner": ("负责人", "销售", "业务员", "归属人", "owner", "sales rep", "account owner", "rep"),
    "tags": ("标签", "tags", "tag", "labels"),
    "tier": ("计算等级", "computed tier", "tier", "customer tier"),
    "industry": ("行业", "所属行业", "industry", "sector"),
    "source": ("来源", "客户来源", "线索来源", "source", "lead source"),
    "notes": ("备注", "说明", "描述", "notes", "note", "remarks", "comments", "description"),
    "city": ("城市", "所在城市", "city"),
    "website": ("网站", "网址", "官网", "website", "web", "url"),
    "wechat": ("微信", "微信号", "wechat", "wechat id", "weixin"),
    "deal": ("商机名称", "商机", "项目名称", "项目", "deal", "deal name", "opportunity"),
    "amount": ("金额", "商机金额", "预计金额", "合同金额", "amount", "deal amount", "value"),
    "currency": ("币种", "货币", "currency"),
    "stage": ("阶段", "销售阶段", "商机阶段", "stage", "deal stage"),
    "close_date": (
        "预计成交日期",
        "预计成交时间",
        "成交日期",
        "预计签约日期",
        "close date",
        "expected close",
        "expected close date",
        "closing date",
    ),
}
FIELDS: tuple[str, ...] = tuple(SYNONYMS)
READ_ONLY = frozenset({"tier"})
"""Recognised and read past, never written: not offered when a column is mapped by hand."""
MAPPABLE: tuple[str, ...] = tuple(f for f in FIELDS if f not in READ_ONLY)
HEADER_SCAN_ROWS = 10
_MARKERS = re.compile(r"[（(][^)）]*[)）]|[*＊]")


def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _MARKERS.sub("", text)
    return re.sub(r"[\s_\-:：./]+", " ", text).strip().casefold()


_LOOKUP: dict[str, str] = {
    header_key(word): name for name, words in SYNONYMS.items() for word in words
}


def field_for(header: Cell) -> str | None:
    if header is None:
        return None
    return _LOOKUP.get(header_key(str(header)))


@dataclass(frozen=True)
class Columns:
    """The header row (1-based), each column's field, and the columns that name none."""

    header_row: int
    fields: dict[int, str]  # column index -> field (the first column wins a repeated field)
    headers: dict[int, str]  # column index -> the header as written
    unknown: dict[int, str]  # column index -> header, for columns that name no field

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()


def find_columns(rows: Sequence[tuple[Cell, ...]]) -> Columns | None:
    """The header row and what each column means, or None when no row looks like one."""
    for at, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        known = {i for i, cell in enumerate(row) if field_for(cell)}
        if len(known) < 2:
            continue
        header_row = at
        headers = {i: _text(c) for i, c in enumerate(row) if _text(c)}
        below = rows[at + 1] if at + 1 < len(rows) else ()
        below_known = sum(1 for cell in below if field_for(cell))
        if below_known >= 2:  # a two-row header: merged group cells above, fields below
            header_row = at + 1
            for i, cell in enumerate(below):
                if field_for(cell) or (i not in headers and _text(cell)):
                    headers[i] = _text(cell)
        fields: dict[int, str] = {}
        unknown: dict[int, str] = {}
        taken: set[str] = set()
        for i, header in sorted(headers.items()):
            name = field_for(header)
            if name is None:
                unknown[i] = header
            elif name not in taken:
                taken.add(name)
                fields[i] = name
            else:
                unknown[i] = header
        return Columns(header_row + 1, fields, headers, unknown)
    return None


SKIP = "-"
"""A mapping choice: ignore the column (neither a field nor a note)."""
NOTE = "+"
"""A mapping choice: keep the column as a note (an unknown column's default)."""


def remap(columns: Columns, mapping: Mapping[str, str]) -> Columns:
    """``columns`` with the importer's own choices applied: header as written -> a field,
    :data:`NOTE` or :data:`SKIP`. A field given to a column is taken from the column that
    had it (which becomes unknown, a note), so no field is read from two columns."""
    if not mapping:
        return columns
    fields = dict(columns.fields)
    unknown = dict(columns.unknown)
    for i, header in sorted(columns.headers.items()):
        choice = mapping.get(header)
        if choice is None:
            continue
        fields.pop(i, None)
        unknown.pop(i, None)
        if choice == NOTE:
            unknown[i] = header
        elif choice in SYNONYMS:
            for j, name in list(fields.items()):
                if name == choice:
                    del fields[j]
                    unknown[j] = columns.headers[j]
            fields[i] = choice
    return Columns(columns.header_row, dict(sorted(fields.items())), columns.headers, unknown)
