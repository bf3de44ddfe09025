"""Free text: a one-message log, a stage change ("星辰项目赢单"), or just a customer's name."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from bot.context import Context, UserFacingError
from bot.nlu.message import ParsedLog, parse_log
from bot.nlu.tickets import asks_for_reminder
from bot.router import Router, action, command, has_text
from handlers.book import text as book_text
from handlers.common.customer_names import customer_names
from handlers.contracts import payments
from handlers.customers.actions import LogFor
from handlers.customers.lookup import show_hits
from handlers.logging import core, edit, guided, requests, undo_last
from handlers.logging.actions import AddContact, EditSaved, UndoSaved
from handlers.logging.plan import a_move_with_its_to_do
from handlers.pool import pool_text
from handlers.pool import text as assign_text
from handlers.tickets import close_text, new_ticket
from store.models import Company, UndoAction
from store.search import search
from store.undo import created_ids, undo


def is_log(parsed: ParsedLog) -> bool:
    return any(
        (parsed.activity, parsed.stage, parsed.amount is not None, parsed.follow_up is not None)
    )


def is_follow_up_only(parsed: ParsedLog) -> bool:
    """A follow-up and nothing else a log has (no activity, stage or amount): with a
    problem word at a customer it is a ticket to look at again, not a task alone. A
    message that asks for the task itself ("remind me to check Acme's error report
    Friday", "提醒我明天去看") is a task: nobody asked for a ticket."""
    return (
        parsed.follow_up is not None
        and not parsed.task
        and parsed.activity is None
        and parsed.stage is None
        and parsed.amount is None
        and not parsed.problems
    )


async def settled_company(ctx: Context, name: str) -> int | None:
    """The one company a written name clearly means ("blue harbor"), else ``None``."""
    return (await core.customer_candidates(ctx.records, name)).company_id


def is_planned_follow_up(parsed: ParsedLog, text: str) -> bool:
    """A visit or call planned for later and nothing else ("…客户挺急的 下个月再去回访一次"):
    with a problem word at a customer it is a ticket and its follow-up, unless the
    message asks for the reminder itself ("提醒我明天去看…")."""
    return (
        parsed.follow_up is not None
        and parsed.task
        and parsed.activity is None
        and parsed.stage is None
        and parsed.amount is None
        and not parsed.problems
        and not asks_for_reminder(text)
    )


async def on_text(ctx: Context) -> None:
    # "received ¥200k from 星辰科技": an instalment paid
    if await payments.on_received(ctx, partial(settled_company, ctx)):
        return
    if await pool_text.on_text(ctx):  # "公海里有深圳的客户吗", "认领华南物流"
        return
    if await assign_text.on_text(ctx):  # "assign 星辰科技 to 张强", "把星辰科技分配给张强"
        return
    if await book_text.on_text(ctx):  # "tag 星辰科技 VIP", "上个月没有拜访的深圳VIP客户"…
        return
    if requests.on_request(ctx):  # "把我团队今天的跟进建议发我一份": a question, never a task
        return
    parsed = parse_log(
        ctx.text,
        ctx.sent_local,
        known_customers=await customer_names(ctx),
        default_time=ctx.settings.follow_up_time,
    )
    if parsed.activity is None and await close_text.on_text(ctx):
        # "星辰科技那个单子修好了 关了吧", "ticket 7 fixed, close it": the Close button's question.
        return
    ticket_with_follow_up = is_follow_up_only(parsed) or is_planned_follow_up(parsed, ctx.text)
    if ticket_with_follow_up and await new_ticket.on_problem(ctx, parsed):
        # "星辰科技的系统连不上了，下个月再看": a ticket and its follow-up, neither dropped.
        return
    if not is_log(parsed):
        # "星辰科技的打印机坏了，很急": a problem at a customer, not a log (a message with
        # an activity, stage, amount or follow-up never gets here, so logs stay logs).
        if not parsed.problems and await new_ticket.on_problem(ctx, parsed):
            return
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
    if parsed.customers and (plan.amount or plan.stage):
        # Two customers in one message: which deal an amount or a stage is about is not
        # said, so no deal is changed (and the reply says so).
        plan.amount = plan.stage = None
        plan.problems = [*plan.problems, "several_customers_deal:"]
    if parsed.activity is None and parsed.follow_up is None:
        # "Acme deal to negotiation", "星辰项目赢单", "Globex deal 80万": a deal update, not a log.
        plan.intent = "deal"
    elif a_move_with_its_to_do(plan.intent == "task", plan.amount, plan.stage):
        plan.intent, plan.activity = "log", "note"
    await core.advance(ctx, plan)


async def start_guided(ctx: Context) -> None:
    await guided.start(ctx)


async def start_guided_for_company(ctx: Context) -> None:
    await guided.start(ctx, await ctx.records.get(Company, ctx.pressed(LogFor).company))


async def undo_log(ctx: Context) -> None:
    undo_id = ctx.pressed(UndoSaved).undo
    saved = await ctx.session.scalar(select(UndoAction).where(UndoAction.id == undo_id))
    was_log = saved is not None and bool(created_ids(saved, "Activity"))
    if await undo(ctx.records, undo_id):
        # The button under a log says what went with it; a typed /undo may reverse
        # something else (a reminder, a deal change).
        ctx.say("log.undone" if was_log else "corrections.undone")
    else:
        raise UserFacingError("log.undo_gone")  # a refusal: the card keeps its buttons


async def add_contact(ctx: Context) -> None:
    pressed = ctx.pressed(AddContact)
    await core.add_contact(ctx, pressed.activity, pressed.name)


async def edit_log(ctx: Context) -> None:
    undo_id = ctx.pressed(EditSaved).undo
    saved = await ctx.session.scalar(select(UndoAction).where(UndoAction.id == undo_id))
    assert ctx.user is not None
    if saved is None or saved.user_id != ctx.user.id or saved.undone_at is not None:
        raise UserFacingError("log.undo_gone")
    await edit.start(ctx, saved)


def routes() -> Router:
    router = Router()
    router.add(command("log"), start_guided)
    router.add(command("undo"), undo_last.undo_last)
    router.add(action(LogFor), start_guided_for_company)
    router.add(action(UndoSaved), undo_log)
    router.add(action(EditSaved), edit_log)
    router.add(action(AddContact), add_contact)
    router.add(has_text(), on_text)
    return router
