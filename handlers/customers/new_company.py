"""``/newcompany``: name -> city -> industry -> confirm, one question at a time."""

from __future__ import annotations

from sqlalchemy import func

from bot.context import Context
from bot.replies import Button, Card
from conversations.base import Flow, flow_payload, flow_value
from store.models import Company

NAME = "new_company"
VERSION = 1
INDUSTRIES = ("manufacturing", "it", "retail", "finance", "other")
USE_SUGGESTED = flow_payload(NAME, "use")
CANCEL = flow_payload(NAME, "cancel")
MAX_NAME = 200


def _button(ctx: Context, label_key: str, value: str) -> Button:
    return Button(ctx.t(label_key), flow_payload(NAME, value))


async def start(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.start(NAME, VERSION, "name")
    if ctx.args:
        await got_name(ctx, ctx.args)
    else:
        ctx.say("company.ask_name")


async def on_name(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = flow_value(ctx, NAME)
    if choice == "anyway":
        _ask_city(ctx)
        return
    if choice == "cancel":
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    if choice == "use" and ctx.flow.data.get("suggested"):
        await got_name(ctx, ctx.flow.data["suggested"])
        return
    if choice is not None or not ctx.text:
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
                Button(ctx.t("company.open_existing"), f"co:{same[0].id}"),
                _button(ctx, "company.create_anyway", "anyway"),
            ],
        )
        return
    _ask_city(ctx)


def _ask_city(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto("city")
    ctx.ask(ctx.t("company.ask_city"), [_button(ctx, "common.skip", "skip")])


async def on_city(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = flow_value(ctx, NAME)
    if choice is None and not ctx.text:
        _ask_city(ctx)
        return
    ctx.flow.update(city=None if choice == "skip" else ctx.text[:80])
    ctx.flow.goto("industry")
    buttons = [_button(ctx, f"company.industries.{i}", i) for i in INDUSTRIES]
    ctx.ask(ctx.t("company.ask_industry"), [*buttons, _button(ctx, "common.skip", "skip")])


async def on_industry(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = flow_value(ctx, NAME)
    if choice in INDUSTRIES:
        industry: str | None = ctx.t(f"company.industries.{choice}")
    elif choice == "skip":
        industry = None
    else:
        industry = ctx.text[:80] or None
    ctx.flow.update(industry=industry)
    ctx.flow.goto("confirm")
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
                _button(ctx, "common.save", "save"),
                _button(ctx, "common.cancel", "cancel"),
            ),
        )
    )


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = flow_value(ctx, NAME)
    if choice == "cancel":
        ctx.flow.end()
        ctx.say("settings.cancelled")
        return
    if choice != "save":
        ctx.say("company.confirm_hint")
        return
    data = ctx.flow.data
    company = await ctx.records.create(
        Company, name=data["name"], city=data.get("city"), industry=data.get("industry")
    )
    ctx.flow.end()
    ctx.ask(
        ctx.t("company.saved", name=company.name),
        [Button(ctx.t("company.open"), f"co:{company.id}")],
    )


FLOW = Flow(
    name=NAME,
    version=VERSION,
    states={"name": on_name, "city": on_city, "industry": on_industry, "confirm": on_confirm},
)
