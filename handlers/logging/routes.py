"""Free text: a one-message log, a stage change ("星辰项目赢单"), or just a customer's name."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.nlu.message import ParsedLog, parse_log
from bot.payloads import payload_id
from bot.router import Router, command, has_text, payload
from handlers.customers.lookup import show_hits
from handlers.logging import core, edit, guided
from store.known_names import known_names
from store.models import Company, UndoAction
from store.search import search
from store.undo import undo


def is_log(parsed: ParsedLog) -> bool:
    return any(
        (parsed.activity, parsed.stage, parsed.amount is not None, parsed.follow_up is not None)
    )


async def on_text(ctx: Context) -> None:
    parsed = parse_log(
        ctx.text,
        ctx.sent_local,
        known_customers=await known_names(ctx.records),
        default_time=ctx.settings.follow_up_time,
    )
    if not is_log(parsed):
        if parsed.problems:  # "明天25点", "报价-30万": say what was not taken
            for line in core.problem_lines(ctx, list(parsed.problems)):
                ctx.reply_text(line)
            return
        hits = await search(ctx.records, ctx.text, limit=8)
        if hits:
            await show_hits(ctx, ctx.text, hits)
        else:
            ctx.say("errors.not_understood")
        return
    plan = core.plan_from(parsed, ctx)
    if parsed.customers and (plan["amount"] or plan["stage"]):
        # Two customers in one message: which deal an amount or a stage is about is not
        # said, so no deal is changed (and the reply says so).
        plan["amount"] = plan["stage"] = None
        plan["problems"] = [*plan["problems"], "several_customers_deal:"]
    if parsed.activity is None and parsed.follow_up is None:
        # "Acme deal to negotiation", "星辰项目赢单", "Globex deal 80万": a deal update, not a log.
        plan["intent"] = "deal"
    await core.advance(ctx, plan)


async def start_guided(ctx: Context) -> None:
    await guided.start(ctx)


async def start_guided_for_company(ctx: Context) -> None:
    await guided.start(ctx, await ctx.records.get(Company, payload_id(ctx)))


async def undo_log(ctx: Context) -> None:
    if await undo(ctx.records, payload_id(ctx)):
        ctx.say("log.undone")
    else:
        ctx.say("log.undo_gone")


async def add_contact(ctx: Context) -> None:
    assert ctx.payload is not None
    _, activity_id, name = ctx.payload.split(":", 2)
    await core.add_contact(ctx, int(activity_id), name)


async def edit_log(ctx: Context) -> None:
    action = await ctx.session.scalar(select(UndoAction).where(UndoAction.id == payload_id(ctx)))
    assert ctx.user is not None
    if action is None or action.user_id != ctx.user.id or action.undone_at is not None:
        ctx.say("log.undo_gone")
        return
    await edit.start(ctx, action)


def routes() -> Router:
    router = Router()
    router.add(command("log"), start_guided)
    router.add(payload("lg.co"), start_guided_for_company)
    router.add(payload("lg.un"), undo_log)
    router.add(payload("lg.ed"), edit_log)
    router.add(payload("lg.ac"), add_contact)
    router.add(has_text(), on_text)
    return router
