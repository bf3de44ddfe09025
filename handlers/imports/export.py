"""Companies, contacts, deals or activities -> a CSV or Excel file the importer reads back.

Scoped like everything else (a rep exports their own records, a manager the team's), and
written to the audit log (who exported what, how many rows). Headers are the import's
field names in the exporter's language, so the file re-imports cleanly: every record
comes back as a duplicate of itself. Masking is the chat's and the API's
(:class:`bot.masking.Masking`: the exporter's role policy, their own records exempt), cell by
cell; a masked amount is left empty rather than written as a number that is not the deal's.

Cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) get a leading apostrophe (OWASP's CSV-injection advice), in CSV and
in Excel alike; a phone number in E.164 (``+`` and digits only) is left as it is, since it
cannot be a formula and the apostrophe would spoil it for the next import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.masking import SHOW_ALL, Masking
from handlers.common.field_values import field_name, plain_value
from handlers.common.tier_text import tier_name
from handlers.imports.choices import FORMATS, KINDS
from store.access import Records
from store.fields import fields_for, values_by_record
from store.masking import FieldClass
from store.models import Activity, AuditEntry, Company, Contact, Deal, User
from store.pool import POOL_NAME
from store.tags import tags_by_company
from store.tier_rules import DEFAULT_TIER_RULES, TierRule
from store.tiers import Standing, decide, standings

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_DIGITS = re.compile(r"[+-]?\d+(?:\.\d+)?")
_MASKED = {
    "mobile": FieldClass.PHONE,
    "phone": FieldClass.PHONE,
    "wechat": FieldClass.PHONE,
    "email": FieldClass.EMAIL,
    "amount": FieldClass.AMOUNT,
}
ENTITY_OF = {"companies": "company", "contacts": "contact", "deals": "deal"}

#: Each kind's columns: the import field names (headers from ``import.fields.*``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": (
        "company",
        "industry",
        "city",
        "address",
        "phone",
        "website",
        "tags",
        "tier",
        "source",
        "owner",
    ),
    "contacts": ("contact", "company", "title", "mobile", "phone", "email", "wechat", "owner"),
    "deals": ("deal", "company", "stage", "amount", "currency", "close_date", "owner"),
    "activities": ("occurred_at", "kind", "company", "contact", "summary", "owner"),
}


def neutralise(value: str) -> str:
    """A cell a spreadsheet will show as text, never run."""
    if value.startswith(_FORMULA_START) and not _SIGNED_DIGITS.fullmatch(value):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class Table:
    kind: str
    headers: list[str]
    rows: list[list[str]]


async def export_table(
    records: Records,
    kind: str,
    t: Callable[..., str],
    *,
    masking: Masking = SHOW_ALL,
    platform: str = "cli",
    tier_rules: Sequence[TierRule] = DEFAULT_TIER_RULES,
) -> Table:
    """Every record of ``kind`` the principal may see, oldest first, and an audit entry.
    Companies carry their tier as the rules compute it (read-only: the importer skips the
    column), and a pooled customer's owner is the pool, in the exporter's words."""
    session = records.session
    users = {u.id: u.name for u in await session.scalars(select(User))}
    users = {k: t("export.pool_owner") if v == POOL_NAME else v for k, v in users.items()}
    companies = {
        c.id: c.name
        for c in await session.execute(
            select(Company.id, Company.name).where(records.scope(Company))
        )
    }
    rows: list[dict[str, Any]] = []
    if kind == "companies":
        tagged = await tags_by_company(session)
        visible = list(await session.scalars(records.select(Company).order_by(Company.id)))
        standing = await standings(session, records.now, [c.id for c in visible])
        for c in visible:
            tier = decide(tier_rules, standing.get(c.id, Standing())).tier
            rows.append(
                {
                    "_id": c.id,
                    "company": c.name,
                    "industry": c.industry,
                    "city": c.city,
                    "address": c.address,
                    "phone": c.phone,
                    "website": c.website,
                    "tags": _tags(tagged.get(c.id, []), c.tags),
                    "tier": tier_name(t, tier),
                    "source": c.lead_source,
                    "owner": users.get(c.owner_id),
                    "owner_id": c.owner_id,
                }
            )
    elif kind == "contacts":
        for p in await session.scalars(records.select(Contact).order_by(Contact.id)):
            rows.append(
                {
                    "_id": p.id,
                    "contact": p.name,
                    "company": companies.get(p.company_id or 0),
                    "title": p.title,
                    "mobile": p.mobile,
                    "phone": p.phone,
                    "email": p.email,
                    "wechat": p.wechat,
                    "owner": users.get(p.owner_id),
                    "owner_id": p.owner_id,
                }
            )
    elif kind == "deals":
        for d in await session.scalars(records.select(Deal).order_by(Deal.id)):
            rows.append(
                {
                    "_id": d.id,
                    "deal": d.title,
                    "company": companies.get(d.company_id),
                    "stage": t(f"stages.{d.stage}"),
                    "amount": Decimal(d.amount_cents) / 100,
                    "currency": d.currency,
                    "close_date": d.expected_close,
                    "owner": users.get(d.owner_id),
                    "owner_id": d.owner_id,
                }
            )
    else:
        contacts = {
            c.id: c.name
            for c in await session.execute(
                select(Contact.id, Contact.name).where(records.scope(Contact))
            )
        }
        for a in await session.scalars(records.select(Activity).order_by(Activity.id)):
            rows.append(
                {
                    "occurred_at": a.occurred_at,
                    "kind": t(f"activity.kinds.{a.kind}"),
                    "company": companies.get(a.company_id or 0),
                    "contact": contacts.get(a.contact_id or 0),
                    "summary": masking.text(a.summary, a.owner_id),
                    "owner": users.get(a.owner_id),
                    "owner_id": a.owner_id,
                }
            )
    columns = COLUMNS[kind]
    headers = [_header(t, name) for name in columns]
    cells = [[_cell(name, row, masking) for name in columns] for row in rows]
    entity = ENTITY_OF.get(kind)
    if entity is not None:
        # Custom fields after the standard columns, headed by their names in the
        # exporter's language: the importer reads them back into the same fields.
        found = await fields_for(session, entity)
        lang = t("book.fields.lang_code")
        values = await values_by_record(session, entity) if found else {}
        headers += [field_name(f, lang) for f in found]
        for row, line in zip(rows, cells, strict=True):
            mine = values.get(row["_id"], {})
            line += [neutralise(plain_value(f, mine.get(f.id, []))) for f in found]
    table = Table(kind, headers, cells)
    session.add(
        AuditEntry(
            at=records.now,
            user_id=records.principal.user_id,
            platform=platform,
            table_name=kind,
            record_id=0,
            action="export",
            field="rows",
            new_value=str(len(table.rows)),
        )
    )
    return table


def _tags(structured: list[str], imported: str | None) -> str | None:
    """The customer's tags, then any imported tag text that is not one of them."""
    names = list(structured)
    for word in re.split(r"[,;，；、|]+", imported or ""):
        if word.strip() and word.strip() not in names:
            names.append(word.strip())
    return ", ".join(names) or None


def _header(t: Callable[..., str], name: str) -> str:
    if name in {"kind", "summary", "occurred_at"}:
        return t(f"export.fields.{name}")
    return t(f"import.fields.{name}")


def _cell(name: str, row: dict[str, Any], masking: Masking) -> str:
    text = cell_text(row.get(name))
    cls = _MASKED.get(name)
    owner = row["owner_id"]
    if cls is None or not text or not masking.hides(cls, owner):
        return neutralise(text)
    if name == "amount":
        return ""
    shown = {"email": masking.email, "wechat": masking.wechat}.get(name, masking.phone)
    return neutralise(shown(text, owner) or "")


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM: Excel then opens Chinese text correctly on a double-click."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in table.headers])
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.kind)
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append(row)  # strings only: nothing is stored as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encode(table: Table, fmt: str) -> bytes:
    return to_xlsx(table) if fmt == "xlsx" else to_csv(table)


def filename(kind: str, fmt: str, day: date) -> str:
    return f"crmbot-{kind}-{day.isoformat()}.{fmt}"


__all__: Sequence[str] = ["FORMATS", "KINDS", "Table", "encode", "export_table", "neutralise"]
