"""Records as the API shows them: labels in the user's language, amounts as decimal strings
(never floats), a ``tel:`` link for one-tap calling."""

from __future__ import annotations

from decimal import Decimal

import phonenumbers

from bot.adapters.webapp.schemas import (
    ActivityOut,
    CompanyOut,
    ContactOut,
    DealOut,
    TaskOut,
)
from bot.context import Context
from handlers.common.labels import activity_label, stage_label
from locales.formatting import format_money
from store.models import Activity, Company, Contact, Deal, Task


def tel_uri(value: str | None) -> str | None:
    """``tel:+8613800138000`` (RFC 3966) when the number parses, else None."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)


def company_out(company: Company) -> CompanyOut:
    return CompanyOut(
        id=company.id,
        name=company.name,
        industry=company.industry,
        city=company.city,
        phone=company.phone,
        website=company.website,
        owner_id=company.owner_id,
        updated_at=company.updated_at,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        company_id=contact.company_id,
        name=contact.name,
        title=contact.title,
        mobile=contact.mobile,
        phone=contact.phone,
        email=contact.email,
        wechat=contact.wechat,
        tel=tel_uri(contact.mobile or contact.phone),
        owner_id=contact.owner_id,
    )


def deal_out(ctx: Context, deal: Deal) -> DealOut:
    return DealOut(
        id=deal.id,
        company_id=deal.company_id,
        title=deal.title,
        stage=deal.stage,
        stage_label=stage_label(ctx, deal.stage),
        amount=str(Decimal(deal.amount_cents) / 100),
        currency=deal.currency,
        amount_label=format_money(deal.amount_cents, deal.currency, ctx.lang),
        expected_close=deal.expected_close,
        probability=deal.probability,
        owner_id=deal.owner_id,
    )


def activity_out(ctx: Context, activity: Activity) -> ActivityOut:
    return ActivityOut(
        id=activity.id,
        company_id=activity.company_id,
        contact_id=activity.contact_id,
        deal_id=activity.deal_id,
        kind=activity.kind,
        kind_label=activity_label(ctx, activity.kind),
        summary=activity.summary,
        occurred_at=activity.occurred_at,
        owner_id=activity.owner_id,
    )


def task_out(ctx: Context, task: Task, company_name: str | None) -> TaskOut:
    return TaskOut(
        id=task.id,
        company_id=task.company_id,
        company_name=company_name,
        title=task.title,
        due_at=task.due_at,
        overdue=task.due_at is not None and task.due_at < ctx.now and task.done_at is None,
        done=task.done_at is not None,
    )
