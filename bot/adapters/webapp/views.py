"""Records as the API shows them: labels in the user's language, amounts as decimal strings
(never floats), a ``tel:`` link for one-tap calling — and sensitive fields masked as the
viewer's :class:`bot.masking.Masking` says (the one place the API and page apply it): a
masked phone or e-mail is shortened (``138****8000``, ``z***@x.cn``) with no ``tel:``
link, a masked amount is null, and ``masked`` names what was masked."""

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
from bot.masking import Masking
from handlers.common.labels import activity_label, deal_amount, stage_label
from locales.formatting import format_money
from store.masking import FieldClass
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


def _masked(mask: Masking, owner_id: int, **fields: tuple[FieldClass, object]) -> list[str]:
    """The names of the fields (with a value) that ``mask`` hides on this record."""
    return [name for name, (cls, value) in fields.items() if value and mask.hides(cls, owner_id)]


def company_out(ctx: Context, company: Company) -> CompanyOut:
    mask, owner = ctx.masking, company.owner_id
    return CompanyOut(
        id=company.id,
        name=company.name,
        industry=company.industry,
        city=company.city,
        phone=mask.phone(company.phone, owner),
        website=company.website,
        owner_id=owner,
        updated_at=company.updated_at,
        masked=_masked(mask, owner, phone=(FieldClass.PHONE, company.phone)),
    )


def contact_out(ctx: Context, contact: Contact) -> ContactOut:
    mask, owner = ctx.masking, contact.owner_id
    masked = _masked(
        mask,
        owner,
        mobile=(FieldClass.PHONE, contact.mobile),
        phone=(FieldClass.PHONE, contact.phone),
        email=(FieldClass.EMAIL, contact.email),
        wechat=(FieldClass.PHONE, contact.wechat),
    )
    return ContactOut(
        id=contact.id,
        company_id=contact.company_id,
        name=contact.name,
        title=contact.title,
        mobile=mask.phone(contact.mobile, owner),
        phone=mask.phone(contact.phone, owner),
        email=mask.email(contact.email, owner),
        wechat=mask.wechat(contact.wechat, owner),
        tel=None if masked else tel_uri(contact.mobile or contact.phone),
        owner_id=owner,
        masked=masked,
    )


def deal_out(ctx: Context, deal: Deal) -> DealOut:
    hidden = ctx.masking.amount(deal.owner_id)
    return DealOut(
        id=deal.id,
        company_id=deal.company_id,
        title=deal.title,
        stage=deal.stage,
        stage_label=stage_label(ctx, deal.stage),
        amount=None if hidden else str(Decimal(deal.amount_cents) / 100),
        currency=deal.currency,
        amount_label=deal_amount(ctx, deal, format_money(0, deal.currency, ctx.lang)),
        expected_close=deal.expected_close,
        probability=deal.probability,
        owner_id=deal.owner_id,
        masked=["amount"] if hidden else [],
    )


def activity_out(ctx: Context, activity: Activity) -> ActivityOut:
    return ActivityOut(
        id=activity.id,
        company_id=activity.company_id,
        contact_id=activity.contact_id,
        deal_id=activity.deal_id,
        kind=activity.kind,
        kind_label=activity_label(ctx, activity.kind),
        summary=ctx.masking.text(activity.summary, activity.owner_id),
        occurred_at=activity.occurred_at,
        owner_id=activity.owner_id,
    )


def task_out(ctx: Context, task: Task, company_name: str | None) -> TaskOut:
    return TaskOut(
        id=task.id,
        company_id=task.company_id,
        company_name=company_name,
        title=ctx.masking.text(task.title, task.owner_id),
        due_at=task.due_at,
        overdue=task.due_at is not None and task.due_at < ctx.now and task.done_at is None,
        done=task.done_at is not None,
    )
