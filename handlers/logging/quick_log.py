"""The questions a one-message log may need: which customer, what kind, which deal."""

from __future__ import annotations

from bot.context import Context
from bot.nlu.message import parse_log
from conversations.base import Expects, Flow, Step, flow_value
from handlers.logging import core
from store.known_names import known_names
from store.models import Company


def _plan(ctx: Context) -> core.Plan:
    assert ctx.flow is not None
    return dict(ctx.flow.data)


def _cancelled(ctx: Context, value: str | None) -> bool:
    """The Cancel button of any of the log's questions: nothing is saved."""
    assert ctx.flow is not None
    if value != "cancel":
        return False
    ctx.flow.end()
    ctx.say("settings.cancelled")
    return True


async def on_customer(ctx: Context) -> None:
    plan = _plan(ctx)
    value = flow_value(ctx, core.FLOW)
    if _cancelled(ctx, value):
        return
    if value == "create" and plan.get("customer_text"):
        company = await ctx.records.create(Company, name=plan["customer_text"][:200])
        plan["company_id"] = company.id
        plan["created_company"] = company.id
    elif value and value.startswith("co") and value[2:].isdigit():
        plan["company_id"] = (await ctx.records.get(Company, int(value[2:]))).id
    elif ctx.text:
        # "Acme Trading meeting tomorrow" given as the answer: the customer it names.
        known = await known_names(ctx.records)
        named = parse_log(ctx.text, ctx.sent_local, known_customers=known).customer
        written = named if named in known else ctx.text
        plan["customer_text"] = written
        if not await core.resolve_customer(ctx, plan, written):
            return
    else:
        ctx.say("log.ask_customer")
        return
    await core.advance(ctx, plan)


async def on_activity(ctx: Context) -> None:
    plan = _plan(ctx)
    value = flow_value(ctx, core.FLOW) or ""
    kind = value.removeprefix("k")
    if not value.startswith("k") or kind not in core.KINDS:
        ctx.say("log.ask_kind_buttons")
        return
    plan["activity"] = kind
    await core.advance(ctx, plan)


async def on_amount(ctx: Context) -> None:
    """The answer to "change ¥112万 → ¥3,000?"."""
    assert ctx.flow is not None
    plan = _plan(ctx)
    value = flow_value(ctx, core.FLOW)
    if _cancelled(ctx, value):
        return
    if value == "amok":
        plan["amount_ok"] = True
    elif value == "amkeep":
        plan["amount"] = plan["currency"] = None
        if plan.get("intent") == "deal" and not plan["stage"]:
            ctx.flow.end()
            ctx.say("log.amount_kept")
            return
    else:
        ctx.say("log.ask_amount_buttons")
        return
    await core.advance(ctx, plan)


async def on_deal(ctx: Context) -> None:
    plan = _plan(ctx)
    value = flow_value(ctx, core.FLOW) or ""
    if value == "dnew":
        plan["deal_id"] = 0
    elif value.startswith("d") and value[1:].isdigit():
        plan["deal_id"] = int(value[1:])
    else:
        ctx.say("log.which_deal")
        return
    await core.advance(ctx, plan)


FLOW = Flow(
    name=core.FLOW,
    version=core.VERSION,
    states={
        "customer": Step(on_customer, Expects.TEXT),
        "activity": Step(on_activity, Expects.CHOICE),
        "deal": Step(on_deal, Expects.CHOICE),
        "amount": Step(on_amount, Expects.CHOICE),
    },
)
