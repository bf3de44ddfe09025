"""``/newcompany``: name -> city -> industry -> confirm, one question at a time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from sqlalchemy import func

from bot.context import Context, FlowKey
from bot.replies import Button, Card
from conversations.base import Answer, Flow
from handlers.customers.actions import OpenCompany
from handlers.customers.twins import twin_buttons, twin_lines, twins_of
from store.models import Company


class State(StrEnum):
    NAME = "name"
    CITY = "city"
    INDUSTRY = "industry"
    CONFIRM = "confirm"


class Choice(StrEnum):
    ANYWAY = "anyway"  # create it although one with that name exists
    CANCEL = "cancel"
    USE = "use"  # the name the search was for
    SKIP = "skip"
    SAVE = "save"


Industry = Literal["manufacturing", "it", "retail", "finance", "other"]
INDUSTRIES: tuple[Industry, ...] = get_args(Industry)
KEY = FlowKey("new_company", 1, State)
MAX_NAME = 200


@dataclass(frozen=True)
class Pick(Answer, tag="nc"):
    choice: Choice


@dataclass(frozen=True)
class PickIndustry(Answer, tag="ni"):
    industry: Industry


USE_SUGGESTED = Pick(Choice.USE)
CANCEL = Pick(Choice.CANCEL)


def _button(ctx: Context, label_key: str, choice: Choice) -> Button:
    return Button(ctx.t(label_key), Pick(choice))


def _choice(ctx: Context) -> Choice | None:
    return ctx.action.choice if isinstance(ctx.action, Pick) else None


async def start(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.NAME)
    if ctx.args:
        await got_name(ctx, ctx.args)
    else:
        ctx.say("company.ask_name")


async def on_name(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = _choice(ctx)
    if choice is Choice.ANYWAY:
        _ask_city(ctx)
        return
    if choice is Choice.CANCEL:
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    if choice is Choice.USE and ctx.flow.data.get("suggested"):
        await got_name(ctx, ctx.flow.data["suggested"])
        return
    if ctx.action is not None or not ctx.text:
        ctx.say("company.ask_name")
        return
    await got_name(ctx, ctx.text)


async def got_name(ctx: Context, raw: str) -> None:
    assert ctx.flow is not None
    name = " ".join(raw.split())[:MAX_NAME]
    ctx.flow.update(name=name)
    same = await ctx.records.list(Company, func.lower(Company.name) == name.lower(), limit=1)
    if same:
        ctx.ask(
            ctx.t("company.exists", name=same[0].name),
            [
                Button(ctx.t("company.open_existing"), OpenCompany(same[0].id)),
                _button(ctx, "company.create_anyway", Choice.ANYWAY),
            ],
        )
        return
    twins = await twins_of(ctx, company=name)
    if twins:  # a colleague's customer already (查重): whose, and the ways on
        ctx.ask(
            "\n".join([ctx.t("duplicates.intro"), *twin_lines(ctx, twins)]),
            [
                *twin_buttons(ctx, twins),
                _button(ctx, "company.create_anyway", Choice.ANYWAY),
                _button(ctx, "common.cancel", Choice.CANCEL),
            ],
        )
        return
    _ask_city(ctx)


def _ask_city(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto(State.CITY)
    ctx.ask(ctx.t("company.ask_city"), [_button(ctx, "common.skip", Choice.SKIP)])


async def on_city(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = _choice(ctx)
    if ctx.action is None and not ctx.text:
        _ask_city(ctx)
        return
    ctx.flow.update(city=None if choice is Choice.SKIP else ctx.text[:80])
    ctx.flow.goto(State.INDUSTRY)
    buttons = [Button(ctx.t(f"company.industries.{i}"), PickIndustry(i)) for i in INDUSTRIES]
    ctx.ask(ctx.t("company.ask_industry"), [*buttons, _button(ctx, "common.skip", Choice.SKIP)])


async def on_industry(ctx: Context) -> None:
    assert ctx.flow is not None
    if isinstance(ctx.action, PickIndustry):
        industry: str | None = ctx.t(f"company.industries.{ctx.action.industry}")
    elif _choice(ctx) is Choice.SKIP:
        industry = None
    else:
        industry = ctx.text[:80] or None
    ctx.flow.update(industry=industry)
    ctx.flow.goto(State.CONFIRM)
    data = ctx.flow.data
    ctx.reply(
        Card(
            ctx.t("company.confirm_title"),
            (
                ctx.t("company.field_name", value=data["name"]),
                ctx.t("company.field_city", value=data.get("city") or "-"),
                ctx.t("company.field_industry", value=data.get("industry") or "-"),
            ),
            (
                _button(ctx, "common.save", Choice.SAVE),
                _button(ctx, "common.cancel", Choice.CANCEL),
            ),
        )
    )


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = _choice(ctx)
    if choice is Choice.CANCEL:
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    if choice is not Choice.SAVE:
        ctx.say("company.confirm_hint")
        return
    data = ctx.flow.data
    company = await ctx.records.create(
        Company, name=data["name"], city=data.get("city"), industry=data.get("industry")
    )
    ctx.flow.end()
    ctx.ask(
        ctx.t("company.saved", name=company.name),
        [Button(ctx.t("company.open"), OpenCompany(company.id))],
    )


FLOW = Flow(
    KEY,
    {
        State.NAME: on_name,
        State.CITY: on_city,
        State.INDUSTRY: on_industry,
        State.CONFIRM: on_confirm,
    },
    answers=(Pick, PickIndustry),
)
