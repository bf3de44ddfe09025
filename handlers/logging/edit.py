"""Edit a just-saved log: pick the field, send the new value (type, summary, follow-up, amount)."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.nlu.dates import parse_datetime
from bot.replies import Button
from conversations.base import Expects, Flow, Step, flow_payload, flow_value
from handlers.common.labels import activity_label
from handlers.deals import edit as deal_edit
from locales.formatting import format_when
from store.access import RecordNotFound
from store.models import Activity, ActivityKind, Deal, Task, UndoAction

NAME = "log_edit"
VERSION = 1
FIELDS = ("kind", "summary", "follow_up", "amount")


def _button(label: str, value: str) -> Button:
    return Button(label[:60], flow_payload(NAME, value))


def _created(action: UndoAction, model: str) -> int | None:
    for step in action.steps:
        if step["op"] == "delete" and step["model"] == model:
            return int(step["id"])
    return None


async def start(ctx: Context, action: UndoAction) -> None:
    assert ctx.flow is not None
    activity_id = _created(action, "Activity")
    if activity_id is None:
        ctx.say("log.undo_gone")
        return
    ctx.flow.start(
        NAME,
        VERSION,
        "field",
        {"activity_id": activity_id, "task_id": _created(action, "Task")},
    )
    ctx.ask(ctx.t("log.edit_which"), [_button(ctx.t(f"log.edit_{f}"), f) for f in FIELDS])


async def on_field(ctx: Context) -> None:
    assert ctx.flow is not None
    field = flow_value(ctx, NAME)
    if field not in FIELDS:
        ctx.say("log.edit_which")
        return
    ctx.flow.update(field=field)
    ctx.flow.goto(field)
    if field == "kind":
        ctx.ask(
            ctx.t("log.ask_kind"),
            [_button(activity_label(ctx, k.value), f"k{k.value}") for k in ActivityKind],
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
        value = (flow_value(ctx, NAME) or "").removeprefix("k")
        if value not in {k.value for k in ActivityKind}:
            ctx.say("log.ask_kind_buttons")
            return
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
    ctx.say("log.edited", field=ctx.t(f"log.edit_{field}"), value=shown)


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
    name=NAME,
    version=VERSION,
    states={
        "field": Step(on_field, Expects.CHOICE),
        "kind": Step(on_value, Expects.CHOICE),
        "summary": Step(on_value, Expects.MESSAGE),
        "follow_up": Step(on_value, Expects.DATE),
        "amount": Step(on_value, Expects.NUMBER),
        "value": Step(on_value, Expects.MESSAGE),  # rows saved before the steps were split
    },
)
