"""Team-wide duplicate check (查重): is the customer a rep is about to create already a
colleague's?

A rep sees only their own customers, so "no match" in their lookup does not mean the
company is new to the team: two reps chasing one customer, each with a twin record, is
what a CRM exists to prevent. Before a company or contact is created (typed, scanned from a
card, or imported), :func:`colleague_twins` looks across every owner for the same company
name (legal forms, case, spacing and a leading city ignored: 上海星辰科技有限公司 is
星辰科技), or a contact with the same phone number or e-mail. It returns only what a rep is
told — which record, whose it is, what matched — never the record's contents; the caller
offers to ask the owner for a handover or a manager for access.

Records the principal can already see are left out: the ordinary lookup shows those.
Importers (store-level callers) pass a principal the same way the chat does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Principal, Records
from store.blind_index import matching
from store.dedupe import company_core
from store.models import Company, Contact, Role, User
from store.pool import POOL_NAME
from store.search import search

MAX_TWINS = 3

Matched = Literal["name", "phone", "email"]


@dataclass(frozen=True)
class Twin:
    """A colleague's record the new one would duplicate, and what gave it away."""

    kind: Literal["company", "contact"]
    id: int
    name: str
    owner_id: int
    owner_name: str
    matched: Matched
    pooled: bool = False
    """Held by the lead pool (store/pool.py): to claim, not a colleague to ask."""


async def colleague_twins(
    session: AsyncSession,
    principal: Principal,
    now: datetime,
    *,
    company: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> list[Twin]:
    """Records the principal cannot see that the new company / contact would duplicate:
    a company of the same name (:func:`company_core`), contacts with one of ``phones``
    (E.164, as stored) or ``emails``. At most :data:`MAX_TWINS`, name matches first."""
    everyone = Records(session, Principal(principal.user_id, Role.ADMIN, None), now)
    found: dict[tuple[str, int], tuple[str, int, Matched]] = {}
    core = company_core(company) if company else ""
    if len(core) >= 2:
        assert company is not None
        for query in dict.fromkeys([core, company]):
            for hit in await search(everyone, query, limit=8):
                if hit.kind == "company" and company_core(hit.name) == core:
                    found.setdefault(("company", hit.id), (hit.name, 0, "name"))
    wanted_phones = [p for p in dict.fromkeys(phones) if p]
    wanted_emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    conditions = []
    if wanted_phones:
        conditions += [
            matching(session, Contact.mobile, wanted_phones),
            matching(session, Contact.phone, wanted_phones),
        ]
    if wanted_emails:
        conditions.append(matching(session, Contact.email, wanted_emails))
    if conditions:
        rows = await session.execute(
            select(Contact.id, Contact.name, Contact.mobile, Contact.phone, Contact.email)
            .where(or_(*conditions))
            .limit(20)
        )
        for cid, name, mobile, phone, email in rows.all():
            how: Matched = "phone" if {mobile, phone} & set(wanted_phones) else "email"
            if (email or "").lower() not in wanted_emails and how == "email":
                continue
            found.setdefault(("contact", cid), (name, 0, how))
    twins: list[Twin] = []
    for (kind, rid), (name, _, how) in found.items():
        model = Company if kind == "company" else Contact
        owner = await session.execute(
            select(model.owner_id, User.display_name, User.name == POOL_NAME)
            .join(User, User.id == model.owner_id)
            .where(model.id == rid)
        )
        row = owner.first()
        if row is None or principal.can_see_owner(row[0]):
            continue
        twins.append(Twin(kind, rid, name, row[0], row[1], how, bool(row[2])))  # type: ignore[arg-type]
    return twins[:MAX_TWINS]


__all__ = ["MAX_TWINS", "Twin", "colleague_twins", "company_core"]
