"""Saving a logged activity — from one free-text message or the guided ``/log`` flow.

A *plan* (:class:`handlers.logging.plan.Plan`, kept in the conversation row while
questions are asked) says what the rep meant; :func:`advance` asks for whatever is missing,
one button question at a time, and :func:`save_plan` writes activity, deal change and
follow-up together, with one Undo that reverses all of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Select, bindparam, select

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.message import ParsedLog, person_in_text
from bot.payloads import PayloadTooLong
from bot.replies import Button, Card
from conversations.base import Answer
from handlers.approvals import notices
from handlers.common.labels import activity_label, deal_amount, stage_label
from handlers.customers.twins import twin_buttons, twin_lines, twins_of
from handlers.deals.actions import NewDealFor
from handlers.deals.amounts import set_amount
from handlers.deals.reason import ask_reason
from handlers.deals.views import deal_card
from handlers.logging.actions import AddContact, EditSaved, UndoSaved
from handlers.logging.plan import DealBefore, Plan
from locales.formatting import format_money, format_when, shorten
from store.access import Records, owner_scope
from store.approvals import ApprovalRequired
from store.bulk import created_together
from store.deals import create_deal, move_stage, open_deals
from store.dedupe import company_words
from store.known_names import KNOWN_NAMES_CAP
from store.loaded import attach, record_columns
from store.models import Activity, ActivityKind, Company, Contact, Deal, Task
from store.people import Person, hold, people_column, people_of
from store.pipeline import Pipeline
from store.prepared import read
from store.search import LATIN_CUTOFF, company_hits, search
from store.undo import UndoLog


class State(StrEnum):
    CUSTOMER = "customer"
    ACTIVITY = "activity"
    DEAL = "deal"
    AMOUNT = "amount"


KEY = FlowKey("quick_log", 1, State)
KINDS = tuple(ActivityKind)
_CJK = re.compile(r"[\u3400-\u9fff]")
TITLE_SUFFIXES = ("总", "经理", "总监", "工", "老师", "先生", "女士", "小姐", "主任", "董")


class Choice(StrEnum):
    CREATE = "create"  # a new customer by the name written
    CANCEL = "cancel"
    AMOUNT_OK = "amok"  # write the new amount
    AMOUNT_KEEP = "amkeep"  # keep the deal's amount


@dataclass(frozen=True)
class Pick(Answer, tag="qp"):
    choice: Choice


@dataclass(frozen=True)
class PickCustomer(Answer, tag="qc"):
    company: int


@dataclass(frozen=True)
class PickKind(Answer, tag="qk"):
    kind: ActivityKind


@dataclass(frozen=True)
class PickDeal(Answer, tag="qd"):
    deal: int  # 0: a new deal


ANSWERS = (Pick, PickCustomer, PickKind, PickDeal)


def plan_from(parsed: ParsedLog, ctx: Context) -> Plan:
    return Plan(
        activity=parsed.activity,
        customer_text=parsed.customer,
        contact=parsed.contact,
        summary=parsed.summary or ctx.text,
        amount=parsed.amount,
        currency=parsed.currency,
        stage=parsed.stage,
        follow_up=parsed.follow_up,
        source_text=ctx.text,
        sent_at=ctx.event.sent_at,
        intent="task" if parsed.task else "log",
        problems=list(parsed.problems),
        reason=parsed.reason,
        activity_at=parsed.activity_at,
        more=list(parsed.customers[1:]),
        stage_forward_only=parsed.stage_forward_only,
    )


def problem_lines(ctx: Context, problems: list[str]) -> list[str]:
    """ "⚠️ 2月30日 is not a real date …": what the message said that was not taken."""
    lines = []
    for problem in problems:
        kind, _, written = problem.partition(":")
        lines.append(ctx.t(f"log.problem_{kind}", text=written))
    return lines


def button(label: str, answer: Answer) -> Button:
    return Button(label[:60], answer)


@functools.lru_cache(maxsize=1024)
def _named_exactly(dialect: str, owner_ids: frozenset[int] | None) -> Select[Any]:
    """Built once per set of visible owners (every logged message runs it). The whole row,
    made a record in the session (:mod:`store.loaded`): the log then takes the company
    from there rather than reading it again; and its people, whom the log matches against
    what was written."""
    return (
        select(*record_columns(Company), people_column(dialect, owner_ids))
        .where(owner_scope(Company, owner_ids), Company.name == bindparam("name"))
        .limit(2)
    )


CONTACT_FLOOR = 60.0
"""The search score a contact hit needs to propose its company as the customer of a log."""
SETTLED_LATIN = 44.0
SETTLED_CJK = 36.0
"""The score one company hit needs to be taken without asking (a typo, "Globx", scores 45;
an unrelated "Marina Bay Florists" against Straits Marine Supply 41). Below it the company
is offered next to "create", never taken."""
PERSON_FLOOR = 80.0
"""The score a contact needs for "Helen called" to be about Helen's company."""


@dataclass(frozen=True)
class Candidates:
    """The companies a written customer name may mean, as the chat resolves them."""

    companies: dict[int, str]
    settled: bool  # one company, clearly meant: log without asking

    @property
    def company_id(self) -> int | None:
        return next(iter(self.companies)) if self.settled else None


async def customer_candidates(
    records: Records, text: str, known: list[str] | None = None
) -> Candidates:
    """Named as registered, or one clear match: settled; several, or one weak match: to ask
    about; none: the customer is new. ``crmbot parse --as`` uses the same, so it predicts
    the chat. ``known``: the viewer's customer names as the message read them, when at
    hand; if they are all of them and ``text`` is not one, no name can equal it, and the
    exact-name read is skipped ("create it?" asks with one statement fewer)."""
    ruled_out = known is not None and len(known) < KNOWN_NAMES_CAP and text not in known
    exact: Sequence[Any] = []
    if not ruled_out:
        dialect = records.session.get_bind().dialect.name
        statement = _named_exactly(dialect, records.principal.visible_owner_ids)
        exact = await read(records.session, statement, {"name": text})
    if len(exact) == 1:  # the parser returns a known name as registered: no search needed
        *columns, people = exact[0]
        company = attach(records.session, Company, columns)
        records.keep(company)
        hold(records, company.id, people)
        return Candidates({company.id: company.name}, settled=True)
    hits = await search(records, text, limit=8)
    # A contact's name only stands for its company when it is close: "Redwood Partners" is
    # not Globex because one of Globex's people is fuzzily like it.
    hits = [h for h in hits if h.kind == "company" or h.score >= CONTACT_FLOOR]
    # nor is a company that shares only its legal form: "Red Lantern Catering Pte Ltd" is no
    # "Acme Ltd" to ask about
    hits = [h for h in hits if h.kind != "company" or _a_word_in_common(text, h.name)]
    companies = company_hits(hits)
    same = {cid: name for cid, name in companies.items() if name.casefold() == text.casefold()}
    if len(same) == 1:
        return Candidates(same, settled=True)
    floor = SETTLED_CJK if _CJK.search(text) else SETTLED_LATIN
    best = max(hits, key=lambda h: h.score, default=None)
    strong = (
        len(companies) == 1
        and best is not None
        and best.score >= floor
        # as the company is named, or as the hit that found it (a contact's e-mail domain)
        and any(_every_word_theirs(text, name) for name in (*companies.values(), best.name))
    )
    return Candidates(companies, settled=strong)


def _every_word_theirs(written: str, registered: str) -> bool:
    """Each word the rep wrote is one of the record's up to a typo, or made of its words'
    beginnings ("PacRim", "GC"): "Globx Corporation" is Globex Corporation, but "Sentosa
    Marine Works" is not Straits Marine Supply, however well one shared word scores; that
    one is offered next to "create", not taken. Chinese is left to the search's character
    and pinyin scores."""
    if _CJK.search(written) or _CJK.search(registered):
        return True
    return all(_words_theirs(written, registered))


def _a_word_in_common(written: str, registered: str) -> bool:
    """Some word the rep wrote is one of the record's (as :func:`_every_word_theirs` reads a
    word), not counting legal forms: "Red Lantern Catering Pte Ltd" has none of "Acme Ltd"."""
    if _CJK.search(written) or _CJK.search(registered):
        return True
    return any(_words_theirs(written, registered))


def _words_theirs(written: str, registered: str) -> list[bool]:
    """For each word the rep wrote, whether it is one of the record's up to a typo, or the
    beginnings of its words; initials ("GC", three letters or fewer) from its first word on:
    "MS" is not Straits Marine Supply."""
    theirs = company_words(registered, with_legal_form=True)
    distinctive = company_words(registered)
    return [
        any(fuzz.ratio(word, their) >= LATIN_CUTOFF for their in distinctive)
        or any(_beginnings(word, theirs[i:]) for i in range(len(theirs) if len(word) > 3 else 1))
        for word in company_words(written)
    ]


def _beginnings(word: str, words: list[str]) -> bool:
    """``word`` is the beginnings of consecutive ``words``: "pacrim" of pacific rim."""
    if not word:
        return True
    if not words:
        return False
    first = words[0]
    return any(
        word[:k] == first[:k] and _beginnings(word[k:], words[1:])
        for k in range(min(len(word), len(first)), 0, -1)
    )


async def company_of_person(records: Records, person: str) -> Candidates:
    """ "Helen called": the company of the one contact clearly named, if any."""
    hits = [h for h in await search(records, person, limit=4) if h.kind == "contact"]
    strong = [h for h in hits if h.score >= PERSON_FLOOR and h.company_id is not None]
    companies = company_hits(strong)
    return Candidates(companies, settled=len(companies) == 1)


async def resolve_customer(ctx: Context, plan: Plan, text: str) -> bool:
    """Fill ``company_id`` from ``text`` or ask; True when resolved without asking."""
    assert ctx.flow is not None
    found = await customer_candidates(ctx.records, text, ctx.customer_names)
    if found.company_id is not None:
        plan.company_id = found.company_id
        return True
    plan.customer_text = text
    # Colleagues' twins are read before the question's state is set: the conversation row
    # is then written once, with its buttons, not flushed ahead of the read.
    twins = [] if found.companies else await twins_of(ctx, company=text)
    ctx.flow.start(KEY, State.CUSTOMER, plan.to_json())
    create = button(ctx.t("log.create_customer", name=text[:30]), Pick(Choice.CREATE))
    cancel = button(ctx.t("common.cancel"), Pick(Choice.CANCEL))
    if not found.companies:
        lines = [ctx.t("log.unknown_customer", name=text), *twin_lines(ctx, twins)]
        ctx.ask("\n".join(lines), [*twin_buttons(ctx, twins), create, cancel])
        return False
    offers = [button(name, PickCustomer(cid)) for cid, name in list(found.companies.items())[:6]]
    if len(found.companies) == 1:  # a weak match: it may be a new customer after all
        offers.append(create)
    ctx.ask(ctx.t("log.which_customer", name=text), [*offers, cancel])
    return False


async def advance(ctx: Context, plan: Plan) -> None:
    """Ask the next missing thing, or save when nothing is missing."""
    assert ctx.flow is not None
    if plan.company_id is None and not plan.customer_text and plan.contact:
        person = await company_of_person(ctx.records, plan.contact)  # "Helen called"
        plan.company_id = person.company_id
    if plan.intent == "task" and plan.company_id is None and not plan.customer_text:
        ctx.flow.end()
        await save_task(ctx, plan, None)  # a personal to-do: no customer to ask about
        return
    if plan.company_id is None:
        if not plan.customer_text:
            ctx.flow.start(KEY, State.CUSTOMER, plan.to_json())
            ctx.say("log.ask_customer")
            return
        if not await resolve_customer(ctx, plan, plan.customer_text):
            return
    if plan.intent == "deal":
        await update_deal(ctx, plan)
        return
    company_id = plan.company_id
    assert company_id is not None  # resolved above, or asked about
    if plan.intent == "task":
        ctx.flow.end()
        await save_task(ctx, plan, await ctx.records.get(Company, company_id))
        return
    if plan.activity is None:
        ctx.flow.start(KEY, State.ACTIVITY, plan.to_json())
        ctx.ask(
            ctx.t("log.ask_kind"),
            [button(activity_label(ctx, k), PickKind(k)) for k in KINDS],
        )
        return
    if (plan.amount or plan.stage) and plan.deal_id is None:
        deals = await open_deals(ctx.records, ctx.settings.pipeline, company_id)
        if len(deals) > 1:
            ctx.flow.start(KEY, State.DEAL, plan.to_json())
            ctx.ask(
                ctx.t("log.which_deal"),
                [button(d.title, PickDeal(d.id)) for d in deals[:6]]
                + [button(ctx.t("log.new_deal"), PickDeal(0))],
            )
            return
        plan.deal_id = deals[0].id if deals else 0  # 0: create one
    if not await amount_agreed(ctx, plan):
        return
    ctx.flow.end()
    await save_plan(ctx, plan)


BIG_CHANGE = Decimal("0.5")
"""A new amount more than this share above or below the old one is confirmed first."""


def shown_money(ctx: Context, cents: int, currency: str, owner_id: int) -> str:
    """A deal's amount as this viewer may see it: masked (bot/masking.py) on a deal of
    someone else when the workspace masks amounts for the viewer's role."""
    if ctx.masking.amount(owner_id):
        return ctx.t("masking.amount")
    return format_money(cents, currency, ctx.lang)


async def amount_agreed(ctx: Context, plan: Plan) -> bool:
    """True when the plan's amount may be written to its deal as it stands; otherwise ask.

    A change of more than half either way, or to another currency, shows old -> new and
    asks: "3千" mentioned about a ¥112万 deal is far more often a slip than a new price."""
    assert ctx.flow is not None
    if not plan.amount or not plan.deal_id or plan.amount_ok:
        return True
    deal = await ctx.records.get(Deal, plan.deal_id)
    old = deal.amount_cents
    cents = int(plan.amount * 100)
    currency = plan.currency or deal.currency
    if old <= 0:
        return True
    if currency == deal.currency and abs(cents - old) <= old * BIG_CHANGE:
        return True
    ctx.flow.start(KEY, State.AMOUNT, plan.to_json())
    before = shown_money(ctx, old, deal.currency, deal.owner_id)
    after = format_money(cents, currency, ctx.lang)
    ctx.ask(
        ctx.t("log.confirm_amount", title=deal.title, old=before, new=after),
        [
            button(ctx.t("log.amount_change", old=before, new=after), Pick(Choice.AMOUNT_OK)),
            button(ctx.t("log.amount_keep", old=before), Pick(Choice.AMOUNT_KEEP)),
            button(ctx.t("common.cancel"), Pick(Choice.CANCEL)),
        ],
    )
    return False


async def save_task(ctx: Context, plan: Plan, company: Company | None) -> None:
    """ "明天上午十点给嘉禾医药李经理打电话", "call Acme tomorrow 10am": something to do, due
    when it says, reminded like every task; said so, with Undo."""
    assert ctx.user is not None
    undo = UndoLog()
    due = plan.follow_up
    assert due is not None  # a task is a message with a time
    task = await ctx.records.create(
        Task,
        title=plan.summary[:200],
        due_at=due,
        company_id=company.id if company else None,
        owner_id=company.owner_id if company else ctx.user.id,
    )
    undo.created(task)
    undo_id = await undo.save(ctx.records)
    when = format_when(due.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz), ctx.lang)
    title = ctx.t("log.task_saved", what=company.name if company else ctx.t("log.task_mine"))
    lines = [f"📝 {shorten(plan.summary, 120)}", ctx.t("log.task_due", when=when)]
    lines += problem_lines(ctx, plan.problems)
    ctx.reply(Card(title, tuple(lines), (Button(ctx.t("log.undo"), UndoSaved(undo_id)),)))
    await _next_customer(ctx, plan)


async def _next_customer(ctx: Context, plan: Plan) -> None:
    """ "上午去了A，下午去了B": the same log for the next customer, each with its own Undo."""
    if not plan.more:
        return
    await advance(ctx, plan.next_customer())


async def update_deal(ctx: Context, plan: Plan) -> None:
    """Move the customer's open deal and/or set its amount; ask which when there are several."""
    assert ctx.flow is not None
    records, pipeline = ctx.records, ctx.settings.pipeline
    assert plan.company_id is not None
    company = await records.get(Company, plan.company_id)
    if not plan.deal_id:
        deals = await open_deals(records, pipeline, company.id)
        if not deals:
            ctx.flow.end()
            ctx.ask(
                ctx.t("deal.none_open", company=company.name),
                [Button(ctx.t("card.new_deal"), NewDealFor(company.id))],
            )
            return
        if len(deals) > 1:
            ctx.flow.start(KEY, State.DEAL, plan.to_json())
            ctx.ask(ctx.t("log.which_deal"), [button(d.title, PickDeal(d.id)) for d in deals[:6]])
            return
        plan.deal_id = deals[0].id
    if not await amount_agreed(ctx, plan):
        return
    ctx.flow.end()
    for line in problem_lines(ctx, plan.problems):
        ctx.reply_text(line)
    deal = await records.get(Deal, plan.deal_id, for_update=True)
    old_amount = shown_money(ctx, deal.amount_cents, deal.currency, deal.owner_id)
    _keep_stage_unless_forward(plan, deal, pipeline)
    if plan.amount:
        cents = int(plan.amount * 100)
        currency = plan.currency or deal.currency  # never re-priced in another currency
        await set_amount(ctx, deal, cents, currency)
    stage = plan.stage
    if stage and pipeline.is_closed(stage) and not plan.reason:
        ask_reason(ctx, deal, stage, move=True)
        return
    if stage and pipeline.is_closed(stage):  # "丢单了，原因 价格太高": nothing left to ask
        try:
            await move_stage(
                records, pipeline, deal, stage, reason=plan.reason, today=notices.today(ctx)
            )
        except ApprovalRequired as required:
            await notices.request(ctx, required)
            return
        ctx.say(f"deal.closed_{stage}", title=deal.title, stage=stage_label(ctx, stage))
        await notices.after_move(ctx, deal)
    elif stage and await move_stage(records, pipeline, deal, stage, today=notices.today(ctx)):
        ctx.say("deal.moved", title=deal.title, stage=stage_label(ctx, stage))
        await notices.after_move(ctx, deal)
    elif plan.amount:
        amount = format_money(deal.amount_cents, deal.currency, ctx.lang)
        ctx.say("deal.amount_changed", title=deal.title, old=old_amount, new=amount)
    ctx.reply(await deal_card(ctx, deal))


async def match_contact(
    ctx: Context, company: Company, written: str | None, text: str = ""
) -> Person | None:
    """``张总`` -> the one contact surnamed 张; ``Wang`` -> Wang Lei; ``CFO`` -> by title;
    with nothing written, a contact of the company the text names ("met Helen Carter")."""
    if not written and not text:
        return None
    contacts = await people_of(ctx.records, company.id)
    if not written:
        named = person_in_text(text, [c.name for c in contacts])
        return next((c for c in contacts if named and c.name == named[0]), None)
    text = written.strip().casefold()
    surname = written.strip()
    for suffix in TITLE_SUFFIXES:
        if surname.endswith(suffix) and len(surname) > len(suffix):
            surname = surname[: -len(suffix)]
            break
    tests: tuple[Callable[[Person], bool], ...] = (
        lambda c: c.name.casefold() == text,
        lambda c: text in c.name.casefold().split(),
        lambda c: c.name.startswith(surname) and surname != written.strip(),
        lambda c: c.title is not None and text in c.title.casefold(),
    )
    for test in tests:
        matches = [c for c in contacts if test(c)]
        if len(matches) == 1:
            return matches[0]
    return None


async def save_plan(ctx: Context, plan: Plan) -> None:
    records, pipeline = ctx.records, ctx.settings.pipeline
    undo = UndoLog()
    if plan.created_company:
        undo.steps.append({"op": "delete", "model": "Company", "id": plan.created_company})
    assert plan.company_id is not None
    company = await records.get(Company, plan.company_id)
    contact = await match_contact(ctx, company, plan.contact, plan.source_text or "")
    deal = await _apply_deal(ctx, plan, company, undo)
    sent_at = plan.sent_at
    # Written with plain INSERTs and the audit rows in one statement (store.bulk): every
    # one-message log takes this path, and the ORM's flush cost more than the statements.
    logged = {
        "company_id": company.id,
        "contact_id": contact.id if contact else None,
        "deal_id": deal.id if deal else None,
        "kind": plan.activity,
        "summary": plan.summary[:2000],
        "source_text": plan.source_text,
        "occurred_at": _occurred(plan, min(sent_at, ctx.now)),
        "owner_id": company.owner_id,
    }
    # On PostgreSQL the undo row's id is drawn by the activity's INSERT, and the undo row,
    # the audit rows and the customer's touch ride on the replies' INSERT (store.riders):
    # a log writes in one statement of its own, not two.
    async with created_together(records, then=ctx.riders) as together:
        undo.reserve(together)
        task = None
        if plan.follow_up:
            follow_up = {
                "company_id": company.id,
                "deal_id": deal.id if deal else None,
                "title": ctx.t(
                    "log.follow_up_title", company=company.name, summary=shorten(plan.summary, 40)
                ),
                "due_at": plan.follow_up,
                "owner_id": company.owner_id,
            }
            # On PostgreSQL one statement for both (the task reads the activity's new id).
            activity, task = await together.create_pointing(
                (Activity, logged), (Task, follow_up), link="activity_id"
            )
        else:
            activity = await together.create(Activity, **logged)
        undo.created(activity)
        if task is not None:
            undo.created(task)
        # The customer moved up (updated_at): on PostgreSQL it waits with the audit rows.
        await records.update(company, flush=False, riders=together.riders)
        undo_id = await undo.save(records, together)
    card = summary_card(ctx, plan, company, contact, deal, task, undo_id)
    if contact is None and (offer := _add_contact_button(ctx, plan.contact, activity)):
        card = Card(card.title, card.lines, (*card.buttons, offer))
    ctx.reply(card)
    if deal is not None and plan.stage and pipeline.is_closed(plan.stage) and not plan.reason:
        ask_reason(ctx, deal, plan.stage, move=False)
        return
    await _next_customer(ctx, plan)


def _occurred(plan: Plan, sent: datetime) -> datetime:
    """When the activity happened: a past day the message names ("昨天拜访了"), else sent."""
    said = plan.activity_at
    if not said:
        return sent
    return min(said, sent)


def _keep_stage_unless_forward(plan: Plan, deal: Deal, pipeline: Pipeline) -> None:
    """An implied stage ("called Acme, quoted $120k": proposal) moves the deal only forward:
    a deal already in negotiation is not sent back to proposal by a quote mentioned again.
    A stage the rep names ("moved back to proposal") is not implied and moves it anyway."""
    if plan.stage and plan.stage_forward_only and not pipeline.goes_forward(deal.stage, plan.stage):
        plan.stage = None


async def _apply_deal(ctx: Context, plan: Plan, company: Company, undo: UndoLog) -> Deal | None:
    if not (plan.amount or plan.stage):
        return None
    records, pipeline = ctx.records, ctx.settings.pipeline
    cents = int(plan.amount * 100) if plan.amount else None
    currency = plan.currency or ctx.currency
    if not plan.deal_id:
        try:
            deal = await create_deal(
                records,
                pipeline,
                company,
                title=ctx.t("deal.default_title", company=company.name),
                amount_cents=cents or 0,
                currency=currency,
                stage=plan.stage or pipeline.first,
            )
        except ApprovalRequired as required:
            deal = await _awaiting_approval(ctx, plan, required)
        undo.created(deal)
        return deal
    deal = await records.get(Deal, plan.deal_id, for_update=True)
    undo.changing(
        deal,
        "stage",
        "probability",
        "stage_changed_at",
        "close_reason",
        "amount_cents",
        "currency",
        "expected_close",
    )
    plan.was = DealBefore(deal.stage, deal.amount_cents, deal.currency)
    _keep_stage_unless_forward(plan, deal, pipeline)
    if cents is not None:
        # An existing deal keeps its currency unless the message names another (asked first).
        currency = plan.currency or deal.currency
        await set_amount(ctx, deal, cents, currency)
    if plan.stage:
        try:
            await move_stage(
                records, pipeline, deal, plan.stage, reason=plan.reason, today=notices.today(ctx)
            )
        except ApprovalRequired as required:
            await _awaiting_approval(ctx, plan, required)
        else:
            await notices.after_move(ctx, deal)
    return deal


async def _awaiting_approval(ctx: Context, plan: Plan, required: ApprovalRequired) -> Deal:
    """ "Acme deal won" for a deal that needs a manager's yes: logged, not won — yet."""
    plan.stage = None  # no "why won?" question now: the reason can follow the approval
    await notices.request(ctx, required)
    return required.deal


_PERSONAL_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}|[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}")


def _add_contact_button(ctx: Context, written: str | None, activity: Activity) -> Button | None:
    """ "新认识了何娟": offer to keep 何娟 as a contact of the customer. Only for what reads as
    a person's name, not a title (张总, CFO)."""
    if not written or not _PERSONAL_NAME.fullmatch(written):
        return None
    if written.endswith(TITLE_SUFFIXES) and len(written) <= 3 and _CJK.match(written):
        return None
    try:
        return Button(ctx.t("log.add_contact", name=written), AddContact(activity.id, written))
    except PayloadTooLong:  # a name too long for a button: no offer
        return None


async def add_contact(ctx: Context, activity_id: int, name: str) -> None:
    """The "➕ Add 何娟 as a contact" button: the contact, linked to the logged activity."""
    activity = await ctx.records.get(Activity, activity_id, for_update=True)
    if activity.company_id is None:
        raise UserFacingError("log.undo_gone")
    company = await ctx.records.get(Company, activity.company_id)
    same = [p.id for p in await people_of(ctx.records, company.id) if p.name == name]
    contact_id = (
        same[0]
        if same
        else (
            await ctx.records.create(
                Contact, name=name, company_id=company.id, owner_id=activity.owner_id
            )
        ).id
    )
    await ctx.records.update(activity, contact_id=contact_id)
    ctx.say("log.contact_added", name=name, company=company.name)


def summary_card(
    ctx: Context,
    plan: Plan,
    company: Company,
    contact: Person | None,
    deal: Deal | None,
    task: Task | None,
    undo_id: int,
) -> Card:
    who = " · ".join(
        p
        for p in (
            activity_label(ctx, plan.activity) if plan.activity else "",
            company.name,
            contact.name if contact else plan.contact,
        )
        if p
    )
    lines = [f"💬 {shorten(plan.summary, 120)}", *problem_lines(ctx, plan.problems)]
    if deal is not None:
        was = plan.was
        stage = stage_label(ctx, deal.stage)
        if was is not None and was.stage != deal.stage:
            stage = f"{stage_label(ctx, was.stage)} → {stage}"
        bits = [deal.title, stage]
        if deal.amount_cents:
            amount = format_money(deal.amount_cents, deal.currency, ctx.lang)
            old_cents, old_currency = (was.cents, was.currency) if was else (0, "")
            if old_cents and (old_cents, old_currency) != (deal.amount_cents, deal.currency):
                # The new amount is the one just typed; the old one is the owner's record.
                before = shown_money(ctx, old_cents, old_currency, deal.owner_id)
                amount = f"{before} → {amount}"
            else:
                amount = deal_amount(ctx, deal)
            bits.append(amount)
        lines.append("💼 " + " · ".join(bits))
    if task is not None and task.due_at is not None:
        now_local = ctx.now.astimezone(ctx.tz)
        lines.append(
            ctx.t(
                "log.follow_up_line",
                when=format_when(task.due_at.astimezone(ctx.tz), now_local, ctx.lang),
            )
        )
    return Card(
        ctx.t("log.saved_title", what=who),
        tuple(lines),
        (
            Button(ctx.t("log.undo"), UndoSaved(undo_id)),
            Button(ctx.t("log.edit"), EditSaved(undo_id)),
        ),
    )
