"""What a rep is told when the customer they are creating is already a colleague's (查重),
and the two ways on: ask the owner to hand it over, or ask a manager for access.

The check is :func:`store.duplicates.colleague_twins`; the handover is
:func:`store.handover.hand_over`. Requests go to the other people as pushes (in their own
language), with a button that does the handover; the asker is told when it happened.
"""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.replies import Button, Card
from bot.router import Router, action
from bot.voice import Voice
from handlers.approvals.notices import names_of, push
from handlers.common.actions import Claim
from handlers.customers.actions import AskHandover, GiveRecord, OpenCompany, RequestAccess
from store.access import NotAllowed
from store.duplicates import Twin, colleague_twins
from store.handover import Held, deciders, hand_over, held


async def twins_of(
    ctx: Context,
    *,
    company: str | None = None,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
) -> list[Twin]:
    assert ctx.principal is not None
    return await colleague_twins(
        ctx.session, ctx.principal, company=company, phones=phones, emails=emails
    )


def twin_lines(ctx: Context, twins: list[Twin]) -> list[str]:
    return [
        ctx.t(
            "duplicates.line_pooled" if twin.pooled else "duplicates.line",
            name=twin.name,
            owner=twin.owner_name,
            matched=ctx.t(f"duplicates.same_{twin.matched}"),
        )
        for twin in twins
    ]


def twin_buttons(ctx: Context, twins: list[Twin]) -> list[Button]:
    """Handover and access for the first twin (the likeliest: a name match comes first);
    a pooled customer is claimed instead (the pool is nobody to ask), a pooled contact
    through /pool."""
    if not twins:
        return []
    twin = twins[0]
    if twin.pooled:
        if twin.kind != "company":
            return []
        return [Button(ctx.t("pool.btn_claim", name=twin.name)[:40], Claim(twin.id))]
    return [
        Button(
            ctx.t("duplicates.ask_handover", owner=twin.owner_name)[:60],
            AskHandover(twin.kind, twin.id),
        ),
        Button(ctx.t("duplicates.request_access"), RequestAccess(twin.kind, twin.id)),
    ]


async def _held(ctx: Context, kind: str, record_id: int) -> Held:
    assert kind in ("company", "contact")
    found = await held(ctx.session, kind, record_id)  # type: ignore[arg-type]
    if found is None:
        raise UserFacingError("errors.not_found")
    return found


async def ask_handover(ctx: Context) -> None:
    pressed = ctx.pressed(AskHandover)
    record = await _held(ctx, pressed.kind, pressed.record)
    assert ctx.user is not None
    if record.owner_id == ctx.user.id:
        ctx.say("duplicates.yours", name=record.name)
        return
    asker, asker_id = ctx.user.display_name, ctx.user.id

    def card(voice: Voice) -> Card:
        return Card(
            voice.t("duplicates.handover_title", asker=asker, name=record.name),
            (voice.t("duplicates.handover_body", asker=asker, name=record.name),),
            (
                Button(
                    voice.t("duplicates.give", asker=asker)[:60],
                    GiveRecord(pressed.kind, record.id, asker_id),
                ),
            ),
        )

    await push(ctx, [record.owner_id], card, f"dup:{pressed.kind}:{record.id}:{ctx.user.id}:h")
    ctx.say("duplicates.asked_owner", owner=record.owner_name, name=record.name)


async def request_access(ctx: Context) -> None:
    pressed = ctx.pressed(RequestAccess)
    record = await _held(ctx, pressed.kind, pressed.record)
    assert ctx.user is not None
    if record.owner_id == ctx.user.id:
        ctx.say("duplicates.yours", name=record.name)
        return
    asker, asker_id, owner = ctx.user.display_name, ctx.user.id, record.owner_name
    who = [uid for uid in await deciders(ctx.session, record.owner_id) if uid != ctx.user.id]
    if not who:
        ctx.say("duplicates.nobody_to_ask")
        return

    def card(voice: Voice) -> Card:
        return Card(
            voice.t("duplicates.access_title", asker=asker, name=record.name),
            (voice.t("duplicates.access_body", asker=asker, name=record.name, owner=owner),),
            (
                Button(
                    voice.t("duplicates.give", asker=asker)[:60],
                    GiveRecord(pressed.kind, record.id, asker_id),
                ),
            ),
        )

    await push(ctx, who, card, f"dup:{pressed.kind}:{record.id}:{ctx.user.id}:a")
    names = ", ".join((await names_of(ctx, who)).values())
    ctx.say("duplicates.asked_managers", who=names, name=record.name)


def routes() -> Router:
    router = Router()
    router.add(action(AskHandover), ask_handover)
    router.add(action(RequestAccess), request_access)
    router.add(action(GiveRecord), give)
    return router


async def give(ctx: Context) -> None:
    pressed = ctx.pressed(GiveRecord)
    record = await _held(ctx, pressed.kind, pressed.record)
    assert ctx.principal is not None
    assert ctx.user is not None
    names = await names_of(ctx, [pressed.to])
    if pressed.to not in names:
        raise UserFacingError("errors.not_found")
    if record.owner_id == pressed.to:
        ctx.say("duplicates.already_given", name=record.name, asker=names[pressed.to])
        return
    try:
        await hand_over(ctx.session, ctx.principal, record, pressed.to)
    except NotAllowed:
        raise UserFacingError("corrections.owner_only") from None
    ctx.say("duplicates.given", name=record.name, asker=names[pressed.to])
    giver = ctx.user.display_name
    company_id = record.id if record.kind == "company" else record.company_id

    def told(voice: Voice) -> Card:
        buttons = (Button(voice.t("company.open"), OpenCompany(company_id)),) if company_id else ()
        return Card(voice.t("duplicates.handed_to_you", giver=giver, name=record.name), (), buttons)

    await push(ctx, [pressed.to], told, f"dup:{pressed.kind}:{record.id}:{pressed.to}:given")
