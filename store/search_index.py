"""The trigram indexes behind customer lookup (:mod:`store.search`), one per backend.

``LIKE '%q%'`` on ``search_key`` cannot use a B-tree, so at a million contacts both lookup
stages used to scan. A trigram index finds the rows holding every three-character window of
``q`` without reading the others:

* SQLite: an FTS5 table with ``tokenize='trigram'`` per searchable table, external content
  (the text lives only in the base table, the FTS table holds just the index), kept current
  by ``AFTER INSERT/UPDATE/DELETE`` triggers. Triggers rather than the ORM hook, because
  they also cover raw SQL, bulk inserts and ``ON DELETE`` cascades. The trigram tokenizer
  keeps spaces, so ``" zw"`` (a piece starting with ``zw``) is a trigram too.
* PostgreSQL: ``pg_trgm`` and a GIN ``gin_trgm_ops`` index on ``search_key``, which serves
  ``LIKE '%q%'`` and the ``<%`` word-similarity operator directly; no triggers needed.

Both are created (and backfilled) by migration 0007. Migration 0018 adds, on PostgreSQL only,
a second GIN trigram index on the name section of the key (:data:`NAME_SECTION_SQL`, the
text before ``" / "``): the typo stage compares names only, and the phones and e-mails that
make the whole key three times longer offered it more rows, each dearer to recheck
(``EXPLAIN ANALYZE``, 100,000 contacts: ``walson`` 3,453 rows 194 ms → 2,595 rows 42 ms).

Caveat for later migrations: a SQLite batch migration that recreates ``companies`` or
``contacts`` drops their triggers with the old table; call :func:`sqlite_statements` again
after it (and :func:`sqlite_owner_key_statements`, migration 0029's covering index). The
migration-vs-models check ignores these objects through
:func:`include_object` (they are not in the models).
"""

from __future__ import annotations

from typing import Any

#: Base table -> its FTS5 table (SQLite) / trigram index (PostgreSQL). ``search_words``
#: (migration 0026, :mod:`store.search_words`) is indexed the same way, on its ``word``.
FTS_TABLES: dict[str, str] = {
    "companies": "companies_fts",
    "contacts": "contacts_fts",
    "search_words": "search_words_fts",
}
TRGM_INDEXES: dict[str, str] = {
    "companies": "ix_companies_search_key_trgm",
    "contacts": "ix_contacts_search_key_trgm",
}
#: PostgreSQL: the trigram index of ``search_words`` (migration 0026).
WORDS_TRGM_INDEX = "ix_search_words_word_trgm"
#: The indexed text column of each table.
INDEXED_COLUMNS: dict[str, str] = {
    "companies": "search_key",
    "contacts": "search_key",
    "search_words": "word",
}
#: PostgreSQL: the trigram index on the name section of the key (typo stage).
NAME_TRGM_INDEXES: dict[str, str] = {
    "companies": "ix_companies_name_key_trgm",
    "contacts": "ix_contacts_name_key_trgm",
}
#: The indexed expression, spelled exactly as :mod:`store.search` queries it (the planner
#: uses an expression index only for the same expression): the key up to the initials.
NAME_SECTION_SQL = "split_part(search_key, ' / ', 1)"
#: SQLite: each owner's keys in one B-tree (migration 0029), with what a stage-one hit is
#: made of (name, a contact's company), so a rep's stage-one ``LIKE`` is checked and ranked
#: on one range of the index's entries without reading the table
#: (:func:`store.search._matches`).
OWNER_KEY_INDEXES: dict[str, str] = {
    "companies": "ix_companies_owner_key",
    "contacts": "ix_contacts_owner_key",
}
#: Keyed by ``owner_id + 0``, not ``owner_id``: SQLite reads an index on an expression only
#: for a statement holding that expression, so this one serves lookup's scan alone
#: (:func:`store.search._own_keys`). On the plain column, with no statistics for it, the
#: planner took it for every ``owner_id = ? AND id IN (...)``, a few rows by id, and read the
#: owner's whole range instead (0.5 → 5-10 ms each at a million contacts).
OWNER_KEY_COLUMNS: dict[str, str] = {
    "companies": "owner_id + 0, search_key, name",
    "contacts": "owner_id + 0, search_key, name, company_id",
}

#: Both databases: the head of each key (its first :data:`KEY_HEAD_CHARS` characters, which
#: start with the name's letters and digits run together) in a B-tree, then the owner
#: (migration 0030). Stage one reads an exact name and a name prefix as one range of
#: it in key order, a few entries for the best rows (:func:`store.search._best_first`),
#: where the trigram indexes hand back every row holding the prefix's trigrams to be ranked
#: (an admin's ``john`` at a million contacts: 87,000 of them).
KEY_HEAD_INDEXES: dict[str, str] = {
    "companies": "ix_companies_key_head",
    "contacts": "ix_contacts_key_head",
}
#: Long enough for nearly every name run together; a longer query skips the range. A prefix
#: keeps a PostgreSQL B-tree entry well under its size limit, whatever the key holds.
KEY_HEAD_CHARS = 48


def key_head_sql(dialect: str) -> str:
    """The indexed expression, spelled exactly as :mod:`store.search` queries it. Compared
    byte by byte on both (SQLite's default; PostgreSQL's ``"C"`` collation), so a range of
    heads is a range of prefixes whatever the database's locale."""
    head = f"substr(search_key, 1, {KEY_HEAD_CHARS})"
    return head if dialect == "sqlite" else f'({head} COLLATE "C")'


def key_head_statements(table: str, dialect: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {KEY_HEAD_INDEXES[table]} "
        f"ON {table} ({key_head_sql(dialect)}, owner_id)",
        f"ANALYZE {table}",  # statistics for the expression (PostgreSQL, SQLite's stat1)
    ]


def key_head_drop_statements(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {KEY_HEAD_INDEXES[table]}"]


#: FTS5 shadow tables, which SQLite lists as ordinary tables.
_FTS_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")
_UNMODELLED = frozenset(
    [f"{fts}{suffix}" for fts in FTS_TABLES.values() for suffix in _FTS_SUFFIXES]
    + list(TRGM_INDEXES.values())
    + [WORDS_TRGM_INDEX]
    + ["ix_companies_name_words", "ix_contacts_name_words"]
    + list(NAME_TRGM_INDEXES.values())
    + list(OWNER_KEY_INDEXES.values())
    + list(KEY_HEAD_INDEXES.values())
)


def sqlite_statements(table: str) -> list[str]:
    """Create the FTS5 table and triggers for ``table``, and index its existing rows."""
    fts = FTS_TABLES[table]  # our own constant names, never user input: S608 below is moot
    col = INDEXED_COLUMNS[table]
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col});"  # noqa: S608
    insert_new = f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({col}, "
        f"content='{table}', content_rowid='id', tokenize='trigram', detail='none')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF id, {col} ON {table} "
        f"BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def sqlite_word_statements() -> list[str]:
    """The FTS5 table of ``search_words``: contentless, each word indexed padded with spaces
    (``" acme "``), so that the word's edges are trigrams (``" ac"``) as they are in a key,
    and a one-letter slip at either end keeps some; filled from the table and kept by
    triggers (a contentless table forgets a row by being told its indexed text)."""
    fts = FTS_TABLES["search_words"]
    padded = "' ' || {row}.word || ' '"
    delete_old = (
        f"INSERT INTO {fts}({fts}, rowid, word) VALUES ('delete', old.id, "  # noqa: S608
        f"{padded.format(row='old')});"
    )
    insert_new = f"INSERT INTO {fts}(rowid, word) VALUES (new.id, {padded.format(row='new')});"  # noqa: S608
    table = "search_words"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(word, "
        "content='', tokenize='trigram', detail='none')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF id, word ON {table} "
        f"BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}(rowid, word) SELECT id, ' ' || word || ' ' FROM {table}",  # noqa: S608
    ]


def sqlite_drop_statements(table: str) -> list[str]:
    fts = FTS_TABLES[table]
    triggers = [f"DROP TRIGGER IF EXISTS {fts}_{suffix}" for suffix in ("ai", "ad", "au")]
    return [*triggers, f"DROP TABLE IF EXISTS {fts}"]


def postgresql_statements(table: str) -> list[str]:
    """The extension (needs CREATE privilege on the database, or a superuser once) and
    the GIN index; building the index reads the existing rows, so no backfill step."""
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {_trgm_index(table)} ON {table} "
        f"USING gin ({INDEXED_COLUMNS[table]} gin_trgm_ops)",
    ]


def _trgm_index(table: str) -> str:
    return WORDS_TRGM_INDEX if table == "search_words" else TRGM_INDEXES[table]


def postgresql_drop_statements(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {_trgm_index(table)}"]


def postgresql_name_statements(table: str) -> list[str]:
    """The name-section GIN index (0007 created the extension already)."""
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {NAME_TRGM_INDEXES[table]} ON {table} "
        f"USING gin (({NAME_SECTION_SQL}) gin_trgm_ops)",
        # Statistics for the new expression, or the planner guesses its selectivity (it
        # estimated 10,000 matches for a word found nowhere) until autovacuum's next pass.
        f"ANALYZE {table}",
    ]


#: PostgreSQL: a GIN index of each name section's pieces as an array (migration 0026), by
#: which the typo stage reads back the records holding a near word: one short posting list
#: per word, where ``LIKE '% word %'`` intersects the long lists of its common trigrams.
NAME_WORDS_INDEXES: dict[str, str] = {
    "companies": "ix_companies_name_words",
    "contacts": "ix_contacts_name_words",
}
#: The indexed expression, spelled as :mod:`store.search` queries it.
NAME_WORDS_SQL = f"string_to_array({NAME_SECTION_SQL}, ' ')"


def postgresql_name_words_statements(table: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {NAME_WORDS_INDEXES[table]} ON {table} "
        f"USING gin (({NAME_WORDS_SQL}))",
        f"ANALYZE {table}",
    ]


def postgresql_name_words_drop_statements(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {NAME_WORDS_INDEXES[table]}"]


def postgresql_name_drop_statements(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {NAME_TRGM_INDEXES[table]}"]


def sqlite_owner_key_statements(table: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {OWNER_KEY_INDEXES[table]} "
        f"ON {table} ({OWNER_KEY_COLUMNS[table]})"
    ]


def sqlite_owner_key_drop_statements(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {OWNER_KEY_INDEXES[table]}"]


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic autogenerate filter: skip the trigram index objects the models don't declare."""
    return not (reflected and compare_to is None and name in _UNMODELLED)
