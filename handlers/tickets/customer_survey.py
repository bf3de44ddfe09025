"""The survey after a ticket is closed, sent to the customer contact themself when they
follow the WeChat Official Account, and their answer recorded against the ticket.

A follower becomes known as a contact by sending the OA their phone number: when it is the
mobile of exactly one contact, the contact's ``wechat_openid`` is set (and audited). When a
ticket of that contact is closed, the survey goes to them as an OA text with the score
choices ("回复 1–5"), and the rep is told instead of being asked for the score; their reply
("4 很满意") is recorded as the score and comment of their latest closed, unrated ticket.
Without a linked follower but with an e-mail (and ``CRMBOT_SMTP_URL`` set), the survey is
e-mailed instead, with a signed single-use link to ``/survey`` (bot/adapters/webapp/survey.py)
whose answer is recorded by :func:`record_answer`, as a WeChat reply is. Otherwise the rep
records the score from the call, as before.

Strangers reach here through the engine's ``customers`` route, with no principal: their reads
are :mod:`store.followers`', narrowed by the follower's own openid, never by what they type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.applinks import AppTokens
from bot.config import Settings
from bot.context import Context
from bot.outbox import EMAIL, enqueue, mail_text
from bot.replies import Button, Choices, Text
from bot.voice import Voice
from handlers.approvals.notices import PUSH_PLATFORMS, push
from handlers.tickets.actions import OpenTicket, ReassignTicket
from locales.catalog import Translator, match_language
from store import followers, tickets
from store.dedupe import phone_key
from store.models import OutboxMessage, Ticket, User
from store.reminders import push_targets

WECHAT = "wechat"
ANSWER = re.compile(r"^\s*([1-5])(?![\d.])\s*(?:分|星|⭐|/5)?\s*[,，。.!！:：、-]*\s*(.*)$", re.S)
""""4 很满意", "5分", "3, slow" -> the score and the rest as the comment."""


CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Sent:
    """Who the survey went to, and the rep's message key saying how."""

    name: str
    told: str
    to: str = ""


async def send(ctx: Context, ticket: Ticket) -> Sent | None:
    """Send the survey of the just-closed ``ticket`` to its contact, on WeChat when they
    follow the account, else by e-mail when configured; ``None`` when neither (the rep
    records it)."""
    name = await _send_wechat(ctx, ticket)
    if name is not None:
        return Sent(name, "tickets.customer_survey.sent")
    return await _send_email(ctx, ticket)


def mail_lang(ctx: Context, name: str) -> str:
    """No contact has a language of their own: a Chinese name reads Chinese, another
    English when we speak it, else the workspace's language."""
    if CJK.search(name):
        return "zh" if "zh" in ctx.translator.languages else ctx.settings.default_lang
    return "en" if "en" in ctx.translator.languages else ctx.settings.default_lang


async def _send_email(ctx: Context, ticket: Ticket) -> Sent | None:
    secret, public_url = ctx.settings.secret_key, ctx.settings.public_url
    if ctx.settings.smtp_url is None or secret is None or not public_url:
        return None
    target = await followers.email_target(ctx.session, ticket)
    if target is None:
        return None
    name, address = target
    company, _ = await tickets.parties(ctx.session, ticket)
    tokens = AppTokens(secret.get_secret_value(), ctx.clock)
    lang = mail_lang(ctx, name)
    url = tokens.survey_url(public_url, ticket.id, ticket.reopened, lang)
    voice = Voice(ctx.translator, lang, ZoneInfo(ctx.settings.default_tz), ctx.now)
    subject = voice.t("tickets.customer_survey.mail_subject", id=ticket.id, company=company)
    body = voice.t(
        "tickets.customer_survey.mail_body",
        name=name,
        company=company,
        id=ticket.id,
        resolution=ticket.resolution or "-",
        url=url,
    )
    enqueue(
        ctx.session,
        platform=EMAIL,
        chat_id=address,
        replies=[mail_text(subject, body)],
        now=ctx.now,
        event_id=f"{MAIL_EVENT}:{ticket.id}:{ticket.reopened}",
        recipient_id=ctx.user.id if ctx.user is not None else None,
    )
    return Sent(name, "tickets.customer_survey.mailed", to=address)


MAIL_EVENT = "svm"
"""The outbox event id prefix of survey e-mails (``svm:<ticket>:<reopened>``)."""


async def _send_wechat(ctx: Context, ticket: Ticket) -> str | None:
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
    await record_answer(ctx, ticket, contact.name, score, comment, by=WECHAT)
    _answer(ctx, "tickets.customer_survey.thanks", score=score)


async def record_answer(
    ctx: Context, ticket: Ticket, contact: str, score: int, comment: str | None, *, by: str
) -> None:
    """The customer's own answer (``by`` WeChat or e-mail), recorded on the locked
    ``ticket``: the owner and assignee hear it, a low one reopens it for the managers."""
    ticket.comment = comment
    reopened = tickets.rate(ticket, score, ctx.now)
    await ctx.session.flush()
    await _tell_staff(ctx, ticket, contact, reopened, by)


async def _link_by_phone(ctx: Context, openid: str) -> None:
    number = phone_key(ctx.text.strip())
    if number is None or len(ctx.text.strip()) > 40:
        return
    linked = await followers.link_by_phone(ctx.session, number, openid)
    if linked is None:
        _answer(ctx, "tickets.customer_survey.phone_unknown")
        return
    _answer(ctx, "tickets.customer_survey.linked", name=linked.name)


async def _tell_staff(ctx: Context, ticket: Ticket, contact: str, reopened: bool, by: str) -> None:
    """The customer's owner and the assignee hear the answer; a low one also the managers,
    with 🔀 Reassign, as when a rep records it."""
    people = [ticket.owner_id, ticket.assignee_id]
    if reopened:
        people += await tickets.escalation_people(ctx.session, ticket)
    company, _ = await tickets.parties(ctx.session, ticket)

    def render(voice: Voice) -> Choices:
        key = "tickets.push.customer_low_score" if reopened else "tickets.push.customer_score"
        if by == EMAIL:
            key += "_email"
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


async def mail_failed(
    session: AsyncSession,
    row: OutboxMessage,
    translator: Translator,
    settings: Settings,
    now: datetime,
) -> None:
    """A survey e-mail failed for good (the outbox sender's ``on_failed``, in the
    transaction that marks it): the rep who closed the ticket is told to ask by phone."""
    if row.platform != EMAIL or row.recipient_id is None:
        return
    prefix, _, rest = (row.event_id or "").partition(":")
    ticket_id = rest.partition(":")[0]
    if prefix != MAIL_EVENT or not ticket_id.isdigit():
        return
    rep = await session.get(User, row.recipient_id)
    ticket = await session.get(Ticket, int(ticket_id))
    if rep is None or not rep.active or ticket is None:
        return
    target = (await push_targets(session, [rep.id], PUSH_PLATFORMS)).get(rep.id)
    if target is None:
        return
    target_name = await followers.email_target(session, ticket)
    name = target_name[0] if target_name else row.chat_id
    voice = Voice(
        translator, rep.lang or settings.default_lang, ZoneInfo(rep.tz or settings.default_tz), now
    )
    enqueue(
        session,
        platform=target.platform,
        chat_id=target.chat_id,
        replies=[
            Choices(
                voice.t("tickets.customer_survey.mail_failed", id=ticket.id, name=name),
                (Button(voice.t("tickets.btn_open"), OpenTicket(ticket.id)),),
            )
        ],
        now=now,
        event_id=f"{MAIL_EVENT}-failed:{ticket.id}:{row.id}",
        recipient_id=rep.id,
    )
