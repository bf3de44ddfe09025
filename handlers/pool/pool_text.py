"""The pool typed as free text, tried before a message is read as a log: "公海里有深圳的
客户吗" (``/pool 深圳``: a place name of a few characters, so that a log beginning with
公海 stays a log), "我要认领华南物流" / "claim 华南物流 pls" (✋ Claim), "Acme不跟了
放回公海吧" / "release 星辰科技 to pool" (🌊 Release, which still asks first).

Each phrase starts or ends with its own verb ("认领", "claim", "放回公海", "to pool"), so a
log that merely mentions the pool is not taken; the rules and refusals are the buttons'.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.context import Context, UserFacingError
from bot.replies import Button
from handlers.common.actions import ReleaseToPool
from handlers.pool import claims
from store import pool
from store.models import Company

POOL_QUESTION = re.compile(
    r"^(?:看看|看一下|查一下)?公海(?:里|中)?(?:有没有|还有|有)?\s*"
    r"([^\s,，.。;；!！?？、]{0,12}?)\s*(?:的)?\s*(?:客户)?"
    r"\s*(?:吗|么|呢|没有)?\s*[?？。]?$"
    r"|^(?:what(?:'s|\s+is)\s+in\s+the\s+pool|show\s+(?:me\s+)?the\s+pool|anything\s+in\s+the\s+pool)"
    r"(?:\s+in\s+(.+?))?\s*[?.!]?$",
    re.I,
)
CLAIM = re.compile(
    r"^(?:我要|我想|我来|帮我)?认领\s*(.+?)\s*(?:吧|了)?\s*[。!！]?$"
    r"|^(?:i'?ll\s+|let\s+me\s+)?claim\s+(.+?)(?:\s*,?\s*(?:pls|please|for\s+me))?\s*[.!]?$",
    re.I,
)
RELEASE = re.compile(
    r"^(?:请|帮我)?(?:把|将)?\s*(.+?)\s*(?:不跟了|不跟进了|不要了|不做了)?\s*[,，]?\s*"
    r"(?:放回|退回|还回|丢回|扔回|释放回?|释放到)(?:到)?公海(?:里|去)?\s*(?:吧|了|啦)?\s*[。!！]?$"
    r"|^release\s+(.+?)\s+(?:(?:back\s+)?(?:to|into)\s+(?:the\s+)?pool)\s*(?:pls|please)?\s*[.!]?$",
    re.I,
)

_EVERY_PHRASE_HOLDS = ("公海", "pool", "认领", "claim")
"""Each reading of the three expressions above holds one of these (lower-cased)."""


def _named(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).strip().strip("“”\"'「」")


async def on_text(ctx: Context) -> bool:
    """True when the message was a pool phrase (and has been answered)."""
    text = ctx.text.strip()
    lower = text.lower()
    if not any(word in lower for word in _EVERY_PHRASE_HOLDS):
        return False  # a substring test is cheaper than the three expressions (issue 20)
    if (m := POOL_QUESTION.match(text)) is not None:
        city = next((g for g in m.groups() if g), "").strip()
        await claims.show_pool(ctx, 0, city)
        return True
    if (m := CLAIM.match(text)) is not None:
        await claim_typed(ctx, _named(m))
        return True
    if (m := RELEASE.match(text)) is not None:
        await release_typed(ctx, _named(m))
        return True
    return False


async def claim_typed(ctx: Context, name: str) -> None:
    """Claim the pooled customer so named; one not in the pool is said to be so, and
    several of that name (in different cities) are asked about, a ✋ button each."""
    assert ctx.principal is not None
    owner = await pool.pool_owner(ctx.session, ctx.now)
    found = list(
        await ctx.session.scalars(
            select(Company)
            .where(
                Company.owner_id == owner,
                func.lower(Company.name) == name.casefold(),
                await pool.visible_pool(ctx.session, ctx.principal),
            )
            .order_by(Company.city, Company.id)
            .limit(7)
        )
    )
    if not found:
        raise UserFacingError("pool.not_pooled", name=name)
    if len(found) == 1:
        await claims.claim_company(ctx, found[0].id)
        return
    ctx.ask(ctx.t("pool.claim_which"), claims.claim_buttons(ctx, found))


async def release_typed(ctx: Context, name: str) -> None:
    """Ask to release the customer so named; someone else's is refused by name."""
    assert ctx.principal is not None
    rows = await ctx.session.scalars(
        select(Company)
        .where(ctx.records.scope(Company), func.lower(Company.name) == name.casefold())
        .limit(2)
    )
    companies = list(rows)
    if len(companies) != 1:
        # "Acme不跟了 放回公海吧": a short name is enough when it is part of the name of
        # one customer of theirs (several: a button each). No fuzzy guess: a release
        # names the customer it is sure of, or none.
        found = list(
            await ctx.session.scalars(
                select(Company)
                .where(
                    ctx.records.scope(Company),
                    func.lower(Company.name).contains(name.casefold(), autoescape=True),
                )
                .order_by(Company.name)
                .limit(7)
            )
        )
        if not found:
            ctx.say("pool.release_none", query=name)
        elif len(found) == 1:
            await _release_found(ctx, found[0])
        else:
            ctx.ask(
                ctx.t("pool.release_which"),
                [Button(c.name[:60], ReleaseToPool(c.id)) for c in found],
            )
        return
    await _release_found(ctx, companies[0])


async def _release_found(ctx: Context, company: Company) -> None:
    """Ask to release ``company`` once it is known: not one already pooled, nor another's."""
    assert ctx.principal is not None
    if company.owner_id == await pool.pool_owner(ctx.session, ctx.now):
        raise UserFacingError("pool.already_pooled", name=company.name)
    if not pool.may_release(ctx.principal, company):
        raise UserFacingError("pool.not_yours", name=company.name)
    claims.ask_release(ctx, company)
