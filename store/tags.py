"""Tags grouped in dimensions, and the tags put on customers.

The preset dimensions are written on first use rather than by the migration: a database
that was restored, truncated (the PostgreSQL tests) or emptied by an admin gets them back
the same way, and the list lives in one place. Who may change the vocabulary (admins) is
the caller's check; putting a tag on a customer goes through the record rules (the
customer must be one the principal sees).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Label

from store.access import Records
from store.json_list import json_list, json_row
from store.models import Company, CompanyTag, Tag, TagDimension

PRESET: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("industry", "Industry", "行业", ("制造业", "软件", "零售", "金融", "医药", "教育")),
    ("region", "Region", "区域", ("华东", "华南", "华北", "华中", "西南", "海外")),
    ("company_size", "Company size", "企业规模", ("1-50人", "50-500人", "500人以上")),
    ("source", "Source", "客户来源", ("展会", "转介绍", "官网", "电话营销")),
    ("purchase_frequency", "Purchase frequency", "采购频次", ("高频", "偶尔", "一次性")),
    ("preferred_product", "Preferred product", "偏好产品", ()),
    ("tier", "Tier", "客户等级", ("VIP", "重点", "普通", "潜在")),
    ("relationship", "Relationship stage", "关系阶段", ("初次接触", "建立信任", "长期合作")),
    ("decision_role", "Decision role", "决策角色", ("决策者", "影响者", "使用者")),
    ("ownership", "Ownership", "企业性质", ("国企", "民企", "外企")),
    ("budget", "Budget", "预算水平", ("预算充足", "预算一般", "预算紧张")),
    ("credit", "Credit", "信用等级", ("信用优", "信用良", "信用差")),
    ("payment_habit", "Payment habit", "付款习惯", ("付款准时", "付款拖延")),
    ("channel", "Channel", "渠道", ("直销", "代理")),
    ("competitor", "Competitor", "竞争对手", ()),
    ("interest", "Interest", "关注点", ("价格", "质量", "服务", "交期")),
    ("risk", "Risk", "风险", ("流失风险", "欠款风险")),
    ("loyalty", "Loyalty", "忠诚度", ("忠诚度高", "忠诚度低")),
    ("service_level", "Service level", "服务级别", ("标准服务", "金牌服务")),
    ("event", "Events attended", "参与活动", ()),
    ("language", "Language", "沟通语言", ("中文沟通", "English")),
    ("price_sensitivity", "Price sensitivity", "价格敏感度", ("价格敏感", "价格不敏感")),
)
"""Key, English and Chinese name, and the tags each starts with (22 dimensions)."""

ENGLISH: dict[str, str] = {
    "制造业": "Manufacturing", "软件": "Software", "零售": "Retail", "金融": "Finance",
    "医药": "Pharma", "教育": "Education", "华东": "East China", "华南": "South China",
    "华北": "North China", "华中": "Central China", "西南": "Southwest", "海外": "Overseas",
    "1-50人": "1-50 staff", "50-500人": "50-500 staff", "500人以上": "500+ staff",
    "展会": "Trade show", "转介绍": "Referral", "官网": "Website", "电话营销": "Telemarketing",
    "高频": "Frequent", "偶尔": "Occasional", "一次性": "One-off", "重点": "Key account",
    "普通": "Normal", "潜在": "Potential", "初次接触": "First contact",
    "建立信任": "Building trust", "长期合作": "Long-term partner", "决策者": "Decision maker",
    "影响者": "Influencer", "使用者": "End user", "国企": "State-owned", "民企": "Private",
    "外企": "Foreign-owned", "预算充足": "Ample budget", "预算一般": "Average budget",
    "预算紧张": "Tight budget", "信用优": "Good credit", "信用良": "Fair credit",
    "信用差": "Poor credit", "付款准时": "Pays on time", "付款拖延": "Pays late",
    "直销": "Direct", "代理": "Reseller", "价格": "Price", "质量": "Quality", "服务": "Service",
    "交期": "Lead time", "流失风险": "Churn risk", "欠款风险": "Debt risk",
    "忠诚度高": "High loyalty", "忠诚度低": "Low loyalty", "标准服务": "Standard service",
    "金牌服务": "Gold service", "中文沟通": "Chinese-speaking", "价格敏感": "Price-sensitive",
    "价格不敏感": "Not price-sensitive",
}  # fmt: skip
"""The preset tags' English names. A tag is stored once, under its preset (Chinese) name, so
exports, imports and segments see one name; the English one is matched when typed and shown
to English speakers (docs/DESIGN.md, "Tiers and tags")."""
_CHINESE: dict[str, str] = {en.casefold(): zh for zh, en in ENGLISH.items()}


def label(name: str, lang: str) -> str:
    """A tag's name in the reader's language (a tag an admin added has one name only)."""
    return ENGLISH.get(name, name) if lang == "en" else name


def canonical(name: str) -> str:
    """The stored name of a tag typed in either language ("Finance" -> 金融)."""
    return _CHINESE.get(name.strip().casefold(), name.strip())


def names_in_both(names: Sequence[str]) -> list[str]:
    """Every name as stored and, for a preset tag, in English too (words to recognise)."""
    return [*names, *(ENGLISH[n] for n in names if n in ENGLISH)]


def split_tags(text: str, separator: re.Pattern[str], known: Sequence[str]) -> list[str]:
    """The tag words of ``text`` ("Key account, VIP and 研发与制造"): between separators, but a
    known name that has a separator in it ("Key account", "研发与制造") is one word, the
    longest such name first; a ``-`` before a word (take it off) is kept on it."""
    joined = sorted(
        {n for n in known if len([w for w in separator.split(n) if w]) > 1},
        key=len,
        reverse=True,
    )
    words: list[str] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        gap = separator.match(text, pos)
        if gap is not None:
            pos = gap.end()
            continue
        start = pos + 1 if text[pos] == "-" else pos
        end = next((start + len(n) for n in joined if _name_at(text, start, n, separator)), None)
        if end is None:
            found = separator.search(text, start)
            end = found.start() if found is not None else len(text)
        words.append(text[pos:end])
        pos = end
    return words


def _name_at(text: str, start: int, name: str, separator: re.Pattern[str]) -> bool:
    end = start + len(name)
    if text[start:end].casefold() != name.casefold():
        return False
    return end == len(text) or separator.match(text, end) is not None


class TagError(Exception):
    """A tag or dimension that does not exist, or already does (``key`` names which)."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(f"{key}: {value}")
        self.key = key
        self.value = value


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    dimension_id: int
    dimension_key: str


async def ensure_preset(session: AsyncSession, now: datetime) -> None:
    """Write the preset when there are no dimensions at all (a fresh workspace). Two
    workers doing it at once: the second one's insert fails on the unique key and is
    rolled back to its savepoint, leaving the first one's."""
    if await session.scalar(select(func.count()).select_from(TagDimension)):
        return
    try:
        async with session.begin_nested():
            for position, (key, en, zh, names) in enumerate(PRESET, start=1):
                dim = TagDimension(
                    key=key, name_en=en, name_zh=zh, position=position, created_at=now
                )
                session.add(dim)
                await session.flush()
                session.add_all(Tag(dimension_id=dim.id, name=n, created_at=now) for n in names)
            await session.flush()
    except IntegrityError:
        pass


async def dimensions(session: AsyncSession, now: datetime) -> Sequence[TagDimension]:
    await ensure_preset(session, now)
    return (await session.scalars(select(TagDimension).order_by(TagDimension.position))).all()


async def tags_of_dimension(session: AsyncSession, dimension_id: int) -> Sequence[Tag]:
    return (
        await session.scalars(select(Tag).where(Tag.dimension_id == dimension_id).order_by(Tag.id))
    ).all()


async def all_tags(session: AsyncSession, now: datetime) -> list[TagInfo]:
    await ensure_preset(session, now)
    rows = await session.execute(
        select(Tag.id, Tag.name, TagDimension.id, TagDimension.key)
        .join(TagDimension, Tag.dimension_id == TagDimension.id)
        .order_by(TagDimension.position, Tag.id)
    )
    return [TagInfo(*row) for row in rows.all()]


def dimension_named(found: Sequence[TagDimension], name: str) -> TagDimension | None:
    """A dimension by its key or either of its names, ignoring case."""
    folded = name.strip().casefold()
    for dim in found:
        if folded in (dim.key.casefold(), dim.name_en.casefold(), dim.name_zh.casefold()):
            return dim
    return None


async def resolve(session: AsyncSession, now: datetime, word: str, *, create: bool) -> Tag:
    """A tag by its name (``VIP``) or ``dimension:name`` (``区域:西北``). An unknown
    dimension is a :class:`TagError`; a preset tag's English name finds it; an unknown name
    in a known dimension is created when ``create`` (an admin), else refused; an unknown
    name alone is refused."""
    dims = await dimensions(session, now)
    dim_name, sep, name = word.replace("：", ":").partition(":")
    if not sep:
        name, dim_name = dim_name, ""
    name = name.strip()
    if not name:
        raise TagError("unknown_tag", word)
    dim = None
    if dim_name:
        dim = dimension_named(dims, dim_name)
        if dim is None:
            raise TagError("unknown_dimension", dim_name.strip())
    for candidate in dict.fromkeys((name, canonical(name))):
        stmt = select(Tag).where(func.lower(Tag.name) == candidate.casefold())
        if dim is not None:
            stmt = stmt.where(Tag.dimension_id == dim.id)
        found = (await session.scalars(stmt.order_by(Tag.id).limit(1))).first()
        if found is not None:
            return found
    if dim is None or not create:
        raise TagError("unknown_tag", name)
    tag = Tag(dimension_id=dim.id, name=name[:80], created_at=now)
    session.add(tag)
    await session.flush()
    return tag


async def company_tags(session: AsyncSession, company_id: int) -> list[tuple[int, str]]:
    """The (tag id, name) pairs on a customer, in dimension order."""
    rows = await session.execute(_on_company(company_id).order_by(TagDimension.position, Tag.id))
    return [(row[0], row[1]) for row in rows.all()]


def company_tags_column(dialect: str, company_id: int | ColumnElement[int]) -> Label[Any]:
    """:func:`company_tags` as one JSON value, ``[position, id, name]`` each, for a statement
    that reads something else of the customer (its card's tier); :func:`tags_from_column`
    reads it back."""
    on = _on_company(company_id).add_columns(TagDimension.position).subquery()
    every = json_list(dialect, json_row(dialect, on.c.position, on.c.id, on.c.name))
    return select(every).scalar_subquery().label("tags")


def tags_from_column(value: Any) -> list[tuple[int, str]]:
    rows = sorted((int(position), int(i), str(name)) for position, i, name in value or ())
    return [(i, name) for _, i, name in rows]


def _on_company(company_id: int | ColumnElement[int]) -> Select[int, str]:
    return (
        select(Tag.id, Tag.name)
        .join(CompanyTag, CompanyTag.tag_id == Tag.id)
        .join(TagDimension, Tag.dimension_id == TagDimension.id)
        .where(CompanyTag.company_id == company_id)
    )


async def tags_by_company(session: AsyncSession) -> dict[int, list[str]]:
    """Every customer's tag names, in dimension order (an export)."""
    rows = await session.execute(
        select(CompanyTag.company_id, Tag.name)
        .join(Tag, Tag.id == CompanyTag.tag_id)
        .join(TagDimension, Tag.dimension_id == TagDimension.id)
        .order_by(CompanyTag.company_id, TagDimension.position, Tag.id)
    )
    out: dict[int, list[str]] = {}
    for company_id, name in rows.all():
        out.setdefault(company_id, []).append(name)
    return out


async def put_tag(records: Records, company: Company, tag: Tag) -> bool:
    """Tag a customer the principal sees; False when it already had the tag."""
    await records.get(Company, company.id)
    existing = await records.session.scalar(
        select(CompanyTag.id).where(
            CompanyTag.company_id == company.id, CompanyTag.tag_id == tag.id
        )
    )
    if existing is not None:
        return False
    records.session.add(
        CompanyTag(
            company_id=company.id,
            tag_id=tag.id,
            created_by=records.principal.user_id,
            created_at=records.now,
        )
    )
    await records.session.flush()
    return True


async def take_tag(records: Records, company: Company, tag_id: int) -> bool:
    """Remove a tag from a customer the principal sees; False when it did not have it.
    Loaded and deleted through the session so the audit log records the removal."""
    await records.get(Company, company.id)
    row = await records.session.scalar(
        select(CompanyTag).where(CompanyTag.company_id == company.id, CompanyTag.tag_id == tag_id)
    )
    if row is None:
        return False
    await records.session.delete(row)
    await records.session.flush()
    return True


async def add_dimension(
    session: AsyncSession, now: datetime, name_en: str, name_zh: str
) -> TagDimension:
    """A new dimension (admins); its key is made from the English name."""
    dims = await dimensions(session, now)
    for name in (name_en, name_zh):
        if dimension_named(dims, name) is not None:
            raise TagError("dimension_exists", name)
    key = "_".join(name_en.casefold().split())[:40] or f"dim{len(dims) + 1}"
    dim = TagDimension(
        key=key,
        name_en=name_en[:80],
        name_zh=name_zh[:80],
        position=max((d.position for d in dims), default=0) + 1,
        created_at=now,
    )
    session.add(dim)
    await session.flush()
    return dim


async def customers_with(session: AsyncSession, tag_id: int) -> int:
    """How many customers carry the tag (what deleting it would take off)."""
    count = await session.scalar(
        select(func.count()).select_from(CompanyTag).where(CompanyTag.tag_id == tag_id)
    )
    return int(count or 0)


async def rename_tag(session: AsyncSession, tag: Tag, new_name: str) -> str:
    """Rename a tag (admins); the customers keep it. A name another tag has (either
    language) is a :class:`TagError`. Returns the old name."""
    new_name = new_name.strip()[:80]
    if not new_name:
        raise TagError("unknown_tag", new_name)
    for candidate in dict.fromkeys((new_name, canonical(new_name))):
        taken = await session.scalar(
            select(Tag.id).where(func.lower(Tag.name) == candidate.casefold(), Tag.id != tag.id)
        )
        if taken is not None:
            raise TagError("tag_exists", new_name)
    old, tag.name = tag.name, new_name
    await session.flush()
    return old


async def remove_tag(session: AsyncSession, tag: Tag) -> int:
    """Delete a tag from the vocabulary (admins): it comes off every customer too, each
    removal through the session so the audit log keeps which customers had it. Returns how
    many customers it came off."""
    carried = (await session.scalars(select(CompanyTag).where(CompanyTag.tag_id == tag.id))).all()
    for row in carried:
        await session.delete(row)
    await session.flush()  # the customers' tags first: the tag's delete would cascade
    await session.delete(tag)
    await session.flush()
    return len(carried)
