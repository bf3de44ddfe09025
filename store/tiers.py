"""Customer tiers (potential / normal / VIP by default), computed by the tier rules
(:mod:`store.tier_rules`) from a customer's won deals and tags.

The computed tier is kept apart from the ``客户等级`` tags: a tag is what a person said and
is an input to the rules (``tag:VIP``), the tier is what the rules make of it, so a manual
tag is never overwritten (docs/DESIGN.md, "Tiers and tags"). :func:`recompute` writes a
row per customer only when its tier changes (a change is an event its owner is pushed, see
:mod:`scheduler.tiers`); segments filter by the rules themselves (:func:`in_tier`), so they
are current between recomputes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Company, CompanyTag, CustomerTier, Deal, Tag
from store.paging import pages
from store.pipeline import WON
from store.tags import canonical, company_tags_column, tags_from_column
from store.tier_rules import LOWEST, TierRule

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Standing:
    """What the rules look at: won in the last 12 months (cents), won deals ever, tags."""

    won_cents: int = 0
    orders: int = 0
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    tier: str
    reason: str
    """``won:CENTS``, ``orders:N``, ``tag:NAME`` or ``none`` (no rule met)."""


def decide(rules: Sequence[TierRule], standing: Standing) -> Decision:
    """The first rule the customer meets, and which of its criteria it met."""
    folded = {t.casefold() for t in standing.tags}
    for rule in rules:
        if rule.min_won is not None and standing.won_cents >= int(rule.min_won * 100):
            return Decision(rule.tier, f"won:{standing.won_cents}")
        if rule.min_orders is not None and standing.orders >= rule.min_orders:
            return Decision(rule.tier, f"orders:{standing.orders}")
        for tag in rule.tags:
            if canonical(tag).casefold() in folded or tag.casefold() in folded:
                return Decision(rule.tier, f"tag:{tag}")
    return Decision(LOWEST, "none")


#: Customer ids per statement: PostgreSQL's driver takes at most 32,767 parameters.
ID_PAGE = 5000


async def standings(
    session: AsyncSession, now: datetime, company_ids: Sequence[int] | None = None
) -> dict[int, Standing]:
    """Every customer's (or those of ``company_ids``) standing: two grouped queries (per
    :data:`ID_PAGE` ids, as an export of every customer asks)."""
    if company_ids is not None and len(company_ids) > ID_PAGE:
        out: dict[int, Standing] = {}
        for page in pages(company_ids, ID_PAGE):
            out |= await standings(session, now, page)
        return out
    deals = _won_deals(now)
    tags = select(CompanyTag.company_id, Tag.name).join(Tag, Tag.id == CompanyTag.tag_id)
    companies = select(Company.id)
    if company_ids is not None:
        deals = deals.where(Deal.company_id.in_(company_ids))
        tags = tags.where(CompanyTag.company_id.in_(company_ids))
        companies = companies.where(Company.id.in_(company_ids))
    out = {cid: Standing() for cid in (await session.scalars(companies)).all()}
    for company_id, won, count in (await session.execute(deals.group_by(Deal.company_id))).all():
        if company_id in out:
            out[company_id] = Standing(int(won or 0), int(count))
    names: dict[int, set[str]] = {}
    for company_id, name in (await session.execute(tags)).all():
        names.setdefault(company_id, set()).add(name)
    for company_id, found in names.items():
        if company_id in out:
            was = out[company_id]
            out[company_id] = Standing(was.won_cents, was.orders, frozenset(found))
    return out


def standing_columns(
    dialect: str, company: ColumnElement[int]
) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """One customer's standing as columns any statement about it can read alongside its own
    (the card reads them with its last activity and next task: one round trip, not two):
    its won deals' amount since the ``since`` parameter (:func:`standing_params`), how many
    deals it ever won, and its tags. :func:`decided` reads them back."""
    since: BindParameter[datetime] = bindparam("since", type_=Deal.stage_changed_at.type)
    won_amount, won_count = _won_columns(since)
    won = (Deal.stage == WON, Deal.company_id == company)
    return (
        select(won_amount).where(*won).correlate(None).scalar_subquery(),
        select(won_count).where(*won).correlate(None).scalar_subquery(),
        company_tags_column(dialect, company),
    )


def standing_params(now: datetime) -> dict[str, datetime]:
    return {"since": now - YEAR}


def decided(
    rules: Sequence[TierRule], won_cents: Any, orders: Any, tags_value: Any
) -> tuple[Decision, list[tuple[int, str]]]:
    """The tier the rules give the standing read by :func:`standing_columns`, and its tags."""
    on = tags_from_column(tags_value)
    standing = Standing(int(won_cents or 0), int(orders or 0), frozenset(n for _, n in on))
    return decide(rules, standing), on


@functools.lru_cache(maxsize=4)
def _tier_and_tags(dialect: str) -> Select[Any, Any, Any]:
    """Built once: a card runs it for every look."""
    return select(*standing_columns(dialect, bindparam("company_id")))


async def tier_and_tags(
    session: AsyncSession, rules: Sequence[TierRule], company_id: int, now: datetime
) -> tuple[Decision, list[tuple[int, str]]]:
    """One customer's tier as the rules say now, and its tags (which the rules read too):
    one statement."""
    stmt = _tier_and_tags(session.get_bind().dialect.name)
    row = (await session.execute(stmt, {"company_id": company_id, **standing_params(now)})).one()
    return decided(rules, *row)


def _won_deals(now: datetime) -> Select[int, int, int]:
    """Per customer: the won deals' amount in the last year, and how many were ever won."""
    return select(Deal.company_id, *_won_columns(now - YEAR)).where(Deal.stage == WON)


def _won_columns(
    since: datetime | ColumnElement[datetime],
) -> tuple[ColumnElement[int], ColumnElement[int]]:
    won = func.sum(case((Deal.stage_changed_at >= since, Deal.amount_cents), else_=0))
    return func.coalesce(won, 0), func.count(Deal.id)


@dataclass(frozen=True)
class Change:
    company_id: int
    old: str
    new: str
    reason: str


async def recompute(
    session: AsyncSession,
    rules: Sequence[TierRule],
    now: datetime,
    company_ids: Sequence[int] | None = None,
) -> list[Change]:
    """Write each customer's tier where it changed; the changes. The first run ever (no
    tier yet at all) only records them: a new workspace's owners are not pushed for every
    customer they have. A customer seen for the first time later starts from ``potential``."""
    first_run = await session.scalar(select(func.count(CustomerTier.id))) == 0
    kept = select(CustomerTier)
    if company_ids is not None:
        kept = kept.where(CustomerTier.company_id.in_(company_ids))
    rows = {r.company_id: r for r in (await session.scalars(kept)).all()}
    changes: list[Change] = []
    for company_id, standing in (await standings(session, now, company_ids)).items():
        decision = decide(rules, standing)
        row = rows.get(company_id)
        old = row.tier if row is not None else LOWEST
        if row is None:
            row = CustomerTier(company_id=company_id, tier=LOWEST, reason="none", changed_at=now)
            row.notified_at = now
            session.add(row)
        if decision.tier == old:
            if row.reason != decision.reason and decision.tier != LOWEST:
                row.reason = decision.reason  # same tier, better known why: no push
            continue
        row.previous, row.tier, row.reason, row.changed_at = (
            old,
            decision.tier,
            decision.reason,
            now,
        )
        row.notified_at = now if first_run else None
        changes.append(Change(company_id, old, decision.tier, decision.reason))
    await session.flush()
    return changes


async def won_recently(session: AsyncSession, since: datetime) -> list[int]:
    """Customers with a deal won since ``since``: recomputed soon after each win."""
    rows = await session.scalars(
        select(Deal.company_id).distinct().where(Deal.stage == WON, Deal.stage_changed_at >= since)
    )
    return list(rows.all())


async def unannounced(session: AsyncSession) -> list[tuple[CustomerTier, Company]]:
    rows = await session.execute(
        select(CustomerTier, Company)
        .join(Company, Company.id == CustomerTier.company_id)
        .where(CustomerTier.notified_at.is_(None))
        .order_by(CustomerTier.id)
    )
    return [(tier, company) for tier, company in rows.all()]


def meets(rule: TierRule, now: datetime) -> ColumnElement[bool]:
    """A customer meets ``rule`` (SQL, correlated on the customer)."""
    met: list[ColumnElement[bool]] = []
    if rule.min_won is not None:
        won = (
            select(func.coalesce(func.sum(Deal.amount_cents), 0))
            .where(
                Deal.company_id == Company.id,
                Deal.stage == WON,
                Deal.stage_changed_at >= now - YEAR,
            )
            .scalar_subquery()
        )
        met.append(won >= int(rule.min_won * 100))
    if rule.min_orders is not None:
        orders = (
            select(func.count(Deal.id))
            .where(Deal.company_id == Company.id, Deal.stage == WON)
            .scalar_subquery()
        )
        met.append(orders >= rule.min_orders)
    if rule.tags:
        names = {n.casefold() for t in rule.tags for n in (t, canonical(t))}
        ids = select(Tag.id).where(func.lower(Tag.name).in_(names))
        met.append(exists().where(CompanyTag.company_id == Company.id, CompanyTag.tag_id.in_(ids)))
    return or_(*met) if met else false()


def in_tier(rules: Sequence[TierRule], tier: str, now: datetime) -> ColumnElement[bool]:
    """Customers whose tier the rules make ``tier`` now: they meet its rule and none above."""
    above: list[ColumnElement[bool]] = []
    for rule in rules:
        if rule.tier == tier:
            return and_(meets(rule, now), *(~c for c in above))
        above.append(meets(rule, now))
    if tier == LOWEST:
        return and_(*(~c for c in above)) if above else ~false()
    return false()
