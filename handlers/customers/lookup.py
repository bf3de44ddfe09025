"""``/find`` (``/查``) or just a customer's name: a compact card, or buttons when several match."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
from bot.payloads import Action, PayloadTooLong
from bot.replies import Button
from bot.router import Router, action, command
from handlers.common.book_card import book_of
from handlers.common.paging import Page, more_button, page_offset, with_range
from handlers.customers import new_company
from handlers.customers.actions import CorrectRecord, FindMore, OpenCompany, OpenContact
from handlers.customers.card import company_card, company_of
from handlers.customers.origin import origin_line
from store.models import Contact
from store.search import Hit, search

MAX_CHOICES = 8
SEARCH_MAX = 50
"""Results a lookup pages through; past that, typing more letters beats paging."""


def clear_winner(query: str, hits: list[Hit]) -> Hit | None:
    """One hit, or an exact name match that stands above the rest: no need to ask."""
    if len(hits) == 1:
        return hits[0]
    exact = [h for h in hits if h.name.casefold() == query.strip().casefold()]
    return exact[0] if len(exact) == 1 else None


def hit_label(hit: Hit) -> str:
    if hit.kind == "contact" and hit.company_name:
        return f"{hit.name} · {hit.company_name}"
    return hit.name


def hit_action(hit: Hit) -> Action:
    """A company's card; for a contact, its company's card (or the contact's, if none)."""
    if hit.kind == "company":
        return OpenCompany(hit.id)
    return OpenCompany(hit.company_id) if hit.company_id else OpenContact(hit.id)


async def show_hits(ctx: Context, query: str, hits: list[Hit]) -> None:
    """The customers ``hits`` found: one strong match opens its card, several are offered
    as buttons, a page at a time with More when the first search filled a page."""
    if not hits:
        assert ctx.flow is not None
        ctx.flow.start(new_company.KEY, new_company.State.NAME, {"suggested": query})
        ctx.ask(
            ctx.t("lookup.none", query=query),
            [
                Button(ctx.t("lookup.create", name=query[:30]), new_company.USE_SUGGESTED),
                Button(ctx.t("common.cancel"), new_company.CANCEL),
            ],
        )
        return
    choices = folded(hits)
    if len(hits) >= MAX_CHOICES:
        # The first page is full: there may be more. Only now look further (the common
        # lookup, a name or a few letters, stays one search of the usual size).
        choices = folded(await search(ctx.records, query, limit=SEARCH_MAX + 1))
    winner = clear_winner(query, choices[:MAX_CHOICES])
    if winner is not None:
        await show_hit(ctx, winner)
        return
    show_page(ctx, query, choices, 0)


def folded(hits: list[Hit]) -> list[Hit]:
    """One entry per card: a contact stands for its company's card."""
    seen: dict[Action, Hit] = {}
    for hit in hits:
        seen.setdefault(hit_action(hit), hit)
    return list(seen.values())


def show_page(ctx: Context, query: str, choices: list[Hit], offset: int) -> None:
    capped = len(choices) > SEARCH_MAX
    choices = choices[:SEARCH_MAX]
    offset = page_offset(offset, len(choices), MAX_CHOICES)
    shown = choices[offset : offset + MAX_CHOICES]
    page = Page(offset, len(shown), len(choices))
    heading = with_range(ctx, ctx.t("lookup.several", query=query), page)
    if capped:
        heading += "\n" + ctx.t("lookup.capped", count=SEARCH_MAX)
    buttons = [Button(hit_label(h)[:60], hit_action(h)) for h in shown]
    if page.left:
        try:
            more = more_button(ctx, page, FindMore(query, page.end))
        except PayloadTooLong:  # a query too long to ride in a button: say how to narrow
            heading += "\n" + ctx.t("lookup.narrow")
            more = None
        if more is not None:
            buttons.append(more)
    ctx.ask(heading, buttons)


async def find_more(ctx: Context) -> None:
    pressed = ctx.pressed(FindMore)
    hits = await search(ctx.records, pressed.query, limit=SEARCH_MAX + 1)
    if not hits:
        ctx.say("lookup.none", query=pressed.query)
        return
    show_page(ctx, pressed.query, folded(hits), pressed.offset)


async def show_hit(ctx: Context, hit: Hit) -> None:
    if hit.kind == "company":
        ctx.reply(await company_card(ctx, hit.id))
        return
    contact = await ctx.records.get(Contact, hit.id)
    found = await company_of(ctx, contact)
    if found is None:
        await show_contact(ctx, contact)
        return
    # The person asked for is shown on their company's card: say where they came from.
    card = await company_card(ctx, found.id)
    origin = await origin_line(ctx, "contacts", contact.id)
    if origin is not None:
        card = replace(card, lines=(*card.lines, f"👤 {contact.name}: {origin}"))
    ctx.reply(card)


async def contact_text(ctx: Context, contact: Contact) -> str:
    lines = [f"👤 {contact.name}" + (f" — {contact.title}" if contact.title else "")]
    mask, owner = ctx.masking, contact.owner_id
    for value in (mask.phone(contact.mobile, owner), mask.phone(contact.phone, owner)):
        if value:
            lines.append(value)
    if contact.email:
        lines.append(mask.email(contact.email, owner) or "")
    if contact.wechat:
        # Labelled, so that a group chat's masking knows it for an id (bot/masking.py).
        lines.append(ctx.t("lookup.wechat", id=mask.wechat(contact.wechat, owner)))
    origin = await origin_line(ctx, "contacts", contact.id)
    if origin is not None:
        lines.append(origin)
    return "\n".join(lines)


async def find(ctx: Context) -> None:
    query = ctx.args.strip()
    if not query:
        ctx.say("lookup.ask")
        return
    await show_hits(ctx, query, await search(ctx.records, query, limit=MAX_CHOICES))


async def open_company(ctx: Context) -> None:
    ctx.reply(await company_card(ctx, ctx.pressed(OpenCompany).company))


async def open_contact(ctx: Context) -> None:
    await show_contact(ctx, await ctx.records.get(Contact, ctx.pressed(OpenContact).contact))


async def show_contact(ctx: Context, contact: Contact) -> None:
    """A contact's own card, with where it came from and its custom fields; Edit for its
    owner and admins (``Records.may_correct``), 🧩 Fields when contacts have custom fields."""
    book = await book_of(ctx, "contact", contact.id)
    text = "\n".join([await contact_text(ctx, contact), *book.lines])
    buttons = []
    if ctx.records.may_correct(contact):
        buttons.append(Button(ctx.t("corrections.edit"), CorrectRecord("contact", contact.id)))
    buttons += book.buttons
    if buttons:
        ctx.ask(text, buttons)
    else:
        ctx.reply_text(text)


def routes() -> Router:
    router = Router()
    router.add(command("find"), find)
    router.add(action(OpenCompany), open_company)
    router.add(action(OpenContact), open_contact)
    router.add(action(FindMore), find_more)
    return router
