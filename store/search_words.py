"""The distinct words of customers' names, kept for the typo stage of lookup.

The typo stage (:mod:`store.search`, stage 2) used to look for rows whose name shares
trigrams with the query among all names. At a million contacts a typo'd common word that
matches nothing (``wiite``) made PostgreSQL's lossy trigram index offer every ``white`` row
(≈ 25,000) to a recheck that none passed: 0.3 s for an empty answer. Names repeat their
words, so the ``search_words`` table holds each distinct piece of the name section of a
search key once (a word, a whole name without spaces, its pinyin: what the typo stage
compares); the near words are found among those (165,000 rows at a million contacts,
each one row: pg_trgm's own advice for spelling suggestions), and only when one is near
enough are the records holding it read, through the postings (``company_words``,
``contact_words``, migration 0027): a row per word a record holds, keyed ``(word, owner,
record)``, so a rep reads only their own holders of a word.

Kept on write, by every path that writes a search key: the ORM flush hook
(:func:`install_search_word_hooks`: new, renamed, handed-over and deleted companies and
contacts) and the Core writers (:func:`store.bulk.create_many` / ``create_one``, which
imports use). A record's postings go with it in the database (``ON DELETE CASCADE``, a
delete in SQL included). A word no record holds any more is removed when the rename or
delete that dropped it is flushed; one left behind by a path that deletes in SQL costs a row
and changes no result, since the records are read back through the postings. Migrations
0026 and 0027 fill the tables from the keys already stored.

Only names go in: phones and e-mails are not compared by the typo stage, and under
encryption at rest they are keyed tokens (:mod:`store.sealing`) that must not leave the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from store.models import Company, CompanyWord, Contact, ContactWord, SearchWord
from store.paging import pages

#: Where the name section of a search key ends (the layout is :mod:`store.search`'s).
NAMES_END = " / "
#: Words per ``INSERT``: SQLite allows 32,766 parameters a statement.
INSERT_PAGE = 5000


def name_words(key: str | None) -> list[str]:
    """The pieces of a search key's name section, in order, without repeats."""
    if not key:
        return []
    return list(dict.fromkeys(key.partition(NAMES_END)[0].split()))


def words_of(keys: Iterable[str | None]) -> set[str]:
    return {word for key in keys for word in name_words(key)}


def _table() -> Table:
    table = SearchWord.__table__
    assert isinstance(table, Table)
    return table


def _inserts(dialect: str, words: Iterable[str]) -> list[Any]:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``words``, a page at a time, sorted (two
    writers adding the same words then take their row locks in the same order)."""
    ordered = sorted(set(words))
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return [
        make(_table())
        .values([{"word": word} for word in page])
        .on_conflict_do_nothing(index_elements=["word"])
        for page in pages(ordered, INSERT_PAGE)
    ]


async def remember(connection: AsyncConnection, keys: Iterable[str | None]) -> None:
    """Add the name words of ``keys`` (new or changed search keys) that are not there yet."""
    for statement in _inserts(connection.dialect.name, words_of(keys)):
        await connection.execute(statement)


def remember_sync(connection: Connection, keys: Iterable[str | None]) -> None:
    """:func:`remember` for a synchronous connection (the flush hook, a migration)."""
    for statement in _inserts(connection.dialect.name, words_of(keys)):
        connection.execute(statement)


#: Each searchable model's postings table: which of its records hold a word, and their owner.
POSTINGS_OF: dict[type[Company] | type[Contact], type[CompanyWord] | type[ContactWord]] = {
    Company: CompanyWord,
    Contact: ContactWord,
}
POSTINGS = tuple(POSTINGS_OF.values())
#: A searchable record as the postings see it: id, owner, search key.
Posted = tuple[int, int, str | None]


def _postings(records: Iterable[Posted]) -> list[dict[str, Any]]:
    """The postings rows of ``records``, sorted by word (two writers posting the same words
    then take their locks in the same order)."""
    rows = [
        {"word": word, "owner_id": owner_id, "record_id": record_id}
        for record_id, owner_id, key in records
        for word in name_words(key)
    ]
    return sorted(rows, key=lambda row: (row["word"], row["owner_id"], row["record_id"]))


def _post_statements(model: type[Company] | type[Contact], records: Iterable[Posted]) -> list[Any]:
    rows = _postings(records)
    posting = POSTINGS_OF[model]
    return [
        insert(posting).values(rows[start : start + INSERT_PAGE])
        for start in range(0, len(rows), INSERT_PAGE)
    ]


async def post(
    connection: AsyncConnection, model: type[Company] | type[Contact], records: Iterable[Posted]
) -> None:
    """Record which words new ``records`` (id, owner, key) hold (:mod:`store.bulk`)."""
    for statement in _post_statements(model, records):
        await connection.execute(statement)


def repost_sync(
    connection: Connection,
    model: type[Company] | type[Contact],
    records: Sequence[Posted],
    *,
    fresh: bool,
) -> None:
    """Write the postings of ``records`` (the flush hook, a migration): new ones
    (``fresh``) are added; renamed or handed-over ones lose their old rows first."""
    if not records:
        return
    if not fresh:
        posting = POSTINGS_OF[model]
        ids = sorted(record_id for record_id, _owner, _key in records)
        for start in range(0, len(ids), INSERT_PAGE):
            connection.execute(
                delete(posting).where(posting.record_id.in_(ids[start : start + INSERT_PAGE]))
            )
    for statement in _post_statements(model, records):
        connection.execute(statement)


def hand_over_sync(
    connection: Connection, model: type[Company] | type[Contact], records: Sequence[tuple[int, int]]
) -> None:
    """The postings of records (id, new owner) that changed owner but not name."""
    posting = POSTINGS_OF[model]
    for record_id, owner_id in sorted(records):
        connection.execute(
            update(posting).where(posting.record_id == record_id).values(owner_id=owner_id)
        )


def forget_unheld(connection: Connection, words: Iterable[str]) -> None:
    """Remove those of ``words`` that no company or contact holds any more (after a rename
    or delete has been written, and its postings with it): one look into each postings
    table's key."""
    asked = sorted(set(words))
    if not asked:
        return
    held = set(
        connection.scalars(
            union(*(select(posting.word).where(posting.word.in_(asked)) for posting in POSTINGS))
        )
    )
    gone = [word for word in asked if word not in held]
    if gone:
        connection.execute(delete(_table()).where(_table().c.word.in_(gone)))


def _old_key(obj: Company | Contact, *, deleted: bool) -> str | None:
    """The key a renamed record had before this flush, or a deleted record's key."""
    state: InstanceState[Any] = inspect(obj)
    if "search_key" in state.unloaded:
        return None
    if deleted:
        return obj.search_key
    history = state.attrs.search_key.history
    return next((k for k in history.deleted if isinstance(k, str)), None)


def _changed(obj: Company | Contact, attribute: str) -> bool:
    state: InstanceState[Any] = inspect(obj)
    return attribute not in state.unloaded and state.attrs[attribute].history.has_changes()


def install_search_word_hooks(session_class: type[Session]) -> None:
    """Keep ``search_words`` and the postings current on every flush of this session class:
    after the rows are written (so a dropped word is checked against the new keys, and a
    deleted record's postings are gone with it, ``ON DELETE CASCADE``), the new and changed
    keys' words are added, new records posted, renamed ones posted again, and
    the words a rename or delete dropped are removed when no record holds them any more.
    A record handed to another owner keeps its words; its postings change owner."""

    @event.listens_for(session_class, "after_flush")
    def _keep_words(session: Session, _ctx: UOWTransaction) -> None:
        added: list[str | None] = []
        dropped: set[str] = set()
        new: dict[type[Company] | type[Contact], list[Posted]] = {Company: [], Contact: []}
        moved: dict[type[Company] | type[Contact], list[Posted]] = {Company: [], Contact: []}
        handed: dict[type[Company] | type[Contact], list[tuple[int, int]]] = {
            Company: [],
            Contact: [],
        }
        for obj in session.new:
            if isinstance(obj, Company | Contact):
                added.append(obj.search_key)
                new[type(obj)].append((obj.id, obj.owner_id, obj.search_key))
        for obj in session.dirty:
            if not isinstance(obj, Company | Contact):
                continue
            if not _changed(obj, "search_key"):
                if _changed(obj, "owner_id"):  # handed over, name unchanged
                    handed[type(obj)].append((obj.id, obj.owner_id))
                continue
            moved[type(obj)].append((obj.id, obj.owner_id, obj.search_key))
            added.append(obj.search_key)
            old = _old_key(obj, deleted=False)
            if old is not None:
                dropped |= set(name_words(old)) - set(name_words(obj.search_key))
        for obj in session.deleted:
            if isinstance(obj, Company | Contact):
                dropped |= set(name_words(_old_key(obj, deleted=True)))
        if not added and not dropped and not any(handed.values()):
            return
        connection = session.connection()
        remember_sync(connection, added)
        for model in (Company, Contact):
            repost_sync(connection, model, new[model], fresh=True)
            repost_sync(connection, model, moved[model], fresh=False)
            hand_over_sync(connection, model, handed[model])
        forget_unheld(connection, dropped - words_of(added))


def rebuild(connection: Connection, batch: int = 20_000) -> None:
    """Fill ``search_words`` from every stored key (migration 0026; run again, it only adds
    what is missing). The keys are read a batch at a time by id; the distinct words (a few
    hundred thousand at a million contacts) are gathered first and inserted once each."""
    words: set[str] = set()
    for model in (Company, Contact):
        table = model.__table__
        assert isinstance(table, Table)
        for rows in _by_id(connection, table, batch, table.c.search_key):
            words |= words_of(row[1] for row in rows)
    for statement in _inserts(connection.dialect.name, words):
        connection.execute(statement)


#: PostgreSQL: the postings of every stored key in one statement per table — the pieces of
#: the key's name section (single spaces between them, as :mod:`store.search` writes them;
#: the section starts with one, hence the empty first element left out).
_POSTINGS_SQL = (
    "INSERT INTO {postings} (word, owner_id, record_id) "
    "SELECT DISTINCT piece, owner_id, id FROM {table}, "
    "unnest(string_to_array(split_part(search_key, ' / ', 1), ' ')) AS piece "
    "WHERE piece <> '' ORDER BY 1, 2, 3"
)


def rebuild_postings(connection: Connection, batch: int = 20_000) -> None:
    """Fill the postings tables from every stored key (migration 0027, the benchmark's
    load; on empty tables): in SQL on PostgreSQL. On SQLite the keys are read a batch at a
    time and the rows written once, in key order: inserted batch by batch, each batch's
    words landed all over the B-tree and a million contacts took over ten minutes."""
    for model, posting in POSTINGS_OF.items():
        table = model.__table__
        assert isinstance(table, Table)
        if connection.dialect.name == "postgresql":
            sql = _POSTINGS_SQL.format(postings=posting.__tablename__, table=table.name)
            connection.execute(text(sql))
            continue
        rows: list[tuple[str, int, int]] = []
        for keys in _by_id(connection, table, batch, table.c.owner_id, table.c.search_key):
            rows += [(word, key[1], key[0]) for key in keys for word in name_words(key[2])]
        rows.sort()
        for page in pages(rows, batch):
            connection.execute(
                insert(posting),
                [{"word": w, "owner_id": o, "record_id": r} for w, o, r in page],
            )


def _by_id(
    connection: Connection, table: Table, batch: int, *columns: Any
) -> Iterator[Sequence[Any]]:
    """Every row's id and ``columns``, ``batch`` rows at a time in id order (keyset paging:
    each batch starts where the last ended, however large the table)."""
    last = 0
    while True:
        rows: Sequence[Any] = connection.execute(
            select(table.c.id, *columns).where(table.c.id > last).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


__all__ = [
    "POSTINGS",
    "POSTINGS_OF",
    "install_search_word_hooks",
    "name_words",
    "post",
    "rebuild",
    "rebuild_postings",
    "remember",
    "remember_sync",
    "words_of",
]
