"""The "which customer?" step of the flows that start from a typed name (a new deal, a
contract, a ticket): one place for how a name is looked up and asked about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Context
from bot.payloads import Action
from bot.replies import Button
from store.access import Records
from store.models import Company
from store.search import company_hits, search


async def find_customer(
    ctx: Context,
    query: str,
    *,
    chosen: Callable[[Context, Company], Awaitable[None]],
    nothing: str,
    question: str,
    answer: Callable[[int], Action],
    records: Records | None = None,
) -> None:
    """One customer matches ``query``: ``chosen`` goes on with it. Several: a button each
    (``answer`` makes its payload) under ``question``. None: ``nothing`` is said, with the
    query, and the flow waits for another name. ``records``: the view to look in (a
    ticket's :func:`store.access.ticket_intake`), the sender's own by default."""
    view = records or ctx.records
    companies = company_hits(await search(view, query, limit=6))
    if len(companies) == 1:
        await chosen(ctx, await view.get(Company, next(iter(companies))))
    elif not companies:
        ctx.say(nothing, query=query)
    else:
        ctx.ask(
            ctx.t(question),
            [Button(name[:60], answer(cid)) for cid, name in companies.items()],
        )
