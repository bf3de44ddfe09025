"""The table of distinct name words behind the typo stage (store/search_words.py), and the
postings of which records hold each word by owner, are kept right by every way a customer
is written (created, renamed, handed over, deleted, imported), and a typo that matches
nothing ends there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from bot.events import Attachment
from store.bulk import create_one
from store.models import Company, CompanyWord, Contact, ContactWord, SearchWord
from store.search_words import name_words
from tests.sheets import xlsx
from tests.sql_trace import executed


def shown(r: Any) -> str:
    """A reply's text and its buttons' labels (several hits come as buttons)."""
    return " ".join([r.text, *(b.label for b in r.buttons)])


async def words(bot: Any) -> set[str]:
    return set(await bot.all(select(SearchWord.word)))


async def held_words(bot: Any) -> set[str]:
    """What the table must hold: every name-section piece of every stored key."""
    keys = [*await bot.all(select(Company.search_key)), *await bot.all(select(Contact.search_key))]
    return {word for key in keys for word in name_words(key)}


async def postings(bot: Any) -> set[tuple[str, str, int, int]]:
    found: set[tuple[str, str, int, int]] = set()
    for kind, posting in (("company", CompanyWord), ("contact", ContactWord)):
        rows = await bot.all(select(posting))
        found |= {(kind, row.word, row.owner_id, row.record_id) for row in rows}
    return found


async def held_postings(bot: Any) -> set[tuple[str, str, int, int]]:
    """What the postings must hold: every name-section piece of every stored key, with the
    record's owner."""
    found: set[tuple[str, str, int, int]] = set()
    for kind, model in (("company", Company), ("contact", Contact)):
        for row in await bot.all(select(model)):
            found |= {(kind, w, row.owner_id, row.id) for w in name_words(row.search_key)}
    return found


async def assert_kept(bot: Any) -> set[str]:
    """The words and the postings are exactly what the stored keys say; the words."""
    found = await words(bot)
    assert found == await held_words(bot)
    assert await postings(bot) == await held_postings(bot)
    return found


async def test_create_rename_delete_keep_the_words_right(bot):
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        quantexa = await records.create(Company, name="Quantexa Holdings")
        await records.create(Contact, name="Harold Quantexa")
        solo = await records.create(Contact, name="张伟", email="zhangwei@xingchen.cn")
    found = await words(bot)
    assert {"quantexaholdings", "quantexa", "holdings", "张伟", "zhangwei"} <= found
    assert "zhangwei@xingchen.cn" not in found  # names only
    assert found == await held_words(bot)
    assert ("contact", "zhangwei", li.user_id, solo.id) in await postings(bot)
    await assert_kept(bot)

    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.get(Company, quantexa.id)
        company.name = "Vantexa Partners"
        person = await records.get(Contact, solo.id)
        await records.delete(person)
    found = await words(bot)
    assert {"vantexapartners", "vantexa", "partners"} <= found
    assert "holdings" not in found  # nobody holds it any more
    assert "quantexa" in found  # Harold Quantexa still does
    assert not {"张伟", "zhangwei"} & found
    assert found == await held_words(bot)
    assert not [p for p in await postings(bot) if p[3] == solo.id and p[0] == "contact"]
    await assert_kept(bot)

    r = await li.send("/find vantexs")  # the renamed company, by a typo
    assert "Vantexa Partners" in shown(r)
    r = await li.send("/find qantexa")
    assert "Harold Quantexa" in shown(r)


async def test_a_word_with_like_wildcards_is_dropped_when_only_a_lookalike_holds(bot):
    """``a_b`` and ``a%b`` are words of their own: ``AXB Labs`` does not keep them (the
    pattern that asks who still holds a word escapes its wildcards, store/like.py; SQLite's
    trigram filter in front of it hides a lapse, PostgreSQL's plain ``LIKE`` would not)."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        under = await records.create(Company, name="A_B Labs")
        percent = await records.create(Company, name="A%B Works")
        await records.create(Company, name="AXB Labs Works")
    assert {"a_b", "a%b", "axb"} <= await words(bot)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        (await records.get(Company, under.id)).name = "Zed Labs"
        (await records.get(Company, percent.id)).name = "Yew Works"
    found = await words(bot)
    assert not {"a_b", "a%b"} & found
    assert "axb" in found
    assert found == await held_words(bot)
    await assert_kept(bot)


async def test_a_one_message_log_and_an_import_add_their_words(bot, ws, tmp_path):
    """The Core writers (store/bulk.py) bypass the flush hook and add the words themselves."""
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        await create_one(records, Contact, name="Ozymandias Breck")
    path = xlsx(
        tmp_path / "客户.xlsx",
        [["公司名称", "联系人", "手机"], ["鑫淼贸易有限公司", "欧阳翠花", "13700001111"]],
    )
    attachment = Attachment("file", path.read_bytes(), path.name, "application/octet-stream")
    r = await ws.wang.deliver(ws.wang.event(attachments=(attachment,)))
    r = await ws.wang.click(r.button("导入"))
    found = await words(bot)
    assert {"ozymandiasbreck", "ozymandias", "breck", "鑫淼贸易有限公司", "欧阳翠花"} <= found
    assert "13700001111" not in found
    assert found == await held_words(bot)
    await assert_kept(bot)

    r = await ws.li.send("/find ozymandas")
    assert "Ozymandias Breck" in shown(r)
    r = await ws.wang.send("/查 欧阳翠华")  # one wrong character
    assert "欧阳翠花" in shown(r)


async def test_encrypted_numbers_and_addresses_never_become_words(bot, settings):
    from pydantic import SecretStr

    bot.settings = settings.model_copy(update={"encryption_key": SecretStr("a3f1c9e07b5d2468" * 4)})
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(
            Contact, name="Sarah Lee", mobile="+86 139 1111 2222", email="sarah@globex.com"
        )
    found = await words(bot)
    assert {"sarahlee", "sarah", "lee"} <= found
    assert found == await held_words(bot)
    await assert_kept(bot)
    stored = " ".join(found)
    assert "globex" not in stored
    assert "2222" not in stored


async def test_a_customer_handed_over_is_found_by_a_typo_by_its_new_owner_only(bot, ws):
    """The postings carry the owner (a rep's holders of a word are one range of the key):
    an assignment moves them, and the typo stage finds the customer for the new owner and
    no longer for the old one."""
    r = await ws.li.send("/find Acme Ltx")
    assert "Acme Ltd" in shown(r)
    before = await postings(bot)
    r = await ws.wang.send("assign Acme Ltd to Zhang")
    assert "Acme Ltd" in r.text
    acme = ws.ids["Acme Ltd"]
    moved = {p for p in await postings(bot) if p[0] == "company" and p[3] == acme}
    assert moved
    assert {p[2] for p in moved} == {ws.zhang.user_id}
    assert await postings(bot) != before
    await assert_kept(bot)
    r = await ws.zhang.send("/find Acme Ltx")
    assert "Acme Ltd" in shown(r)
    r = await ws.li.send("/find Acme Ltx")
    assert "Acme Ltd" not in shown(r)


async def test_a_typo_that_matches_no_word_reads_no_record(bot):
    """The case that cost 0.3 s on PostgreSQL at a million contacts: near words are looked
    for among the distinct words, none is near enough, and no company or contact row is
    read, on both databases (SQLite's typo stage used to read its records' FTS5 index)."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for n in range(30):
            await records.create(Contact, name=f"Walter White {n}")
    with executed() as calls:
        r = await li.send("/find wiixe")
    assert r.text == "No customer matches “wiixe”."
    statements = [call.statement for call in calls]
    first = next(i for i, sql in enumerate(statements) if "search_words" in sql)
    after = statements[first + 1 :]
    assert not [sql for sql in after if "contacts" in sql or "companies" in sql]
    r = await li.send("/find whitr")
    assert "Walter White" in shown(r)


async def test_chinese_rep_finds_a_typo_by_pinyin_through_the_words(bot):
    na = await bot.user("na", lang="zh")
    session, records = await bot.records_for(na)
    async with session, session.begin():
        await records.create(Company, name="华信电子有限公司")
    r = await na.send("/查 huaxingdianzi")
    assert "华信电子有限公司" in shown(r)
    r = await na.send("/查 huaxxngdiaxzi")  # too far from any word
    assert "华信电子有限公司" not in shown(r)


async def test_migration_0026_builds_the_words_for_existing_customers(bot):
    from alembic import command

    from store.migrate import alembic_config, upgrade

    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Company, name="Globex Corporation")
        await records.create(Contact, name="陈静")
    before = await words(bot)
    db = bot.db
    cfg = alembic_config(db.url)

    def down(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0025")

    async with db.engine.begin() as conn:
        await conn.run_sync(down)
    await upgrade(db)
    assert await words(bot) == before == await held_words(bot)
    await assert_kept(bot)
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            await conn.execute(
                text("INSERT INTO search_words_fts(search_words_fts) VALUES ('integrity-check')")
            )
    r = await li.send("/find globx")
    assert "Globex Corporation" in shown(r)
