"""Rows of a sheet -> a plan of writes and a report, before anything is written.

Each row is read into its fields, checked (a phone number ``phonenumbers`` calls valid, an
e-mail with an ``@`` and a domain, a date, an amount that is a number, a known stage), and
matched against the customers the importer may see (:mod:`store.dedupe`, the business card
rules) and against the rows above it in the same file. The result says, per row: what will
be created, which existing record it duplicates and by which rule, or why it cannot be
imported. Nothing here touches the database except to read who the owners are; the
writes are :mod:`handlers.imports.apply`'s.

Choices made here, so that a re-run of the same file changes nothing:

- a company is created once per name (legal form ignored), a contact once per phone,
  e-mail, or name at the same company, a deal once per title at the same company;
- notes (the 备注 column, and unknown columns kept as notes) become one note activity,
  written only with a newly created company or contact, never again on a re-run;
- an owner named in the file who is not a user the importer may assign to becomes the
  importer, and the report says so on that row (a warning, not an error).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bot.nlu.amounts import currency_code, find_amount
from handlers.common.field_values import BadValue, read_value
from handlers.imports.choices import Policy
from handlers.imports.columns import Columns, find_columns, header_key, remap
from handlers.imports.phones import PhoneReader
from handlers.imports.read import Cell, Sheet
from store.dedupe import CustomerIndex, email_key, name_key, phone_key
from store.fields import Typed
from store.models import CustomField
from store.pipeline import Pipeline


class Status(StrEnum):
    CREATE = "create"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass(frozen=True)
class Problem:
    """``code`` names the locale message ``import.problem_<code>``; ``value`` is the cell."""

    field: str
    code: str
    value: str = ""
    warning: bool = False


@dataclass
class RowResult:
    sheet: str
    row: int
    status: Status
    problems: list[Problem] = field(default_factory=list)
    duplicate_by: str | None = None  # the rule that found the existing record


@dataclass
class Write:
    """One record to create (``target`` None; ``ref`` < 0 names it for later rows) or
    existing record to update (``target`` its id, ``mode`` fill or overwrite)."""

    table: str
    row: int
    ref: int
    values: dict[str, Any]
    target: int | None = None
    mode: Policy | None = None


@dataclass
class SheetPlan:
    name: str
    columns: Columns | None


@dataclass
class Plan:
    sheets: list[SheetPlan]
    rows: list[RowResult]
    writes: list[Write]
    policy: Policy
    keep_unknown: bool

    def counts(self) -> Counter[str]:
        counted: Counter[str] = Counter(r.status.value for r in self.rows)
        counted["warnings"] = sum(1 for r in self.rows if any(p.warning for p in r.problems))
        for write in self.writes:
            if write.target is None:
                counted[f"new_{write.table}"] += 1
        return counted

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.status is Status.ERROR]

    @property
    def warnings(self) -> list[RowResult]:
        return [
            r
            for r in self.rows
            if r.status is not Status.ERROR and any(p.warning for p in r.problems)
        ]


@dataclass(frozen=True)
class Owners:
    """Users a row may name as owner (by login or display name), and the importer."""

    by_name: Mapping[str, int]
    importer: int

    def resolve(self, written: str | None) -> int | None:
        return None if not written else self.by_name.get(name_key(written))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
#: Excel's serial day numbers for 1954-10-03 .. 2119-01-10: a date cell saved as a number.
_EXCEL_SERIALS = range(20_000, 80_000)
_COMPANY_FIELDS = ("industry", "city", "address", "tags", "source", "website")
_CONTACT_FIELDS = ("title", "wechat")
_MASKABLE = ("mobile", "phone", "email", "wechat")


def text_of(cell: Cell) -> str:
    """A cell as the text a person typed: 13800138000.0 -> "13800138000"."""
    if isinstance(cell, str):  # most cells: ASCII text is already in NFKC form
        return " ".join((cell if cell.isascii() else unicodedata.normalize("NFKC", cell)).split())
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return " ".join(unicodedata.normalize("NFKC", str(cell)).split())


def read_date(cell: Cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and int(cell) in _EXCEL_SERIALS:
        from openpyxl.utils.datetime import from_excel  # imported when used: see read.py

        converted: datetime = from_excel(cell)
        return converted.date()
    text = text_of(cell)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_amount(cell: Cell) -> tuple[Decimal, str | None] | None:
    """The amount and the currency the cell names (None: the importer's)."""
    if isinstance(cell, int | float):
        return Decimal(str(cell)), None
    text = text_of(cell)
    try:
        return Decimal(text.replace(",", "")), None
    except InvalidOperation:
        pass
    money = find_amount(text)
    if money is None or money.end - money.start < len(text.strip()) - 1:
        return None
    return money.amount, money.currency


class Planner:
    """Plans the rows of one import against one principal's customers."""

    def __init__(
        self,
        index: CustomerIndex,
        owners: Owners,
        pipeline: Pipeline,
        stage_names: Mapping[str, str],
        *,
        policy: Policy,
        keep_unknown: bool,
        currency: str,
        region: str = "CN",
        mapping: Mapping[str, str] | None = None,
        custom_fields: Sequence[CustomField] = (),
        now: datetime | None = None,
    ) -> None:
        self.mapping = dict(mapping or {})
        """The importer's corrections: header as written -> field (see ``columns.remap``)."""
        self.index = index
        self.owners = owners
        self.pipeline = pipeline
        self.stage_names = {name_key(k): v for k, v in stage_names.items()}
        self.policy = policy
        self.keep_unknown = keep_unknown
        self.currency = currency
        self.region = region
        self.phones = PhoneReader(region)
        self.rows: list[RowResult] = []
        self.writes: list[Write] = []
        self._new: dict[int, Write] = {}
        self._next_ref = -1
        # A column named like a custom field (either language, or its key) fills it.
        self._custom = {
            header_key(name): f for f in custom_fields for name in (f.name_en, f.name_zh, f.key)
        }
        self.now = now or datetime.now(UTC)

    def plan(self, sheets: Iterable[Sheet]) -> Plan:
        planned: list[SheetPlan] = []
        for sheet in sheets:
            columns = find_columns(sheet.rows)
            if columns is not None:
                columns = remap(columns, self.mapping)
            planned.append(SheetPlan(sheet.name, columns))
            if columns is None:
                continue
            for number in range(columns.first_data_row, len(sheet.rows) + 1):
                self._row(sheet.name, number, columns, sheet.rows[number - 1])
        return Plan(planned, self.rows, self.writes, self.policy, self.keep_unknown)

    # ----------------------------------------------------------------------- one row

    def _row(self, sheet: str, number: int, columns: Columns, cells: Sequence[Cell]) -> None:
        # Each cell's text is worked out once (it is NFKC and whitespace folding, for every
        # cell of 100,000 rows): ``raw`` keeps the cell for what reads its type (a date, an
        # amount), ``text`` what a person typed.
        raw: dict[str, Cell] = {}
        text: dict[str, str] = {}
        for i, name in columns.fields.items():
            if i < len(cells) and (typed := text_of(cells[i])):
                raw[name] = cells[i]
                text[name] = typed
        extra: dict[str, str] = {}
        for i, header in columns.unknown.items():
            if i < len(cells) and (typed := text_of(cells[i])):
                extra[header] = typed
        if not raw and not extra:
            return  # a blank row
        result = RowResult(sheet, number, Status.CREATE)
        values = self._read(raw, text, result.problems)
        custom = self._custom_values(extra, result.problems)
        if not raw.get("company") and not raw.get("contact"):
            result.problems.append(Problem("company", "no_customer"))
        if values.get("deal") and not raw.get("company"):
            result.problems.append(Problem("deal", "deal_without_company"))
        if values.get("email") and raw.get("company") and not raw.get("contact"):
            result.problems.append(Problem("contact", "no_contact_name"))
        self.rows.append(result)
        if any(not p.warning for p in result.problems):
            result.status = Status.ERROR
            return
        notes = [values["notes"]] if values.get("notes") else []
        if self.keep_unknown:
            notes += [f"{header}: {value}" for header, value in extra.items()]
        notes += values.pop("more_phones", [])
        self._apply(result, values, notes, custom)

    def _custom_values(
        self, extra: dict[str, str], problems: list[Problem]
    ) -> list[tuple[CustomField, list[Typed]]]:
        """The row's custom field cells, read in their field's type (taken out of
        ``extra``, so they are not also kept as a note); a cell that is not of its type is
        an error of the row."""
        found: list[tuple[CustomField, list[Typed]]] = []
        for header, text in list(extra.items()):
            custom = self._custom.get(header_key(header))
            if custom is None:
                continue
            del extra[header]
            try:
                found.append(
                    (custom, read_value(custom, text, currency=self.currency, now=self.now))
                )
            except BadValue:
                problems.append(Problem(header, "bad_field", text))
        return found

    def _read(
        self, raw: Mapping[str, Cell], text: Mapping[str, str], problems: list[Problem]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("company", "contact", "deal", *_COMPANY_FIELDS, *_CONTACT_FIELDS, "notes"):
            if name in text:
                values[name] = text[name]
        if "tags" in values:
            values["tags"] = ", ".join(t for t in re.split(r"[,;，；、|\s]+", values["tags"]) if t)
        # A value masked by an export (bot/masking.py: 138****8000, z***@x.cn) is not the
        # real one: written back (--on-duplicate overwrite) it would replace it for good.
        masked = {n for n in _MASKABLE if n in raw and "***" in text_of(raw[n])}
        problems.extend(Problem(n, "masked", text_of(raw[n])) for n in sorted(masked))
        if "wechat" in masked:
            values.pop("wechat", None)
        phones: list[tuple[str, bool]] = []
        for name in ("mobile", "phone"):
            if name not in raw or name in masked:
                continue
            good, bad = self.phones.read(text[name])
            problems.extend(Problem(name, "bad_phone", part) for part in bad)
            phones += [(e164, mobile or name == "mobile") for e164, mobile in good]
        mobiles = [p for p, is_mobile in phones if is_mobile]
        others = [p for p, is_mobile in phones if not is_mobile]
        values["mobile"] = mobiles[0] if mobiles else None
        values["phone"] = others[0] if others else None
        values["more_phones"] = [*mobiles[1:], *others[1:]]
        values["phones"] = [p for p, _ in phones]
        if "email" in raw and "email" not in masked:
            email = text["email"]
            if _EMAIL.fullmatch(email):
                values["email"] = email.lower()
            else:
                problems.append(Problem("email", "bad_email", email))
        if "owner" in raw:
            written = text["owner"]
            owner = self.owners.resolve(written)
            if owner is None:
                problems.append(Problem("owner", "unknown_owner", written, warning=True))
            values["owner_id"] = owner or self.owners.importer
        else:
            values["owner_id"] = self.owners.importer
        if "amount" in raw:
            amount = read_amount(raw["amount"])
            if amount is None or amount[0] < 0:
                problems.append(Problem("amount", "bad_amount", text["amount"]))
            else:
                values["amount"], values["currency"] = amount
        if "currency" in raw:
            code = currency_code(text["currency"])
            if code is None:
                problems.append(Problem("currency", "bad_currency", text["currency"]))
            else:
                values["currency"] = code
        if "stage" in raw:
            stage = self.stage_names.get(name_key(text["stage"]))
            if stage is None:
                problems.append(Problem("stage", "bad_stage", text["stage"]))
            values["stage"] = stage
        if "close_date" in raw:
            day = read_date(raw["close_date"])
            if day is None:
                problems.append(Problem("close_date", "bad_date", text["close_date"]))
            values["close_date"] = day
        return values

    # ----------------------------------------------------------------------- matching

    def _ref(self) -> int:
        ref, self._next_ref = self._next_ref, self._next_ref - 1
        return ref

    def _create(self, table: str, row: int, values: dict[str, Any]) -> int:
        write = Write(table, row, self._ref(), values)
        self.writes.append(write)
        self._new[write.ref] = write
        return write.ref

    def _merge(self, table: str, row: int, found: int, values: dict[str, Any]) -> None:
        """A row matching a record: the policy says what its values do to it."""
        values = {k: v for k, v in values.items() if v not in (None, "")}
        if self.policy is Policy.SKIP or not values:
            return
        planned = self._new.get(found)
        if planned is not None:  # a record an earlier row of this file creates
            for key, value in values.items():
                if self.policy is Policy.OVERWRITE or planned.values.get(key) in (None, ""):
                    planned.values[key] = value
            return
        self.writes.append(Write(table, row, found, values, target=found, mode=self.policy))

    def _apply(
        self,
        result: RowResult,
        values: dict[str, Any],
        notes: list[str],
        custom: Sequence[tuple[CustomField, list[Typed]]] = (),
    ) -> None:
        created = False
        deal_ref: int | None = None
        company_ref: int | None = None
        owner = values["owner_id"]
        if values.get("company"):
            company_values = {
                "name": values["company"][:200],
                "industry": values.get("industry"),
                "city": values.get("city"),
                "address": values.get("address"),
                "tags": values.get("tags"),
                "lead_source": values.get("source"),
                "website": values.get("website"),
                "phone": None,  # every column given: the new row is fully loaded after flush
            }
            if not values.get("contact") and (values.get("phone") or values.get("mobile")):
                company_values["phone"] = values.get("phone") or values.get("mobile")
            match = self.index.match_company(values["company"])
            if match is None:
                company_ref = self._create(
                    "companies", result.row, {**company_values, "owner_id": owner}
                )
                self.index.add_company(company_ref, values["company"])
                created = True
            else:
                company_ref = match.record_id
                result.duplicate_by = match.by
                self._merge("companies", result.row, company_ref, {**company_values, "name": None})
        contact_ref: int | None = None
        if values.get("contact"):
            contact_values = {
                "name": values["contact"][:120],
                "title": values.get("title"),
                "mobile": values.get("mobile"),
                "phone": values.get("phone"),
                "email": values.get("email"),
                "wechat": values.get("wechat"),
            }
            match = self.index.match_contact(
                phones=values["phones"],
                email=values.get("email"),
                name=values["contact"],
                company=company_ref,
            )
            if match is None:
                contact_ref = self._create(
                    "contacts",
                    result.row,
                    {**contact_values, "company_ref": company_ref, "owner_id": owner},
                )
                self.index.add_contact(
                    contact_ref,
                    phones=values["phones"],
                    email=values.get("email"),
                    name=values["contact"],
                    company=company_ref,
                )
                created = True
            else:
                contact_ref = match.record_id
                result.duplicate_by = match.by
                self._merge("contacts", result.row, contact_ref, {**contact_values, "name": None})
        if values.get("deal") and company_ref is not None:
            stage = values.get("stage") or self.pipeline.first
            deal_values = {
                "title": values["deal"][:200],
                "stage": stage,
                "amount": values.get("amount"),
                "currency": values.get("currency") or self.currency,
                "close_date": values.get("close_date"),
            }
            match = self.index.match_deal(company_ref, values["deal"])
            if match is None:
                deal_ref = self._create(
                    "deals",
                    result.row,
                    {
                        **deal_values,
                        "probability": self.pipeline.probability(stage),
                        "company_ref": company_ref,
                        "contact_ref": contact_ref,
                        "owner_id": owner,
                    },
                )
                self.index.add_deal(deal_ref, company_ref, values["deal"])
                created = True
            else:
                deal_ref = match.record_id
                result.duplicate_by = result.duplicate_by or match.by
                given = {k: v for k, v in deal_values.items() if k in _given_deal_fields(values)}
                self._merge("deals", result.row, match.record_id, given)
        tagging = company_ref is not None and (company_ref < 0 or self.policy is not Policy.SKIP)
        if values.get("tags") and tagging and company_ref is not None:
            names = [t.strip() for t in values["tags"].split(",") if t.strip()]
            self.writes.append(Write("company_tags", result.row, company_ref, {"names": names}))
        refs = {"company": company_ref, "contact": contact_ref, "deal": deal_ref}
        for custom_field, typed in custom:
            ref = refs[custom_field.entity]
            if ref is None or (ref > 0 and self.policy is Policy.SKIP):
                continue  # no such record in the row, or an existing one left as it is
            fill = ref > 0 and self.policy is Policy.FILL
            self.writes.append(
                Write(
                    "custom_values",
                    result.row,
                    ref,
                    {"field_id": custom_field.id, "values": typed, "fill": fill},
                )
            )
        if notes and created:
            self._create(
                "activities",
                result.row,
                {
                    "summary": "\n".join(notes),
                    "company_ref": company_ref,
                    "contact_ref": contact_ref,
                    "owner_id": owner,
                },
            )
        result.status = Status.CREATE if created else Status.DUPLICATE


def _given_deal_fields(values: Mapping[str, Any]) -> set[str]:
    """The deal fields a row really states (so a merge never writes a default)."""
    given = {k for k in ("stage", "amount", "close_date") if values.get(k) is not None}
    if values.get("amount") is not None or values.get("currency"):
        given.add("currency")
    return given


__all__ = [
    "Owners",
    "Plan",
    "Planner",
    "Policy",
    "Problem",
    "RowResult",
    "Status",
    "Write",
    "email_key",
    "phone_key",
]
