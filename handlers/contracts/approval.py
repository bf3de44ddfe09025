"""A contract's approval, level by level: submit, ✅ / ❌ for each approver, the requester
told of every step, and the contract part of ``/approvals``.

The pattern is the deal approval's (:mod:`handlers.approvals`): the request and every push
are written in the event's transaction (:func:`handlers.approvals.notices.push`), the row is
locked when decided so a double click or a second approver changes nothing, and a rejection
carries its reason. What differs: levels (:mod:`store.contracts`) — a yes at one level opens
the next, the last yes makes the contract active, a no sends it back to draft.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import select

from bot.context import Context, FlowKey, UserFacingError
from bot.replies import Button, Card, Text, from_json, reply_text
from bot.voice import Voice
from conversations.base import Expects, Flow, Step
from handlers.approvals.notices import names_of, push
from handlers.contracts.actions import ApproveContract, RejectContract
from handlers.contracts.views import contract_card
from locales.formatting import format_full_date, format_money
from store import contracts
from store.approvals import APPROVED, PENDING, REJECTED
from store.models import Company, Contract, ContractApproval, OutboxMessage, Role, User
from store.outbox import enqueue_choice

MAX_LISTED = 10


class State(StrEnum):
    REASON = "reason"


KEY = FlowKey("contract_reject", 1, State)


def _amount(row: Contract | ContractApproval, lang: str) -> str:
    return format_money(row.amount_cents, row.currency, lang)


async def submit(ctx: Context, contract: Contract) -> None:
    """Draft -> in approval (first level with someone to ask), or straight to active."""
    assert ctx.user is not None
    if contract.status != contracts.DRAFT:
        status = ctx.t(f"contracts.status.{contract.status}")
        ctx.say("contracts.approval.not_draft", number=contract.number, status=status)
        return
    roles = ctx.settings.contracts.roles_for(contract.amount_cents, contract.currency)
    opened = await contracts.open_level(
        ctx.session, contract, roles, from_level=1, requested_by=ctx.user.id, now=ctx.now
    )
    if opened is None:
        await activate(ctx, contract)
        ctx.say("contracts.approval.none_needed", number=contract.number)
    else:
        row, people = opened
        await ctx.records.update(contract, status=contracts.APPROVAL)
        who = await _ask(ctx, row, contract, people)
        ctx.say(
            "contracts.approval.sent",
            number=contract.number,
            amount=_amount(contract, ctx.lang),
            level=row.level,
            levels=row.levels,
            role=ctx.t(f"contracts.roles.{row.role}"),
            who=who,
        )
    ctx.reply(await contract_card(ctx, contract))


async def activate(ctx: Context, contract: Contract) -> None:
    """Active from now; signed today unless a date was given; the contract it renews is
    marked renewed."""
    await ctx.records.update(
        contract,
        status=contracts.ACTIVE,
        signed_on=contract.signed_on or ctx.sent_local.date(),
    )
    if contract.renewal_of_id is not None:
        old = await ctx.session.scalar(
            ctx.records.select(Contract).where(Contract.id == contract.renewal_of_id)
        )
        if old is not None and old.status in (contracts.ACTIVE, contracts.EXPIRED):
            old.status = contracts.RENEWED
            old.updated_at = ctx.now


async def _ask(ctx: Context, row: ContractApproval, contract: Contract, people: list[int]) -> str:
    """Push the request to the level's approvers; their names, for the requester."""
    card = await request_card(ctx, row, contract)
    await push(ctx, people, card, f"ka:{row.id}:ask")
    names = await names_of(ctx, people)
    return ", ".join(names[uid] for uid in people if uid in names)


async def request_card(
    ctx: Context, row: ContractApproval, contract: Contract
) -> Callable[[Voice], Card]:
    company = await ctx.session.scalar(
        select(Company.name).where(Company.id == contract.company_id)
    )
    names = await names_of(ctx, [contract.owner_id, row.requested_by])

    def card(voice: Voice) -> Card:
        return Card(
            voice.t(
                "contracts.approval.title",
                level=row.level,
                levels=row.levels,
                number=contract.number,
            ),
            (
                voice.t("contracts.approval.line_company", value=company or "-"),
                voice.t("contracts.approval.line_amount", value=_amount(contract, voice.lang)),
                voice.t(
                    "contracts.approval.line_term",
                    start=format_full_date(contract.starts_on, voice.lang),
                    end=format_full_date(contract.ends_on, voice.lang),
                ),
                voice.t("contracts.approval.line_owner", value=names.get(contract.owner_id, "-")),
                voice.t("contracts.approval.line_asked", name=names.get(row.requested_by, "-")),
            ),
            (
                Button(voice.t("contracts.approval.approve"), ApproveContract(row.id)),
                Button(voice.t("contracts.approval.reject"), RejectContract(row.id)),
            ),
        )

    return card


async def decidable(ctx: Context, approval_id: int) -> tuple[ContractApproval, Contract] | None:
    """The locked row and its contract, every check in one place; ``None`` (after saying
    so) when the step was already decided."""
    assert ctx.user is not None
    row = await contracts.lock(ctx.session, approval_id)
    if row is None:
        raise UserFacingError("errors.not_found")
    contract = await ctx.records.get(Contract, row.contract_id, for_update=True)
    if not contracts.may_decide(Role(ctx.user.role), ctx.user.id, row, contract):
        raise UserFacingError("contracts.approval.not_allowed", number=contract.number)
    if row.state != PENDING:
        decider = await ctx.session.get(User, row.decided_by) if row.decided_by else None
        ctx.refused = True
        ctx.say(
            "contracts.approval.already",
            number=contract.number,
            name=decider.display_name if decider else "-",
        )
        return None
    return row, contract


async def _decide(ctx: Context, row: ContractApproval, state: str, note: str | None = None) -> None:
    assert ctx.user is not None
    row.state = state
    row.decided_by = ctx.user.id
    row.decided_at = ctx.now
    row.note = note
    await ctx.session.flush()
    await _close_other_copies(ctx, row)


async def _close_other_copies(ctx: Context, row: ContractApproval) -> None:
    """The other approvers' delivered copies of this step show who decided instead of their
    buttons (as deal approvals do; found by their event id, ``ka:<step>:ask:<user>``). A
    copy not delivered yet keeps them; a press there says who already decided."""
    assert ctx.user is not None
    copies = await ctx.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.event_id.like(f"ka:{row.id}:ask:%"),
            OutboxMessage.kind == "send",
            OutboxMessage.state == "sent",
        )
    )
    clicked = (ctx.event.platform, ctx.event.chat.chat_id)
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
            label=ctx.translator.t(
                lang, f"contracts.approval.closed_{row.state}", name=ctx.user.display_name
            ),
            now=ctx.now,
            event_id=f"ka:{row.id}:closed:{copy.id}",
        )


async def approve(ctx: Context) -> None:
    found = await decidable(ctx, ctx.pressed(ApproveContract).approval)
    if found is None:
        return
    row, contract = found
    await _decide(ctx, row, APPROVED)
    assert ctx.user is not None
    name = ctx.user.display_name
    roles = ctx.settings.contracts.roles_for(row.amount_cents, row.currency)
    opened = await contracts.open_level(
        ctx.session,
        contract,
        roles,
        from_level=row.level + 1,
        requested_by=row.requested_by,
        now=ctx.now,
    )
    if opened is not None:
        following, people = opened
        who = await _ask(ctx, following, contract, people)

        def told_next(voice: Voice) -> Text:
            return Text(
                voice.t(
                    "contracts.approval.told_next",
                    name=name,
                    level=row.level,
                    levels=row.levels,
                    number=contract.number,
                    role=voice.t(f"contracts.roles.{following.role}"),
                    who=who,
                )
            )

        await push(ctx, [row.requested_by], told_next, f"ka:{row.id}:next")
        ctx.say(
            "contracts.approval.approved_next",
            level=row.level,
            number=contract.number,
            role=ctx.t(f"contracts.roles.{following.role}"),
            who=who,
        )
        return
    await activate(ctx, contract)

    def told_final(voice: Voice) -> Text:
        return Text(
            voice.t(
                "contracts.approval.told_final",
                name=name,
                number=contract.number,
                amount=_amount(contract, voice.lang),
            )
        )

    await push(ctx, [row.requested_by], told_final, f"ka:{row.id}:final")
    ctx.say(
        "contracts.approval.approved_final",
        number=contract.number,
        amount=_amount(contract, ctx.lang),
    )


async def reject(ctx: Context) -> None:
    assert ctx.flow is not None
    found = await decidable(ctx, ctx.pressed(RejectContract).approval)
    if found is None:
        return
    row, contract = found
    ctx.flow.start(KEY, State.REASON, {"approval_id": row.id})
    ctx.say("contracts.approval.reject_ask", number=contract.number)


async def on_reason(ctx: Context) -> None:
    assert ctx.flow is not None
    assert ctx.user is not None
    if not ctx.text or ctx.action is not None:
        ctx.say("contracts.approval.reject_type")
        return
    reason = ctx.text[:500]
    approval_id = int(ctx.flow.data.get("approval_id") or 0)
    ctx.flow.end()
    found = await decidable(ctx, approval_id)
    if found is None:
        return
    row, contract = found
    await _decide(ctx, row, REJECTED, reason)
    await ctx.records.update(contract, status=contracts.DRAFT)
    name = ctx.user.display_name

    def told(voice: Voice) -> Text:
        return Text(
            voice.t(
                "contracts.approval.told_rejected",
                name=name,
                number=contract.number,
                level=row.level,
                levels=row.levels,
                reason=reason,
            )
        )

    await push(ctx, [row.requested_by], told, f"ka:{row.id}:rejected")
    ctx.say("contracts.approval.rejected", number=contract.number, reason=reason)


async def list_requests(ctx: Context) -> bool:
    """The contract part of ``/approvals``: steps this user may decide, with their buttons,
    and the user's own contracts still in approval. Whether anything was shown."""
    assert ctx.user is not None
    rows = await contracts.pending(ctx.records)
    role = Role(ctx.user.role)
    mine = [(r, c) for r, c in rows if contracts.may_decide(role, ctx.user.id, r, c)]
    asked = [c for r, c in rows if r.requested_by == ctx.user.id]
    if not mine and not asked:
        return False
    voice = Voice(ctx.translator, ctx.lang, ctx.tz, ctx.now)
    if mine:
        ctx.say("contracts.approval.list_title", count=len(mine))
        for row, contract in mine[:MAX_LISTED]:
            ctx.reply((await request_card(ctx, row, contract))(voice))
    if asked:
        numbers = ", ".join(f"{c.number} ({_amount(c, ctx.lang)})" for c in asked)
        ctx.say("contracts.approval.yours_waiting", numbers=numbers)
    return True


FLOW = Flow(KEY, {State.REASON: Step(on_reason, Expects.TEXT)})
