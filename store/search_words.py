"""The distinct words of customers' names, kept for the typo stage of lookup.

The typo stage (:mod:`store.search`, stage 2) used to look for rows whose name shares
trigrams with the query among all names. At a million contacts a typo'd common word that
matches nothing (``wiite``) made PostgreSQL's lossy trigram index offer every ``white`` row
(≈ 25,000) to a recheck that none passed: 0.3 s for an empty answer. Names repeat their
words, so the ``search_words`` table holds each distinct piece of the name section of a
search key once (a word, a whole name without spaces, its pinyin: what the typo stage
compares); on PostgreSQL the near words are found among those (165,000 rows at a million
contacts, each one row), and only when one is near enough are the records holding it read,
through a GIN index of the name sections' pieces (migration 0026). This is pg_trgm's own
advice for spelling suggestions. SQLite keeps the table too (same schema and hooks), but its
lookup still reads its records' FTS5 index: reading a common word's holders back through
FTS5 trigrams cost more than it saved there (BENCHMARKS.md, quick lookup, round 4).

Kept on write, by every path that writes a search key: the ORM flush hook
(:func:`install_search_word_hooks`: new, renamed and deleted companies and contacts) and the
Core writers (:func:`store.bulk.create_many` / ``create_one``, which imports use). A word no
record holds any more is removed when the rename or delete that dropped it is flushed; one
left behind by a path that deletes in SQL (a cascade) costs a row and changes no result,
since the records are read back by the word and the typo check runs on them. Migration
0026 fills the table from the keys already stored.

Only names go in: phones and e-mails are not compared by the typo stage, and under
encryption at rest they are keyed tokens (:mod:`store.sealing`) that must not leave the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    delete,
    event,
    exists,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from store.like import ESCAPE, escape_like
from store.models import Company, Contact, SearchWord
from store.paging import pages
from store.search_index import FTS_TABLES

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


def name_pattern(word: str) -> str:
    """``'% word %/ %'``: ``word`` a whole piece of the name section (the section ends with
    ``" / "``, whose space may be the one after the word)."""
    return f"% {escape_like(word)} %/ %"


def fts_phrase(word: str) -> str:
    """An FTS5 query for the rows holding every trigram of ``' word '`` (a superset of the
    keys holding the piece, which the ``LIKE`` then confirms)."""
    padded = f" {word} "
    grams = dict.fromkeys(padded[i : i + 3] for i in range(len(padded) - 2))
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def _still_held(connection: Connection, word: str) -> bool:
    """Whether any company or contact still holds ``word``: an indexed ``EXISTS`` per table
    (the trigram index narrows, the ``LIKE`` confirms, the first hit ends it)."""
    for model in (Company, Contact):
        if connection.dialect.name == "sqlite":
            table = model.__tablename__
            fts = FTS_TABLES[table]  # our own constant names: S608 is moot
            found = connection.execute(
                text(
                    f"SELECT 1 FROM {fts} JOIN {table} ON {table}.id = {fts}.rowid "  # noqa: S608
                    f"WHERE {fts} MATCH :grams AND {table}.search_key LIKE :pattern "
                    f"ESCAPE '{ESCAPE}' LIMIT 1"
                ),
                {"grams": fts_phrase(word), "pattern": name_pattern(word)},
            ).first()
        else:
            held = model.search_key.like(name_pattern(word), escape=ESCAPE)
            found = connection.scalar(select(exists().where(held)))
        if found:
            return True
    return False


def forget_unheld(connection: Connection, words: Iterable[str]) -> None:
    """Remove those of ``words`` that no company or contact holds any more (after a rename
    or delete has been written)."""
    gone = [word for word in sorted(set(words)) if not _still_held(connection, word)]
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


def _key_changed(obj: Company | Contact) -> bool:
    state: InstanceState[Any] = inspect(obj)
    return "search_key" not in state.unloaded and state.attrs.search_key.history.has_changes()


def install_search_word_hooks(session_class: type[Session]) -> None:
    """Keep ``search_words`` current on every flush of this session class: after the rows
    are written (so a dropped word is checked against the new keys), the new and changed
    keys' words are added and the words a rename or delete dropped are removed when no
    record holds them any more."""

    @event.listens_for(session_class, "after_flush")
    def _keep_words(session: Session, _ctx: UOWTransaction) -> None:
        added: list[str | None] = []
        dropped: set[str] = set()
        for obj in session.new:
            if isinstance(obj, Company | Contact):
                added.append(obj.search_key)
        for obj in session.dirty:
            if isinstance(obj, Company | Contact) and _key_changed(obj):
                added.append(obj.search_key)
                old = _old_key(obj, deleted=False)
                if old is not None:
                    dropped |= set(name_words(old)) - set(name_words(obj.search_key))
        for obj in session.deleted:
            if isinstance(obj, Company | Contact):
                dropped |= set(name_words(_old_key(obj, deleted=True)))
        if not added and not dropped:
            return
        connection = session.connection()
        remember_sync(connection, added)
        forget_unheld(connection, dropped - words_of(added))


def rebuild(connection: Connection, batch: int = 20_000) -> None:
    """Fill ``search_words`` from every stored key (migration 0026; run again, it only adds
    what is missing). The keys are read a batch at a time by id; the distinct words (a few
    hundred thousand at a million contacts) are gathered first and inserted once each."""
    words: set[str] = set()
    for model in (Company, Contact):
        table = model.__table__
        assert isinstance(table, Table)
        last = 0
        while True:
            rows: Sequence[Any] = connection.execute(
                select(table.c.id, table.c.search_key)
                .where(table.c.id > last)
                .order_by(table.c.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            words |= words_of(row[1] for row in rows)
            last = rows[-1][0]
    for statement in _inserts(connection.dialect.name, words):
        connection.execute(statement)


__all__ = [
    "install_search_word_hooks",
    "name_words",
    "rebuild",
    "remember",
    "remember_sync",
    "words_of",
]
