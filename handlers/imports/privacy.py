"""``/privacy CONTACT`` in chat (admins): what the CRM holds about a person and where it came
from, with a button to erase it after a confirmation. The same store functions as
``crmbot privacy`` (:mod:`store.privacy`); the full export is a file, which the command
line writes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.context import Context, FlowKey
from bot.replies import Button, Card
from bot.router import Router, command
from conversations.base import Answer, Expects, Flow, Step
from store.models import Contact, Role
from store.privacy import PERSONAL_FIELDS, PersonNotFound, erase_person, find_person, person_export


class State(StrEnum):
    SHOWN = "shown"
    CONFIRM = "confirm"


class Choice(StrEnum):
    ERASE = "erase"
    CONFIRM = "confirm"
    CANCEL = "cancel"


KEY = FlowKey("privacy", 1, State)
_LABELS = {"birthday": "privacy.birthday"}


@dataclass(frozen=True)
class Pick(Answer, tag="pv"):
    choice: Choice


async def privacy_command(ctx: Context) -> None:
    assert ctx.flow is not None
    if ctx.user is None or ctx.user.role != Role.ADMIN.value:
        ctx.say("privacy.not_allowed")
        return
    if not ctx.args:
        ctx.say("privacy.usage")
        return
    try:
        person = await find_person(ctx.records, ctx.args)
    except PersonNotFound as exc:
        if not exc.matches:
            ctx.say("privacy.not_found", query=ctx.args)
        else:
            listed = ", ".join(f"{c.id} {c.name}" for c in exc.matches)
            ctx.say("privacy.several", query=ctx.args, matches=listed)
        return
    held = await person_export(ctx.records, person)
    origin = held["origin"]
    fields = [
        f"{ctx.t(_LABELS.get(f, f'import.fields.{f}'))}: {held['contact'][f]}"
        for f in PERSONAL_FIELDS
        if held["contact"][f]
    ]
    lines = [
        ctx.t("privacy.line_fields", fields="; ".join(fields) or "-"),
        ctx.t(
            "privacy.line_counts",
            activities=len(held["activities"]),
            deals=len(held["deals"]),
            photos=len(origin["card_scans"]),
            audit=len(held["audit"]),
        ),
    ]
    if origin["created_by"]:
        lines.append(
            ctx.t(
                "privacy.line_origin",
                who=origin["created_by"],
                platform=origin["platform"],
                at=origin["created_at"][:10],
            )
        )
    lines += [ctx.t("privacy.line_import", id=i["id"], file=i["file"]) for i in origin["imports"]]
    lines += [
        ctx.t("privacy.line_card", who=c["by"] or "-", at=c["at"][:10])
        for c in origin["card_scans"]
    ]
    lines.append(ctx.t("privacy.line_export", id=person.id))
    ctx.flow.start(KEY, State.SHOWN, {"contact": person.id, "name": person.name})
    ctx.reply(
        Card(
            ctx.t("privacy.title", name=person.name, id=person.id),
            tuple(lines),
            (Button(ctx.t("privacy.btn_erase"), Pick(Choice.ERASE)),),
        )
    )


async def on_shown(ctx: Context) -> None:
    assert ctx.flow is not None
    if not isinstance(ctx.action, Pick) or ctx.action.choice is not Choice.ERASE:
        ctx.flow.end()
        return
    ctx.flow.goto(State.CONFIRM)
    ctx.ask(
        ctx.t("privacy.confirm", name=ctx.flow.data["name"]),
        [
            Button(ctx.t("privacy.btn_confirm"), Pick(Choice.CONFIRM)),
            Button(ctx.t("import.btn_cancel"), Pick(Choice.CANCEL)),
        ],
    )


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = ctx.action.choice if isinstance(ctx.action, Pick) else None
    contact_id = int(ctx.flow.data["contact"])
    ctx.flow.end()
    if choice is not Choice.CONFIRM:
        ctx.say("privacy.cancelled")
        return
    person = await ctx.records.get(Contact, contact_id, for_update=True)
    done = await erase_person(ctx.records, person)
    ctx.say("privacy.erased", id=contact_id, activities=done["activities"], photos=done["photos"])


def routes() -> Router:
    router = Router()
    router.add(command("privacy"), privacy_command)
    return router


FLOW = Flow(
    KEY,
    {
        State.SHOWN: Step(on_shown, Expects.CHOICE),
        State.CONFIRM: Step(on_confirm, Expects.CHOICE),
    },
    answers=(Pick,),
)
