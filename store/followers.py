"""Customer contacts who follow the WeChat Official Account: the one place their openid is
read and written. A follower is not a CRM user and has no principal, so every read here is
narrowed by their own openid (or, to link them, by the phone they sent), never by a name
they typed; what they reach is their own contact and its closed, unrated tickets. A contact
without a follower but with an e-mail is reached by mail (:func:`email_target`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.blind_index import matching
from store.models import Contact, Ticket


async def follower_contact(session: AsyncSession, openid: str) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.wechat_openid == openid).order_by(Contact.id).limit(1)
    )


async def link_by_phone(session: AsyncSession, phone: str, openid: str) -> Contact | None:
    """Link ``openid`` to the one contact whose mobile is ``phone`` (E.164); ``None`` when
    no contact or several have it (nothing is linked on a guess). Audited as any change."""
    found = list(
        await session.scalars(
            select(Contact).where(matching(session, Contact.mobile, [phone])).limit(2)
        )
    )
    if len(found) != 1:
        return None
    found[0].wechat_openid = openid
    await session.flush()
    return found[0]


async def survey_target(session: AsyncSession, ticket: Ticket) -> tuple[str, str] | None:
    """The ticket's contact's name and openid, when they follow the account."""
    if ticket.contact_id is None:
        return None
    row = (
        await session.execute(
            select(Contact.name, Contact.wechat_openid).where(Contact.id == ticket.contact_id)
        )
    ).first()
    if row is None or not row.wechat_openid:
        return None
    return row.name, row.wechat_openid


async def email_target(session: AsyncSession, ticket: Ticket) -> tuple[str, str] | None:
    """The ticket's contact's name and e-mail, when they have one and do not follow the
    account (a follower gets the survey on WeChat instead)."""
    if ticket.contact_id is None:
        return None
    contact = await session.get(Contact, ticket.contact_id)
    if contact is None or contact.wechat_openid or not contact.email:
        return None
    return contact.name, contact.email


async def linked_ticket(
    session: AsyncSession, ticket_id: int, reopened: int, closed: str, *, lock: bool
) -> Ticket | None:
    """The ticket an e-mailed survey link names (its id and closing are signed, never
    typed), while it still waits for that closing's score."""
    stmt = select(Ticket).where(
        Ticket.id == ticket_id,
        Ticket.status == closed,
        Ticket.score.is_(None),
        Ticket.reopened == reopened,
    )
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def awaiting_score(session: AsyncSession, contact_id: int, closed: str) -> Ticket | None:
    """The contact's latest closed ticket without a score (locked: the answer is written)."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.contact_id == contact_id, Ticket.status == closed, Ticket.score.is_(None))
        .order_by(Ticket.closed_at.desc(), Ticket.id.desc())
        .limit(1)
        .with_for_update()
    )
