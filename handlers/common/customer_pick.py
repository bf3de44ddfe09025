"""The "which customer?" step of the flows that start from a typed name (a new deal, a
contract, a ticket): one place for how a name is looked up and asked about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Context
from bot.payloads import Action
from bot.replies import Button
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
) -> None:
    """One customer matches ``query``: ``chosen`` goes on with it. Several: a button each
    (``answer`` makes its payload) under ``question``. None: ``nothing`` is said, with the
    query, and the flow waits for another name."""
    companies = company_hits(await search(ctx.records, query, limit=6))
    if len(companies) == 1:
        await chosen(ctx, await ctx.records.get(Company, next(iter(companies))))
    elif not companies:
        ctx.say(nothing, query=query)
    else:
        ctx.ask(
            ctx.t(question),
            [Button(name[:60], answer(cid)) for cid, name in companies.items()],
        )
