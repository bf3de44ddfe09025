"""A shared location is a visit check-in: it lands on the rep's activity with the customer
they are with (logged within the last 12 hours), or asks which customer when that is not
clear. Any platform that sends locations gets this; WeChat reps do it most.

The place travels in the choice's button (see :mod:`handlers.checkin.actions`), so asking
keeps no state on the server.
"""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.events import EventKind, Location
from bot.replies import Button
from bot.router import Matcher, Router, action
from handlers.checkin.actions import CheckInActivity, CheckInCompany, check_in_button
from store.models import Activity, ActivityKind, Company

RECENT = timedelta(hours=12)
"""An activity this close to the check-in is the visit being checked in."""
CHOICES = 5


def shared_place() -> Matcher:
    return Matcher(
        lambda c: (
            c.event.kind is EventKind.LOCATION
            and c.event.location is not None
            and c.payload is None
        ),
        "location",
    )


async def check_in(ctx: Context) -> None:
    where = ctx.event.location
    assert where is not None
    assert ctx.user is not None
    mine = Activity.owner_id == ctx.user.id
    recent = await ctx.records.list(
        Activity,
        mine,
        Activity.company_id.is_not(None),
        Activity.occurred_at >= ctx.now - RECENT,
        Activity.occurred_at <= ctx.now + RECENT,
        order_by=Activity.occurred_at.desc(),
        limit=20,
    )
    latest: dict[int, Activity] = {}
    for activity in recent:
        if activity.company_id is not None:
            latest.setdefault(activity.company_id, activity)
    if len(latest) == 1:
        await _record(ctx, next(iter(latest.values())), where)
        return
    if latest:
        names = await _names(ctx, list(latest))
        buttons = [
            Button(names[company], check_in_button(CheckInActivity, activity.id, where))
            for company, activity in latest.items()
            if company in names
        ][:CHOICES]
        ctx.ask(ctx.t("checkin.which"), buttons)
        return
    earlier = await ctx.records.list(
        Activity,
        mine,
        Activity.company_id.is_not(None),
        order_by=Activity.occurred_at.desc(),
        limit=50,
    )
    companies = list(dict.fromkeys(a.company_id for a in earlier if a.company_id is not None))
    if not companies:  # nothing logged yet: their own customers, latest first
        own = await ctx.records.list(
            Company, Company.owner_id == ctx.user.id, order_by=Company.updated_at.desc(), limit=5
        )
        companies = [c.id for c in own]
    if not companies:
        ctx.say("checkin.no_customer")
        return
    names = await _names(ctx, companies[:CHOICES])
    ctx.ask(
        ctx.t("checkin.which"),
        [
            Button(names[c], check_in_button(CheckInCompany, c, where))
            for c in companies[:CHOICES]
            if c in names
        ],
    )


async def on_activity(ctx: Context) -> None:
    pressed = ctx.pressed(CheckInActivity)
    await _record(ctx, await ctx.records.get(Activity, pressed.activity), pressed.place)


async def on_company(ctx: Context) -> None:
    pressed = ctx.pressed(CheckInCompany)
    where = pressed.place
    company = await ctx.records.get(Company, pressed.company)
    place = where.label or ctx.t("checkin.unknown_place")
    await ctx.records.create(
        Activity,
        company_id=company.id,
        kind=ActivityKind.VISIT.value,
        summary=ctx.t("checkin.summary", place=place),
        occurred_at=ctx.now,
        latitude=where.latitude,
        longitude=where.longitude,
        place=where.label or None,
        checked_in_at=ctx.now,
    )
    ctx.say("checkin.new", company=company.name, place=place)


async def _record(ctx: Context, activity: Activity, where: Location) -> None:
    await ctx.records.update(
        activity,
        latitude=where.latitude,
        longitude=where.longitude,
        place=where.label or None,
        checked_in_at=ctx.now,
    )
    company = await ctx.records.get(Company, activity.company_id or 0)
    ctx.say(
        "checkin.done", company=company.name, place=where.label or ctx.t("checkin.unknown_place")
    )


async def _names(ctx: Context, ids: list[int]) -> dict[int, str]:
    rows = await ctx.records.list(Company, Company.id.in_(ids), limit=len(ids))
    return {c.id: c.name for c in rows}


def routes() -> Router:
    router = Router()
    router.add(shared_place(), check_in)
    router.add(action(CheckInActivity), on_activity)
    router.add(action(CheckInCompany), on_company)
    return router
