"""A person's requests about their data (PIPL / GDPR style): see everything held about
them, or have it erased.

*Export* gathers the contact, their company's name, where the record came from (created by
whom, from which platform, when — the audit log; the import that created it; the business
card scans, with who scanned them), the activities and deals linked to them, and every
audit entry of the contact: one JSON document.

*Erase* removes the personal fields (name, title, phones, e-mail, WeChat, birthday) from the
contact, deletes the card photos (image and what was read), strips the person's name,
phones and e-mail out of the summaries and original messages of the activities linked to
them (or logged at their company and naming them), blanks those texts in the activities'
audit entries, and blanks the old and new values in the contact's audit entries, which
would otherwise keep every phone number the contact ever had. What is not personal stays, so
reports and counts do not change: the contact row (as "[erased]"), the activities, deals and
their amounts. The erasure itself is audited (who, when, from where), without the values.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Records
from store.audit import blanked, changes_of
from store.blind_index import matching
from store.models import (
    Activity,
    AuditEntry,
    Company,
    Contact,
    ContactPhoto,
    Deal,
    ImportedRecord,
    ImportRun,
    User,
)
from store.sealing import session_keyring
from store.search import number_pieces

ERASED = "[erased]"
PERSONAL_FIELDS = ("title", "mobile", "phone", "email", "wechat", "birthday")


class PersonNotFound(Exception):
    """No visible contact matches, or several do (``matches`` lists them)."""

    def __init__(self, matches: list[Contact]) -> None:
        super().__init__(f"{len(matches)} contacts match")
        self.matches = matches


async def find_person(records: Records, written: str) -> Contact:
    """The one visible contact ``written`` names: an id, an exact phone, e-mail or name."""
    text = written.strip()
    session = records.session
    conditions: list[Any] = [matching(session, Contact.email, [text.lower()]), Contact.name == text]
    as_id = int(text) if text.isdigit() and int(text) < 2**31 else None  # ids are INTEGER
    if as_id is not None:
        conditions.append(Contact.id == as_id)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 7:
        # Plaintext rows by the number's ending; encrypted ones by the keyed token of that
        # ending in the search key (store/search.py).
        conditions += [
            type_coerce(c, Text).like(f"%{digits}") for c in (Contact.mobile, Contact.phone)
        ]
        conditions.append(number_pieces(Contact.search_key, [digits], session_keyring(session)))
    found = list(await records.list(Contact, or_(*conditions), limit=10))
    if as_id is not None:
        exact = [c for c in found if c.id == as_id]
        found = exact or found
    if len(found) != 1:
        raise PersonNotFound(found)
    return found[0]


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


async def person_export(records: Records, contact: Contact) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data."""
    session = records.session
    users = {u.id: u.name for u in await session.scalars(select(User))}
    company = await session.get(Company, contact.company_id) if contact.company_id else None
    audit = (
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "contacts", AuditEntry.record_id == contact.id)
            .order_by(AuditEntry.id)
        )
    ).all()
    created = next((a for a in audit if a.action == "create"), None)
    imports = (
        await session.scalars(
            select(ImportRun)
            .join(ImportedRecord, ImportedRecord.import_id == ImportRun.id)
            .where(ImportedRecord.table_name == "contacts", ImportedRecord.record_id == contact.id)
        )
    ).all()
    photos = (
        await session.scalars(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id))
    ).all()
    activities = await records.list(
        Activity, Activity.contact_id == contact.id, order_by=Activity.occurred_at, limit=10_000
    )
    deals = await records.list(Deal, Deal.contact_id == contact.id, limit=10_000)
    return {
        "contact": {
            "id": contact.id,
            "name": contact.name,
            **_row(contact, PERSONAL_FIELDS),
            "company": company.name if company else None,
            "owner": users.get(contact.owner_id),
            "created_at": _value(contact.created_at),
            "updated_at": _value(contact.updated_at),
        },
        "origin": {
            "created_by": users.get(created.user_id) if created and created.user_id else None,
            "platform": created.platform if created else None,
            "created_at": _value(created.at) if created else None,
            "imports": [
                {
                    "id": r.id,
                    "file": r.filename,
                    "by": users.get(r.user_id),
                    "at": _value(r.created_at),
                }
                for r in imports
            ],
            "card_scans": [
                {
                    "by": users.get(p.created_by or 0),
                    "at": _value(p.created_at),
                    "platform": p.platform,
                    "fields": p.fields,
                    "photo_jpeg_base64": base64.b64encode(p.image).decode("ascii"),
                }
                for p in photos
            ],
        },
        "activities": [
            {
                "kind": a.kind,
                "at": _value(a.occurred_at),
                "summary": a.summary,
                "message": a.source_text,
            }
            for a in activities
        ],
        "deals": [{"title": d.title, "stage": d.stage} for d in deals],
        "audit": [
            {
                "at": _value(a.at),
                "by": users.get(a.user_id or 0),
                "platform": a.platform,
                "action": a.action,
                "field": field,
                "old": old,
                "new": new,
            }
            for a in audit
            for field, old, new in _changes_or_none(a)
        ],
    }


_TEXTS = frozenset({"summary", "source_text"})
"""An activity's fields that may name the person."""


async def _blank_texts(session: AsyncSession, activity_ids: list[int]) -> None:
    """The activities' texts blanked in their audit entries: the changes to them, and the
    snapshots of the activities as created or deleted."""
    about = (AuditEntry.table_name == "activities", AuditEntry.record_id.in_(activity_ids))
    await session.execute(
        update(AuditEntry)
        .where(*about, AuditEntry.field.in_(_TEXTS))
        .values(old_value=None, new_value=None)
    )
    for entry in await session.scalars(
        select(AuditEntry).where(*about, AuditEntry.field.is_(None))
    ):
        for column in ("old_value", "new_value"):
            kept = blanked(getattr(entry, column), _TEXTS)
            if kept is not None:
                setattr(entry, column, kept)


def _changes_or_none(entry: AuditEntry) -> list[tuple[str | None, str | None, str | None]]:
    """The entry's changes, or one of no field (an erasure is listed too)."""
    return [*changes_of(entry)] or [(None, None, None)]


def _scrub(text: str | None, needles: list[str]) -> str | None:
    if not text:
        return text
    for needle in needles:
        text = re.sub(re.escape(needle), ERASED, text, flags=re.IGNORECASE)
    return text


def _needles(contact: Contact) -> list[str]:
    """The ways the person's name, numbers and address may be written in a message."""
    needles = [v for v in (contact.name, contact.email, contact.wechat) if v and len(v) >= 2]
    for number in (contact.mobile, contact.phone):
        if number:
            digits = re.sub(r"\D", "", number)
            needles += [number, digits]
            if digits.startswith("86") and len(digits) == 13:
                national = digits[2:]
                needles += [national, f"{national[:3]} {national[3:7]} {national[7:]}"]
    return sorted(set(needles), key=len, reverse=True)


async def erase_person(records: Records, contact: Contact) -> dict[str, int]:
    """Erase the person's personal data (see the module's docstring); counts of what changed."""
    session = records.session
    needles = _needles(contact)
    linked = Activity.contact_id == contact.id
    if contact.company_id is not None:  # a log at their company may name them too
        linked = or_(linked, Activity.company_id == contact.company_id)
    activities = []
    for activity in await records.list(Activity, linked, limit=100_000):
        summary = _scrub(activity.summary, needles) or ""
        message = _scrub(activity.source_text, needles)
        if (summary, message) != (activity.summary, activity.source_text):
            await records.update(activity, flush=False, summary=summary, source_text=message)
            activities.append(activity)
    photos = (
        await session.scalars(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id))
    ).all()
    for photo in photos:
        await session.delete(photo)
    await records.update(contact, flush=False, name=ERASED, **dict.fromkeys(PERSONAL_FIELDS))
    await session.flush()  # the audit hook writes this change's entries (with the values)
    scrubbed = await session.execute(
        update(AuditEntry)
        .where(AuditEntry.table_name == "contacts", AuditEntry.record_id == contact.id)
        .values(old_value=None, new_value=None)
    )
    ids = [a.id for a in activities]
    if ids:
        await _blank_texts(session, ids)
    session.add(
        AuditEntry(
            at=records.now,
            user_id=records.principal.user_id,
            platform=session.info.get("audit_platform", "system"),
            table_name="contacts",
            record_id=contact.id,
            action="erase",
        )
    )
    return {
        "activities": len(activities),
        "photos": len(photos),
        "audit_entries": int(getattr(scrubbed, "rowcount", 0) or 0),
    }
