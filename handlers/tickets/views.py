"""How a ticket reads: its card (customer, contact, type, priority, who has it, SLA
targets, resolution and survey) with the buttons the viewer may press, and one-line
summaries for lists, the customer card and history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.context import Context
from bot.replies import Button, Card
from handlers.tickets.actions import (
    ChangePriority,
    CloseTicket,
    OpenTicket,
    ReassignTicket,
    SurveyTicket,
    TakeTicket,
)
from locales.formatting import format_when, shorten
from store import tickets
from store.access import may_reassign, may_take
from store.models import Team, Ticket, User

PRIORITY_ICONS = {"urgent": "🔴", "high": "🟠", "normal": "🟢", "low": "⚪"}


def label(ctx: Context, group: str, value: str) -> str:
    """A type or priority in the reader's language (a configured type without a label in
    the catalogue shows as configured)."""
    key = f"tickets.{group}.{value}"
    return ctx.t(key) if key in ctx.translator.catalogs.get("en", {}) else value


def priority_label(ctx: Context, priority: str) -> str:
    return f"{PRIORITY_ICONS.get(priority, '')} {label(ctx, 'priorities', priority)}".strip()


def when(ctx: Context, at: datetime) -> str:
    return format_when(at.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz), ctx.lang)


def status_label(ctx: Context, ticket: Ticket) -> str:
    if ticket.status == tickets.CLOSED:
        return ctx.t("tickets.status.closed")
    late = tickets.overdue(ticket, ctx.now)
    if late is not None:
        return ctx.t(f"tickets.status.late_{late}")
    if ticket.escalated_at is not None:
        return ctx.t("tickets.status.escalated")
    if ticket.assignee_id is None:
        return ctx.t("tickets.status.queue")
    return ctx.t("tickets.status.open")


def working_hours_label(ctx: Context) -> str:
    """``Mon–Fri 09:00–18:00`` / ``周一至周五 09:00–18:00``: the configured working hours."""
    hours = ctx.settings.tickets.hours
    assert hours is not None
    days = sorted(hours.days)
    names = [ctx.t(f"tickets.weekdays.{d}") for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        shown = ctx.t("tickets.weekday_range", first=names[0], last=names[-1])
    else:
        shown = ctx.t("tickets.weekday_list_sep").join(names)
    return f"{shown} {hours.start:%H:%M}–{hours.end:%H:%M}"


async def _names(ctx: Context, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await ctx.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return dict(rows.all())


async def ticket_card(ctx: Context, ticket: Ticket) -> Card:
    company, contact = await tickets.parties(ctx.session, ticket)
    names = await _names(ctx, {ticket.assignee_id, ticket.owner_id})
    lines = [shorten(ticket.summary, 200)]
    if contact is not None:
        lines.append(ctx.t("tickets.line_contact", value=contact))
    lines.append(
        ctx.t(
            "tickets.line_kind",
            kind=label(ctx, "types", ticket.kind),
            priority=priority_label(ctx, ticket.priority),
        )
    )
    if ticket.region:
        lines.append(ctx.t("tickets.line_region", value=ticket.region))
    team = await ctx.session.get(Team, ticket.team_id) if ticket.team_id else None
    who = names.get(ticket.assignee_id or 0) or ctx.t("tickets.queue")
    lines.append(ctx.t("tickets.line_assignee", value=f"{who} · {team.name}" if team else who))
    lines.append(ctx.t("tickets.line_owner", value=names.get(ticket.owner_id, "-")))
    lines.append(ctx.t("tickets.line_status", value=status_label(ctx, ticket)))
    if ticket.status == tickets.OPEN:
        lines.append(
            ctx.t(
                "tickets.line_sla",
                respond=when(ctx, ticket.respond_by),
                resolve=when(ctx, ticket.resolve_by),
            )
        )
        policy = ctx.settings.tickets
        if policy.hours is not None and policy.in_working_hours(ticket.priority):
            lines.append(ctx.t("tickets.line_sla_hours", hours=working_hours_label(ctx)))
    if ticket.resolution:
        lines.append(ctx.t("tickets.line_resolution", value=ticket.resolution))
    if ticket.score is not None:
        comment = f" — {ticket.comment}" if ticket.comment else ""
        lines.append(ctx.t("tickets.line_survey", score=ticket.score, comment=comment))
    return Card(
        ctx.t("tickets.title", id=ticket.id, company=company),
        tuple(lines),
        tuple(_buttons(ctx, ticket)),
    )


def _buttons(ctx: Context, ticket: Ticket) -> list[Button]:
    assert ctx.principal is not None
    principal = ctx.principal
    buttons: list[Button] = []
    if ticket.status == tickets.OPEN:
        mine = ticket.assignee_id == principal.user_id
        if not mine and may_take(principal):
            buttons.append(Button(ctx.t("tickets.btn_take"), TakeTicket(ticket.id)))
        if mine or may_reassign(principal) or ticket.owner_id == principal.user_id:
            buttons.append(Button(ctx.t("tickets.btn_close"), CloseTicket(ticket.id)))
        if may_reassign(principal):
            buttons.append(Button(ctx.t("tickets.btn_reassign"), ReassignTicket(ticket.id)))
        buttons.append(Button(ctx.t("tickets.btn_priority"), ChangePriority(ticket.id)))
    elif ticket.score is None:
        buttons.append(Button(ctx.t("tickets.btn_survey"), SurveyTicket(ticket.id)))
    return buttons


def ticket_line(ctx: Context, ticket: Ticket, company: str) -> str:
    return ctx.t(
        "tickets.list_line",
        id=ticket.id,
        company=company,
        summary=shorten(ticket.summary, 40),
        priority=priority_label(ctx, ticket.priority),
        status=status_label(ctx, ticket),
    )


async def customer_summary(ctx: Context, company_id: int) -> tuple[list[str], list[Button]]:
    """The customer card's part: the latest tickets, each with a button."""
    rows = list(await tickets.of_company(ctx.records, company_id))
    lines = [
        ctx.t(
            "tickets.card_line",
            id=t.id,
            summary=shorten(t.summary, 40),
            status=status_label(ctx, t),
        )
        for t in rows
    ]
    return lines, [Button(f"🎫 #{t.id}", OpenTicket(t.id)) for t in rows]


async def history_lines(ctx: Context, company_id: int) -> list[str]:
    """The customer's tickets for the top of its history: opened, closed and rated."""
    lines = []
    for t in await tickets.of_company(ctx.records, company_id, limit=5):
        lines.append(
            ctx.t(
                "tickets.history.opened", when=when(ctx, t.created_at), id=t.id, summary=t.summary
            )
        )
        if t.escalated_at is not None and t.escalated_for in ("response", "resolution"):
            lines.append(
                ctx.t(
                    "tickets.history.escalated",
                    when=when(ctx, t.escalated_at),
                    id=t.id,
                    target=ctx.t(f"tickets.target_{t.escalated_for}"),
                )
            )
        if t.closed_at is not None:
            lines.append(
                ctx.t(
                    "tickets.history.closed",
                    when=when(ctx, t.closed_at),
                    id=t.id,
                    resolution=t.resolution or "-",
                )
            )
        if t.score is not None:
            lines.append(ctx.t("tickets.history.rated", id=t.id, score=t.score))
    return lines
