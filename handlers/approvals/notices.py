"""Telling people about approvals: the request to the managers, the outcome to the rep.

Pushes to other people are written to the outbox in the event's own transaction (as the
reminder worker does for its pushes), so a request is never recorded without its pushes or
pushed without being recorded. Each is rendered in the recipient's language and time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.context import Context
from bot.outbox import enqueue
from bot.replies import (
    Button,
    Card,
    Choices,
    Reply,
    Text,
    from_json,
    reply_buttons,
    reply_text,
)
from bot.voice import Voice
from handlers.approvals.actions import Approve, Reject
from handlers.common.actions import ContractFromDeal
from locales.formatting import format_money
from store import approvals
from store.approvals import ApprovalRequired
from store.models import Company, Deal, DealApproval, OutboxMessage, User
from store.outbox import enqueue_choice
from store.pipeline import WON
from store.pool import POOL_NAME
from store.reminders import push_targets, remember_choices

PUSH_PLATFORMS = ("telegram", "slack")
"""Where pushes may go besides the platform the event came from (that one is preferred)."""

Render = Callable[[Voice], Reply]


async def names_of(ctx: Context, user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's display name; the lead pool's user (a pooled record's holder) is "the
    pool" in the reader's language, never its row's bilingual name."""
    rows = await ctx.session.execute(
        select(User.id, User.display_name, User.name).where(User.id.in_(set(user_ids)))
    )
    pool = ctx.t("pool.assign.the_pool")
    return {uid: pool if name == POOL_NAME else shown for uid, shown, name in rows.all()}


async def push(
    ctx: Context,
    user_ids: Iterable[int],
    render: Render,
    event_id: str,
    *,
    asks: int | None = None,
) -> int:
    """Queue ``render(voice)`` to each active user's push chat; the number queued. ``asks``:
    the approval request the push asks about (its copies are found by it once decided)."""
    ids = set(user_ids)
    people = list(await ctx.session.scalars(select(User).where(User.id.in_(ids), User.active)))
    platforms = tuple(dict.fromkeys((ctx.event.platform, *PUSH_PLATFORMS)))
    targets = await push_targets(ctx.session, ids, platforms)
    queued = 0
    for person in people:
        target = targets.get(person.id)
        if target is None:
            continue
        voice = Voice(
            ctx.translator,
            person.lang or ctx.settings.default_lang,
            ZoneInfo(person.tz or ctx.settings.default_tz),
            ctx.now,
        )
        reply = render(voice)
        enqueue(
            ctx.session,
            platform=target.platform,
            chat_id=target.chat_id,
            replies=[reply],
            now=ctx.now,
            event_id=f"{event_id}:{person.id}",
            approval_id=asks,
            recipient_id=person.id,
        )
        buttons = [(b.payload, b.label) for b in reply_buttons(reply)]
        same_chat = (target.platform, target.chat_id) == (
            ctx.event.platform,
            ctx.event.chat.chat_id,
        )
        if buttons and not same_chat:
            # So that typing "1" answers the push where buttons show as numbers.
            await remember_choices(
                ctx.session,
                platform=target.platform,
                chat_id=target.chat_id,
                user_id=person.id,
                buttons=buttons,
                now=ctx.now,
            )
        queued += 1
    return queued


def money(deal: Deal | DealApproval, lang: str) -> str:
    return format_money(deal.amount_cents, deal.currency, lang)


async def request(
    ctx: Context, required: ApprovalRequired, *, requested_by: int | None = None
) -> None:
    """The deal stays where it is; ask its approvers and tell the requester so.
    ``requested_by``: asked again on the rep's behalf (an approver found the amount changed):
    the approvers get the new request, the approver at hand is told by the caller."""
    assert ctx.user is not None
    deal = required.deal
    row, fresh = await approvals.open_request(
        ctx.session, required, requested_by=requested_by or ctx.user.id, now=ctx.now
    )
    if requested_by is not None:
        if fresh:
            await push(
                ctx, required.approvers, await approval_card(ctx, row, deal), f"ap:{row.id}:ask"
            )
        return
    names = await names_of(ctx, required.approvers)
    who = ", ".join(names[uid] for uid in required.approvers if uid in names)
    if not fresh:
        ctx.say("approvals.waiting", title=deal.title, who=who)
        return
    card = await approval_card(ctx, row, deal)
    await push(ctx, required.approvers, card, f"ap:{row.id}:ask", asks=row.id)
    ctx.say("approvals.sent", title=deal.title, amount=money(deal, ctx.lang), who=who)


async def approval_card(ctx: Context, row: DealApproval, deal: Deal) -> Callable[[Voice], Card]:
    """The request as an approver sees it (pushed, or listed by ``/approvals``): the deal,
    who asked and why, with Approve / Reject."""
    company = await ctx.session.scalar(select(Company.name).where(Company.id == deal.company_id))
    names = await names_of(ctx, [deal.owner_id, row.requested_by])
    owner, requester = names.get(deal.owner_id, "-"), names.get(row.requested_by, "-")

    def card(voice: Voice) -> Card:
        lines = [
            voice.t("approvals.line_company", value=company or "-"),
            voice.t("approvals.line_amount", value=money(deal, voice.lang)),
            voice.t("approvals.line_owner", value=owner),
            voice.t("approvals.line_stage", value=voice.stage(deal.stage)),
        ]
        if row.reason:
            reason = in_reader_language(voice, row.reason, "deal.reasons")
            lines.append(voice.t("approvals.line_reason", value=reason))
        lines.append(voice.t("approvals.line_asked", name=requester))
        return Card(
            voice.t("approvals.title", title=deal.title),
            tuple(lines),
            (
                Button(voice.t("approvals.approve"), Approve(row.id)),
                Button(voice.t("approvals.reject"), Reject(row.id)),
            ),
        )

    return card


def today(ctx: Context) -> date:
    """The mover's local date: what a deal won now gets as its close date."""
    return ctx.now.astimezone(ctx.tz).date()


def in_reader_language(voice: Voice, text: str, prefix: str) -> str:
    """A reason picked from buttons was stored as its label in the picker's language
    ("折扣太大"); the reader gets the same reason in theirs ("Discount too deep"). Typed
    text is shown as typed."""
    for catalog in voice.translator.catalogs.values():
        for key, value in catalog.items():
            if value == text and key.startswith(prefix + "."):
                return voice.t(key)
    return text


async def after_move(ctx: Context, deal: Deal) -> None:
    """The stage move just made decided a waiting request (:func:`store.approvals.
    close_by_move`): the requester hears how, the approvers' copies lose their buttons, and
    the mover is told what their move did to it."""
    assert ctx.user is not None
    row = await approvals.closed_by_move_now(ctx.session, deal.id, ctx.user.id, ctx.now)
    if row is None:
        return
    if row.requested_by != ctx.user.id:
        await tell_requester(ctx, row, deal)
    await close_other_copies(ctx, row, keep_clicked=False)
    ctx.say(
        f"approvals.move_{row.state}",
        title=deal.title,
        stage=Voice(ctx.translator, ctx.lang, ctx.tz, ctx.now).stage(deal.stage),
    )


async def announce(ctx: Context, row: DealApproval, deal: Deal) -> None:
    """A request was decided: tell whoever asked, and take the buttons off the copies the
    other approvers got (the clicked one is edited by the engine, as for every button)."""
    await tell_requester(ctx, row, deal)
    await close_other_copies(ctx, row)


async def close_other_copies(ctx: Context, row: DealApproval, *, keep_clicked: bool = True) -> None:
    """Each delivered copy of the request shows who decided instead of its buttons. A copy
    not delivered yet keeps them; a click there says who already decided. ``keep_clicked``:
    the copy in the chat of the click is left to the engine, which edits the clicked message
    (not so when a stage move elsewhere decided the request)."""
    assert ctx.user is not None
    name = ctx.user.display_name
    copies = await ctx.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.approval_id == row.id,
            OutboxMessage.kind == "send",
            OutboxMessage.state == "sent",
        )
    )
    clicked = (ctx.event.platform, ctx.event.chat.chat_id) if keep_clicked else None
    for copy in copies:
        if (copy.platform, copy.chat_id) == clicked or not copy.message_ids:
            continue
        person = await ctx.session.get(User, copy.recipient_id) if copy.recipient_id else None
        lang = (person.lang if person else None) or ctx.settings.default_lang
        enqueue_choice(
            ctx.session,
            platform=copy.platform,
            chat_id=copy.chat_id,
            message_id=copy.message_ids[-1],
            text=reply_text(from_json(copy.body, copy.image)),
            label=ctx.translator.t(lang, f"approvals.closed_{row.state}", name=name),
            now=ctx.now,
            event_id=f"ap:{row.id}:closed:{copy.id}",
        )


async def tell_requester(ctx: Context, row: DealApproval, deal: Deal) -> None:
    """The outcome, pushed to whoever asked (with the manager's reason on a rejection)."""
    assert ctx.user is not None
    name = ctx.user.display_name

    def outcome(voice: Voice) -> Text | Choices:
        if row.state == approvals.APPROVED:
            told = voice.t(
                "approvals.told_approved",
                name=name,
                title=deal.title,
                amount=money(row, voice.lang),
            )
            if deal.stage != WON:
                return Text(told)
            return Choices(
                told, (Button(voice.t("contracts.btn_from_deal"), ContractFromDeal(deal.id)),)
            )
        if row.state == approvals.CANCELLED:
            return Text(
                voice.t(
                    "approvals.told_cancelled",
                    name=name,
                    title=deal.title,
                    stage=voice.stage(deal.stage),
                )
            )
        reason = in_reader_language(voice, row.note or "-", "approvals.reasons")
        return Text(
            voice.t(
                "approvals.told_rejected",
                name=name,
                title=deal.title,
                reason=reason,
                stage=voice.stage(deal.stage),
            )
        )

    await push(ctx, [row.requested_by], outcome, f"ap:{row.id}:{row.state}")
