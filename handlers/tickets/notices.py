"""Telling people about a ticket: the assignee when it reaches them, the customer's owner
as it moves (taken, closed, reopened), the managers when a survey comes back low.

Each push is written to the outbox in the event's transaction (the deal approvals'
:func:`handlers.approvals.notices.push`), in the recipient's language, with a button that
opens the ticket; the person acting is never told what they just did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.context import Context
from bot.replies import Button, Choices
from bot.voice import Voice
from handlers.approvals.notices import push
from handlers.tickets.actions import OpenTicket, ReassignTicket, TakeTicket
from store import tickets
from store.models import Ticket


async def tell(
    ctx: Context,
    ticket: Ticket,
    people: Iterable[int | None],
    key: str,
    *,
    take: bool = False,
    reassign: bool = False,
    **values: Any,
) -> int:
    """Push ``key`` about ``ticket`` to ``people`` (not the one acting); the number sent."""
    assert ctx.user is not None
    me = ctx.user.id
    wanted = [p for p in dict.fromkeys(people) if p is not None and p != me]
    if not wanted:
        return 0
    name, _ = await tickets.parties(ctx.session, ticket)

    def render(voice: Voice) -> Choices:
        buttons = [Button(voice.t("tickets.btn_open"), OpenTicket(ticket.id))]
        if take:
            buttons.insert(0, Button(voice.t("tickets.btn_accept"), TakeTicket(ticket.id)))
        if reassign:
            buttons.append(Button(voice.t("tickets.btn_reassign"), ReassignTicket(ticket.id)))
        text = voice.t(
            key,
            id=ticket.id,
            company=name,
            summary=ticket.summary,
            actor=ctx.user.display_name if ctx.user else "-",
            priority=voice.t(f"tickets.priorities.{ticket.priority}"),
            respond=voice.when(ticket.respond_by),
            **values,
        )
        return Choices(text, tuple(buttons))

    return await push(
        ctx, wanted, render, f"tk:{ticket.id}:{key.rsplit('.', 1)[-1]}:{ctx.event.event_id}"
    )
