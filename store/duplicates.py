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
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Principal, one_of
from store.blind_index import matching
from store.dedupe import company_core
from store.models import Company, Contact, User
from store.pool import POOL_NAME

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
    *,
    company: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> list[Twin]:
    """Records the principal cannot see that the new company / contact would duplicate:
    a company of the same name (:func:`company_core`, stored as ``name_core``), contacts
    with one of ``phones`` (E.164, as stored) or ``emails``. At most :data:`MAX_TWINS`,
    name matches first. One statement per kind, each with the holder's name: this runs
    on every "create it?" question."""
    visible = principal.visible_owner_ids
    if visible is None:  # sees every owner: nothing is hidden from them
        return []
    hidden = ~one_of(Company.owner_id, visible)
    twins: list[Twin] = []
    core = company_core(company) if company else ""
    if len(core) >= 2:
        rows = await session.execute(
            select(Company.id, Company.name, *_holder(Company))
            .join(User, User.id == Company.owner_id)
            .where(Company.name_core == core, hidden)
            .order_by(Company.id)
            .limit(MAX_TWINS)
        )
        for rid, name, owner_id, owner_name, pooled in rows.all():
            twins.append(Twin("company", rid, name, owner_id, owner_name, "name", bool(pooled)))
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
    if conditions and len(twins) < MAX_TWINS:
        rows = await session.execute(
            select(Contact.id, Contact.name, Contact.mobile, Contact.phone, Contact.email)
            .add_columns(*_holder(Contact))
            .join(User, User.id == Contact.owner_id)
            .where(or_(*conditions), ~one_of(Contact.owner_id, visible))
            .order_by(Contact.id)
            .limit(20)
        )
        for cid, name, mobile, phone, email, owner_id, owner_name, pooled in rows.all():
            how: Matched = "phone" if {mobile, phone} & set(wanted_phones) else "email"
            if (email or "").lower() not in wanted_emails and how == "email":
                continue
            twins.append(Twin("contact", cid, name, owner_id, owner_name, how, bool(pooled)))
    return twins[:MAX_TWINS]


def _holder(model: type[Company] | type[Contact]) -> tuple[Any, ...]:
    """The columns a twin tells about its holder: who, their name, and whether it is the
    lead pool (then the twin is claimed, not asked for)."""
    return (model.owner_id, User.display_name, User.name == POOL_NAME)


__all__ = ["MAX_TWINS", "Twin", "colleague_twins", "company_core"]
