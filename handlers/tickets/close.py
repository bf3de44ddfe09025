"""Closing a ticket and its satisfaction survey: ✅ Close asks for the resolution; then the
customer's satisfaction (1–5) and a comment, recorded by whoever speaks to the customer.

The survey is asked of the person closing (who has just spoken to the customer) and can be
recorded later from the card (⭐ Survey) by the rep. A score of 1–2 opens the ticket again
as escalated and tells the managers (:func:`store.tickets.escalation_people`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, or_, true

from bot.context import Context, FlowKey, UserFacingError
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.tickets import customer_survey
from handlers.tickets.notices import tell
from handlers.tickets.views import ticket_card
from store import tickets
from store.access import may_reassign
from store.models import Ticket
from store.tickets import TicketError


class State(StrEnum):
    RESOLUTION = "resolution"
    SCORE = "score"
    COMMENT = "comment"


KEY = FlowKey("ticket_close", 1, State)


@dataclass(frozen=True)
class Score(Answer, tag="wr"):
    score: int


@dataclass(frozen=True)
class NoComment(Answer, tag="wx"):
    pass


def may_close(ctx: Context, ticket: Ticket) -> bool:
    """Its assignee, its customer's owner, or a manager (an admin) may close a ticket."""
    assert ctx.principal is not None
    principal = ctx.principal
    return (
        ticket.assignee_id == principal.user_id
        or ticket.owner_id == principal.user_id
        or may_reassign(principal)
    )


def closable(ctx: Context) -> ColumnElement[bool]:
    """:func:`may_close` as a condition, for finding the tickets one may close among many."""
    assert ctx.principal is not None
    principal = ctx.principal
    if may_reassign(principal):
        return true()
    return or_(Ticket.assignee_id == principal.user_id, Ticket.owner_id == principal.user_id)


async def start_close(ctx: Context, ticket: Ticket) -> None:
    assert ctx.flow is not None
    if ticket.status != tickets.OPEN:
        raise UserFacingError("tickets.already_closed", id=ticket.id)
    if not may_close(ctx, ticket):
        raise UserFacingError("tickets.not_yours", id=ticket.id)
    ctx.flow.start(KEY, State.RESOLUTION, {"ticket_id": ticket.id})
    ctx.say("tickets.ask_resolution", id=ticket.id)


async def on_resolution(ctx: Context) -> None:
    assert ctx.flow is not None
    ticket = await tickets.get(ctx.records, ctx.flow.data["ticket_id"], for_update=True)
    if ticket.status != tickets.OPEN:
        ctx.flow.end()
        raise UserFacingError("tickets.already_closed", id=ticket.id)
    try:
        tickets.close(ticket, ctx.text, ctx.now)
    except TicketError as error:
        ctx.say(error.key)
        return
    await tickets.settle_escalations(ctx.session, ticket, ctx.now)
    await ctx.session.flush()
    await tell(
        ctx,
        ticket,
        [ticket.owner_id, ticket.assignee_id],
        "tickets.push.closed",
        resolution=ticket.resolution,
    )
    ctx.say("tickets.closed", id=ticket.id)
    sent = await customer_survey.send(ctx, ticket)
    if sent is None:
        _ask_score(ctx, ticket)
    else:  # the customer answers themself; ⭐ Survey stays on the card for a phoned answer
        ctx.flow.end()
        ctx.say(sent.told, id=ticket.id, name=sent.name, to=sent.to)


def _ask_score(ctx: Context, ticket: Ticket) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.SCORE, {"ticket_id": ticket.id})
    ctx.ask(
        ctx.t("tickets.survey.ask", id=ticket.id),
        [Button(f"{n} ⭐", Score(n)) for n in range(1, 6)],
    )


async def start_survey(ctx: Context, ticket: Ticket) -> None:
    if ticket.status != tickets.CLOSED:
        raise UserFacingError("tickets.survey.not_closed", id=ticket.id)
    if ticket.score is not None:
        raise UserFacingError("tickets.survey.already", id=ticket.id, score=ticket.score)
    _ask_score(ctx, ticket)


async def on_score(ctx: Context) -> None:
    assert ctx.flow is not None
    if isinstance(ctx.action, Score):
        score = ctx.action.score
    else:
        typed = ctx.text.strip()
        score = int(typed) if typed.isdigit() and len(typed) == 1 else 0
    if not 1 <= score <= 5:
        ctx.say("tickets.survey.bad_score")
        return
    ctx.flow.update(score=score)
    ctx.flow.goto(State.COMMENT)
    ctx.ask(
        ctx.t("tickets.survey.ask_comment"), [Button(ctx.t("tickets.survey.skip"), NoComment())]
    )


async def on_comment(ctx: Context) -> None:
    assert ctx.flow is not None
    data = dict(ctx.flow.data)
    ctx.flow.end()
    ticket = await tickets.get(ctx.records, data["ticket_id"], for_update=True)
    if ticket.score is not None:
        raise UserFacingError("tickets.survey.already", id=ticket.id, score=ticket.score)
    if ticket.status != tickets.CLOSED:
        raise UserFacingError("tickets.survey.not_closed", id=ticket.id)
    comment = None if isinstance(ctx.action, NoComment) else (ctx.text.strip()[:1000] or None)
    ticket.comment = comment
    reopened = tickets.rate(ticket, int(data["score"]), ctx.now)
    await ctx.session.flush()
    if reopened:
        people = await tickets.escalation_people(ctx.session, ticket)
        await tell(
            ctx,
            ticket,
            [*people, ticket.owner_id, ticket.assignee_id],
            "tickets.push.low_score",
            reassign=True,
            score=ticket.score,
            comment=comment or "-",
        )
        ctx.say("tickets.survey.reopened", id=ticket.id, score=ticket.score)
    else:
        ctx.say("tickets.survey.thanks", id=ticket.id, score=ticket.score)
    ctx.reply(await ticket_card(ctx, ticket))


FLOW = Flow(
    KEY,
    {
        State.RESOLUTION: Step(on_resolution, Expects.MESSAGE),
        State.SCORE: Step(on_score, Expects.CHOICE),
        State.COMMENT: Step(on_comment, Expects.TEXT),
    },
    answers=(Score, NoComment),
)
