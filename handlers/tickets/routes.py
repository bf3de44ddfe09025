"""``/ticket`` (``/工单``): open one, ``/ticket list`` (open tickets I see), ``/ticket queue``
(the unassigned ones), ``/ticket report`` and ``/service``; the ticket card's buttons: Take,
Reassign (a manager), Priority, Close and Survey."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.replies import Button
from bot.router import Router, action, command
from handlers.tickets import close, new_ticket, report
from handlers.tickets.actions import (
    ChangePriority,
    CloseTicket,
    GiveTicket,
    NewTicketFor,
    OpenTicket,
    ReassignTicket,
    SetPriority,
    SurveyTicket,
    TakeTicket,
)
from handlers.tickets.notices import tell
from handlers.tickets.views import priority_label, ticket_card, ticket_line
from store import tickets
from store.access import may_reassign, may_take
from store.models import Ticket, User
from store.ticket_policy import PRIORITIES

LIST_WORDS = {"list", "all", "open", "列表", "全部", "未结"}
QUEUE_WORDS = {"queue", "队列", "待领"}
REPORT_WORDS = {"report", "报表", "报告"}
MAX_LISTED = 10


async def ticket_command(ctx: Context) -> None:
    word = ctx.args.strip().lower()
    first = word.partition(" ")[0]
    if word in LIST_WORDS:
        await list_tickets(ctx, Ticket.status == tickets.OPEN, key="tickets.list_title")
    elif word in QUEUE_WORDS:
        await list_tickets(
            ctx,
            Ticket.status == tickets.OPEN,
            Ticket.assignee_id.is_(None),
            key="tickets.queue_title",
        )
    elif first in REPORT_WORDS:
        await report.answer(ctx, ctx.args.strip()[len(first) :])
    else:
        await new_ticket.start(ctx)


async def service_report(ctx: Context) -> None:
    await report.answer(ctx, ctx.args)


async def list_tickets(ctx: Context, *where: object, key: str) -> None:
    rows = list(await tickets.visible(ctx.records, *where, limit=MAX_LISTED, newest_first=False))
    if not rows:
        ctx.say("tickets.none")
        return
    names = await tickets.company_names(ctx.session, rows)
    lines = [ctx.t(key, count=len(rows))]
    lines += [ticket_line(ctx, t, names.get(t.company_id, "-")) for t in rows]
    ctx.ask("\n".join(lines), [Button(f"🎫 #{t.id}", OpenTicket(t.id)) for t in rows])


async def show(ctx: Context) -> None:
    ticket = await tickets.get(ctx.records, ctx.pressed(OpenTicket).ticket)
    ctx.reply(await ticket_card(ctx, ticket))


async def new_for(ctx: Context) -> None:
    await new_ticket.new_for(ctx, ctx.pressed(NewTicketFor).company)


def _open(ticket: Ticket) -> None:
    if ticket.status != tickets.OPEN:
        raise UserFacingError("tickets.already_closed", id=ticket.id)


async def take(ctx: Context) -> None:
    """Take from the queue, or say "on it" to a ticket assigned to oneself (the response)."""
    assert ctx.principal is not None
    assert ctx.user is not None
    ticket = await tickets.get(ctx.records, ctx.pressed(TakeTicket).ticket, for_update=True)
    _open(ticket)
    mine = ticket.assignee_id == ctx.user.id
    if not mine and not may_take(ctx.principal):
        raise UserFacingError("tickets.not_yours", id=ticket.id)
    if not mine and ticket.assignee_id is not None and not may_reassign(ctx.principal):
        raise UserFacingError("tickets.taken_already", id=ticket.id)
    await tickets.assign(ticket, ctx.principal, ctx.user, ctx.now)
    await tickets.settle_escalations(ctx.session, ticket, ctx.now)
    await ctx.session.flush()
    ctx.say("tickets.taken", id=ticket.id)
    await tell(ctx, ticket, [ticket.owner_id], "tickets.push.taken")
    ctx.reply(await ticket_card(ctx, ticket))


async def reassign(ctx: Context) -> None:
    assert ctx.principal is not None
    ticket = await tickets.get(ctx.records, ctx.pressed(ReassignTicket).ticket)
    _open(ticket)
    if not may_reassign(ctx.principal):
        raise UserFacingError("tickets.managers_only")
    people = [
        p
        for p in await tickets.service_people(ctx.session, ctx.principal)
        if p.id != ticket.assignee_id
    ]
    if not people:
        raise UserFacingError("tickets.nobody_to_give")
    ctx.ask(
        ctx.t("tickets.ask_assignee", id=ticket.id),
        [Button(p.display_name[:40], GiveTicket(ticket.id, p.id)) for p in people],
    )


async def give(ctx: Context) -> None:
    assert ctx.principal is not None
    pressed = ctx.pressed(GiveTicket)
    ticket = await tickets.get(ctx.records, pressed.ticket, for_update=True)
    _open(ticket)
    if not may_reassign(ctx.principal):
        raise UserFacingError("tickets.managers_only")
    allowed = {p.id for p in await tickets.service_people(ctx.session, ctx.principal)}
    person = await ctx.session.get(User, pressed.user)
    if person is None or person.id not in allowed:
        raise UserFacingError("errors.not_found")
    before = ticket.assignee_id
    await tickets.assign(ticket, ctx.principal, person, ctx.now)
    await tickets.settle_escalations(ctx.session, ticket, ctx.now)
    await ctx.session.flush()
    ctx.say("tickets.reassigned", id=ticket.id, name=person.display_name)
    await tell(ctx, ticket, [person.id], "tickets.push.assigned", take=True)
    await tell(
        ctx, ticket, [before, ticket.owner_id], "tickets.push.reassigned", name=person.display_name
    )
    ctx.reply(await ticket_card(ctx, ticket))


async def change_priority(ctx: Context) -> None:
    ticket = await tickets.get(ctx.records, ctx.pressed(ChangePriority).ticket)
    _open(ticket)
    ctx.ask(
        ctx.t(
            "tickets.ask_new_priority", id=ticket.id, priority=priority_label(ctx, ticket.priority)
        ),
        [
            Button(priority_label(ctx, p), SetPriority(ticket.id, p))
            for p in PRIORITIES
            if p != ticket.priority
        ],
    )


async def set_priority(ctx: Context) -> None:
    pressed = ctx.pressed(SetPriority)
    if pressed.priority not in PRIORITIES:
        raise UserFacingError("tickets.bad_priority")
    ticket = await tickets.get(ctx.records, pressed.ticket, for_update=True)
    _open(ticket)
    old = ticket.priority
    if old != pressed.priority:
        tickets.reprioritise(ticket, ctx.settings.tickets, pressed.priority, ctx.now)
        await ctx.session.flush()
    ctx.say(
        "tickets.priority_changed",
        id=ticket.id,
        old=priority_label(ctx, old),
        new=priority_label(ctx, ticket.priority),
    )
    ctx.reply(await ticket_card(ctx, ticket))


async def close_ticket(ctx: Context) -> None:
    ticket = await tickets.get(ctx.records, ctx.pressed(CloseTicket).ticket)
    await close.start_close(ctx, ticket)


async def survey(ctx: Context) -> None:
    ticket = await tickets.get(ctx.records, ctx.pressed(SurveyTicket).ticket)
    await close.start_survey(ctx, ticket)


def routes() -> Router:
    router = Router()
    router.add(command("ticket"), ticket_command)
    router.add(command("service"), service_report)
    router.add(action(OpenTicket), show)
    router.add(action(NewTicketFor), new_for)
    router.add(action(TakeTicket), take)
    router.add(action(ReassignTicket), reassign)
    router.add(action(GiveTicket), give)
    router.add(action(ChangePriority), change_priority)
    router.add(action(SetPriority), set_priority)
    router.add(action(CloseTicket), close_ticket)
    router.add(action(SurveyTicket), survey)
    return router
