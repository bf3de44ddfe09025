"""The questions a one-message log may need: which customer, what kind, which deal."""

from __future__ import annotations

from bot.context import Context
from bot.nlu.message import parse_log
from conversations.base import Expects, Flow, Step
from handlers.common.customer_names import customer_names
from handlers.logging import core
from handlers.logging.core import Choice, Pick, PickCustomer, PickDeal, PickKind, State
from handlers.logging.plan import Plan
from store.models import Company


def _plan(ctx: Context) -> Plan:
    assert ctx.flow is not None
    return Plan.from_json(ctx.flow.data, now=ctx.now)


def _cancelled(ctx: Context) -> bool:
    """The Cancel button of any of the log's questions: nothing is saved."""
    assert ctx.flow is not None
    if ctx.action != Pick(Choice.CANCEL):
        return False
    ctx.flow.end()
    ctx.say("settings.cancelled")
    return True


async def on_customer(ctx: Context) -> None:
    plan = _plan(ctx)
    if _cancelled(ctx):
        return
    pressed = ctx.action
    if pressed == Pick(Choice.CREATE) and plan.customer_text:
        company = await ctx.records.create(Company, name=plan.customer_text[:200])
        plan.company_id = company.id
        plan.created_company = company.id
    elif isinstance(pressed, PickCustomer):
        plan.company_id = (await ctx.records.get(Company, pressed.company)).id
    elif ctx.text:
        # "Acme Trading meeting tomorrow" given as the answer: the customer it names.
        known = await customer_names(ctx)
        named = parse_log(ctx.text, ctx.sent_local, known_customers=known).customer
        written = named if named in known else ctx.text
        plan.customer_text = written
        if not await core.resolve_customer(ctx, plan, written):
            return
    else:
        ctx.say("log.ask_customer")
        return
    await core.advance(ctx, plan)


async def on_activity(ctx: Context) -> None:
    plan = _plan(ctx)
    if not isinstance(ctx.action, PickKind):
        ctx.say("log.ask_kind_buttons")
        return
    plan.activity = ctx.action.kind.value
    await core.advance(ctx, plan)


async def on_amount(ctx: Context) -> None:
    """The answer to "change ¥112万 → ¥3,000?"."""
    assert ctx.flow is not None
    plan = _plan(ctx)
    if _cancelled(ctx):
        return
    if ctx.action == Pick(Choice.AMOUNT_OK):
        plan.amount_ok = True
    elif ctx.action == Pick(Choice.AMOUNT_KEEP):
        plan.amount = plan.currency = None
        if plan.intent == "deal" and not plan.stage:
            ctx.flow.end()
            ctx.say("log.amount_kept")
            return
    else:
        ctx.say("log.ask_amount_buttons")
        return
    await core.advance(ctx, plan)


async def on_deal(ctx: Context) -> None:
    plan = _plan(ctx)
    if not isinstance(ctx.action, PickDeal):
        ctx.say("log.which_deal")
        return
    plan.deal_id = ctx.action.deal
    await core.advance(ctx, plan)


FLOW = Flow(
    core.KEY,
    {
        State.CUSTOMER: Step(on_customer, Expects.TEXT),
        State.ACTIVITY: Step(on_activity, Expects.CHOICE),
        State.DEAL: Step(on_deal, Expects.CHOICE),
        State.AMOUNT: Step(on_amount, Expects.CHOICE),
    },
    answers=core.ANSWERS,
)
