"""The compact customer card (the "360 view" on a phone) and its next-action buttons."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Select, bindparam, exists, select

from bot.context import Context
from bot.phones import display_phone
from bot.replies import Button, Card
from handlers.common.actions import ReleaseToPool
from handlers.common.book_card import book_of
from handlers.common.labels import activity_label, deal_line
from handlers.contracts.views import customer_summary
from handlers.customers.actions import CorrectFrom, LogFor, ShowHistory
from handlers.deals.actions import NewDealFor, OpenDeal
from handlers.tickets import views as ticket_views
from handlers.webapp.actions import OpenApp
from handlers.webapp.links import app_link
from locales.formatting import format_when, shorten
from store import tiers
from store.access import Principal, RecordNotFound, scope_of
from store.models import Activity, Company, Contact, Contract, Deal, Task, Ticket
from store.prepared import read

KEY_CONTACTS = 3
OPEN_DEALS = 3


@dataclass(frozen=True)
class _CardReads:
    contacts: Select[Contact]
    deals: Select[Deal]
    at_a_glance: Select[*tuple[Any, ...]]
    """Columns, not records (:class:`_Glance`): a row of plain values is read without the
    ORM's execution, which cost a ``/find`` more than the statement's round trip."""


class _Glance(NamedTuple):
    """The card's one row (:func:`_card_reads`), in its columns' order."""

    id: int
    name: str
    city: str | None
    industry: str | None
    owner_id: int
    last_at: datetime | None
    last_kind: str | None
    last_summary: str | None
    last_owner: int | None
    task_id: int | None
    task_due: datetime | None
    task_title: str | None
    task_owner: int | None
    has_contracts: bool
    has_tickets: bool
    has_contacts: bool
    has_deals: bool
    won_cents: Any
    orders: Any
    tags: Any


@functools.lru_cache(maxsize=1024)
def _card_reads(viewer: Principal, open_stages: tuple[str, ...], dialect: str) -> _CardReads:
    """The card's reads of the customer's own records, built once per viewer with the
    customer as a parameter: building and keying a statement costs more than SQLite
    running it, and every card runs all of them.

    The customer itself (within the viewer's scope: none is "not found"), its last
    activity, its next task and whether it has any contract or ticket at all are one row:
    the customer's row joined to the activity and the task, each found
    by its own ``ORDER BY … LIMIT 1`` (either may be missing: ``None``). Most customers have
    neither contracts nor tickets, and then the card does not read them: a flag counts
    every viewer's, so it is never false when the viewer has some to see. Flags within the
    viewer's scope say whether there are contacts and open deals to read (a lead logged by
    a one-message log has neither). The customer's standing for its tier (won deals, tags)
    comes in the same row."""
    company: BindParameter[int] = bindparam("company_id")
    last = (
        select(Activity.id)
        .where(scope_of(viewer, Activity), Activity.company_id == company)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(1)
        .correlate(None)  # the outer query joins activities too: this is its own read
        .scalar_subquery()
    )
    next_task = (
        select(Task.id)
        .where(scope_of(viewer, Task), Task.company_id == company, Task.done_at.is_(None))
        .order_by(Task.due_at.is_(None), Task.due_at)
        .limit(1)
        .correlate(None)
        .scalar_subquery()
    )
    its_contacts = (scope_of(viewer, Contact), Contact.company_id == company)
    its_open_deals = (
        scope_of(viewer, Deal),
        Deal.company_id == company,
        Deal.stage.in_(open_stages),
    )
    return _CardReads(
        contacts=select(Contact).where(*its_contacts).order_by(Contact.id).limit(KEY_CONTACTS),
        deals=select(Deal)
        .where(*its_open_deals)
        .order_by(Deal.amount_cents.desc())
        .limit(OPEN_DEALS),
        at_a_glance=select(
            Company.id,
            Company.name,
            Company.city,
            Company.industry,
            Company.owner_id,
            Activity.occurred_at,
            Activity.kind,
            Activity.summary,
            Activity.owner_id,
            Task.id,
            Task.due_at,
            Task.title,
            Task.owner_id,
            exists().where(Contract.company_id == company),
            exists().where(Ticket.company_id == company),
            exists().where(*its_contacts),
            exists().where(*its_open_deals),
            *tiers.standing_columns(dialect, company),
        )
        .select_from(Company)
        .outerjoin(Activity, Activity.id == last)
        .outerjoin(Task, Task.id == next_task)
        .where(scope_of(viewer, Company), Company.id == company),
    )


async def company_card(ctx: Context, company_id: int) -> Card:
    """The customer's card; :class:`RecordNotFound` when the viewer does not see it (the
    customer is read with the card's other facts, not on its own first)."""
    records = ctx.records
    session = ctx.session
    dialect = session.get_bind().dialect.name
    reads = _card_reads(records.principal, ctx.settings.pipeline.open_stages, dialect)
    key = {"company_id": company_id}
    glance = {**key, **tiers.standing_params(ctx.now)}
    rows = await read(session, reads.at_a_glance, glance)
    if not rows:
        raise RecordNotFound(f"Company {company_id}")
    company = _Glance(*rows[0])
    contacts = (await session.scalars(reads.contacts, key)).all() if company.has_contacts else []
    deals = (await session.scalars(reads.deals, key)).all() if company.has_deals else []
    now_local = ctx.now.astimezone(ctx.tz)
    heading = " · ".join(p for p in (company.city, company.industry) if p)
    lines = [heading] if heading else []
    for contact in contacts:
        phone = contact.mobile or contact.phone
        shown = display_phone(phone) if phone else None
        bits = [contact.name, contact.title or "", ctx.masking.phone(shown, contact.owner_id) or ""]
        lines.append("👤 " + " ".join(b for b in bits if b))
    lines += [deal_line(ctx, d) for d in deals]
    contract_lines, contract_buttons = (
        await customer_summary(ctx, company.id) if company.has_contracts else ([], [])
    )
    lines += contract_lines
    ticket_lines, ticket_buttons = (
        await ticket_views.customer_summary(ctx, company.id) if company.has_tickets else ([], [])
    )
    lines += ticket_lines
    standing = (company.won_cents, company.orders, company.tags)
    book = await book_of(ctx, "company", company.id, standing)
    lines += book.lines
    if company.last_at is not None and company.last_kind is not None:  # an activity
        when = format_when(company.last_at.astimezone(ctx.tz), now_local, ctx.lang)
        summary = shorten(company.last_summary or "", 60)
        lines.append(
            ctx.t(
                "card.last_activity",
                kind=activity_label(ctx, company.last_kind),
                when=when,
                summary=ctx.masking.text(summary, company.last_owner),
            )
        )
    if company.task_id is not None:
        due = (
            format_when(company.task_due.astimezone(ctx.tz), now_local, ctx.lang)
            if company.task_due
            else "-"
        )
        title = ctx.masking.text(shorten(company.task_title or "", 60), company.task_owner)
        lines.append(ctx.t("card.next_task", when=due, title=title))
    if len(lines) <= 1 and not contacts:
        lines.append(ctx.t("card.empty"))
    buttons = (
        Button(ctx.t("card.log"), LogFor(company.id)),
        Button(ctx.t("card.new_deal"), NewDealFor(company.id)),
        Button(ctx.t("card.history"), ShowHistory(company.id, 0)),
    )
    deal_buttons = tuple(Button(f"💼 {d.title}"[:40], OpenDeal(d.id)) for d in deals)
    if ctx.settings.public_url:  # the same card, and more, on the quick-lookup page
        deal_buttons += (Button(ctx.t("card.app"), OpenApp(), app_link(ctx)),)
    # Last, so the buttons before it keep their numbers; only for who may correct it.
    edit: tuple[Button, ...] = ()
    if records.may_correct(company):
        edit = (Button(ctx.t("corrections.edit"), CorrectFrom(company.id)),)
    # The book's 🏷 Tags / 🧩 Fields after Edit: the numbers of the buttons before stay.
    # The lead pool's 🌊 Release, last: for the holder only (handlers/pool asks first).
    release: tuple[Button, ...] = ()
    if company.owner_id == records.principal.user_id:
        release = (Button(ctx.t("pool.btn_release"), ReleaseToPool(company.id)),)
    return Card(
        f"🏢 {company.name}",
        tuple(lines),
        buttons
        + deal_buttons
        + tuple(contract_buttons)
        + tuple(ticket_buttons)
        + edit
        + tuple(book.buttons)
        + release,
    )


async def company_of(ctx: Context, contact: Contact) -> Company | None:
    if contact.company_id is None:
        return None
    return await ctx.session.scalar(
        ctx.records.select(Company).where(Company.id == contact.company_id)
    )
