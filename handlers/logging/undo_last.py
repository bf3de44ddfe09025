"""A typed ``/undo`` (``/撤销``): offer to reverse the user's last action, saying what it was.

The Undo buttons under a log or a reminder scroll away; on a phone the natural thing is to
type "undo". The last action still undoable is shown with one Undo button rather than
reversed at once, so a mistyped command never removes something silently.
"""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button
from handlers.common.labels import activity_label
from handlers.logging.actions import UndoSaved
from locales.formatting import shorten
from store.access import RecordNotFound
from store.models import Activity, Company, Deal, Task, UndoAction
from store.undo import created_ids, last_undoable


async def undo_last(ctx: Context) -> None:
    action = await last_undoable(ctx.records)
    if action is None:
        ctx.say("corrections.nothing_to_undo")
        return
    what = await describe(ctx, action)
    ctx.ask(
        ctx.t("corrections.undo_confirm", what=what),
        [Button(ctx.t("log.undo"), UndoSaved(action.id))],
    )


async def describe(ctx: Context, action: UndoAction) -> str:
    """What the action made, in a few words: the log, the reminder, the deal it changed."""
    for activity_id in created_ids(action, "Activity"):
        activity = await _get(ctx, Activity, activity_id)
        if isinstance(activity, Activity):
            company = await _get(ctx, Company, activity.company_id)
            name = company.name if isinstance(company, Company) else ""
            parts = [activity_label(ctx, activity.kind), name, shorten(activity.summary, 40)]
            return ctx.t("corrections.what_log", log=" · ".join(p for p in parts if p))
    for task_id in created_ids(action, "Task"):
        task = await _get(ctx, Task, task_id)
        if isinstance(task, Task):
            return ctx.t("corrections.what_reminder", title=shorten(task.title, 60))
    for step in action.steps:
        if step["model"] == "Deal":
            deal = await _get(ctx, Deal, int(step["id"]))
            if isinstance(deal, Deal):
                return ctx.t("corrections.what_deal", title=deal.title)
    return ctx.t("corrections.what_other")


async def _get(
    ctx: Context, model: type[Activity] | type[Company] | type[Task] | type[Deal], rid: int | None
) -> object | None:
    if rid is None:
        return None
    try:
        return await ctx.records.get(model, rid)
    except RecordNotFound:
        return None
