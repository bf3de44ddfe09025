"""Edit a just-saved log: pick the field, send the new value (type, summary, follow-up, amount)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.labels import activity_label
from handlers.deals import edit as deal_edit
from handlers.logging.actions import EditSaved, UndoSaved
from locales.formatting import format_when
from store.access import RecordNotFound
from store.models import Activity, ActivityKind, Deal, Task, UndoAction


class State(StrEnum):
    FIELD = "field"  # which field to change
    KIND = "kind"  # then its new value
    SUMMARY = "summary"
    FOLLOW_UP = "follow_up"
    AMOUNT = "amount"
    VALUE = "value"  # rows saved before the steps were split


class Field(StrEnum):
    KIND = "kind"
    SUMMARY = "summary"
    FOLLOW_UP = "follow_up"
    AMOUNT = "amount"


KEY = FlowKey("log_edit", 1, State)


@dataclass(frozen=True)
class PickField(Answer, tag="ef"):
    field: Field


@dataclass(frozen=True)
class PickKind(Answer, tag="ek"):
    kind: ActivityKind


def _button(label: str, answer: Answer) -> Button:
    return Button(label[:60], answer)


def _created(action: UndoAction, model: str) -> int | None:
    for step in action.steps:
        if step["op"] == "delete" and step["model"] == model:
            return int(step["id"])
    return None


async def start(ctx: Context, action: UndoAction) -> None:
    assert ctx.flow is not None
    activity_id = _created(action, "Activity")
    if activity_id is None:
        raise UserFacingError("log.undo_gone")
    ctx.flow.start(
        KEY,
        State.FIELD,
        {"activity_id": activity_id, "task_id": _created(action, "Task"), "undo_id": action.id},
    )
    ctx.ask(ctx.t("log.edit_which"), [_button(ctx.t(f"log.edit_{f}"), PickField(f)) for f in Field])


async def on_field(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, PickField):
        ctx.say("log.edit_which")
        return
    field = ctx.action.field
    ctx.flow.update(field=field.value)
    ctx.flow.goto(State(field.value))
    if field is Field.KIND:
        ctx.ask(
            ctx.t("log.ask_kind"),
            [_button(activity_label(ctx, k.value), PickKind(k)) for k in ActivityKind],
        )
    else:
        ctx.say(f"log.edit_ask_{field}")


async def on_value(ctx: Context) -> None:
    assert ctx.flow is not None
    data = ctx.flow.data
    records = ctx.records
    activity = await records.get(Activity, data["activity_id"], for_update=True)
    field = data["field"]
    if field == "kind":
        if not isinstance(ctx.action, PickKind):
            ctx.say("log.ask_kind_buttons")
            return
        value = ctx.action.kind.value
        await records.update(activity, kind=value)
        shown = activity_label(ctx, value)
    elif field == "summary":
        if not ctx.text:
            ctx.say("log.edit_ask_summary")
            return
        await records.update(activity, summary=ctx.text[:2000])
        shown = ctx.text
    elif field == "follow_up":
        at = parse_datetime(ctx.text, ctx.sent_local, default_time=ctx.settings.follow_up_time)
        if at is None:
            ctx.say("log.bad_date")
            return
        await _set_follow_up(ctx, activity, data.get("task_id"), at)
        shown = format_when(at, ctx.now.astimezone(ctx.tz), ctx.lang)
    else:
        if activity.deal_id is None:
            ctx.flow.end()
            ctx.say("log.edit_no_deal")
            return
        deal = await records.get(Deal, activity.deal_id, for_update=True)
        parsed = deal_edit.amount_cents(ctx.text, deal.currency) if ctx.text else None
        if parsed is None:
            ctx.say("deal.bad_amount")
            return
        await records.update(deal, amount_cents=parsed[0], currency=parsed[1])
        shown = ctx.text
    ctx.flow.end()
    edited = ctx.t("log.edited", field=ctx.t(f"log.edit_{field}"), value=shown)
    undo_id = data.get("undo_id")
    if undo_id is None:  # a flow started before the id was kept
        ctx.reply_text(edited)
        return
    # Undo and Edit again under the answer: a second correction needs no scrolling back.
    ctx.ask(
        edited,
        [
            Button(ctx.t("log.undo"), UndoSaved(int(undo_id))),
            Button(ctx.t("log.edit"), EditSaved(int(undo_id))),
        ],
    )


async def _set_follow_up(
    ctx: Context, activity: Activity, task_id: int | None, at: datetime
) -> None:
    if task_id is not None:
        try:
            task = await ctx.records.get(Task, task_id, for_update=True)
        except RecordNotFound:
            task = None
        if task is not None:
            await ctx.records.update(task, due_at=at)
            return
    await ctx.records.create(
        Task,
        company_id=activity.company_id,
        deal_id=activity.deal_id,
        activity_id=activity.id,
        title=ctx.t("log.follow_up_title", company="", summary=activity.summary[:40]).strip(),
        due_at=at,
        owner_id=activity.owner_id,
    )


FLOW = Flow(
    KEY,
    {
        State.FIELD: Step(on_field, Expects.CHOICE),
        State.KIND: Step(on_value, Expects.CHOICE),
        State.SUMMARY: Step(on_value, Expects.MESSAGE),
        State.FOLLOW_UP: Step(on_value, Expects.DATE),
        State.AMOUNT: Step(on_value, Expects.NUMBER),
        State.VALUE: Step(on_value, Expects.MESSAGE),
    },
    answers=(PickField, PickKind),
)
