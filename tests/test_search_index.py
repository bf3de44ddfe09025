"""The trigram index behind lookup (store/search_index.py) is used and kept current."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from store import search as store_search
from store.models import Company, Contact
from store.search import search, search_key
from store.search_index import FTS_TABLES, NAME_TRGM_INDEXES, TRGM_INDEXES
from tests.clocks import FROZEN_AT
from tests.sql_trace import executed


async def _names(bot, user, query: str) -> list[str]:
    session, records = await bot.records_for(user)
    async with session, session.begin():
        return [hit.name for hit in await search(records, query)]


async def _sql(bot, statement: str, **params: object) -> None:
    async with bot.db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _index_intact(bot) -> None:
    """SQLite: FTS5's own check that the index matches the content; PostgreSQL: the GIN
    indexes exist (the planner keeps them current itself)."""
    async with bot.db.engine.begin() as conn:
        if bot.db.is_sqlite:
            for fts in FTS_TABLES.values():
                await conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))  # noqa: S608
        else:
            found = await conn.scalars(text("SELECT indexname FROM pg_indexes"))
            assert set(TRGM_INDEXES.values()) <= set(found)


async def test_orm_create_rename_delete_keep_the_index_current(bot):
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.create(Company, name="Quantexa Holdings")
        contact = await records.create(Contact, name="Zebulon Marsh", mobile="+1 415 555 0199")
    assert await _names(bot, li, "quantexa") == ["Quantexa Holdings"]
    assert await _names(bot, li, "0199") == ["Zebulon Marsh"]
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.update(await records.get(Company, company.id), name="Veridian Works")
        await records.delete(await records.get(Contact, contact.id))
    assert await _names(bot, li, "quantexa") == []
    assert await _names(bot, li, "veridian") == ["Veridian Works"]
    assert await _names(bot, li, "zebulon") == []
    await _index_intact(bot)


async def test_raw_sql_writes_are_indexed_too(bot):
    li = await bot.user("li")
    await _sql(
        bot,
        "INSERT INTO contacts (owner_id, name, search_key, created_at, updated_at) "
        "VALUES (:owner, 'Ottoline Brack', :key, :now, :now)",
        owner=li.user_id,
        key=search_key("Ottoline Brack"),
        now=FROZEN_AT,
    )
    assert await _names(bot, li, "ottoline") == ["Ottoline Brack"]
    await _sql(
        bot,
        "UPDATE contacts SET name = 'Perpetua Vane', search_key = :key",
        key=search_key("Perpetua Vane"),
    )
    assert await _names(bot, li, "ottoline") == []
    assert await _names(bot, li, "perpetua") == ["Perpetua Vane"]
    await _sql(bot, "DELETE FROM contacts")
    assert await _names(bot, li, "perpetua") == []
    await _index_intact(bot)


async def test_the_index_does_not_leak_another_reps_records(bot):
    li, wang = await bot.user("li"), await bot.user("wang")
    session, records = await bot.records_for(wang)
    async with session, session.begin():
        await records.create(Company, name="Secretive Widgets")
        await records.create(Contact, name="张伟", mobile="+86 138 0013 8000")
    for query in ("secretive", "secretiev", "zhangwei", "zw", "张伟", "8000"):
        assert await _names(bot, li, query) == [], query
    assert await _names(bot, wang, "secretiev") == ["Secretive Widgets"]


async def test_short_queries_rank_piece_starts_before_substrings(bot):
    """``zw`` finds initials through the index (" zw" is a trigram) and still falls back to
    substrings inside a piece when the piece starts are too few."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for i in range(30):
            await records.create(Contact, name=f"张伟{i}")
        await records.create(Contact, name="Ozwald Roe")
    names = await _names(bot, li, "zw")
    assert len(names) == 8
    assert all(name.startswith("张伟") for name in names)
    assert await _names(bot, li, "oz") == ["Ozwald Roe"]
    assert await _names(bot, li, "wa") == ["Ozwald Roe"]


async def test_typos_find_old_records_among_many(bot):
    """Stage 2 takes its candidates from the trigram index, not the newest rows."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Company, name="Globex Corporation")
        for i in range(300):
            await records.create(Contact, name=f"Filler Person {i}")
    assert await _names(bot, li, "Globx") == ["Globex Corporation"]


@pytest.mark.postgresql_only
async def test_postgresql_ranks_a_bounded_number_of_typo_candidates(bot, monkeypatch):
    """At scale a common trigram makes tens of thousands of rows similar enough; only
    FUZZY_RANK_ROWS of them are ranked (SQLite bounds the same case its own way)."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for n in range(10):
            await records.create(Company, name=f"Jackson Trading {n}")
    monkeypatch.setattr(store_search, "FUZZY_RANK_ROWS", 4)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        rows = await store_search._typo_candidates(records, Company, ["jaxkson"])
        assert len(rows) == 4
        assert all(name.startswith("Jackson Trading") for _, _, name, _ in rows)
        # Sequential scans were off for that statement only.
        assert (await session.execute(text("SHOW enable_seqscan"))).scalar() == "on"
    monkeypatch.setattr(store_search, "FUZZY_RANK_ROWS", 2000)
    assert len(await _names(bot, li, "Jaxkson")) == 8  # a page of them, as before


@pytest.mark.postgresql_only
async def test_postgresql_keeps_its_plan_cache_for_every_statement_lookups_included(
    bot, monkeypatch
):
    """Connections used to force a plan with the values at every run, for the lookup's
    sake; planning a one-message log's writes that way took more of the server's CPU than
    running them. Today's lookup statements are as fast with generic plans at a million
    contacts (store/planner.py), so nothing forces them, in a small book or a big one; the
    typo stage's own settings are put back after it."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Company, name="Globex Corporation")
    seen: list[str | None] = []
    inner = store_search._search

    async def noting_the_mode(records, q, limit):
        mode = await records.session.execute(text("SHOW plan_cache_mode"))
        seen.append(mode.scalar())
        return await inner(records, q, limit)

    monkeypatch.setattr(store_search, "_search", noting_the_mode)
    r = await li.send("/find globex")
    assert "Globex Corporation" in r.text
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        hits = await store_search.search(records, "globx")  # stage two too, with its settings
        assert [hit.name for hit in hits] == ["Globex Corporation"]
        assert (await session.execute(text("SHOW enable_seqscan"))).scalar() == "on"
        threshold = await session.execute(text("SHOW pg_trgm.word_similarity_threshold"))
        assert threshold.scalar() == "0.6"  # pg_trgm's default, put back
    assert seen == ["auto", "auto"]


async def test_a_typo_that_matches_nothing_is_not_found_with_buttons(bot):
    """The typo stage ends empty (on PostgreSQL through the name-section index of 0018):
    the rep is told so and offered to create the customer, as before."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        globex = await records.create(Company, name="Globex Corporation")
        await records.create(
            Contact, name="Harold Wilson", company_id=globex.id, email="wilson@globex.com"
        )
    r = await li.send("/find wolsen")
    assert r.text == "No customer matches “wolsen”."
    assert [b.label for b in r.buttons] == ["➕ Create “wolsen”", "Cancel"]
    r = await li.send("/find wilsin")  # one letter off still finds him
    assert "Globex Corporation" in r.text
    assert "Harold Wilson" in r.text


async def test_typo_candidates_come_from_names_not_emails(bot, monkeypatch):
    """Rows whose e-mail resembles the query cannot be a typo match (only names are
    compared), so they must not take the places of the rows whose name does: with the
    PostgreSQL cap lowered, the older e-mail rows used to fill it and the lookup found
    nobody."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for n in range(6):
            await records.create(Contact, name=f"Person {n}", email=f"jackson.{n}@example.com")
        await records.create(Contact, name="Amos Jackson")
    monkeypatch.setattr(store_search, "FUZZY_RANK_ROWS", 4)
    assert await _names(bot, li, "jacksonn") == ["Amos Jackson"]


async def test_a_reps_typo_stage_reads_their_holders_from_the_postings_key(bot):
    """The records holding a near word are read by the postings' primary key (word, owner,
    record): a rep's own holders only, not every holder of a common word filtered by owner
    afterwards (migration 0027)."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Contact, name="Amos Jackson")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        assert records.principal.visible_owner_ids is not None  # a rep
        query = store_search._holding(records, Contact, ["jackson", "jacksen"])
        sql = str(query.compile(bot.db.engine, compile_kwargs={"literal_binds": True}))
        if bot.db.is_sqlite:
            plan = " ".join(
                str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
            assert "contact_words USING PRIMARY KEY (word=? AND owner_id=?)" in plan
        else:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(await session.scalars(text(f"EXPLAIN {sql}")))
            assert "pk_contact_words" in plan
            assert "owner_id" in plan.partition("pk_contact_words")[2]
        rows = (await session.execute(query)).all()
    assert [row[2] for row in rows] == ["Amos Jackson"]


@pytest.mark.postgresql_only
async def test_migration_0018_downgrades_and_upgrades(db):
    from alembic import command

    from store.migrate import alembic_config, upgrade

    cfg = alembic_config(db.url)

    def down(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0017")

    async def indexes() -> set[str]:
        async with db.engine.connect() as conn:
            return set(await conn.scalars(text("SELECT indexname FROM pg_indexes")))

    assert set(NAME_TRGM_INDEXES.values()) <= await indexes()
    async with db.engine.begin() as conn:
        await conn.run_sync(down)
    assert not set(NAME_TRGM_INDEXES.values()) & await indexes()
    assert set(TRGM_INDEXES.values()) <= await indexes()  # 0007's are kept
    await upgrade(db)
    assert set(NAME_TRGM_INDEXES.values()) <= await indexes()


@pytest.mark.postgresql_only
async def test_postgresql_typo_stage_sets_its_planner_settings_once(bot):
    """Both tables' typo candidates run inside one setting and one reset: each statement is
    a round trip, which on a busy machine waits its turn for a core."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Company, name="Globex Corporation")
    with executed() as calls:
        assert await _names(bot, li, "Globx") == ["Globex Corporation"]
    assert sum("set_config" in call.statement for call in calls) == 2


async def _stage_one_plan(bot, user, query: str) -> str:
    """SQLite's plan for the stage-one statement a user's lookup of ``query`` scans with."""
    session, records = await bot.records_for(user)
    async with session, session.begin():
        q = store_search._parse_query(query)
        assert q is not None
        owners = records.principal.visible_owner_ids
        assert owners is not None
        shapes = tuple(
            store_search._Shape(
                model,
                store_search._own_keys(model, owners),
                len(q.text_forms),
                len(q.forms),
                len(q.tokens),
                "all",
                0,
                24,
            )
            for model in (Company, Contact)
        )
        # As a lookup sends it: customers and people in one statement.
        statement = store_search._stage_one_together(shapes).params(
            **store_search._stage_one_params(q)
        )
        sql = str(statement.compile(bot.db.engine, compile_kwargs={"literal_binds": True}))
        return await _plan(session, sql)


async def _plan(session, sql: str) -> str:
    connection = await session.connection()
    rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    return " ".join(str(row[-1]) for row in rows)


@pytest.mark.sqlite_only
async def test_a_reps_short_lookup_reads_their_own_keys_not_everyones_trigrams(bot):
    """A rep's two-letter or four-letter lookup checks the rep's own keys, one range of the
    ``(owner_id + 0, search_key, name, ...)`` index (migration 0029), customers and people
    in one statement: the trigram index knows no owners and handed back every rep's
    ``john``, and a two-letter form with too few piece starts was then scanned from the
    table as well."""
    li, wang = await bot.user("li"), await bot.user("wang")
    for user, names in ((wang, [f"John Doe {i}" for i in range(30)]), (li, ["Johnny Cash"])):
        session, records = await bot.records_for(user)
        async with session, session.begin():
            for name in names:
                await records.create(Contact, name=name, email=f"{name[:4].lower()}@acme.com")
            await records.create(Contact, name="张伟")
    expected = {"john": ["Johnny Cash"], "zw": ["张伟"], "acme.com": ["Johnny Cash"]}
    for query, found in expected.items():
        with executed() as calls:
            assert await _names(bot, li, query) == found, query
        stage_one = [c.statement for c in calls if "ORDER BY CASE" in c.statement]
        assert len(stage_one) == 1, query  # companies and contacts: no second try
        assert "FROM companies" in stage_one[0], query
        assert "FROM contacts" in stage_one[0], query
        assert not any("_fts" in statement for statement in stage_one), query
    plan = await _stage_one_plan(bot, li, "zw")
    assert "USING INDEX ix_contacts_owner_key (<expr>=?)" in plan
    assert "USING INDEX ix_companies_owner_key (<expr>=?)" in plan
    # Keyed by owner_id + 0, the index is read by that scan alone: a few of a rep's rows
    # by id are still read by id, not by reading the rep's whole range.
    session, _records = await bot.records_for(li)
    async with session, session.begin():
        by_id = f"SELECT id, name FROM contacts WHERE owner_id = {li.user_id} AND id IN (1, 2)"  # noqa: S608
        assert "INTEGER PRIMARY KEY" in await _plan(session, by_id)
    # A long form's trigrams are rare: the trigram index answers it, as for an admin.
    with executed() as calls:
        assert await _names(bot, li, "johnnycash") == ["Johnny Cash"]
    assert any("contacts_fts" in c.statement for c in calls)


@pytest.mark.sqlite_only
async def test_a_reps_lookup_finds_the_same_by_their_keys_as_by_the_trigram_index(bot, monkeypatch):
    """Scanning the rep's own keys is what the trigram index stands in for: the same hits in
    the same order, whichever answers (exact name, prefix, initials, pinyin, inside a word,
    phone digits, e-mail, domain, a single CJK character)."""
    li, wang = await bot.user("li"), await bot.user("wang")
    book = [
        ("张伟", "+86 138 0013 8000", "zw@xingchen.cn"),
        ("张伟明", "+86 139 1234 8000", None),
        ("王张伟", None, "wang@acme.com"),
        ("John Wilson", "+1 415 555 0199", "john.wilson@acme.com"),
        ("Johnny Walker", None, "jw@globex.com"),
        ("Mary Johnson", "+1 415 555 0100", "mary@acme.com"),
    ]
    for user in (li, wang):
        session, records = await bot.records_for(user)
        async with session, session.begin():
            for name, mobile, email in book:
                await records.create(Contact, name=name, mobile=mobile, email=email)
            await records.create(Company, name="星辰科技", phone="+86 21 6123 4567")
            await records.create(Company, name="Acme Johnson Ltd")
    queries = ["zw", "张伟", "张", "john", "jo", "son", "zhangwei", "8000", "0199", "acme.com"]
    queries += ["mary", "xc", "星辰", "jw", "@acme", "6123", "ohn"]
    scanned = [await _hits(bot, li, query) for query in queries]
    monkeypatch.setattr(store_search, "OWNER_SCAN_ROWS", -1)  # never scan first
    assert [await _hits(bot, li, query) for query in queries] == scanned
    assert all(scanned[:4])


async def _hits(bot, user, query: str) -> list[tuple[str, int, float]]:
    session, records = await bot.records_for(user)
    async with session, session.begin():
        return [(hit.kind, hit.id, hit.score) for hit in await search(records, query)]


async def test_a_common_name_or_prefix_in_a_big_book_is_read_from_the_key_heads(bot, monkeypatch):
    """In a big table (here: any, the threshold lowered), a prefix that 24 or more names
    start with is answered from one range of the key heads (migration 0030), in key order,
    without ranking every trigram match; a table with fewer such names is ranked as before,
    and another rep's names stay out of it."""
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    li, wang = await bot.user("li"), await bot.user("wang")
    session, records = await bot.records_for(wang)
    async with session, session.begin():
        for i in range(30):
            await records.create(Contact, name=f"John Doe {i:02}", email=f"jd{i}@acme.com")
        await records.create(Company, name="Johnson Holdings")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Contact, name="Johnny Cash")
        await records.create(Contact, name="Mary Johnson")
    with executed() as calls:
        hits = await _hits(bot, wang, "john")
    assert len(hits) == 8
    assert hits[0][:2] == ("company", hits[0][1])  # Johnson Holdings, a company, first
    assert all(score >= store_search.TIER_BASE[1] for _kind, _id, score in hits)
    ranked = [c.statement for c in calls if "ORDER BY CASE" in c.statement]
    assert len(ranked) == 1  # the companies only: the contacts filled their page by heads
    assert "FROM companies" in ranked[0]
    assert "FROM contacts" not in ranked[0]
    # Fewer than a page of heads: ranked as before, the same hits as without the heads.
    for query in ("johndoe1", "John Doe 07", "jd", "doe", "johnny"):
        with_heads = await _hits(bot, wang, query)
        monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 10**9)
        assert await _hits(bot, wang, query) == with_heads, query
        monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    assert await _names(bot, li, "john") == ["Johnny Cash", "Mary Johnson"]
    assert (await _names(bot, wang, "John Doe 07"))[0] == "John Doe 07"


async def test_the_key_heads_are_read_through_their_index(bot):
    """The statement's head is the indexed expression, as the planner must see it to use
    the index (on PostgreSQL byte order, ``COLLATE "C"``); sequential scans and sorts are
    switched off on PostgreSQL because a small test table is cheaper to scan, or to read by
    its owner and sort (the plan PostgreSQL chose once, in a full run on a busy machine)."""
    rep = await bot.user("li")
    session, records = await bot.records_for(rep)
    async with session, session.begin():
        dialect = bot.db.engine.dialect.name
        owners = records.principal.visible_owner_ids
        scope = store_search._head_scope(Contact, owners, dialect)
        statement = store_search._heads(store_search._Early(Contact, scope, False), dialect, 24)
        bound = statement.params(head_from=" john", head_to=" john" + store_search._LAST_CHAR)
        sql = str(bound.compile(bot.db.engine, compile_kwargs={"literal_binds": True}))
        if bot.db.is_sqlite:
            plan = await _plan(session, sql)
        else:
            connection = await session.connection()
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            await connection.exec_driver_sql("SET LOCAL enable_sort = off")
            rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
            plan = " ".join(str(row[0]) for row in rows)
    assert "ix_contacts_key_head" in plan, plan


async def test_an_admins_two_letters_in_a_big_book_read_the_first_piece_starts(bot, monkeypatch):
    """An admin's ``zw`` in a big table: the first rows holding a piece that starts with it
    (initials here), read in the same statement as the heads, fill the page, so nothing is
    ranked or scanned; a two-letter form found only inside a word is not looked for in a
    big table (a scan of every row), and still is in a small one."""
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    boss, li = await bot.user("boss", role="admin"), await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for i in range(30):
            await records.create(Contact, name=f"张伟{i:02}")
        await records.create(Company, name="Kowzwa Trading")  # "zw" inside a word only
    with executed() as calls:
        hits = await _hits(bot, boss, "zw")
    assert len(hits) == 8
    assert all(kind == "contact" for kind, _id, _score in hits)
    assert all(score >= store_search.TIER_BASE[2] for _kind, _id, score in hits)
    assert not [
        c for c in calls if "ORDER BY CASE" in c.statement and "FROM contacts" in c.statement
    ]
    assert await _names(bot, boss, "ow") == []  # inside "kowzwa" only
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 10**9)
    assert await _names(bot, boss, "ow") == ["Kowzwa Trading"]


@pytest.mark.postgresql_only
async def test_postgresql_reads_the_first_piece_starts_once(bot, monkeypatch):
    """The first rows holding a piece start are read whole and checked as they are. Asked
    for as rows whose ids are among the first, the planner, which takes a pattern's
    matches for a hundred, read every match of the table and joined them to the first
    (an admin's ``lh`` at a million contacts: 11,845 rows read, 29 ms): one scan of the
    table, never two."""
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    boss = await bot.user("boss", role="admin")
    q = store_search._parse_query("lh")
    assert q is not None
    part = store_search._Early(Contact, store_search._head_scope(Contact, None, "postgresql"), True)
    statement = store_search._starts(part, "postgresql", len(q.forms), len(q.tokens)).params(
        **store_search._stage_one_params(q), **store_search._starts_params(q, sqlite=False)
    )
    sql = str(statement.compile(bot.db.engine, compile_kwargs={"literal_binds": True}))
    session, _records = await bot.records_for(boss)
    async with session, session.begin():
        connection = await session.connection()
        rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
        plan = "\n".join(str(row[0]) for row in rows)
    assert plan.count(" on contacts") == 1, plan


def test_a_domains_lookup_leaves_its_top_level_domain_to_the_like():
    """``.co`` and ``com`` are in every key with an e-mail: the trigram index is asked for
    the rest of a domain, and the ``LIKE`` checks the whole of it."""
    assert _looked_up("acme123.com") == (["acme123.", "acme123"], True)
    assert "li@acme123." in _looked_up("li@acme123.cn")[0]
    assert "a.com" in _looked_up("a.com")[0]  # too little left: looked up whole


def _looked_up(query: str) -> tuple[list[str], bool]:
    q = store_search._parse_query(query)
    assert q is not None
    found = store_search._index_pieces(q)
    assert found is not None
    return found


@pytest.mark.postgresql_only
async def test_postgresql_checks_the_match_on_what_the_index_condition_lets_through(bot):
    """The GIN index is asked for the index condition only (the domain without its end),
    not for the whole form as well: the planner ANDed the two, and the whole form's
    ``.co`` and ``com`` cost most of the statement."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.create(Contact, name="Ada Lovelace", email="ada@acme123.com")
        q = store_search._parse_query("acme123.com")
        assert q is not None
        pieces, _complete = _looked_up("acme123.com")
        within = store_search._index_condition(records, pieces)
        shape = store_search._shape(records, q, 24, Contact, within, None)
        statement = store_search._stage_one_statement(shape).params(
            **store_search._stage_one_params(q), **within[1]
        )
        sql = str(statement.compile(bot.db.engine, compile_kwargs={"literal_binds": True}))
        connection = await session.connection()
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
        plan = "\n".join(str(row[0]) for row in rows)
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert conditions, plan
    assert not [line for line in conditions if "acme123.com" in line or "acme123com" in line]
    assert await _names(bot, li, "acme123.com") == ["Ada Lovelace"]


async def test_one_chinese_character_in_a_big_book_reads_the_first_rows_holding_it(
    bot, monkeypatch
):
    """A single CJK character has no trigram: in a big table the first rows holding it are
    ranked (not every row), together with the names that start with it, read from the
    heads, which are never left out."""
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 0)
    monkeypatch.setattr(store_search, "STARTS_READ", 5)
    boss, li = await bot.user("boss", role="admin"), await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        for surname in "王李张刘陈杨黄赵吴周":
            await records.create(Contact, name=f"{surname}艳")
        await records.create(Contact, name="艳丽")  # the newest, and the only one named 艳…
    with executed() as calls:
        names = await _names(bot, boss, "艳")
    assert names[0] == "艳丽"
    assert len(names) == 6  # the name that starts with it, and the first five holding it
    assert any("LIMIT" in c.statement and "FROM contacts" in c.statement for c in calls)
    # A rep: the same on PostgreSQL; SQLite ranks every key a rep holds (their own index).
    names = await _names(bot, li, "艳")
    assert names[0] == "艳丽"
    assert len(names) == (8 if bot.db.is_sqlite else 6)
    monkeypatch.setattr(store_search, "BIG_TABLE_ROWS", 10**9)
    assert len(await _names(bot, boss, "艳")) == 8  # a small table: every row ranked


async def test_a_chinese_name_typed_in_full_pinyin_skips_the_typo_stage(bot):
    """``zhangwei`` finds 张伟 as typing 张伟 would: the name in full, so no near spelling
    (``Zhangwai Trading``) is added; with no 张伟 in reach, the typo stage still runs."""
    li, wang = await bot.user("li"), await bot.user("wang")
    for user, names in ((li, ["张伟", "Zhangwai Trading"]), (wang, ["Zhangwai Trading"])):
        session, records = await bot.records_for(user)
        async with session, session.begin():
            for name in names:
                await records.create(Company, name=name)
    assert await _names(bot, li, "zhangwei") == ["张伟"]
    assert await _names(bot, wang, "zhangwei") == ["Zhangwai Trading"]


async def test_the_counts_that_pick_a_plan_are_read_once_for_all_sessions(bot):
    """How big the tables are is read by the first lookup and then kept for the database
    (``PlanCounts``), whichever session or pooled connection the next lookup gets."""
    li = await bot.user("li")
    with executed() as first:
        await _names(bot, li, "acme")
    with executed() as later:
        for _ in range(3):
            await _names(bot, li, "acme")
    highest = [c for c in first if "max(companies.id)" in c.statement]
    assert len(highest) == 1
    assert not [c for c in later if "max(companies.id)" in c.statement]
