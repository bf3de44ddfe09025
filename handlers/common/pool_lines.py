"""The customer history's lines of the lead pool and assignments (store/pool.py): who held
the customer, who holds it now, when and why. Here, not in handlers/pool, because the
history (handlers/customers) shows them and handlers/pool opens customer cards."""

from __future__ import annotations

from bot.context import Context
from locales.formatting import format_when
from store import pool


async def pool_lines(ctx: Context, company_id: int) -> list[str]:
    now_local = ctx.now.astimezone(ctx.tz)
    lines = []
    for move, old, new, by in await pool.moves(ctx.session, company_id):
        when = format_when(move.at.astimezone(ctx.tz), now_local, ctx.lang)
        lines.append(
            ctx.t(
                f"pool.history.{move.reason}",
                when=when,
                old=_who(ctx, old),
                new=_who(ctx, new),
                by=_who(ctx, by),
            )
        )
    return lines


def _who(ctx: Context, name: str | None) -> str:
    if name is None:
        return "?"
    return ctx.t("pool.assign.the_pool") if name == pool.POOL_DISPLAY else name
