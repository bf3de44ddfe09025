"""Opening a ticket: in one message ("星辰科技的打印机坏了，很急"), with ``/ticket``
(customer -> summary -> type -> priority), or from the customer card.

The one message goes through the logging's own reader first (:mod:`handlers.logging.routes`
asks here only when the message is not a log: no activity, stage, amount or follow-up),
then needs a problem word (坏了, 故障, 投诉, broken, complaint…) and a customer the
sender sees — so "called 星辰科技, their printer is broken" stays a call log. Type and
priority are read from the words (急 / urgent…), the priority defaults to normal and both
can be changed on the card. Bad input is refused where it is typed: an unknown customer,
an empty summary, a priority that is not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.nlu.message import ParsedLog
from bot.nlu.tickets import read_priority, read_ticket
from bot.replies import Button
from conversations.base import Answer, Expects, Flow, Step
from handlers.common.customer_pick import find_customer
from handlers.tickets.notices import tell
from handlers.tickets.views import label, priority_label, ticket_card
from locales.formatting import format_when, shorten
from store import tickets
from store.access import Records, ticket_intake
from store.known_names import known_names
from store.models import Company, Contact, Task, Ticket, User
from store.search import company_hits, search
from store.ticket_policy import PRIORITIES
from store.tickets import TicketError


class State(StrEnum):
    CUSTOMER = "customer"
    SUMMARY = "summary"
    TYPE = "type"
    PRIORITY = "priority"


KEY = FlowKey("new_ticket", 1, State)
DEFAULT_PRIORITY = "normal"


@dataclass(frozen=True)
class PickCustomer(Answer, tag="wk"):
    company: int


@dataclass(frozen=True)
class PickType(Answer, tag="wy"):
    kind: str


@dataclass(frozen=True)
class PickPriority(Answer, tag="wz"):
    priority: str


async def named_company(ctx: Context, text: str, guess: str | None = None) -> Company | None:
    """The customer a message names: the longest name the sender may open a ticket for
    written in it, else the reader's guess (or the whole message: "blue harbor's scanner…")
    when the search finds exactly one company."""
    view = intake(ctx)
    folded = text.casefold()
    names = sorted(
        (n for n in await known_names(view) if n and n.casefold() in folded),
        key=len,
        reverse=True,
    )
    for name in names:
        company = await ctx.session.scalar(
            view.select(Company).where(Company.name == name).limit(1)
        )
        if company is not None:
            return company
    if guess:
        # The whole guess, then its first words without a possessive ("blue harbor"): a
        # long message is a poor query for the typo stage of every database.
        words = guess.replace("'s ", " ").replace("’s ", " ").split()
        for query in dict.fromkeys([guess, " ".join(words[:2]), " ".join(words[:3])]):
            hits = company_hits(await search(view, query, limit=3))
            if len(hits) == 1:
                return await view.get(Company, next(iter(hits)))
    return None


def intake(ctx: Context) -> Records:
    """Where a ticket's customer is looked up: a service person finds any customer there
    (name, region, contacts, read-only), everyone else their own."""
    return ticket_intake(ctx.records)


async def on_problem(ctx: Context, parsed: ParsedLog) -> bool:
    """A problem at a known customer in one message: a ticket (``False``: not one, the
    message goes on as before)."""
    words = read_ticket(ctx.text)
    if words.kind is None or words.kind not in ctx.settings.tickets.types:
        return False
    company = await named_company(ctx, ctx.text, parsed.customer or ctx.text)
    if company is None:
        return False
    assert ctx.flow is not None
    ctx.flow.start(
        KEY,
        State.SUMMARY,
        {
            "company_id": company.id,
            "summary": ctx.text,
            "kind": words.kind,
            "priority": words.priority or DEFAULT_PRIORITY,
            "contact": parsed.contact,
            "follow_up": parsed.follow_up.isoformat() if parsed.follow_up else None,
        },
    )
    await _advance(ctx)
    return True


async def start(ctx: Context, company: Company | None = None) -> None:
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.CUSTOMER)
    if company is not None:
        await _with_company(ctx, company)
        return
    text = ctx.args.strip()
    if not text:
        ctx.say("tickets.ask_customer")
        return
    named = await named_company(ctx, text)
    if named is not None and text.casefold() != named.name.casefold():
        # "/ticket 星辰科技 打印机坏了 很急": the customer and the problem at once.
        words = read_ticket(text)
        ctx.flow.update(
            company_id=named.id,
            summary=text,
            priority=read_priority(text),
            kind=words.kind if words.kind in ctx.settings.tickets.types else None,
        )
        await _advance(ctx)
        return
    await _search(ctx, text)


async def _search(ctx: Context, query: str) -> None:
    await find_customer(
        ctx,
        query,
        chosen=_with_company,
        nothing="tickets.no_customer",
        question="tickets.pick_customer",
        answer=PickCustomer,
        records=intake(ctx),
    )


async def _with_company(ctx: Context, company: Company) -> None:
    assert ctx.flow is not None
    ctx.flow.update(company_id=company.id)
    await _advance(ctx)


async def _advance(ctx: Context) -> None:
    """Ask for what is still missing, or open the ticket."""
    assert ctx.flow is not None
    data = ctx.flow.data
    if not data.get("summary"):
        ctx.flow.goto(State.SUMMARY)
        ctx.say("tickets.ask_summary")
    elif not data.get("kind"):
        ctx.flow.goto(State.TYPE)
        ctx.ask(
            ctx.t("tickets.ask_type"),
            [Button(label(ctx, "types", k), PickType(k)) for k in ctx.settings.tickets.types],
        )
    elif not data.get("priority"):
        _ask_priority(ctx)
    else:
        await _create(ctx)


def _ask_priority(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.goto(State.PRIORITY)
    ctx.ask(
        ctx.t("tickets.ask_priority"),
        [Button(priority_label(ctx, p), PickPriority(p)) for p in PRIORITIES],
    )


async def on_customer(ctx: Context) -> None:
    if isinstance(ctx.action, PickCustomer):
        await _with_company(ctx, await intake(ctx).get(Company, ctx.action.company))
    elif ctx.text:
        await _search(ctx, ctx.text)
    else:
        ctx.say("tickets.ask_customer")


async def on_summary(ctx: Context) -> None:
    assert ctx.flow is not None
    text = ctx.text.strip()
    if not tickets.has_words(text):
        ctx.say("tickets.bad_summary")
        return
    words = read_ticket(text)
    ctx.flow.update(summary=text, priority=words.priority)
    if words.kind in ctx.settings.tickets.types:
        ctx.flow.update(kind=words.kind)
    await _advance(ctx)


async def on_type(ctx: Context) -> None:
    assert ctx.flow is not None
    pressed = ctx.action
    if not isinstance(pressed, PickType) or pressed.kind not in ctx.settings.tickets.types:
        ctx.say("tickets.ask_type_buttons")
        return
    ctx.flow.update(kind=pressed.kind)
    await _advance(ctx)


def typed_priority(ctx: Context, text: str) -> str | None:
    """A priority typed instead of pressed: its name in either language, or its words."""
    folded = text.strip().casefold()
    for p in PRIORITIES:
        names = {p, label(ctx, "priorities", p).casefold()}
        names |= {
            ctx.translator.t(lang, f"tickets.priorities.{p}").casefold() for lang in ("en", "zh")
        }
        if folded in names:
            return p
    return read_priority(text) if text else None


async def on_priority(ctx: Context) -> None:
    assert ctx.flow is not None
    if isinstance(ctx.action, PickPriority) and ctx.action.priority in PRIORITIES:
        priority: str | None = ctx.action.priority
    else:
        priority = typed_priority(ctx, ctx.text)
    if priority is None:
        ctx.say("tickets.bad_priority")
        _ask_priority(ctx)
        return
    ctx.flow.update(priority=priority)
    await _advance(ctx)


async def _contact_id(ctx: Context, company: Company, name: str | None) -> int | None:
    contacts = list(
        await ctx.session.scalars(
            intake(ctx).select(Contact).where(Contact.company_id == company.id).order_by(Contact.id)
        )
    )
    if name:
        folded = name.casefold().removesuffix("总").removesuffix("经理")
        for contact in contacts:
            if folded and folded in contact.name.casefold():
                return contact.id
    return contacts[0].id if contacts else None


async def _create(ctx: Context) -> None:
    assert ctx.flow is not None
    data = dict(ctx.flow.data)
    ctx.flow.end()
    company = await intake(ctx).get(Company, data["company_id"])
    try:
        ticket = await tickets.open_ticket(
            ctx.records,
            ctx.settings.tickets,
            company,
            summary=data["summary"],
            kind=data["kind"],
            priority=data["priority"],
            contact_id=await _contact_id(ctx, company, data.get("contact")),
        )
    except TicketError as error:
        raise UserFacingError(error.key) from error
    if ticket.assignee_id is not None:
        assignee = await ctx.session.get(User, ticket.assignee_id)
        ctx.say(
            "tickets.opened",
            id=ticket.id,
            company=company.name,
            who=assignee.display_name if assignee else "-",
        )
        await tell(ctx, ticket, [ticket.assignee_id], "tickets.push.assigned", take=True)
    else:
        ctx.say("tickets.opened_queue", id=ticket.id, company=company.name)
    if data.get("follow_up"):
        await _follow_up(ctx, ticket, company, datetime.fromisoformat(data["follow_up"]))
    await tell(ctx, ticket, [ticket.owner_id], "tickets.push.opened_for_owner")
    ctx.reply(await ticket_card(ctx, ticket))


async def _follow_up(ctx: Context, ticket: Ticket, company: Company, due: datetime) -> None:
    """The follow-up said with the problem ("…，下个月再看"): the sender's task, said so.
    It is tied to the customer when the sender sees the customer (a service person who
    does not finds it by the ticket number in its title)."""
    assert ctx.principal is not None
    linked = ctx.principal.can_see_owner(company.owner_id)
    await ctx.records.create(
        Task,
        title=ctx.t("tickets.follow_up_title", id=ticket.id, summary=shorten(ticket.summary, 80)),
        due_at=due,
        company_id=company.id if linked else None,
    )
    when = format_when(due.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz), ctx.lang)
    ctx.say("tickets.follow_up_set", id=ticket.id, when=when)


async def new_for(ctx: Context, company_id: int) -> None:
    await start(ctx, await intake(ctx).get(Company, company_id))


FLOW = Flow(
    KEY,
    {
        State.CUSTOMER: on_customer,
        State.SUMMARY: Step(on_summary, Expects.MESSAGE),
        State.TYPE: Step(on_type, Expects.CHOICE),
        State.PRIORITY: Step(on_priority, Expects.TEXT),
    },
    answers=(PickCustomer, PickType, PickPriority),
)
