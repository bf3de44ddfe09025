"""Correcting a customer's records from its card: edit or delete the company, a contact or
an activity — for the record's owner and admins only (``Records.may_correct``), always
shown old → new and confirmed before anything changes, and audited like every change.

Pick the record (the card's Edit button lists the company, its key contacts and latest
activities), pick a field and type the new value, then Save; or Delete, then confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers

from bot.context import Context, FlowKey, UserFacingError
from bot.replies import Button
from bot.router import Router, action
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.labels import activity_label
from handlers.common.region import region_for
from handlers.customers import companies
from handlers.customers.actions import (
    AskDeleteRecord,
    CorrectFrom,
    CorrectRecord,
    DeleteRecord,
    EditField,
    OpenCompany,
    RecordKind,
)
from handlers.customers.card import company_card
from locales.formatting import shorten
from store.models import Activity, Company, Contact, Owned

KEY_CONTACTS = 3
LATEST_ACTIVITIES = 3
MODELS: dict[str, type[Owned]] = {"company": Company, "contact": Contact, "activity": Activity}
FIELDS: dict[str, tuple[str, ...]] = {
    "company": ("name", "city", "industry"),
    "contact": ("name", "title", "mobile", "email"),
    "activity": ("summary",),
}
LIMITS = {"name": 120, "city": 80, "industry": 80, "title": 120, "email": 200, "summary": 2000}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class State(StrEnum):
    VALUE = "value"
    CONFIRM = "confirm"


KEY = FlowKey("record_edit", 1, State)


@dataclass(frozen=True)
class ConfirmEdit(Answer, tag="rs"):
    save: bool


async def _correctable(
    ctx: Context, kind: RecordKind, record_id: int, *, lock: bool = False
) -> Any:
    """The record, if the user may correct it; refused with a clear reason otherwise."""
    obj = await ctx.records.get(MODELS[kind], record_id, for_update=lock)
    if not ctx.records.may_correct(obj):
        raise UserFacingError("corrections.owner_only")
    return obj


def _label(ctx: Context, kind: str, obj: Any) -> str:
    if kind == "company":
        return f"🏢 {obj.name}"
    if kind == "contact":
        return f"👤 {obj.name}"
    return f"🕘 {activity_label(ctx, obj.kind)} · {shorten(obj.summary, 30)}"


async def pick_record(ctx: Context) -> None:
    """The card's Edit: what to correct, among what the user may correct."""
    company = await ctx.records.get(Company, ctx.pressed(CorrectFrom).company)
    records = ctx.records
    contacts = (
        await ctx.session.scalars(
            records.select(Contact)
            .where(Contact.company_id == company.id)
            .order_by(Contact.id)
            .limit(KEY_CONTACTS)
        )
    ).all()
    activities = (
        await ctx.session.scalars(
            records.select(Activity)
            .where(Activity.company_id == company.id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(LATEST_ACTIVITIES)
        )
    ).all()
    targets: list[tuple[RecordKind, Any]] = [("company", company)]
    targets += [("contact", c) for c in contacts] + [("activity", a) for a in activities]
    buttons = [
        Button(_label(ctx, kind, obj)[:60], CorrectRecord(kind, obj.id))
        for kind, obj in targets
        if records.may_correct(obj)
    ]
    if not buttons:
        ctx.say("corrections.owner_only")
        return
    buttons.append(Button(ctx.t("common.cancel"), OpenCompany(company.id)))
    ctx.ask(ctx.t("corrections.pick_record", name=company.name), buttons)


async def pick_field(ctx: Context) -> None:
    pressed = ctx.pressed(CorrectRecord)
    obj = await _correctable(ctx, pressed.kind, pressed.record)
    buttons = [
        Button(ctx.t(f"corrections.fields.{field}"), EditField(pressed.kind, obj.id, field))
        for field in FIELDS[pressed.kind]
    ]
    buttons.append(Button(ctx.t("corrections.delete"), AskDeleteRecord(pressed.kind, obj.id)))
    ctx.ask(ctx.t("corrections.pick_field", what=_label(ctx, pressed.kind, obj)), buttons)


async def ask_value(ctx: Context) -> None:
    pressed = ctx.pressed(EditField)
    if pressed.field not in FIELDS[pressed.kind]:
        raise UserFacingError("errors.not_found")
    obj = await _correctable(ctx, pressed.kind, pressed.record)
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.VALUE, {"kind": pressed.kind, "id": obj.id, "field": pressed.field})
    now = getattr(obj, pressed.field) or "–"
    ctx.say(
        "corrections.ask_value",
        field=ctx.t(f"corrections.fields.{pressed.field}"),
        now=shorten(str(now), 80),
    )


def _checked(ctx: Context, field: str, text: str, region: str) -> str:
    """The value to store, or a :class:`UserFacingError` that says what is wrong."""
    value = " ".join(text.split()) if field != "summary" else text.strip()
    if not value:
        raise UserFacingError("corrections.empty")
    if field == "mobile":
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            raise UserFacingError("corrections.bad_phone", value=value) from None
        if not phonenumbers.is_possible_number(number):
            raise UserFacingError("corrections.bad_phone", value=value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if field == "email":
        if not EMAIL.fullmatch(value):
            raise UserFacingError("corrections.bad_email", value=value)
        value = value.lower()
    limit = LIMITS[field]
    if len(value) > limit:
        raise UserFacingError("corrections.too_long", limit=limit)
    return value


async def on_value(ctx: Context) -> None:
    assert ctx.flow is not None
    data = ctx.flow.data
    obj = await _correctable(ctx, data["kind"], data["id"])
    try:
        value = _checked(ctx, data["field"], ctx.text, region_for(ctx))
    except UserFacingError as problem:
        ctx.say(problem.key, **problem.values)  # the question stays open: try again
        return
    ctx.flow.update(value=value)
    ctx.flow.goto(State.CONFIRM)
    old = getattr(obj, data["field"]) or "–"
    ctx.ask(
        ctx.t(
            "corrections.confirm_edit",
            field=ctx.t(f"corrections.fields.{data['field']}"),
            old=shorten(str(old), 80),
            new=shorten(value, 80),
        ),
        [
            Button(ctx.t("common.save"), ConfirmEdit(True)),
            Button(ctx.t("common.cancel"), ConfirmEdit(False)),
        ],
    )


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, ConfirmEdit):
        ctx.say("corrections.save_or_cancel")
        return
    data = ctx.flow.data
    ctx.flow.end()
    if not ctx.action.save:
        ctx.say("corrections.not_changed")
        return
    obj = await _correctable(ctx, data["kind"], data["id"], lock=True)
    await ctx.records.update(obj, **{data["field"]: data["value"]})
    ctx.say(
        "corrections.saved",
        field=ctx.t(f"corrections.fields.{data['field']}"),
        value=shorten(data["value"], 80),
    )
    await _show_company(ctx, obj)


async def ask_delete(ctx: Context) -> None:
    pressed = ctx.pressed(AskDeleteRecord)
    if pressed.kind == "company":
        # The company's own rule (only an empty company) lives with the company list.
        await companies.offer_delete(ctx, pressed.record)
        return
    obj = await _correctable(ctx, pressed.kind, pressed.record)
    back = [Button(ctx.t("common.cancel"), OpenCompany(obj.company_id))] if obj.company_id else []
    ctx.ask(
        ctx.t("corrections.confirm_delete", what=_label(ctx, pressed.kind, obj)),
        [Button(ctx.t("corrections.delete_yes"), DeleteRecord(pressed.kind, obj.id)), *back],
    )


async def delete(ctx: Context) -> None:
    pressed = ctx.pressed(DeleteRecord)
    if pressed.kind == "company":
        raise UserFacingError("errors.not_found")  # companies go through DeleteCompany
    obj = await _correctable(ctx, pressed.kind, pressed.record, lock=True)
    what = _label(ctx, pressed.kind, obj)
    await ctx.records.delete(obj)
    ctx.say("corrections.deleted", what=what)
    await _show_company(ctx, obj)


async def _show_company(ctx: Context, obj: Any) -> None:
    company_id = obj.id if isinstance(obj, Company) else obj.company_id
    if company_id is None:
        return
    ctx.reply(await company_card(ctx, company_id))


def routes() -> Router:
    router = Router()
    router.add(action(CorrectFrom), pick_record)
    router.add(action(CorrectRecord), pick_field)
    router.add(action(EditField), ask_value)
    router.add(action(AskDeleteRecord), ask_delete)
    router.add(action(DeleteRecord), delete)
    return router


FLOW = Flow(
    KEY,
    # The value is whatever is typed next: a corrected summary may well read like a log.
    {State.VALUE: Step(on_value, Expects.MESSAGE), State.CONFIRM: on_confirm},
    answers=(ConfirmEdit,),
)
