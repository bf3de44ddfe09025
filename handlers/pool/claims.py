"""``/pool`` (``/公海``): the pooled customers a rep may claim, a page at a time with a
✋ Claim button each and a button per city; the card's 🌊 Release (asks first); and the
📌 Keep of the warning push (scheduler/pool.py).

The pool's rules are :mod:`store.pool`'s: who sees which pool, the per-rep limit
(``CRMBOT_POOL_HOLD_LIMIT``), and the history line and audit rows of every move.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context, UserFacingError
from bot.payloads import PayloadTooLong
from bot.replies import Button
from handlers.common.actions import Claim, ReleaseToPool
from handlers.common.paging import Page, more_button, page_offset, with_range
from handlers.customers.actions import LogFor, OpenCompany
from handlers.pool.actions import ConfirmRelease, Keep, PoolPage
from store import pool
from store.access import NotAllowed, RecordNotFound
from store.models import Company


async def pool_command(ctx: Context) -> None:
    """``/pool``, ``/pool 深圳``: the pool, in a city when one is named."""
    await show_pool(ctx, 0, ctx.args.strip())


async def show_pool(ctx: Context, offset: int, city: str) -> None:
    assert ctx.principal is not None
    total, rows = await pool.pooled(ctx.session, ctx.principal, ctx.now, city=city, offset=offset)
    if not rows and offset and total:  # a More pressed after rows were claimed
        offset = page_offset(offset, total, pool.PAGE_SIZE)
        total, rows = await pool.pooled(
            ctx.session, ctx.principal, ctx.now, city=city, offset=offset
        )
    where = ctx.t("pool.in_city", city=city) if city else ""
    if not rows:
        ctx.say("pool.empty", where=where)
        return
    page = Page(offset, len(rows), total)
    if pool.may_claim(ctx.principal):
        text = with_range(ctx, ctx.t("pool.title", count=total, where=where), page)
        buttons = claim_buttons(ctx, rows)
    else:  # finance and service people see the pool, with nothing to claim
        title = with_range(ctx, ctx.t("pool.title_read", count=total, where=where), page)
        text = "\n".join([title, *(f"• {_shown(c)}" for c in rows)])
        buttons = []
    more = more_button(ctx, page, PoolPage(page.end, city)) if _fits(city) else None
    if more is not None:
        buttons.append(more)
    if not city and offset == 0:
        cities = await pool.pool_cities(ctx.session, ctx.principal, ctx.now)
        if len(cities) > 1:
            buttons += [Button(f"📍 {c}"[:40], PoolPage(0, c)) for c in cities if _fits(c)]
    ctx.ask(text, buttons)


def claim_buttons(ctx: Context, companies: Sequence[Company]) -> list[Button]:
    """A ✋ Claim button per pooled customer, its city beside its name."""
    return [Button(ctx.t("pool.btn_claim", name=_shown(c))[:40], Claim(c.id)) for c in companies]


def _shown(company: Company) -> str:
    return " · ".join(p for p in (company.name, company.city or "") if p)


LAST_OFFSET = 10**8
"""Beyond any page of a pool: the offset a city's More button is measured with."""


def _fits(city: str) -> bool:
    """Whether a page of the pool in ``city`` fits a button (64 bytes): a longer "city"
    (an address typed as one) gets no button of its own, and ``/pool <city>`` finds it.
    Cut short instead, it would name no city and list nothing."""
    try:
        PoolPage(LAST_OFFSET, city).encode()
    except PayloadTooLong:
        return False
    return True


async def on_page(ctx: Context) -> None:
    pressed = ctx.pressed(PoolPage)
    await show_pool(ctx, pressed.offset, pressed.city)


async def on_claim(ctx: Context) -> None:
    await claim_company(ctx, ctx.pressed(Claim).company)


async def claim_company(ctx: Context, company_id: int) -> None:
    """✋ Claim, pressed or typed ("我要认领华南物流"): the same rules and refusals."""
    assert ctx.principal is not None
    limit = ctx.settings.pool_hold_limit
    try:
        company = await pool.claim(ctx.session, ctx.principal, company_id, ctx.now, limit)
    except NotAllowed:
        raise UserFacingError("pool.claim_sales_only") from None
    except RecordNotFound:
        raise UserFacingError("pool.gone") from None
    except pool.OverLimit as over:
        raise UserFacingError("pool.over_limit", limit=over.limit, held=over.held) from None
    held = await pool.held_count(ctx.session, ctx.principal.user_id)
    key = "pool.claimed_limit" if limit else "pool.claimed"
    ctx.ask(
        ctx.t(key, name=company.name, held=held, limit=limit),
        [
            Button(ctx.t("pool.btn_open"), OpenCompany(company.id)),
            Button(ctx.t("pool.btn_log"), LogFor(company.id)),
        ],
    )


async def on_release(ctx: Context) -> None:
    """The card's 🌊 Release: what happens, and a button to do it."""
    pressed = ctx.pressed(ReleaseToPool)
    company = await ctx.records.get(Company, pressed.company)
    assert ctx.principal is not None
    if not pool.may_release(ctx.principal, company):
        raise UserFacingError("corrections.owner_only")
    ask_release(ctx, company)


def ask_release(ctx: Context, company: Company) -> None:
    """What releasing ``company`` does, and a button to do it (nothing moves yet)."""
    ctx.ask(
        ctx.t("pool.ask_release", name=company.name),
        [
            Button(ctx.t("pool.btn_release_yes"), ConfirmRelease(company.id)),
            Button(ctx.t("pool.btn_keep_it"), OpenCompany(company.id)),
        ],
    )


async def on_confirm_release(ctx: Context) -> None:
    pressed = ctx.pressed(ConfirmRelease)
    assert ctx.principal is not None
    company = await ctx.records.get(Company, pressed.company, for_update=True)
    try:
        await pool.release_by(ctx.session, ctx.principal, company, ctx.now)
    except NotAllowed:
        raise UserFacingError("corrections.owner_only") from None
    ctx.say("pool.released", name=company.name)


async def on_keep(ctx: Context) -> None:
    """📌 Keep: only the holder; a customer already back in the pool is gone for them."""
    pressed = ctx.pressed(Keep)
    assert ctx.principal is not None
    company = await ctx.records.get(Company, pressed.company)
    if company.owner_id != ctx.principal.user_id:
        raise UserFacingError("corrections.owner_only")
    await pool.keep(ctx.session, company, ctx.principal.user_id, ctx.now)
    ctx.ask(
        ctx.t("pool.kept", name=company.name, days=ctx.settings.pool_return_days),
        [Button(ctx.t("pool.btn_log"), LogFor(company.id))],
    )
