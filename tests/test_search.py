"""Customer lookup: pinyin, initials, typos, phone and email fragments, within record rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from bot.clock import FrozenClock
from store import migrate
from store.db import Database
from store.models import Company, Contact
from store.search import Hit, search, search_key
from tests.clocks import FROZEN_AT
from tests.harness import ChatUser


@dataclass
class Crm:
    li: ChatUser
    wang: ChatUser
    boss: ChatUser
    ids: dict[str, int]


@pytest.fixture
async def crm(bot) -> Crm:
    """A rep's small book of customers, a second rep's, and an admin who sees both."""
    li = await bot.user("li")
    wang = await bot.user("wang")
    boss = await bot.user("boss", role="admin")
    ids: dict[str, int] = {}
    session, records = await bot.records_for(li)
    async with session, session.begin():
        xingchen = await records.create(Company, name="星辰科技", phone="+86 21 6123 4567")
        ids["星辰科技"] = xingchen.id
        for name in ("星辰物流", "Acme Ltd", "Acme Trading", "Globex Corporation", "Initech"):
            ids[name] = (await records.create(Company, name=name)).id
        ids["华信电子有限公司"] = (await records.create(Company, name="华信电子有限公司")).id
        zhang = await records.create(
            Contact,
            name="张伟",
            company_id=xingchen.id,
            mobile="+8613800138000",
            email="zhangwei@xingchen.cn",
        )
        ids["张伟"] = zhang.id
        ids["单伟"] = (await records.create(Contact, name="单伟", mobile="139 1234 5678")).id
    session, records = await bot.records_for(wang)
    async with session, session.begin():
        hidden = await records.create(Company, name="Hidden Co")
        ids["Hidden Co"] = hidden.id
        ids["张伟伟"] = (
            await records.create(
                Contact, name="张伟伟", company_id=hidden.id, mobile="+86 138 0013 9999"
            )
        ).id
    return Crm(li, wang, boss, ids)


async def find(bot, who, query: str, **kwargs) -> list[Hit]:
    session, records = await bot.records_for(who)
    async with session, session.begin():
        return await search(records, query, **kwargs)


def names(hits: list[Hit]) -> list[str]:
    return [hit.name for hit in hits]


# --------------------------------------------------------------------------- the key


def test_search_key_holds_every_form():
    key = search_key("星辰科技", "+86 21 6123 4567")
    for form in (" 星辰科技 ", " xingchenkeji ", " xckj ", " 862161234567 ", " 02161234567 "):
        assert form in key
    key = search_key("张伟", "+8613800138000", None, "ZhangWei@XingChen.CN")
    for form in (" zw ", " zhangwei ", " 8613800138000 ", " 13800138000 ", "@xingchen.cn "):
        assert form in key
    key = search_key("Globex Corporation")
    for form in (" globexcorporation ", " globex ", " corporation ", " gc "):
        assert form in key
    assert key == key.lower()
    assert search_key("Ｇｌｏｂｅｘ") == search_key("globex")  # full-width input from an IME


def test_heteronym_surnames_get_their_surname_reading():
    assert " shanwei " in search_key("单伟")
    assert " sw " in search_key("单伟")
    assert " zengguofan " in search_key("曾国藩")
    assert " chongqingyinhang " in search_key("重庆银行")  # phrases keep their reading


# --------------------------------------------------------------------------- search


async def test_pinyin_finds_the_chinese_name_best_match_first(bot, crm):
    hits = await find(bot, crm.li, "xingchen")
    assert names(hits)[:2] == ["星辰科技", "星辰物流"]
    assert hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zw", "张伟"),
        ("zhangwei", "张伟"),
        ("ZhangWei", "张伟"),
        ("张伟", "张伟"),
        ("张", "张伟"),  # one CJK character is a valid query (a surname)
        ("xckj", "星辰科技"),
        ("星辰", "星辰科技"),
        ("星晨科技", "星辰科技"),  # a homophone the IME picked wrongly
        ("华信", "华信电子有限公司"),
        ("华信电子", "华信电子有限公司"),
        ("hxdz", "华信电子有限公司"),
        ("shanwei", "单伟"),
        ("Globx", "Globex Corporation"),
        ("GC", "Globex Corporation"),
        ("globex corp", "Globex Corporation"),
        ("Acm Trading", "Acme Trading"),
        ("initek", "Initech"),
        ("8000", "张伟"),
        ("138 0013", "张伟"),
        ("+86 138 0013 8000", "张伟"),
        ("13800138000", "张伟"),
        ("021 6123", "星辰科技"),
        ("xingchen.cn", "张伟"),
    ],
)
async def test_lookup(bot, crm, query, expected):
    hits = await find(bot, crm.li, query)
    assert hits, query
    assert hits[0].name == expected, (query, hits)


async def test_a_contact_hit_names_its_company(bot, crm):
    (hit, *_rest) = await find(bot, crm.li, "zw")
    company_id = crm.ids["星辰科技"]
    assert hit == Hit("contact", crm.ids["张伟"], company_id, "张伟", "星辰科技", hit.score)


async def test_ambiguity_stays_visible(bot, crm):
    hits = await find(bot, crm.li, "Acme")
    assert set(names(hits)[:2]) == {"Acme Ltd", "Acme Trading"}
    hits = await find(bot, crm.li, "Acmee")
    assert set(names(hits)[:2]) == {"Acme Ltd", "Acme Trading"}


async def test_a_name_typed_in_full_is_not_padded_with_typo_neighbours(bot, crm):
    session, records = await bot.records_for(crm.li)
    async with session, session.begin():
        await records.create(Company, name="Acne Ltd")
    assert names(await find(bot, crm.li, "Acme Ltd")) == ["Acme Ltd"]
    # Mistyped, both neighbours are offered.
    assert {"Acme Ltd", "Acne Ltd"} <= set(names(await find(bot, crm.li, "Acmo Ltd")))


async def test_exact_name_beats_prefix_beats_pinyin_beats_substring(bot, crm):
    session, records = await bot.records_for(crm.li)
    async with session, session.begin():
        for name in ("Acmetrix", "Big Acme", "Acme"):
            await records.create(Company, name=name)
        hits = await search(records, "acme", limit=10)
    assert names(hits)[0] == "Acme"
    assert set(names(hits)[1:4]) == {"Acme Ltd", "Acme Trading", "Acmetrix"}
    assert names(hits)[4] == "Big Acme"


async def test_companies_come_before_contacts_at_equal_rank(bot, crm):
    session, records = await bot.records_for(crm.li)
    async with session, session.begin():
        await records.create(Contact, name="Initech")
        hits = await search(records, "initech")
    assert [(h.kind, h.name) for h in hits[:2]] == [("company", "Initech"), ("contact", "Initech")]


async def test_short_and_meaningless_queries_return_nothing(bot, crm):
    for query in ("", " ", "x", "1", " a ", "%", "%%", "__", "--"):
        assert await find(bot, crm.li, query) == [], query
    assert await find(bot, crm.li, "zw", limit=0) == []


async def test_like_wildcards_in_the_query_are_literal(bot, crm):
    assert await find(bot, crm.li, "ac%e") == []
    assert await find(bot, crm.li, "a_me") == []


async def test_three_digits_do_not_match_inside_phone_numbers(bot, crm):
    assert "张伟" not in names(await find(bot, crm.li, "800"))


async def test_limit_is_respected(bot, crm):
    hits = await find(bot, crm.li, "xingchen", limit=1)
    assert names(hits) == ["星辰科技"]


# --------------------------------------------------------------------------- record rules


async def test_a_rep_never_finds_another_reps_records(bot, crm):
    theirs = {("company", crm.ids["Hidden Co"]), ("contact", crm.ids["张伟伟"])}
    for query in ("hidden", "Hidden Co", "hiden", "张伟伟", "zhangweiwei", "9999", "zww"):
        assert not {(h.kind, h.id) for h in await find(bot, crm.li, query)} & theirs, query
    assert await find(bot, crm.li, "hidden") == []
    assert "张伟伟" not in names(await find(bot, crm.li, "zhangwei"))
    # ... while the admin does, with the company name the admin may see.
    hits = await find(bot, crm.boss, "zhangwei")
    assert names(hits)[:2] == ["张伟", "张伟伟"]
    assert hits[1].company_name == "Hidden Co"
    assert names(await find(bot, crm.boss, "hiden"))[0] == "Hidden Co"
    assert names(await find(bot, crm.wang, "9999")) == ["张伟伟"]


async def test_a_visible_contact_of_an_invisible_company_hides_the_company_name(bot, crm):
    session, records = await bot.records_for(crm.boss)
    async with session, session.begin():
        contact = await records.get(Contact, crm.ids["张伟伟"])
        await records.update(contact, owner_id=crm.li.user_id)
    hit = (await find(bot, crm.li, "张伟伟"))[0]
    assert (hit.name, hit.company_id, hit.company_name) == ("张伟伟", crm.ids["Hidden Co"], None)


# --------------------------------------------------------------------------- maintenance


async def test_search_key_follows_renames_and_new_numbers(bot, crm):
    session, records = await bot.records_for(crm.li)
    async with session, session.begin():
        company = await records.get(Company, crm.ids["Initech"])
        await records.update(company, name="Umbrella Corp")
        contact = await records.get(Contact, crm.ids["张伟"])
        await records.update(contact, mobile="+86 139 9999 0000", title="CTO")
    assert names(await find(bot, crm.li, "umbrella")) == ["Umbrella Corp"]
    assert "Initech" not in names(await find(bot, crm.li, "initech"))
    assert names(await find(bot, crm.li, "9999 0000"))[0] == "张伟"
    assert await find(bot, crm.li, "8000") == []
    key = await bot.scalar(select(Company.search_key).where(Company.id == crm.ids["Initech"]))
    assert key == search_key("Umbrella Corp")


async def test_search_key_is_not_audited(bot, crm):
    rows = await bot.all(text("SELECT field FROM audit_log WHERE field = 'search_key'"))
    assert rows == []


async def test_migration_backfills_existing_rows(tmp_path: Path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}", FrozenClock(FROZEN_AT))
    try:
        await migrate.upgrade(db, "0001")
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (id, name, display_name, role, active, created_at)"
                    " VALUES (1, 'li', 'Li', 'rep', true, :at)"
                ),
                {"at": FROZEN_AT},
            )
            for i, name in enumerate(("星辰科技", "Acme Ltd"), start=1):
                await conn.execute(
                    text(
                        "INSERT INTO companies (id, owner_id, name, created_at, updated_at)"
                        " VALUES (:id, 1, :name, :at, :at)"
                    ),
                    {"id": i, "name": name, "at": FROZEN_AT},
                )
            await conn.execute(
                text(
                    "INSERT INTO contacts (id, owner_id, company_id, name, mobile, email,"
                    " created_at, updated_at) VALUES (1, 1, 1, '张伟', '+8613800138000',"
                    " 'zhangwei@xingchen.cn', :at, :at)"
                ),
                {"at": FROZEN_AT},
            )
        await migrate.upgrade(db)
        async with db.engine.connect() as conn:
            companies = (await conn.execute(select(Company.name, Company.search_key))).all()
            contacts = (await conn.execute(select(Contact.search_key))).scalars().all()
        assert dict(companies) == {
            "星辰科技": search_key("星辰科技"),
            "Acme Ltd": search_key("Acme Ltd"),
        }
        assert contacts == [search_key("张伟", "+8613800138000", None, "zhangwei@xingchen.cn")]
    finally:
        await db.dispose()


async def test_rows_without_a_key_are_rekeyed_when_touched(bot, crm):
    async with bot.db.transaction() as session:
        await session.execute(update(Company).values(search_key=None))
    session, records = await bot.records_for(crm.li)
    async with session, session.begin():
        company = await records.get(Company, crm.ids["Acme Ltd"])
        await records.update(company, city="Shanghai")
    assert names(await find(bot, crm.li, "acme")) == ["Acme Ltd"]
