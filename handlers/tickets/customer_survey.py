"""The survey after a ticket is closed, sent to the customer contact themself when they
follow the WeChat Official Account, and their answer recorded against the ticket.

A follower becomes known as a contact by sending the OA their phone number: when it is the
mobile of exactly one contact, the contact's ``wechat_openid`` is set (and audited). When a
ticket of that contact is closed, the survey goes to them as an OA text with the score
choices ("回复 1–5"), and the rep is told instead of being asked for the score; their reply
("4 很满意") is recorded as the score and comment of their latest closed, unrated ticket.
Without a linked follower the rep records the score from the call, as before.

Strangers reach here through the engine's ``customers`` route, with no principal: their reads
are :mod:`store.followers`', narrowed by the follower's own openid, never by what they type.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.outbox import enqueue
from bot.replies import Button, Choices, Text
from bot.voice import Voice
from handlers.approvals.notices import push
from handlers.tickets.actions import OpenTicket, ReassignTicket
from locales.catalog import match_language
from store import followers, tickets
from store.dedupe import phone_key
from store.models import Ticket

WECHAT = "wechat"
ANSWER = re.compile(r"^\s*([1-5])(?![\d.])\s*(?:分|星|⭐|/5)?\s*[,，。.!！:：、-]*\s*(.*)$", re.S)
""""4 很满意", "5分", "3, slow" -> the score and the rest as the comment."""


async def send(ctx: Context, ticket: Ticket) -> str | None:
    """Send the survey of the just-closed ``ticket`` to its contact on WeChat; the contact's
    name when sent, ``None`` when there is no linked follower (the rep records it)."""
    if not ctx.settings.wechat_app_id:
        return None
    target = await followers.survey_target(ctx.session, ticket)
    if target is None:
        return None
    name, openid = target
    company, _ = await tickets.parties(ctx.session, ticket)
    voice = Voice(
        ctx.translator, ctx.settings.wechat_menu_lang, ZoneInfo(ctx.settings.default_tz), ctx.now
    )
    text = voice.t(
        "tickets.customer_survey.ask",
        name=name,
        company=company,
        id=ticket.id,
        resolution=ticket.resolution or "-",
    )
    enqueue(
        ctx.session,
        platform=WECHAT,
        chat_id=openid,
        replies=[Text(text)],
        now=ctx.now,
        event_id=f"sv:{ticket.id}:{ticket.reopened}",
    )
    return name


def _answer(ctx: Context, key: str, **values: object) -> None:
    """A reply to the follower in the OA's language (``CRMBOT_WECHAT_MENU_LANG``, the one the
    survey went out in), unless their client said another we speak."""
    lang = (
        match_language(ctx.event.actor.language_code, ctx.translator.languages)
        or ctx.settings.wechat_menu_lang
    )
    ctx.reply_text(ctx.translator.t(lang, key, **values))


async def on_customer_text(ctx: Context) -> None:
    """A follower's message: a survey answer, or the phone that links them to a contact.
    Saying nothing leaves the sender to the usual "not linked" prompt."""
    if ctx.event.platform != WECHAT:
        return
    openid = ctx.event.actor.platform_user_id
    contact = await followers.follower_contact(ctx.session, openid)
    if contact is None:
        await _link_by_phone(ctx, openid)
        return
    ticket = await followers.awaiting_score(ctx.session, contact.id, tickets.CLOSED)
    if ticket is None:
        _answer(ctx, "tickets.customer_survey.nothing_open")
        return
    answer = ANSWER.match(ctx.text)
    if answer is None:
        _answer(ctx, "tickets.customer_survey.ask_again", id=ticket.id)
        return
    score, comment = int(answer.group(1)), answer.group(2).strip()[:1000] or None
    ticket.comment = comment
    reopened = tickets.rate(ticket, score, ctx.now)
    await ctx.session.flush()
    await _tell_staff(ctx, ticket, contact.name, reopened)
    _answer(ctx, "tickets.customer_survey.thanks", score=score)


async def _link_by_phone(ctx: Context, openid: str) -> None:
    number = phone_key(ctx.text.strip())
    if number is None or len(ctx.text.strip()) > 40:
        return
    linked = await followers.link_by_phone(ctx.session, number, openid)
    if linked is None:
        _answer(ctx, "tickets.customer_survey.phone_unknown")
        return
    _answer(ctx, "tickets.customer_survey.linked", name=linked.name)


async def _tell_staff(ctx: Context, ticket: Ticket, contact: str, reopened: bool) -> None:
    """The customer's owner and the assignee hear the answer; a low one also the managers,
    with 🔀 Reassign, as when a rep records it."""
    people = [ticket.owner_id, ticket.assignee_id]
    if reopened:
        people += await tickets.escalation_people(ctx.session, ticket)
    company, _ = await tickets.parties(ctx.session, ticket)

    def render(voice: Voice) -> Choices:
        key = "tickets.push.customer_low_score" if reopened else "tickets.push.customer_score"
        text = voice.t(
            key,
            id=ticket.id,
            company=company,
            contact=contact,
            score=ticket.score,
            comment=ticket.comment or "-",
        )
        buttons = [Button(voice.t("tickets.btn_open"), OpenTicket(ticket.id))]
        if reopened:
            buttons.append(Button(voice.t("tickets.btn_reassign"), ReassignTicket(ticket.id)))
        return Choices(text, tuple(buttons))

    wanted = [p for p in dict.fromkeys(people) if p is not None]
    await push(ctx, wanted, render, f"tk:{ticket.id}:customer_score:{ctx.event.event_id}")
