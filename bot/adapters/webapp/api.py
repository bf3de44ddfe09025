"""``/api/v1``: what the quick-lookup page uses, and the integration API (list, create and
update companies, contacts, deals and activities). Every read and write goes through the
record rules of ``store/access.py`` as the signed-in user; logging and tasks call the very
functions the chat calls.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, select

from bot.adapters.webapp.endpoints import Endpoint, Later
from bot.adapters.webapp.errors import ApiError
from bot.adapters.webapp.schemas import (
    MAX_ID,
    ActivityOut,
    ActivityPatch,
    CompanyCard,
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    DealDetail,
    DealIn,
    DealOut,
    DealPatch,
    LogIn,
    LogOut,
    Me,
    MyDay,
    Page,
    RecordId,
    Report,
    SearchHit,
    SearchResult,
    SnoozeIn,
    StageChangeOut,
    TaskAction,
    TaskOut,
)
from bot.adapters.webapp.views import activity_out, company_out, contact_out, deal_out, task_out
from bot.adapters.webapp.visits import by_day, visit_out
from bot.context import Context
from bot.extras import CHARTS, available
from bot.payloads import Action
from bot.replies import Card, Choices, Reply, Text
from charts.kinds import render
from handlers.logging.core import save_plan
from handlers.logging.plan import Plan
from handlers.reports.routes import Viewer
from handlers.reports.routes import build as build_report
from handlers.tasks.actions import SnoozeTask, TaskDone
from handlers.tasks.routes import done as chat_task_done
from handlers.tasks.routes import snooze as chat_task_snooze
from store.access import RecordNotFound
from store.approvals import ApprovalRequired
from store.deals import StageError, create_deal, move_stage
from store.masking import FieldClass
from store.models import Activity, Company, Contact, Deal, DealStageChange, Owned, Task
from store.search import search as lookup

R = TypeVar("R", bound=Owned)
CARD_CONTACTS = 20
CARD_ACTIVITIES = 5
DAY_TASKS = 30


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,18}$",
        description="next_cursor of the page before (the last id it listed)",
    )
    limit: int = Field(default=25, ge=1, le=100)
    company_id: RecordId | None = None


class DealQuery(ListQuery):
    stage: str | None = Field(default=None, max_length=32)


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pipeline", "funnel"]


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1, max_length=100)
    limit: int = Field(default=10, ge=1, le=30)


def _cursor(last_id: int) -> str:
    """The keyset cursor: the last id listed, as digits. It was base64 once, which the
    document could only call "a string": a client (schemathesis) sending any string got a
    422 the document did not foretell. Digits can be described exactly (``pattern``)."""
    return str(last_id)


def _after(cursor: str | None) -> int | None:
    """The id to list below; none past the largest id there can be (every id is below it)."""
    if cursor is None or int(cursor) > MAX_ID:
        return None
    return int(cursor)


async def _page(
    ctx: Context, model: type[R], query: ListQuery, *where: ColumnElement[bool]
) -> tuple[list[R], str | None]:
    """Newest first, ``limit`` at a time, keyset-paginated on the id."""
    stmt = ctx.records.select(model).where(*where)
    after = _after(query.cursor)
    if after is not None:
        stmt = stmt.where(model.id < after)
    rows = list(
        (await ctx.session.scalars(stmt.order_by(model.id.desc()).limit(query.limit + 1))).all()
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, (_cursor(rows[-1].id) if more and rows else None)


def changes(body: BaseModel, *required: str) -> dict[str, Any]:
    """The fields a PATCH sets; one that may not be empty set to null is a 422, not a
    database error."""
    fields = body.model_dump(exclude_unset=True)
    nulled = tuple(f"body.{name}" for name in required if name in fields and fields[name] is None)
    if nulled:
        raise ApiError(422, fields=nulled)
    return fields


MASKABLE_FIELDS = {
    "phone": FieldClass.PHONE,
    "mobile": FieldClass.PHONE,
    "wechat": FieldClass.PHONE,
    "email": FieldClass.EMAIL,
}


def refuse_masked(ctx: Context, owner_id: int, wanted: dict[str, Any]) -> None:
    """A field the viewer sees masked is not theirs to change: a client that sent back
    what it was shown (``138****8000``) would otherwise overwrite the real number."""
    hidden = tuple(
        name
        for name in wanted
        if name in MASKABLE_FIELDS and ctx.masking.hides(MASKABLE_FIELDS[name], owner_id)
    )
    if hidden:
        raise ApiError(403, "masked", message_key="webapp.errors.masked", fields=hidden)


def said(replies: list[Reply]) -> str:
    """What the chat would have answered, as plain text."""
    parts: list[str] = []
    for reply in replies:
        if isinstance(reply, Text | Choices):
            parts.append(reply.text)
        elif isinstance(reply, Card):
            parts.append("\n".join((reply.title, *reply.lines)))
    return "\n".join(parts)


async def _company_names(ctx: Context, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await ctx.session.execute(
        select(Company.id, Company.name).where(ctx.records.scope(Company), Company.id.in_(ids))
    )
    return {row.id: row.name for row in rows}


async def _tasks_out(ctx: Context, tasks: list[Task]) -> list[TaskOut]:
    names = await _company_names(ctx, {t.company_id for t in tasks if t.company_id})
    return [task_out(ctx, t, names.get(t.company_id or 0)) for t in tasks]


# ---- who am I, search -----------------------------------------------------------------


async def me(ctx: Context, _: dict[str, Any]) -> Me:
    assert ctx.user is not None
    return Me(
        id=ctx.user.id,
        name=ctx.user.name,
        display_name=ctx.user.display_name,
        role=ctx.user.role,
        lang=ctx.lang,
        tz=str(ctx.tz),
    )


async def search(ctx: Context, inputs: dict[str, Any]) -> SearchResult:
    """The same lookup as ``/find``: pinyin, initials, typos, phone and e-mail fragments."""
    query: SearchQuery = inputs["query"]
    hits = await lookup(ctx.records, query.q, limit=query.limit)
    return SearchResult(
        query=query.q,
        hits=[
            SearchHit(
                kind=h.kind,
                id=h.id,
                name=h.name,
                company_id=h.company_id,
                company_name=h.company_name,
                score=round(h.score, 2),
            )
            for h in hits
        ],
    )


# ---- companies ------------------------------------------------------------------------


async def list_companies(ctx: Context, inputs: dict[str, Any]) -> Page[CompanyOut]:
    rows, cursor = await _page(ctx, Company, inputs["query"])
    return Page[CompanyOut](items=[company_out(ctx, c) for c in rows], next_cursor=cursor)


async def create_company(ctx: Context, inputs: dict[str, Any]) -> CompanyOut:
    body: CompanyIn = inputs["body"]
    return company_out(ctx, await ctx.records.create(Company, **body.model_dump()))


async def get_company(ctx: Context, inputs: dict[str, Any]) -> CompanyCard:
    """The customer card: contacts, open deals, last activities, next task."""
    records, session = ctx.records, ctx.session
    company = await records.get(Company, inputs["company_id"])
    contacts = await records.list(
        Contact, Contact.company_id == company.id, order_by=Contact.id, limit=CARD_CONTACTS
    )
    deals = await records.list(
        Deal,
        Deal.company_id == company.id,
        Deal.stage.in_(ctx.settings.pipeline.open_stages),
        order_by=Deal.amount_cents.desc(),
    )
    activities = (
        await session.scalars(
            records.select(Activity)
            .where(Activity.company_id == company.id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(CARD_ACTIVITIES)
        )
    ).all()
    task = await session.scalar(
        records.select(Task)
        .where(Task.company_id == company.id, Task.done_at.is_(None))
        .order_by(Task.due_at.is_(None), Task.due_at)
        .limit(1)
    )
    return CompanyCard(
        company=company_out(ctx, company),
        contacts=[contact_out(ctx, c) for c in contacts],
        open_deals=[deal_out(ctx, d) for d in deals],
        activities=[activity_out(ctx, a) for a in activities],
        next_task=task_out(ctx, task, company.name) if task else None,
    )


async def update_company(ctx: Context, inputs: dict[str, Any]) -> CompanyOut:
    company = await ctx.records.get(Company, inputs["company_id"], for_update=True)
    body: CompanyPatch = inputs["body"]
    wanted = changes(body, "name")
    refuse_masked(ctx, company.owner_id, wanted)
    return company_out(ctx, await ctx.records.update(company, **wanted))


# ---- contacts -------------------------------------------------------------------------


async def list_contacts(ctx: Context, inputs: dict[str, Any]) -> Page[ContactOut]:
    query: ListQuery = inputs["query"]
    where = [Contact.company_id == query.company_id] if query.company_id else []
    rows, cursor = await _page(ctx, Contact, query, *where)
    return Page[ContactOut](items=[contact_out(ctx, c) for c in rows], next_cursor=cursor)


async def create_contact(ctx: Context, inputs: dict[str, Any]) -> ContactOut:
    body: ContactIn = inputs["body"]
    return contact_out(ctx, await ctx.records.create(Contact, **body.model_dump()))


async def get_contact(ctx: Context, inputs: dict[str, Any]) -> ContactOut:
    return contact_out(ctx, await ctx.records.get(Contact, inputs["contact_id"]))


async def update_contact(ctx: Context, inputs: dict[str, Any]) -> ContactOut:
    contact = await ctx.records.get(Contact, inputs["contact_id"], for_update=True)
    body: ContactPatch = inputs["body"]
    wanted = changes(body, "name")
    refuse_masked(ctx, contact.owner_id, wanted)
    return contact_out(ctx, await ctx.records.update(contact, **wanted))


# ---- deals ----------------------------------------------------------------------------


async def list_deals(ctx: Context, inputs: dict[str, Any]) -> Page[DealOut]:
    query: DealQuery = inputs["query"]
    where: list[ColumnElement[bool]] = []
    if query.company_id:
        where.append(Deal.company_id == query.company_id)
    if query.stage:
        where.append(Deal.stage == query.stage)
    rows, cursor = await _page(ctx, Deal, query, *where)
    return Page[DealOut](items=[deal_out(ctx, d) for d in rows], next_cursor=cursor)


async def _deal_detail(ctx: Context, deal: Deal) -> DealDetail:
    changes = (
        await ctx.session.scalars(
            select(DealStageChange)
            .where(DealStageChange.deal_id == deal.id)
            .order_by(DealStageChange.changed_at, DealStageChange.id)
        )
    ).all()
    history = [
        StageChangeOut(from_stage=c.from_stage, to_stage=c.to_stage, changed_at=c.changed_at)
        for c in changes
    ]
    return DealDetail(**deal_out(ctx, deal).model_dump(), history=history)


async def get_deal(ctx: Context, inputs: dict[str, Any]) -> DealDetail:
    """A deal with its stage history (every move, with its time)."""
    return await _deal_detail(ctx, await ctx.records.get(Deal, inputs["deal_id"]))


async def create_deal_endpoint(ctx: Context, inputs: dict[str, Any]) -> DealDetail:
    body: DealIn = inputs["body"]
    company = await ctx.records.get(Company, body.company_id)
    try:
        deal = await create_deal(
            ctx.records,
            ctx.settings.pipeline,
            company,
            title=body.title,
            amount_cents=int(Decimal(body.amount) * 100),
            currency=body.currency or ctx.currency,
            stage=body.stage,
            expected_close=body.expected_close,
        )
    except StageError:
        raise ApiError(422, fields=("body.stage",)) from None
    except ApprovalRequired:
        raise ApiError(409, "approval_required") from None
    return await _deal_detail(ctx, deal)


create_deal_endpoint.__name__ = "create_deal"


async def update_deal(ctx: Context, inputs: dict[str, Any]) -> DealDetail:
    deal = await ctx.records.get(Deal, inputs["deal_id"], for_update=True)
    body: DealPatch = inputs["body"]
    fields = changes(body, "title")
    stage = fields.pop("stage", None)
    if fields:
        await ctx.records.update(deal, **fields)
    if stage is not None:
        try:
            await move_stage(ctx.records, ctx.settings.pipeline, deal, stage)
        except StageError:
            raise ApiError(422, fields=("body.stage",)) from None
        except ApprovalRequired:
            raise ApiError(409, "approval_required") from None
    return await _deal_detail(ctx, deal)


# ---- activities and the quick log -----------------------------------------------------


async def list_activities(ctx: Context, inputs: dict[str, Any]) -> Page[ActivityOut]:
    query: ListQuery = inputs["query"]
    where = [Activity.company_id == query.company_id] if query.company_id else []
    rows, cursor = await _page(ctx, Activity, query, *where)
    return Page[ActivityOut](items=[activity_out(ctx, a) for a in rows], next_cursor=cursor)


async def log(ctx: Context, inputs: dict[str, Any]) -> LogOut:
    """The quick log form, saved by the chat's own ``save_plan``: the activity, the touch
    on the customer, the follow-up task and its Undo, exactly as a logged message."""
    body: LogIn = inputs["body"]
    follow_up = body.follow_up
    if follow_up is not None and follow_up.tzinfo is None:
        follow_up = follow_up.replace(tzinfo=ctx.tz)
    plan = Plan(
        summary=body.note,
        sent_at=ctx.now,
        activity=body.kind,
        company_id=body.company_id,
        follow_up=follow_up,
        source_text=body.note,
    )
    await save_plan(ctx, plan)
    activity = await ctx.session.scalar(
        ctx.records.select(Activity)
        .where(
            Activity.company_id == body.company_id,
            Activity.created_at == ctx.now,
            Activity.source_text == body.note,
        )
        .order_by(Activity.id.desc())
        .limit(1)
    )
    if activity is None:
        raise RecordNotFound("the activity just logged")
    task = await ctx.session.scalar(
        ctx.records.select(Task).where(Task.activity_id == activity.id).limit(1)
    )
    tasks = await _tasks_out(ctx, [task]) if task else []
    return LogOut(
        activity=activity_out(ctx, activity),
        task=tasks[0] if tasks else None,
        message=said(ctx.replies),
    )


async def create_activity(ctx: Context, inputs: dict[str, Any]) -> LogOut:
    """Same as ``POST /log``."""
    return await log(ctx, inputs)


async def update_activity(ctx: Context, inputs: dict[str, Any]) -> ActivityOut:
    activity = await ctx.records.get(Activity, inputs["activity_id"], for_update=True)
    body: ActivityPatch = inputs["body"]
    return activity_out(ctx, await ctx.records.update(activity, **changes(body, "summary", "kind")))


# ---- my day and tasks -----------------------------------------------------------------


async def my_day(ctx: Context, _: dict[str, Any]) -> MyDay:
    """Today's and overdue tasks (as ``/today``) and this week's visits and meetings."""
    assert ctx.user is not None
    local = ctx.now.astimezone(ctx.tz)
    end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), ctx.tz)
    week_start = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), ctx.tz)
    tasks = (
        await ctx.session.scalars(
            ctx.records.select(Task)
            .where(Task.done_at.is_(None), Task.owner_id == ctx.user.id, Task.due_at < end_of_day)
            .order_by(Task.due_at, Task.id)
            .limit(DAY_TASKS)
        )
    ).all()
    visits = (
        await ctx.session.scalars(
            ctx.records.select(Activity)
            .where(
                Activity.owner_id == ctx.user.id,
                Activity.kind.in_(("visit", "meeting")),
                Activity.occurred_at >= week_start,
                Activity.occurred_at < week_start + timedelta(days=7),
            )
            .order_by(Activity.occurred_at)
        )
    ).all()
    ids = {a.company_id for a in visits if a.company_id is not None}
    names: dict[int, str] = {}
    if ids:
        rows = await ctx.session.execute(
            ctx.records.select(Company)
            .with_only_columns(Company.id, Company.name)
            .where(Company.id.in_(ids))
        )
        names = {row[0]: row[1] for row in rows}
    shown = [visit_out(ctx, a, names.get(a.company_id or 0)) for a in visits]
    return MyDay(tasks=await _tasks_out(ctx, list(tasks)), visits=shown, days=by_day(ctx, shown))


async def _as_pressed(ctx: Context, action: Action, task_id: int, handler: Any) -> TaskAction:
    ctx.action = action
    await handler(ctx)
    task = await ctx.records.get(Task, task_id)
    return TaskAction(task=(await _tasks_out(ctx, [task]))[0], message=said(ctx.replies))


async def task_done(ctx: Context, inputs: dict[str, Any]) -> TaskAction:
    """As the Done button under a reminder."""
    task_id = inputs["task_id"]
    return await _as_pressed(ctx, TaskDone(task_id), task_id, chat_task_done)


async def task_snooze(ctx: Context, inputs: dict[str, Any]) -> TaskAction:
    """As the Snooze buttons: ``1h``, ``tomorrow`` (at the follow-up time), ``nextweek``."""
    task_id, body = inputs["task_id"], inputs["body"]
    assert isinstance(body, SnoozeIn)
    return await _as_pressed(ctx, SnoozeTask(task_id, body.until), task_id, chat_task_snooze)


# ---- reports ---------------------------------------------------------------------------


async def report(ctx: Context, inputs: dict[str, Any]) -> Later:
    """The chat's ``/pipeline`` or ``/funnel``: same scope (own, team, all), same numbers,
    same PNG. Queried in the request's transaction, drawn after it."""
    query: ReportQuery = inputs["query"]
    spec, lines = await build_report(Viewer.of(ctx), query.kind)

    async def draw() -> Report:
        png = await asyncio.to_thread(render, spec) if available(CHARTS) else None
        encoded = base64.b64encode(png).decode() if png is not None else None
        return Report(kind=query.kind, summary="\n".join(lines), png=encoded)

    return Later(draw)


def endpoints() -> list[Endpoint]:
    E = Endpoint  # noqa: N806
    return [
        E("GET", "/me", "Who is signed in", me, Me, tag="session"),
        E("GET", "/search", "Find customers as /find does", search, SearchResult, SearchQuery),
        E("GET", "/companies", "List companies", list_companies, Page[CompanyOut], ListQuery),
        E(
            "POST",
            "/companies",
            "Create a company",
            create_company,
            CompanyOut,
            body=CompanyIn,
            status=201,
        ),
        E("GET", "/companies/{company_id}", "A customer card", get_company, CompanyCard),
        E(
            "PATCH",
            "/companies/{company_id}",
            "Update a company",
            update_company,
            CompanyOut,
            body=CompanyPatch,
        ),
        E("GET", "/contacts", "List contacts", list_contacts, Page[ContactOut], ListQuery),
        E(
            "POST",
            "/contacts",
            "Create a contact",
            create_contact,
            ContactOut,
            body=ContactIn,
            status=201,
        ),
        E("GET", "/contacts/{contact_id}", "A contact", get_contact, ContactOut),
        E(
            "PATCH",
            "/contacts/{contact_id}",
            "Update a contact",
            update_contact,
            ContactOut,
            body=ContactPatch,
        ),
        E("GET", "/deals", "List deals", list_deals, Page[DealOut], DealQuery),
        E(
            "POST",
            "/deals",
            "Create a deal",
            create_deal_endpoint,
            DealDetail,
            body=DealIn,
            status=201,
        ),
        E("GET", "/deals/{deal_id}", "A deal and its stage history", get_deal, DealDetail),
        E(
            "PATCH",
            "/deals/{deal_id}",
            "Update a deal or move its stage",
            update_deal,
            DealDetail,
            body=DealPatch,
        ),
        E("GET", "/activities", "List activities", list_activities, Page[ActivityOut], ListQuery),
        E(
            "POST",
            "/activities",
            "Log an activity (as POST /log)",
            create_activity,
            LogOut,
            body=LogIn,
            status=201,
        ),
        E(
            "PATCH",
            "/activities/{activity_id}",
            "Update an activity",
            update_activity,
            ActivityOut,
            body=ActivityPatch,
        ),
        E("POST", "/log", "The quick log form", log, LogOut, body=LogIn, status=201),
        E("GET", "/my-day", "Today's tasks and this week's visits", my_day, MyDay),
        E("POST", "/tasks/{task_id}/done", "Mark a task done", task_done, TaskAction),
        E(
            "POST",
            "/tasks/{task_id}/snooze",
            "Snooze a task",
            task_snooze,
            TaskAction,
            body=SnoozeIn,
        ),
        E(
            "GET",
            "/report",
            "Pipeline or funnel chart, as /pipeline and /funnel",
            report,
            Report,
            ReportQuery,
            tag="reports",
        ),
    ]
