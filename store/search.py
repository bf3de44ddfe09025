"""Customer lookup that forgives typos, understands pinyin and abbreviations, and matches
phone and email fragments.

A rep in the field types whatever they remember: ``xingchen`` or ``xckj`` for 星辰科技,
``zw`` for 张伟, ``Globx`` for Globex, the last four digits of a mobile number, the domain of
an email. All of that has to find the record, and only records the rep may see.

How it works
------------
Every company and contact carries a ``search_key``: one lowercase text blob holding every
form of the record we want substring search to hit, laid out in three sections::

    " <name forms> / <initials> | <phone and email forms> "

* name forms: the name without spaces or punctuation (``acmeltd``, ``星辰科技``), each word
  of the name, and its full toneless pinyin (``xingchenkeji``; also with the surname reading
  of a leading heteronym such as 单 shan / 曾 zeng);
* initials: ``xckj``, ``zw``, ``gc`` for "Globex Corporation";
* extras: phone numbers as digits only (also without the country code) and lowercase emails.

Pieces are separated by single spaces and contain none, and a normalised query never
contains a space either, so a ``LIKE '%q%'`` cannot match across two pieces. A piece start is
``' q'``, the whole name is ``' q '`` at the very beginning, and ``'%q% | %'`` keeps a match
inside the name and initials sections. The hook installed by :func:`install_search_key_hooks`
keeps the key current on every flush; migration 0002 backfills existing rows.

:func:`search` runs in two stages, both inside the principal's record rules
(:meth:`store.access.Records.select`):

1. SQL ``search_key LIKE '%q%'`` ranked exact name > name prefix > piece prefix (word,
   pinyin, initials, phone, email) > substring; companies before contacts within a rank;
   the covered share of the matched piece breaks ties (``xingchen`` prefers 星辰科技,
   ``xingchenkeji``, over 星辰物流, ``xingchenwuliu``).
2. When stage 1 found fewer than ``limit`` hits and the query is not shaped like a phone
   number, an email or a domain (``acme.com``): typo tolerance with rapidfuzz's ``WRatio``
   over the names and pinyin of at most :data:`FUZZY_CANDIDATES` visible companies and as
   many contacts, those nearest the query by trigrams (on PostgreSQL: those holding a
   name word near it, :mod:`store.search_words`). A typo match always ranks below any stage-1 hit.

Scores: stage-1 hits score 60-100 (tier base 90/80/70/60, +5 for a company, +up to 4.99 for
coverage); typo hits score half their rapidfuzz similarity (37.5-50).

Performance: both stages go through a trigram index (:mod:`store.search_index`: SQLite FTS5
``tokenize='trigram'`` kept by triggers, PostgreSQL ``pg_trgm`` GIN), inside the record
rules, so a rep's lookup never sees another rep's rows. Stage 1 asks the index for the rows
holding the query's trigrams and rechecks the exact ``LIKE``; a two-letter form is looked up
as ``' zw'`` (a piece start, which finds tiers 0-2), and only when that yields fewer than
the rows wanted does the ``LIKE`` scan run (a single CJK character always scans). Stage 2 on
looks for near words in the table of distinct name words (migration 0026), not among the
records: on PostgreSQL the most ``word_similarity``-close ones, on SQLite those sharing the
most trigrams through the words' FTS5 index, plus the query's own parts that are words
(``ltd`` in ``acmoltd``); the words a typo check could accept are read back to the visible
records holding them through the postings (migration 0027: a B-tree keyed by word and owner,
so a rep reads only their own holders), so a typo finds an old record too, and one no word
is near enough to reads no record. (Before the postings, SQLite's stage 2 ranked its
records' FTS5 trigram matches by ``bm25``, and PostgreSQL read holders through a GIN index of
the name sections' pieces, a rep's in a BitmapAnd with ``owner_id``: BENCHMARKS.md.)
In a big table (more than :data:`BIG_TABLE_ROWS` rows) stage 1 first reads what cannot be
beaten (:func:`_best_first`): names that are the query or start with it, one range of a
B-tree of the keys' heads (migration 0030), and for a principal who sees every row the
first rows holding a piece that starts with it; when those fill the page, the table is not
ranked (an admin's ``john`` at a million contacts: 87,000 trigram matches ranked, 56 ms p95,
before; 3.5 ms after). There, too, a two-letter form is matched at piece starts only (a CJK
one also inside a piece through its pinyin), not by scanning every row. Left slow
(BENCHMARKS.md, "Quick lookup at 1,000,000 contacts"): a single CJK character is matched in
the first rows holding it (:func:`_first_try`), so one that no row holds reads them all;
PostgreSQL's near words for a Chinese name's pinyin (10-17 ms). (An admin's two-letter
piece start on PostgreSQL, p95 25-38 ms at a million contacts, was the planner reading
every match to join it to the first ones: :func:`_starts`, 6-8 ms.) A typo'd
short word whose trigrams a whole population of rows holds apart (``wiite``: every ``white``
row holds ``"  w"``, ``ite`` and ``te "``) used to make PostgreSQL's lossy GIN index offer
all of them to a heap recheck that none passed (≈ 25,000 rows, 0.3 s at a million); the
words table (pg_trgm's own advice for spelling suggestions) now holds ``white`` once.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from rapidfuzz import fuzz, process
from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Float,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    case,
    event,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, InstrumentedAttribute, Session, UOWTransaction

from store.access import Records, one_of
from store.dedupe import company_core
from store.like import ESCAPE, escape_like
from store.models import Company, Contact, SearchWord
from store.offload import offloaded
from store.pinyin import syllables
from store.planner import local_settings
from store.prepared import read
from store.sealing import Keyring, session_keyring
from store.search_index import FTS_TABLES, KEY_HEAD_CHARS
from store.search_words import POSTINGS_OF, name_words

#: Shortest query (in letters/digits) worth answering; one letter matches nearly everything.
#: A single CJK character is allowed: it is as selective as a short word (a surname like 张
#: or a brand character) and reps do type it; it gets no pinyin expansion and no typo stage.
MIN_QUERY_LEN = 2
#: A digits-only query needs this many digits before it may match inside phone numbers;
#: ``12`` would otherwise hit almost every phone number on file.
MIN_PHONE_DIGITS = 4
#: Typo tolerance needs enough letters to tell a typo from a different word.
FUZZY_MIN_LATIN = 4
FUZZY_MIN_CJK = 2
#: Stage 2 hands rapidfuzz at most this many visible companies, and as many contacts: those
#: sharing the most trigrams with the query (see :func:`_typo_candidates`).
FUZZY_CANDIDATES = 200
#: SQLite: rank stage-2 candidates by ``bm25`` only when at most this many rows share a
#: trigram with the query; ranking costs a few microseconds a row. PostgreSQL: read back at
#: most this many rows holding the accepted near words (and at most FUZZY_CANDIDATES).
FUZZY_RANK_ROWS = 2000
#: Beyond that, a typo'd text with at most this many trigrams uses every pair of them three
#: or more apart as candidates, a longer one only the pairs three and four apart.
PAIR_ALL_GRAMS = 7
#: Stage 2 looks at most this many near name words over (:func:`_near_words`) ...
NEAR_WORDS = 500
#: Texts up to this long also look up each of their parts as a word (:func:`_inner_pieces`).
INNER_PIECES_OF = 24
#: ... and reads back the records holding the best this many of those a typo check could
#: accept, scored with the loosest cut-off below (the precise check runs on the records).
MATCHED_WORDS = 16
#: PostgreSQL: the least ``word_similarity`` (shared trigrams / the query's trigrams) a typo
#: candidate needs. One wrong letter in a four-letter word keeps at least 2 of 5 (acne/acme,
#: bcme/acme: 0.4, and ``%>`` passes at equality), so the operator's default 0.6 would lose
#: it; 0.3 let through ten times the rows to recheck for short queries (``smiuh`` at a
#: million contacts: 521 ms at 0.3, 58 ms at 0.4) and found no more single-letter typos.
PG_WORD_SIMILARITY = 0.4
#: PostgreSQL: the least a Chinese query's pinyin (derived, so free of typing slips) needs in
#: pg_trgm's ``similarity`` with a near word: the share that keeps every word one letter
#: away, swapped, added or dropped (:func:`_reading_floor`), never below this.
PG_READING_SIMILARITY = 0.3
#: SQLite: a principal who sees some owners' rows (a rep: their own), at most this many of
#: a table, has stage 1 check each of those rows' keys in the ``(owner_id + 0, search_key,
#: name, ...)`` index (migration 0029), not the trigram index. At a million contacts a
#: rep's ≈ 20,000 keys take 8-22 ms that way; the trigram index handed back every owner's
#: matches of a common form (``john``: 85-117 ms), and a two-letter form that finds too few
#: piece starts then scanned the rep's rows from the table (75 ms).
OWNER_SCAN_ROWS = 50_000
#: ... and when a form is this short (letters), or an e-mail or a domain: a long form's
#: trigrams are rare, and the trigram index answers it faster (pinyin, typos, four digits:
#: p95 18 ms that way, 24 ms scanning, at a million contacts).
SCAN_FORM_LEN = 5
#: A query form shorter than this cannot be looked up by trigrams.
TRIGRAM = 3
#: rapidfuzz WRatio cut-offs. Latin: one typo in five letters scores 80, in four letters 75
#: (acme/acne), so four-letter queries need 80. CJK characters carry more information than
#: letters, but shared suffixes (有限公司, 科技) inflate the character ratio; 75 lets one
#: wrong character in four through (星晨科技 → 星辰科技) and keeps 某某有限公司 out (66.7).
#: Pinyin strings are long, so one wrong letter still scores high; 82 accepts
#: xingcheng/xingchen and huaxindianzi/huaxingdianzi but rejects wangwei/zhangwei (80).
LATIN_CUTOFF = 75.0
SHORT_LATIN_CUTOFF = 80.0
CJK_CUTOFF = 75.0
PINYIN_CUTOFF = 82.0
#: The loosest of them: a name word below it cannot make a record match.
WORD_CUTOFF = min(LATIN_CUTOFF, SHORT_LATIN_CUTOFF, CJK_CUTOFF, PINYIN_CUTOFF)
#: A typo hit scores this share of its similarity, so it always ranks below stage-1 hits.
FUZZY_WEIGHT = 0.5

NAMES_END = " / "
INITIALS_END = " | "

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
_RUN_RE = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\\W_])+)")
_PHONE_RE = re.compile(r"[\d\s+\-().]+")
#: Control characters (NUL above all) are no part of a name: SQLite's FTS5 reads a NUL as
#: the end of its query string ("unterminated string"), so they are read as spaces.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: An email address or fragment, or a domain (``acme.com``): no typo stage for these.
_EMAIL_RE = re.compile(r"\S*@\S*|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")

#: Surnames whose common reading differs from pypinyin's default for the lone character.
#: pypinyin 0.55 has no surname mode, so a name starting with one of these also gets the
#: surname reading (单伟 → danwei *and* shanwei): an extra form costs nothing, a missed
#: reading costs a lookup.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "召": "shao",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "句": "gou",
    "能": "nai",
    "黑": "he",
    "折": "she",
    "尉": "yu",
    "宓": "fu",
    "祭": "zhai",
    "隗": "wei",
    "蕃": "pi",
    "都": "du",
    "重": "chong",
    "薄": "bo",
    "卜": "bu",
    "藏": "zang",
    "阚": "kan",
}

#: Country calling codes we strip (prefix-free, as ITU assigns them), and whether numbers
#: there are dialled nationally with a trunk ``0`` (so ``+86 21 6123 4567`` is also stored as
#: ``02161234567``, the way a Shanghai office number is written at home).
COUNTRY_CODES: dict[str, bool] = {
    "1": False,
    "7": False,
    "31": True,
    "33": True,
    "34": False,
    "39": False,
    "41": True,
    "44": True,
    "49": True,
    "52": False,
    "55": False,
    "60": True,
    "61": True,
    "62": True,
    "63": True,
    "64": True,
    "65": False,
    "66": True,
    "81": True,
    "82": True,
    "84": True,
    "86": True,
    "91": True,
    "852": False,
    "853": False,
    "886": True,
    "971": True,
}


@dataclass(frozen=True)
class Hit:
    """One search result. ``company_id``/``company_name`` are a contact's company (when the
    searcher may see it); they are None for a company hit."""

    kind: Literal["company", "contact"]
    id: int
    company_id: int | None
    name: str
    company_name: str | None
    score: float


# --------------------------------------------------------------------------- the key


def _fold(text: str) -> str:
    """NFKC (full-width ＡＢＣ and １２３ from Chinese IMEs become ASCII) and case-fold."""
    return unicodedata.normalize("NFKC", text).casefold()


def _has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _unique(items: Iterable[str]) -> list[str]:
    """Order-preserving dedupe that also drops empty strings."""
    return [item for item in dict.fromkeys(items) if item]


def _pinyin(run: str) -> list[str]:
    """Toneless syllables of a CJK run; pypinyin segments phrases (重庆 → chong qing).
    Remembered word by word (:mod:`store.pinyin`): a bulk import keys 100,000 names."""
    return syllables(run)


def _name_forms(name: str) -> tuple[list[str], list[str]]:
    """The name-section and initials-section pieces of a name."""
    folded = _fold(name)
    compact = _alnum(folded)
    words = [w.strip("".join(ch for ch in w if not ch.isalnum())) for w in folded.split()]
    words = [w for w in words if any(ch.isalnum() for ch in w)]
    names = [compact, *words]
    initials: list[str] = []
    if _has_cjk(folded):
        # One token per pinyin syllable or Latin/digit word, in reading order.
        tokens: list[str] = []
        surname: str | None = None
        for match in _RUN_RE.finditer(folded):
            run = match.group("cjk")
            if run is None:
                tokens.append(match.group("word"))
                continue
            if not tokens:
                surname = SURNAME_READINGS.get(run[0])
            tokens.extend(_pinyin(run))
        variants = [tokens]
        if surname is not None and tokens:
            variants.append([surname, *tokens[1:]])
        for variant in variants:
            names.append("".join(variant))
            if len(variant) > 1:
                initials.append("".join(token[0] for token in variant))
    elif len(words) > 1:
        initials.append("".join(word[0] for word in words))
    return _unique(names), _unique(initials)


def _phone_forms(raw: str) -> list[str]:
    """Digits as written, and the national number when a country code can be recognised."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    forms = [digits]
    stripped = raw.strip()
    international: str | None = None
    if stripped.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif len(digits) == 13 and digits.startswith("861"):  # a Chinese mobile, "+" dropped
        international = digits
    if international:
        for size in (1, 2, 3):
            code = international[:size]
            if code in COUNTRY_CODES:
                national = international[size:]
                forms += [international, national]
                is_mobile = code == "86" and national.startswith("1")  # dialled without 0
                if COUNTRY_CODES[code] and not national.startswith("0") and not is_mobile:
                    forms.append("0" + national)
                break
    return _unique(forms)


def _extra_forms(value: str, blind: Keyring | None = None) -> list[str]:
    """An email lowercase, a phone as digits, anything else as folded letters and digits;
    with a key, keyed tokens of them instead (:func:`_blind_forms`)."""
    folded = _fold(value).strip()
    if "@" in folded:
        email = "".join(folded.split())
        if blind is not None:
            return _unique(blind.token("email", part) for part in _email_parts(email))
        return _unique([email])
    if _PHONE_RE.fullmatch(folded) and sum(ch.isdigit() for ch in folded) >= MIN_PHONE_DIGITS:
        forms = _phone_forms(folded)
        if blind is not None:
            return _unique(blind.token("phone", tail) for tail in _phone_tails(forms))
        return forms
    if blind is not None:
        return [blind.token("text", _alnum(folded))]
    return _unique([_alnum(folded)])


def _phone_tails(forms: Iterable[str]) -> list[str]:
    """What an encrypted phone can be found by: every ending of at least
    :data:`MIN_PHONE_DIGITS` digits of each form (the last four, the national number, the
    whole number). A keyed token cannot be searched inside, so a fragment from the middle
    or the start of a number (``138 0141``) no longer finds it (docs/DESIGN.md)."""
    return _unique(
        form[-size:] for form in forms for size in range(MIN_PHONE_DIGITS, len(form) + 1)
    )


def _email_parts(email: str) -> list[str]:
    """What an encrypted e-mail can be found by: the whole address, the part before the
    ``@``, the domain, and each label of the domain but the last (``acme`` of ``acme.com``)."""
    local, _, domain = email.partition("@")
    labels = domain.split(".")[:-1]
    return _unique(part for part in (email, local, domain, *labels) if part)


def search_key(name: str, *extra: str | None, blind: Keyring | None = None) -> str:
    """The lowercase blob substring search runs against (layout in the module docstring).

    ``extra`` are a record's phone numbers and emails, in any order; None and blanks are
    skipped. Stable for equal input, so recomputing it on every flush changes nothing.
    ``blind``: the database's keyring when phones and e-mails are encrypted at rest; the
    extras section then holds keyed tokens, not the values (:mod:`store.sealing`).
    """
    return _compose(_name_forms(name), extra, blind)


def search_keys(records: Iterable[Sequence[str | None]], blind: Keyring | None = None) -> list[str]:
    """:func:`search_key` of many records (each ``(name, *extra)``), for bulk writers: the
    name forms — pinyin, the slow part — are worked out once per distinct name (a sheet of
    100,000 Chinese contacts repeats many names)."""
    forms: dict[str, tuple[list[str], list[str]]] = {}
    keys: list[str] = []
    for name, *extra in records:
        text = name or ""
        found = forms.get(text)
        if found is None:
            found = forms[text] = _name_forms(text)
        keys.append(_compose(found, extra, blind))
    return keys


def _compose(
    name_forms: tuple[list[str], list[str]], extra: Sequence[str | None], blind: Keyring | None
) -> str:
    names, initials = name_forms
    extras = _unique(form for value in extra if value for form in _extra_forms(value, blind))
    return f" {' '.join(names)}{NAMES_END}{' '.join(initials)}{INITIALS_END}{' '.join(extras)} "


def _sections(key: str) -> tuple[list[str], list[str], list[str]]:
    """Split a stored key back into its name, initials and extras pieces."""
    head, _, extras = key.partition(INITIALS_END)
    names, _, initials = head.partition(NAMES_END)
    return names.split(), initials.split(), extras.split()


# --------------------------------------------------------------------------- the hook

#: The columns each searchable model's key is computed from, name first.
KEY_SOURCES: dict[type[Company] | type[Contact], tuple[str, ...]] = {
    Company: ("name", "phone"),
    Contact: ("name", "mobile", "phone", "email"),
}


def _refresh_key(obj: Company | Contact, blind: Keyring | None, *, is_new: bool) -> None:
    fields = KEY_SOURCES[type(obj)]
    state = cast("InstanceState[Any]", inspect(obj))
    if not is_new:
        changed = any(state.attrs[field].history.has_changes() for field in fields)
        missing = "search_key" not in state.unloaded and obj.search_key is None
        if not (changed or missing):
            return
    name, *extra = (getattr(obj, field) for field in fields)
    key = search_key(name or "", *extra, blind=blind)
    if obj.search_key != key:
        obj.search_key = key
    if isinstance(obj, Company):
        core = company_core(name or "")
        if obj.name_core != core:
            obj.name_core = core


def install_search_key_hooks(session_class: type[Session]) -> None:
    """Keep ``search_key`` current on every flush of this session class.

    A session hook (like the audit's) rather than a call in each handler, so no code path
    that creates or renames a customer through the ORM can leave it unfindable. Core bulk
    inserts bypass it; they must call :func:`search_key` themselves (the migration does).
    """

    @event.listens_for(session_class, "before_flush")
    def _set_search_keys(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
        blind = session_keyring(session)
        for obj in session.new:
            if isinstance(obj, Company | Contact):
                _refresh_key(obj, blind, is_new=True)
        for obj in session.dirty:
            if isinstance(obj, Company | Contact):
                _refresh_key(obj, blind, is_new=False)


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True)
class _Query:
    """A query normalised into the forms it is matched by."""

    text_forms: tuple[str, ...]  # as typed, folded; may be an exact name or name prefix
    other_forms: tuple[str, ...]  # pinyin of a CJK query, national phone digits
    names_only: bool  # a short digits-only query must not match inside phone numbers
    fuzzy: str | None  # what typo tolerance compares, when the query is long enough
    pinyin: str | None
    has_cjk: bool
    tokens: tuple[str, ...] = ()  # keyed tokens of phones / e-mails (encrypted at rest)
    sealed: bool = False  # a key is configured: extras sections hold tokens, not text
    words: tuple[str, ...] = ()  # a latin query's words, folded, for :func:`_leads_name`

    @property
    def forms(self) -> tuple[str, ...]:
        return self.text_forms + self.other_forms

    def tail(self, form: str) -> str:
        """What may follow a plaintext form in its ``LIKE``: anything, or only the name and
        initials sections. With a key, a form with letters could occur inside a token by
        chance (tokens are letters); digits never do, and still find a phone of a row
        ``crmbot keys encrypt`` has not reached yet."""
        if self.names_only or (self.sealed and not form.isdigit()):
            return "%" + INITIALS_END + "%"
        return "%"


def _parse_query(query: str, blind: Keyring | None = None) -> _Query | None:
    folded = _fold(_CONTROL_RE.sub(" ", query)).strip()
    compact = "".join(folded.split())
    alnum = _alnum(compact)
    has_cjk = _has_cjk(alnum)
    if len(alnum) < MIN_QUERY_LEN and not (has_cjk and alnum):
        return None
    digits = "".join(ch for ch in compact if ch.isdigit())
    phone_like = _PHONE_RE.fullmatch(folded) is not None
    names_only = phone_like and len(digits) < MIN_PHONE_DIGITS
    other: list[str] = []
    if phone_like and not names_only:
        other += [f for f in _phone_forms(folded) if len(f) >= MIN_PHONE_DIGITS]
    tokens: list[str] = []
    if blind is not None:
        tokens = _blind_query_forms(folded, compact, alnum, blind, phone_like and not names_only)
    pinyin: str | None = None
    if has_cjk and sum(1 for ch in alnum if _has_cjk(ch)) >= 2:
        pinyin = "".join(_pinyin(alnum))
        other.append(pinyin)
    text_forms = tuple(_unique([compact, alnum]))
    fuzzy_min = FUZZY_MIN_CJK if has_cjk else FUZZY_MIN_LATIN
    typed = phone_like or _EMAIL_RE.fullmatch(compact) is not None
    fuzzy = alnum if len(alnum) >= fuzzy_min and not typed else None
    return _Query(
        text_forms=text_forms,
        other_forms=tuple(f for f in _unique(other) if f not in text_forms),
        names_only=names_only,
        fuzzy=fuzzy,
        pinyin=pinyin,
        has_cjk=has_cjk,
        tokens=tuple(_unique(tokens)),
        sealed=blind is not None,
        words=() if has_cjk else tuple(_WORD_RE.findall(folded)),
    )


def _blind_query_forms(
    folded: str, compact: str, alnum: str, blind: Keyring, phone_like: bool
) -> list[str]:
    """The keyed tokens a query matches in an encrypted database, under every configured
    key (a rotation may be half done): a phone-shaped query's numbers (each stored number
    holds a token for each of its endings), and the query as a whole e-mail, a part of one
    or a domain."""
    forms: list[str] = []
    if phone_like:
        for form in _phone_forms(folded):
            if len(form) >= MIN_PHONE_DIGITS:
                forms += blind.tokens("phone", form)
    for text in _unique([compact, alnum]):
        forms += blind.tokens("email", text)
    forms += blind.tokens("text", alnum)
    return forms


def number_pieces(
    column: InstrumentedAttribute[str | None], forms: Iterable[str], blind: Keyring | None
) -> ColumnElement[bool]:
    """Keys holding one of these phone ``forms`` (digits) as a piece: the digits themselves
    (plaintext rows) and, with a key, their tokens under every configured key (a sealed
    row holds a token for each ending of its numbers, so a token matches a number that
    ends with the form)."""
    pieces = list(dict.fromkeys(forms))
    if blind is not None:
        pieces += [t for form in list(pieces) for t in blind.tokens("phone", form)]
    return or_(*(column.like(f"% {escape_like(piece)} %", escape=ESCAPE) for piece in pieces))


@dataclass(frozen=True)
class _Shape:
    """What a stage-1 statement's SQL text depends on. The patterns are its parameters
    (:func:`_stage_one_params`), so the statement is built, keyed and compiled once per
    shape rather than on every lookup: building it was a tenth of a ``/find``'s CPU."""

    model: Searchable
    scope: ColumnElement[bool]  # Records.scope: one object per model and owner set
    texts: int  # q.text_forms
    forms: int  # q.forms
    tokens: int  # q.tokens
    within: Literal["all", "fts", "like", "first"]  # which rows are ranked: all, an index's,
    # or the first :data:`STARTS_READ` matches in the table's order
    pieces: int  # the ``LIKE`` pieces of a PostgreSQL index condition
    fetch: int


def _likes(column: Any, prefix: str, count: int) -> list[Any]:
    return [column.like(bindparam(f"{prefix}{i}"), escape=ESCAPE) for i in range(count)]


@functools.lru_cache(maxsize=1024)
def _stage_one_statement(shape: _Shape) -> Select[Any]:
    """The best ``fetch`` stage-1 matches with their tier (0 best, mirroring
    :func:`_tier`), optionally among the rows an index condition lets through."""
    model, column = shape.model, shape.model.search_key
    tokens = _likes(column, "t", shape.tokens)  # whole pieces only
    # With PostgreSQL's index condition, the match is checked on the rows that condition
    # lets through, on an expression no index serves: else the planner looked the whole
    # forms up in the GIN index as well, top-level domain and all (``acme123.com``: 11 of a
    # 14 ms statement at a million contacts), and ANDed the two.
    checked = column if shape.within != "like" else column.op("||")(literal_column("''"))
    match = or_(*_likes(checked, "m", shape.forms), *_likes(checked, "t", shape.tokens))
    exact = or_(*_likes(column, "e", shape.texts))
    prefix = or_(*_likes(column, "p", shape.texts))
    piece = or_(*_likes(column, "c", shape.forms), *tokens)
    rank = case((exact, 0), (prefix, 1), (piece, 2), else_=3)
    stmt = select(*_columns(model), rank).where(shape.scope)
    if shape.within == "fts":
        fts = _FTS[model]
        matching = select(fts.c.rowid).where(fts.c.whole.op("MATCH")(bindparam("fts")))
        stmt = stmt.where(model.id.in_(matching))
    elif shape.within == "like":
        stmt = stmt.where(or_(*_likes(column, "i", shape.pieces)))
    elif shape.within == "first":
        stmt = stmt.where(
            model.id.in_(select(model.id).where(shape.scope, match).limit(STARTS_READ))
        )
    return stmt.where(match).order_by(rank, func.length(model.name), model.id).limit(shape.fetch)


@functools.lru_cache(maxsize=1024)
def _stage_one_together(shapes: tuple[_Shape, ...]) -> CompoundSelect[Any]:
    """Each shape's :func:`_stage_one_statement` in one statement, each row led by its
    shape's place. The parameters are the query's, the same names in every part. A part's
    order does not survive the union: the caller sorts each part's rows again."""
    parts = []
    for n, shape in enumerate(shapes):
        ranked = _stage_one_statement(shape).subquery(f"part_{n}")
        parts.append(select(literal_column(str(n)).label("part"), *ranked.c))
    return union_all(*parts)


def _stage_one_params(q: _Query) -> dict[str, str]:
    """The patterns of :func:`_stage_one_statement` for a query."""
    params: dict[str, str] = {}
    for i, form in enumerate(q.forms):
        params[f"m{i}"] = f"%{escape_like(form)}{q.tail(form)}"
        params[f"c{i}"] = f"% {escape_like(form)}{q.tail(form)}"
    for i, form in enumerate(q.text_forms):
        params[f"e{i}"] = f" {escape_like(form)} %"
        params[f"p{i}"] = f" {escape_like(form)}%"
    for i, token in enumerate(q.tokens):
        params[f"t{i}"] = f"% {token} %"
    return params


TIER_BASE = (90.0, 80.0, 70.0, 60.0)
COMPANY_BONUS = 5.0
COVERAGE_WEIGHT = 4.99


def _score(key: str, q: _Query, *, company: bool) -> float:
    """Tier, kind and the share of the matched piece the query covers, as one number."""
    names, initials, extras = _sections(key)
    pieces = names + initials + ([] if q.names_only or q.sealed else extras)
    if q.sealed and not q.names_only:  # digits may still be a plaintext row's phone
        pieces += [p for p in extras if p.isdigit()]
    first = names[0] if names else ""
    token_hit = any(t in extras for t in q.tokens)
    if first in q.text_forms:
        tier = 0
    elif any(first.startswith(f) for f in q.text_forms):
        tier = 1
    elif token_hit or any(p.startswith(f) for p in pieces for f in q.forms):
        tier = 2
    else:
        tier = 3
    coverage = max(
        (
            len(f) / len(p)
            for p in pieces
            for f in q.forms
            if f in p and (tier > 2 or p.startswith(f))
        ),
        default=1.0 if token_hit else 0.0,
    )
    return TIER_BASE[tier] + (COMPANY_BONUS if company else 0.0) + COVERAGE_WEIGHT * coverage


Searchable = type[Company] | type[Contact]

_FTS_METADATA = MetaData()
#: The SQLite FTS5 tables (:mod:`store.search_index`), described just enough to query them.
_FTS: dict[Searchable, Table] = {
    model: Table(
        FTS_TABLES[model.__tablename__],
        _FTS_METADATA,
        Column("rowid", Integer),
        Column("search_key", Text),
        Column("rank", Float),
        Column(FTS_TABLES[model.__tablename__], Text, key="whole"),  # MATCH the whole table
    )
    for model in (Company, Contact)
}
#: The words' FTS5 table (contentless: it indexes each word padded with spaces).
_WORDS_FTS = Table(
    FTS_TABLES["search_words"],
    _FTS_METADATA,
    Column("rowid", Integer),
    Column("rank", Float),
    Column(FTS_TABLES["search_words"], Text, key="whole"),
)


def _is_sqlite(records: Records) -> bool:
    return records.session.get_bind().dialect.name == "sqlite"


def _kind(model: Searchable) -> Literal["company", "contact"]:
    return "company" if model is Company else "contact"


def _columns(model: Searchable) -> tuple[ColumnElement[Any], ...]:
    """id, company id (None for a company), name and key: what a hit is made of."""
    company_id: ColumnElement[Any] = (
        Contact.company_id.expression if model is Contact else literal(None, Integer)
    )
    return (model.id.expression, company_id, model.name.expression, model.search_key.expression)


def _trigrams(text: str) -> list[str]:
    return _unique(text[i : i + TRIGRAM] for i in range(len(text) - TRIGRAM + 1))


def _fts_query(groups: Iterable[Iterable[str]]) -> str:
    """An FTS5 query: any group whose trigrams all occur (each trigram a quoted token)."""
    quoted = (" AND ".join('"' + g.replace('"', '""') + '"' for g in group) for group in groups)
    return " OR ".join(f"({group})" for group in quoted)


def _index_pieces(q: _Query) -> tuple[list[str], bool] | None:
    """What the trigram index looks up for stage 1, and whether that finds every match.

    A form of three or more characters is looked up as itself (any substring). A two-letter
    form (``zw``) has no trigram of its own, but ``" zw"`` (a piece starting with it) is one:
    that finds every tier 0-2 match, not substrings inside a piece (tier 3). None when a
    form is a single CJK character: nothing to look up, stage 1 scans.
    """
    pieces: list[str] = list(q.tokens)
    complete = True
    domain_end = _top_level_domain(q.text_forms[0])
    for form in q.forms:
        if len(form) >= TRIGRAM:
            pieces.append(_without_end(form, domain_end))
        elif len(form) == TRIGRAM - 1:
            pieces.append(" " + form)
            complete = False
        else:
            return None
    return pieces, complete


def _top_level_domain(text: str) -> str | None:
    """``com`` of an e-mail or a domain (``acme123.com``), else None."""
    if _EMAIL_RE.fullmatch(text) is None or "." not in text:
        return None
    return text.rpartition(".")[2] or None


def _without_end(form: str, end: str | None) -> str:
    """A form to look up in the trigram index without its top-level domain (``acme123.``
    of ``acme123.com``, ``acme123`` of ``acme123com``): every key with an e-mail holds
    ``.co`` and ``com``, so asking the index for them reads a million rows' entries and
    keeps none out (SQLite: 20 of a 23 ms lookup at a million contacts); the ``LIKE``
    rechecks the whole form."""
    if end is None or not form.endswith(end) or len(form) - len(end) < TRIGRAM:
        return form
    return form[: -len(end)]


def _sparse_trigrams(piece: str) -> list[str]:
    """Enough of a piece's trigrams to find it: every third one and the last, so each
    character is in one. FTS5 reads each trigram's whole list of rows, and the overlapping
    ones keep out next to nothing more (``jiangyanchao``: 10 trigrams 7.6 ms, these 4 3.4 ms,
    the same 2 rows); the ``LIKE`` rechecks the rest."""
    starts = [*range(0, len(piece) - TRIGRAM + 1, TRIGRAM), len(piece) - TRIGRAM]
    return _unique(piece[start : start + TRIGRAM] for start in starts if start >= 0)


def _sparse_pattern(piece: str) -> str:
    """PostgreSQL's counterpart of :func:`_sparse_trigrams`: ``%sun%qia%ngj%ing%`` for
    ``sunqiangjing``, whose pieces pg_trgm reads a trigram or two each where the whole
    pattern gave it ten, most of them in a sixth of all keys (``ang``, ``ing``): 4.7 → 3.3 ms
    at a million contacts. The pieces follow each other in the piece, so every key holding
    it matches; the ``LIKE`` of the whole piece rechecks the rest."""
    if len(piece) < 2 * TRIGRAM:
        return f"%{escape_like(piece)}%"
    cuts = list(range(0, len(piece) - TRIGRAM + 1, TRIGRAM))  # the last runs to the end
    chunks = [piece[start:end] for start, end in zip(cuts, [*cuts[1:], len(piece)], strict=True)]
    return "%" + "%".join(escape_like(chunk) for chunk in chunks) + "%"


def _fewest(groups: Iterable[list[str]]) -> list[list[str]]:
    """Groups of trigrams without those that hold all of another's: a row with all of the
    larger group's has all of the smaller's, so the ``OR`` of the two is the smaller alone,
    read once (``cyberdyne909.`` and ``cyberdyne909``, a domain's two forms: 13 ms → 7)."""
    unique = list({tuple(group): group for group in groups}.values())
    return [
        group
        for group in unique
        if not any(other is not group and set(other) < set(group) for other in unique)
    ]


def _holding_any(pieces: Iterable[str]) -> str:
    """SQLite's FTS5 query for the rows that may hold one of ``pieces``: a few of each
    piece's trigrams (:func:`_sparse_trigrams`), a group that holds another's left out
    (:func:`_fewest`)."""
    return _fts_query(_fewest(_sparse_trigrams(piece) for piece in pieces))


def _index_condition(records: Records, pieces: list[str]) -> tuple[Any, dict[str, str]]:
    """Rows whose key may hold one of ``pieces``: a superset the ``LIKE`` then rechecks.

    SQLite asks the FTS5 table for rows holding all of a piece's trigrams (``detail=none``
    keeps the index small but allows no phrase queries, hence the recheck); PostgreSQL's
    planner serves ``LIKE '%piece%'`` from the GIN index itself.
    """
    if _is_sqlite(records):
        return "fts", {"fts": _holding_any(pieces)}
    return "like", {f"i{i}": _sparse_pattern(piece) for i, piece in enumerate(pieces)}


async def _ranked(
    records: Records,
    model: Searchable,
    q: _Query,
    fetch: int,
    within: tuple[Literal["fts", "like", "first"], dict[str, str]] | None,
    scope: ColumnElement[bool] | None = None,
) -> list[tuple[int, int | None, str, str | None, int]]:
    """The best ``fetch`` stage-1 matches with their tier, optionally among ``within``,
    within the records' scope or the same rows' ``scope`` spelled otherwise."""
    among = within[1] if within is not None else {}
    shape = _shape(records, q, fetch, model, within, scope)
    rows = await records.session.execute(
        _stage_one_statement(shape), {**_stage_one_params(q), **among}
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]


def _shape(
    records: Records,
    q: _Query,
    fetch: int,
    model: Searchable,
    within: tuple[Literal["fts", "like", "first"], dict[str, str]] | None,
    scope: ColumnElement[bool] | None,
) -> _Shape:
    kind, among = within if within is not None else ("all", {})
    return _Shape(
        model,
        records.scope(model) if scope is None else scope,
        len(q.text_forms),
        len(q.forms),
        len(q.tokens),
        kind,
        len(among) if kind == "like" else 0,
        fetch,
    )


@functools.lru_cache(maxsize=1024)
def _owned_statement(model: Searchable, scope: ColumnElement[bool]) -> Select[Any]:
    """How many rows a scope holds, counted no further than :data:`OWNER_SCAN_ROWS` + 1."""
    held = select(model.id).where(scope).limit(OWNER_SCAN_ROWS + 1).subquery()
    return select(func.count()).select_from(held)


@functools.lru_cache(maxsize=1024)
def _own_keys(model: Searchable, owners: frozenset[int]) -> ColumnElement[bool]:
    """The owner scope spelled as migration 0029's index is keyed, ``owner_id + 0``: only
    a statement that says so reads that index. Keyed by plain ``owner_id``, it lured every
    ``owner_id = ? AND id IN (...)`` of the app (a company's name for a hit, the typo
    stage's holders) into reading the owner's whole range instead of a few rows by id."""
    return one_of(model.owner_id + literal_column("0"), owners)


OWNED_FOR = 300.0
"""How long a count that picks a plan (:class:`PlanCounts`) is trusted, in seconds."""
PLAN_COUNTS = "crmbot.search.plan_counts"
"""The key of a database's :class:`PlanCounts` in its sessions' ``info``
(:class:`store.db.Database` puts one there)."""


class PlanCounts:
    """Counts that pick a lookup's plan — how many rows a rep holds, how big the tables
    are — kept for :data:`OWNED_FOR` seconds and shared by a database's sessions, so a
    worker counts each once every few minutes, not on every lookup. They only pick a plan;
    every plan returns the same rows (or, in a big table, rows as good), so a count gone
    stale costs time, never a result."""

    def __init__(self) -> None:
        self._counts: dict[object, tuple[float, tuple[int, ...]]] = {}

    async def get(
        self, session: AsyncSession, key: object, statement: Select[Any]
    ) -> tuple[int, ...]:
        """The counts ``statement`` returns (one row), remembered under ``key``."""
        now = time.monotonic()
        known = self._counts.get(key)
        if known is not None and now - known[0] < OWNED_FOR:
            return known[1]
        row = (await session.execute(statement)).one()
        counted = tuple(value or 0 for value in row)
        if len(self._counts) > 4096:
            self._counts.clear()
        self._counts[key] = (now, counted)
        return counted


async def _remembered(records: Records, key: object, statement: Select[Any]) -> tuple[int, ...]:
    """:meth:`PlanCounts.get` of the session's database (a session made elsewhere keeps
    its own)."""
    session = records.session
    counts: PlanCounts = session.info.setdefault(PLAN_COUNTS, PlanCounts())
    return await counts.get(session, key, statement)


async def _owned_rows(records: Records, model: Searchable, owners: frozenset[int]) -> int:
    """How many rows the owners hold (:class:`PlanCounts`)."""
    statement = _owned_statement(model, records.scope(model))
    (held,) = await _remembered(records, (model, owners), statement)
    return held


def _short_or_common(q: _Query) -> bool:
    """Forms whose trigrams many rows hold: under :data:`SCAN_FORM_LEN` letters (``john``,
    ``zw``; four digits are rarer, and CJK characters from three on), under three of
    anything (no trigram at all), or an e-mail or a domain (``.com`` and the like are in
    every key's extras)."""
    for form in q.forms:
        if len(form) < TRIGRAM or _EMAIL_RE.fullmatch(form) is not None:
            return True
        if len(form) < SCAN_FORM_LEN and not form.isdigit() and not _has_cjk(form):
            return True
    return False


async def _scans_own_rows(records: Records, model: Searchable, q: _Query) -> bool:
    """SQLite, a principal who sees some owners' rows (a rep), at most
    :data:`OWNER_SCAN_ROWS` of them, and a query the trigram index would answer with many
    rows (:func:`_short_or_common`): stage 1 checks the ``LIKE`` on those owners' keys in the
    ``(owner_id + 0, search_key, ...)`` index (migration 0029) instead of the trigram index,
    which knows no owners, for everyone's matches. The same rows either way: the scan is
    what the index path stands in for."""
    owners = records.principal.visible_owner_ids
    if owners is None or not _is_sqlite(records) or not _short_or_common(q):
        return False
    if not records.reads(model):
        return False
    return await _owned_rows(records, model, owners) <= OWNER_SCAN_ROWS


#: A table whose highest id is above this has stage one read its best rows by cheaper
#: ranges first (:func:`_best_first`), and match a two-character form at piece starts only
#: (:func:`_stage_one`). In a smaller table ranking every match is cheap, and the extra
#: statement would be most of a lookup's cost.
BIG_TABLE_ROWS = 20_000
#: A principal who sees every row reads at most this many rows holding a piece that starts
#: with the query (in the trigram index's order) before ranking every match of a big table.
STARTS_READ = 96
#: The upper end of a range of heads: above every character's encoding, in byte order.
_LAST_CHAR = "\U0010ffff"

Row = tuple[int, int | None, str, str | None]


def _key_head(model: Searchable, dialect: str) -> ColumnElement[str]:
    """The head of the key as migration 0030 indexes it (:func:`store.search_index.key_head_sql`):
    literal numbers, because an expression index serves only the same expression."""
    head = func.substr(model.search_key, literal_column("1"), literal_column(str(KEY_HEAD_CHARS)))
    return head if dialect == "sqlite" else head.collate("C")


@dataclass(frozen=True)
class _Early:
    """What :func:`_best_first` reads of one big table: the heads in a range, within a
    scope; and whether also the first rows holding a piece that starts with the query."""

    model: Searchable
    scope: ColumnElement[bool]
    starts: bool


def _heads(part: _Early, dialect: str, fetch: int) -> Select[Any]:
    """The first ``fetch`` rows whose key head lies in ``[head_from, head_to)``, in the
    index's order."""
    head = _key_head(part.model, dialect)
    return (
        select(*_columns(part.model))
        .where(
            part.scope,
            head >= bindparam("head_from", type_=Text),
            head < bindparam("head_to", type_=Text),
        )
        .order_by(head, part.model.owner_id)  # ties: the index's own order (row id)
        .limit(fetch)
    )


def _starts(part: _Early, dialect: str, forms: int, tokens: int) -> Select[Any]:
    """Of the first :data:`STARTS_READ` rows the trigram index holds for a piece start
    (``" zw"``), those that truly hold one (:func:`_holds_a_start`). SQLite's FTS5 hands
    rows back in id order and stops at the limit. PostgreSQL's GIN condition is the ``s``
    patterns, and the first rows are read whole and checked as they are: written as rows
    whose ids are among the first, the planner, which takes a pattern's matches for a
    hundred, read all of them (an admin's ``lh``, 11,845 contacts at a million: 29 ms,
    against 4 for the first 96)."""
    model, column = part.model, part.model.search_key
    if dialect == "sqlite":
        fts = _FTS[model]
        match = fts.c.whole.op("MATCH")(bindparam("starts_fts", type_=Text))
        first = select(fts.c.rowid).where(match).limit(STARTS_READ)
        starting = _holds_a_start(column, forms, tokens)
        return select(*_columns(model)).where(part.scope, starting, model.id.in_(first))
    rows = (
        select(*_columns(model))
        .where(part.scope, or_(*_likes(column, "s", forms + tokens)))
        .limit(STARTS_READ)
        .subquery("first_starts")
    )
    return select(*rows.c).where(_holds_a_start(rows.c.search_key, forms, tokens))


def _holds_a_start(key: Any, forms: int, tokens: int) -> ColumnElement[bool]:
    """``key`` truly holds a piece that starts with the query: the ``c`` and ``t`` patterns
    of :func:`_stage_one_params`."""
    return or_(*_likes(key, "c", forms), *_likes(key, "t", tokens))


@functools.lru_cache(maxsize=1024)
def _best_first_statement(
    parts: tuple[_Early, ...], dialect: str, fetch: int, forms: int, tokens: int
) -> CompoundSelect[Any]:
    """Each part's heads, and its piece starts when asked, in one statement; each row led
    by its place: ``2n`` for the heads of part ``n``, ``2n + 1`` for its starts."""
    selects = []
    for n, part in enumerate(parts):
        reads = [(2 * n, _heads(part, dialect, fetch))]
        if part.starts:
            reads.append((2 * n + 1, _starts(part, dialect, forms, tokens)))
        for place, statement in reads:
            rows = statement.subquery(f"early_{place}")
            selects.append(select(literal_column(str(place)).label("part"), *rows.c))
    return union_all(*selects)


@functools.lru_cache(maxsize=1024)
def _head_scope(
    model: Searchable, owners: frozenset[int] | None, dialect: str
) -> ColumnElement[bool]:
    """The owner scope of a range of heads. On SQLite spelled ``+owner_id``, which no index
    serves (SQLite's way to say so): with the plain column, the planner, which cannot tell
    how few heads a range holds, read a rep's whole range of the owner index and sorted it.
    The head index holds the owner next to the head, so a rep's rows are told apart there."""
    if owners is None:
        return true()
    if dialect != "sqlite":
        return one_of(model.owner_id, owners)
    return one_of(literal_column(f"+{model.__tablename__}.owner_id", Integer), owners)


#: Each table's highest id, one statement: a step down each primary key, where a count
#: reads every row.
_HIGHEST_IDS = select(func.max(Company.id), select(func.max(Contact.id)).scalar_subquery())


async def _is_big(records: Records, model: Searchable) -> bool:
    """More than :data:`BIG_TABLE_ROWS` rows, judged by the highest id (:class:`PlanCounts`)."""
    companies, contacts = await _remembered(records, "highest ids", _HIGHEST_IDS)
    return (companies if model is Company else contacts) > BIG_TABLE_ROWS


def _starts_pay(q: _Query, dialect: str) -> bool:
    """Whether reading the first piece starts (:func:`_starts`) can pay for itself: every
    form has a trigram with the leading space (two characters or more); and on PostgreSQL
    a form is that short, since its GIN index builds the whole list of matching rows
    before the limit applies (``zhangwei``: 13 ms for a list of thousands), where SQLite's
    FTS5 stops at the limit, and only a two-character form is otherwise ranked by scanning."""
    if not all(len(form) >= TRIGRAM - 1 for form in q.forms):
        return False
    return dialect == "sqlite" or any(len(form) < TRIGRAM for form in q.forms)


def _starts_params(q: _Query, sqlite: bool) -> dict[str, str]:
    """What the trigram index is asked for the piece starts of :func:`_starts` (a domain's
    end left to the ``LIKE``, as in :func:`_index_pieces`)."""
    domain_end = _top_level_domain(q.text_forms[0])
    pieces = [" " + _without_end(piece, domain_end) for piece in (*q.forms, *q.tokens)]
    if sqlite:
        return {"starts_fts": _holding_any(pieces)}
    return {f"s{i}": f"%{escape_like(piece)}%" for i, piece in enumerate(pieces)}


async def _best_first(
    records: Records, q: _Query, fetch: int, big: frozenset[Searchable]
) -> tuple[dict[Searchable, list[Row]], dict[Searchable, list[Row]]]:
    """The big tables whose best stage-one rows are found without ranking every match,
    and those rows.

    A key starts with the name's letters and digits run together (``" johnsmith "``), so
    exact names (tier 0) and name prefixes (tier 1) are one range of the key heads
    (migration 0030) from ``" q"`` on, the exact ones first (a space sorts before any
    letter): a few index entries, where the trigram index holds every row with the
    prefix's trigrams (an admin's ``john`` at a million contacts: 87,000 to rank). When a
    table holds ``fetch`` of them, no row of a lower tier can make the page. Fewer, and they
    are all there are; for a principal who sees every row, the first rows holding a piece
    that starts with the query (tier 2, :func:`_starts`) are read in the same statement, and
    when they make up the page with the heads, nothing below tier 2 can enter it either.
    Otherwise the table is ranked as before. Among more rows of one tier than fit, the
    first in the index's order are taken, where the ranking took the shortest names: a fair
    choice among equals either way, and a rep narrows a prefix that finds thousands by
    typing on. ``big``: the tables :func:`_is_big` says are. Returned: those tables with
    their rows, and the other big tables read with their heads (every row of tiers 0 and 1
    they hold).
    """
    form = _alnum(q.text_forms[0])
    if len(form) >= KEY_HEAD_CHARS:
        return {}, {}
    models = [m for m in (Company, Contact) if m in big and records.reads(m)]
    if not models:
        return {}, {}
    dialect = records.session.get_bind().dialect.name
    owners = records.principal.visible_owner_ids
    starts = owners is None and _starts_pay(q, dialect)
    parts = tuple(_Early(model, _head_scope(model, owners, dialect), starts) for model in models)
    head_from = f" {form}"
    params = {"head_from": head_from, "head_to": head_from + _LAST_CHAR}
    if starts:
        params |= _stage_one_params(q) | _starts_params(q, dialect == "sqlite")
    statement = _best_first_statement(parts, dialect, fetch, len(q.forms), len(q.tokens))
    found: list[list[Row]] = [[] for _ in range(2 * len(models))]
    for place, *row in await records.session.execute(statement, params):
        found[place].append((row[0], row[1], row[2], row[3]))
    done: dict[Searchable, list[Row]] = {}
    heads_of: dict[Searchable, list[Row]] = {}
    for n, model in enumerate(models):
        heads = found[2 * n]
        rows = (
            heads
            if len(heads) == fetch
            else list({r[0]: r for r in heads + found[2 * n + 1]}.values())
        )
        if len(rows) >= fetch:
            done[model] = rows
        else:
            heads_of[model] = heads
    return done, heads_of


@dataclass(frozen=True)
class _FirstTry:
    """How stage 1 first ranks one table's rows, and whether that answer is final."""

    model: Searchable
    scope: ColumnElement[bool] | None  # None: the records' scope
    within: tuple[Literal["fts", "like", "first"], dict[str, str]] | None
    final: bool


async def _first_try(records: Records, model: Searchable, q: _Query, big: bool) -> _FirstTry:
    """Stage 1 for one table: through the trigram index, scanning only when it must.

    With a two-letter form the index finds tiers 0-2 only (not ``final``); when those fill
    the rows fetched, the missing tier-3 rows would rank below all of them anyway, so the
    result is the same, and otherwise the plain ``LIKE`` scan answers (a rare short query, a
    small book). On SQLite a rep's own rows are scanned first thing (:func:`_scans_own_rows`).
    A single CJK character has no trigram: in a big table the first rows holding it are
    ranked, not every row (an admin's ``艳`` at a million contacts: 200 ms), with the heads
    (:func:`_best_first`) for the names that start with it.
    """
    if await _scans_own_rows(records, model, q):
        owners = records.principal.visible_owner_ids
        assert owners is not None
        return _FirstTry(model, _own_keys(model, owners), None, final=True)
    lookup = _index_pieces(q)
    if lookup is None:
        return _FirstTry(model, None, ("first", {}) if big else None, final=True)
    pieces, complete = lookup
    return _FirstTry(model, None, _index_condition(records, pieces), final=complete)


async def _stage_one(records: Records, q: _Query, fetch: int) -> list[Hit]:
    """Customers and people in one statement (a round trip each was a fifth of a
    ``/find``'s statements); a table whose first try was not final and came back short of
    the rows asked for is ranked again without the index. In a big table, a name's or a
    prefix's holders may fill the page first (:func:`_best_first`). In a big table a
    two-character form is matched at piece starts only, and a CJK one also inside a piece
    through its pinyin: scanning every row for it inside a piece (tier 3, below every piece
    start) cost 7-21 ms for 50,000 companies on SQLite."""
    big = frozenset([m for m in (Company, Contact) if await _is_big(records, m)])
    done, heads_of = await _best_first(records, q, fetch, big)
    tries = [
        await _first_try(records, model, q, model in big)
        for model in (Company, Contact)
        if model not in done
    ]
    found: list[list[tuple[int, int | None, str, str | None, int]]] = [[] for _ in tries]
    if tries:
        shapes = tuple(_shape(records, q, fetch, t.model, t.within, t.scope) for t in tries)
        params = _stage_one_params(q)
        for t in tries:
            params.update(t.within[1] if t.within is not None else {})
        for part, *row in await read(records.session, _stage_one_together(shapes), params):
            found[part].append((row[0], row[1], row[2], row[3], row[4]))
    ranked: list[tuple[Searchable, list[Row]]] = list(done.items())
    for first, rows in zip(tries, found, strict=True):
        rows.sort(key=lambda row: (row[4], len(row[2]), row[0]))  # the part's ORDER BY
        short = not (len(rows) == fetch and rows[-1][4] < len(TIER_BASE) - 1)
        if not first.final and short and first.model not in big:
            rows = await _ranked(records, first.model, q, fetch, None)
        heads = heads_of.get(first.model, [])  # all of tiers 0-1, when not all were read
        by_id = {row[0]: row for row in heads + [row[:4] for row in rows]}
        ranked.append((first.model, list(by_id.values())))
    hits: list[Hit] = []
    for model, table_rows in ranked:
        company = model is Company
        for rid, company_id, name, key in table_rows:
            score = _score(key or "", q, company=company)
            hits.append(Hit(_kind(model), rid, company_id, name, None, score))
    return hits


@dataclass
class _Choices:
    """Flattened name pieces of the stage-2 candidates, split by script for the cut-offs."""

    latin: list[str]
    latin_owner: list[int]
    pinyin: list[str]
    pinyin_owner: list[int]
    cjk: list[str]
    cjk_owner: list[int]

    def add(self, index: int, key: str) -> None:
        """The name-section pieces of one key; ASCII pieces of a CJK name are its pinyin."""
        head = key.partition(NAMES_END)[0]
        if head.isascii() or _CJK_RE.search(head) is None:
            pieces = head.split()
            self.latin += pieces
            self.latin_owner += [index] * len(pieces)
            return
        for piece in head.split():
            if piece.isascii():
                self.pinyin.append(piece)
                self.pinyin_owner.append(index)
            else:
                self.cjk.append(piece)
                self.cjk_owner.append(index)


def _best(query: str, choices: list[str], owners: list[int], cutoff: float) -> dict[int, float]:
    """Each candidate's best similarity among its pieces, for those at or above ``cutoff``."""
    best: dict[int, float] = {}
    if not choices:
        return best
    for _piece, similarity, position in process.extract(
        query, choices, scorer=fuzz.WRatio, processor=None, score_cutoff=cutoff, limit=None
    ):
        owner = owners[position]
        best[owner] = max(best.get(owner, 0.0), similarity)
    return best


def _pair_query(texts: list[str]) -> str:
    """An FTS5 query for rows holding, for one of ``texts``, two of its trigrams at least
    three apart: one typo breaks at most three consecutive trigrams, so a near match keeps
    such a pair. A long text keeps only the pairs three and four apart (still one on either
    side of the typo, or both on one side)."""
    pairs: list[list[str]] = []
    for text in texts:
        grams = _trigrams(f" {text} ")
        gaps = range(TRIGRAM, len(grams)) if len(grams) <= PAIR_ALL_GRAMS else (3, 4)
        pairs += [[grams[i], grams[i + gap]] for gap in gaps for i in range(len(grams) - gap)]
    return _fts_query(pairs or [_trigrams(f" {text} ") for text in texts])


async def _near_words(session: AsyncSession, texts: list[str]) -> list[str]:
    """The distinct name words (:mod:`store.search_words`) nearest ``texts``, at most
    :data:`NEAR_WORDS`, and the texts' own parts that are words (:func:`_inner_pieces`): the
    typo stage's first step, over a few hundred thousand short rows instead of every name.

    PostgreSQL: ``word %> text`` for the text as typed (word similarity at least
    :data:`PG_WORD_SIMILARITY`, set by :func:`_postgres_typo_plan`), and ``word % reading``
    for a Chinese query's pinyin (:func:`_reading_floor`), most similar first. SQLite: FTS5
    ``MATCH`` of any of the texts' trigrams (word edges included: the words are indexed
    padded with spaces), best ``bm25`` first, when at most :data:`NEAR_WORDS` words share
    one; beyond that the words holding a typo-proof pair of trigrams (:func:`_pair_query`),
    in the index's order.
    """
    inside = select(SearchWord.word).where(SearchWord.word.in_(_inner_pieces(texts)))
    if session.get_bind().dialect.name != "sqlite":
        typed, *readings = texts
        word = SearchWord.word
        similar = or_(word.op("%>")(typed), *(word.op("%")(reading) for reading in readings))
        closeness = func.greatest(
            func.word_similarity(typed, word), *(func.similarity(r, word) for r in readings)
        )
        stmt = select(SearchWord.word).where(similar).order_by(closeness.desc(), SearchWord.word)
        near = stmt.limit(NEAR_WORDS).subquery()
        return list(await session.scalars(union(select(near.c.word), inside)))
    fts = _WORDS_FTS
    grams = _unique(gram for text in texts for gram in _trigrams(f" {text} "))
    query = _fts_query([gram] for gram in grams)
    sharing = select(fts.c.rowid).where(fts.c.whole.op("MATCH")(query)).limit(NEAR_WORDS + 1)
    shared = await session.scalar(select(func.count()).select_from(sharing.subquery()))
    words = select(SearchWord.word).join(fts, fts.c.rowid == SearchWord.id)
    if (shared or 0) <= NEAR_WORDS:
        words = words.where(fts.c.whole.op("MATCH")(query)).order_by(fts.c.rank)
    else:
        words = words.where(fts.c.whole.op("MATCH")(_pair_query(texts))).order_by(fts.c.rowid)
    near = words.limit(NEAR_WORDS).subquery()
    return list(await session.scalars(union(select(near.c.word), inside)))


def _reading_floor(reading: str) -> float:
    """The similarity a word one edit away from a pinyin ``reading`` keeps at least: a word
    of ``n`` trigrams (its letters and one, as pg_trgm pads it) loses at most four to a swap
    and gains as many, ``(n - 4) / (n + 4)`` (``caopingyong``: 0.5). A pinyin is no slip of
    the keys: a near word matters as a near-homophone (曹品勇 for 曹萍勇, a letter apart),
    and the loose floor the typed text needs offered 1,500 words to recheck for it where
    this offers 250 (10 → 5 ms at a million contacts)."""
    trigrams = len(reading) + 1
    return max(PG_READING_SIMILARITY, (trigrams - 4) / (trigrams + 4) - 0.01)


def _inner_pieces(texts: list[str]) -> list[str]:
    """Every part of the texts (up to :data:`INNER_PIECES_OF` characters long): a name word
    found whole inside the query (``ltd`` in ``acmoltd``) is a typo match by rapidfuzz's
    partial ratio, yet shares too few of the query's trigrams to be near by them; looked up
    as themselves through the words' unique index."""
    parts = {
        text[start:end]
        for text in texts
        if len(text) <= INNER_PIECES_OF
        for start in range(len(text))
        for end in range(start + 1, len(text) + 1)
    }
    return sorted(parts)


def _accepted_words(texts: list[str], words: list[str]) -> list[str]:
    """The near words any typo check of stage 2 could accept (:data:`WORD_CUTOFF`, the
    loosest cut-off, so no record the precise check would take is lost), best first, at
    most :data:`MATCHED_WORDS`. None: nothing can match, and no record is read."""
    scores: dict[str, float] = {}
    for text in texts:
        for word, similarity, _at in process.extract(
            text, words, scorer=fuzz.WRatio, processor=None, score_cutoff=WORD_CUTOFF, limit=None
        ):
            scores[word] = max(scores.get(word, 0.0), similarity)
    return sorted(scores, key=lambda word: (-scores[word], word))[:MATCHED_WORDS]


def _holding(
    records: Records, model: Searchable, words: list[str], limit: int = FUZZY_CANDIDATES
) -> Select[Any]:
    """The visible rows whose name section holds one of ``words`` as a piece, through the
    postings (migration 0027, :mod:`store.search_words`): a B-tree keyed by word and owner,
    so a rep reads only their own holders of each word, an admin one range per word."""
    posting = POSTINGS_OF[model]
    held = select(posting.record_id).where(posting.word.in_(words))
    owners = records.principal.visible_owner_ids
    if owners is not None:
        held = held.where(posting.owner_id.in_(sorted(owners)))
    # The first postings found will do (the caller keeps at most ``limit`` records): an
    # admin's common word (``smith``) has 25,000 holders at a million contacts, and reading
    # them all cost 50-60 ms. Twice as many, for records holding two of the words.
    stmt: Select[Any] = records.select(model).with_only_columns(*_columns(model))
    return stmt.where(model.id.in_(held.limit(2 * limit)))


async def _typo_candidates(
    records: Records, model: Searchable, texts: list[str]
) -> list[tuple[int, int | None, str, str | None]]:
    """The visible rows holding a name word near ``texts``, at most :data:`FUZZY_CANDIDATES`
    (and :data:`FUZZY_RANK_ROWS`), those holding the nearest words first; the owner filter
    applies before the limit, so a rep's candidates are *their* rows.

    PostgreSQL: the near words come from the table of distinct name words
    (:func:`_near_words`), and only those a typo check could accept are read back
    (:func:`_accepted_words`): a typo that matches nothing (``wiite``) ends there, without
    reading a record. SQLite: the rows sharing the most trigrams (:func:`_sqlite_typo_rows`).
    Names only are compared, so a row similar only by its e-mail or phone never takes a
    candidate's place.
    """
    (found,) = await _typo_candidates_of(records, (model,), texts)
    return found


async def _typo_candidates_of(
    records: Records, models: Sequence[Searchable], texts: list[str]
) -> list[list[tuple[int, int | None, str, str | None]]]:
    """:func:`_typo_candidates` of each of ``models``, the near words found once; on
    PostgreSQL the planner settings are made once around all of them (each statement is a
    round trip, and on a busy machine a round trip waits its turn for a core: 20-60 ms
    each at load average 14)."""
    if _is_sqlite(records):
        return await _candidates_by_words(records, models, texts)
    async with _postgres_typo_plan(records.session, texts):
        return await _candidates_by_words(records, models, texts)


async def _candidates_by_words(
    records: Records, models: Sequence[Searchable], texts: list[str]
) -> list[list[tuple[int, int | None, str, str | None]]]:
    words = _accepted_words(texts, await _near_words(records.session, texts))
    if not words:
        return [[] for _model in models]
    rank = {word: at for at, word in enumerate(words)}
    fetch = min(FUZZY_CANDIDATES, FUZZY_RANK_ROWS)
    found = []
    for model in models:
        rows = await records.session.execute(_holding(records, model, words, fetch).limit(fetch))
        held = [(row[0], row[1], row[2], row[3]) for row in rows]
        held.sort(key=lambda row: (_nearest(row[3], rank), row[0]))
        found.append(held)
    return found


def _nearest(key: str | None, rank: dict[str, int]) -> int:
    """The rank of the nearest accepted word a key holds."""
    return min((rank[word] for word in name_words(key) if word in rank), default=len(rank))


def _postgres_typo_plan(
    session: AsyncSession, texts: list[str]
) -> AbstractAsyncContextManager[None]:
    """The typo stage's similarity floors (``texts``: as typed, then a Chinese query's
    pinyin), and no sequential scans, for the statements run inside: a ``LIMIT`` may
    otherwise lead the planner to read the table in order and check row after row (0.7 s
    for ``wilsin`` at a million). Put back afterwards (:func:`store.planner.local_settings`)."""
    reading_floor = min((_reading_floor(r) for r in texts[1:]), default=PG_READING_SIMILARITY)
    return local_settings(
        session,
        {
            "pg_trgm.word_similarity_threshold": str(PG_WORD_SIMILARITY),
            "pg_trgm.similarity_threshold": str(reading_floor),
            "enable_seqscan": "off",
        },
    )


async def _stage_two(records: Records, q: _Query) -> list[Hit]:
    """Typo tolerance: rapidfuzz over the trigram-nearest visible candidates of each table.

    The candidates come from the trigram index (:func:`_typo_candidates`), so a typo finds
    an old record as well as a new one, and the cost does not grow with the table.
    """
    assert q.fuzzy is not None
    texts = _unique([q.fuzzy, q.pinyin or ""])
    rows: list[tuple[Literal["company", "contact"], int, int | None, str]] = []
    choices = _Choices([], [], [], [], [], [])
    models: tuple[Searchable, ...] = (Company, Contact)
    per_model = await _typo_candidates_of(records, models, texts)
    for model, candidates in zip(models, per_model, strict=True):
        for rid, company_id, name, key in candidates:
            choices.add(len(rows), key or "")
            rows.append((_kind(model), rid, company_id, name))
    if q.has_cjk:
        found = [_best(q.fuzzy, choices.cjk, choices.cjk_owner, CJK_CUTOFF)]
        if q.pinyin:
            found.append(_best(q.pinyin, choices.pinyin, choices.pinyin_owner, PINYIN_CUTOFF))
    else:
        latin_cutoff = SHORT_LATIN_CUTOFF if len(q.fuzzy) <= FUZZY_MIN_LATIN else LATIN_CUTOFF
        found = [
            _best(q.fuzzy, choices.latin, choices.latin_owner, latin_cutoff),
            _best(q.fuzzy, choices.pinyin, choices.pinyin_owner, PINYIN_CUTOFF),
        ]
    best: dict[int, float] = {}
    for scores in found:
        for owner, similarity in scores.items():
            best[owner] = max(best.get(owner, 0.0), similarity)
    return [Hit(*rows[i], None, FUZZY_WEIGHT * similarity) for i, similarity in best.items()]


def _has_exact(hits: list[Hit]) -> bool:
    """A name typed in full and found as written: the typo stage would only add noise (and
    is the costly one: on PostgreSQL at a million contacts it took seconds)."""
    return any(hit.score >= TIER_BASE[0] for hit in hits)


_WORD_RE = re.compile(r"[^\W_]+")


def _leads_name(hit: Hit, q: _Query) -> bool:
    """The query is a found name's first words as written ("Customer 00" for Customer 00
    Ltd): it holds no typo, so the typo stage is skipped as for an exact name (a latin
    query; CJK names have no word breaks to tell a whole word from a slip)."""
    if not q.words:
        return False
    return tuple(_WORD_RE.findall(_fold(hit.name))[: len(q.words)]) == q.words


def _reads_as(hit: Hit, q: _Query) -> bool:
    """The query is a found Chinese name's whole pinyin (``zhangwei`` for 张伟): the name
    typed in full in letters, so the typo stage is skipped as for the name in characters
    (on PostgreSQL at a million contacts its near words cost 10 ms for such a reading)."""
    if q.has_cjk or q.fuzzy is None or not _has_cjk(hit.name):
        return False
    names, _initials = _name_forms(hit.name)
    return q.fuzzy in names


def _order(hit: Hit) -> tuple[float, int, str, int]:
    return (-hit.score, 0 if hit.kind == "company" else 1, hit.name, hit.id)


async def _with_company_names(records: Records, hits: list[Hit]) -> list[Hit]:
    """Fill a contact's company name, only when the searcher may see that company too."""
    ids = {hit.company_id for hit in hits if hit.company_id is not None}
    if not ids:
        return hits
    rows = await records.session.execute(
        records.select(Company)
        .with_only_columns(Company.id, Company.name)
        .where(Company.id.in_(ids))
    )
    names: dict[int, str] = dict(rows.all())
    return [
        replace(hit, company_name=names.get(hit.company_id)) if hit.company_id else hit
        for hit in hits
    ]


async def search(records: Records, query: str, *, limit: int = 8) -> list[Hit]:
    """Companies and contacts the principal may see that match ``query``, best first.

    Returns [] for a query shorter than :data:`MIN_QUERY_LEN` letters or digits (a single
    CJK character is accepted) and for ``limit < 1``.
    """
    q = _parse_query(query, session_keyring(records.session))
    if q is None or limit < 1:
        return []
    # At a million contacts a lookup's statements take 10-50 ms on SQLite: on the event
    # loop's thread that would stall webhook intake and deliveries for as long.
    with offloaded():
        return await _search(records, q, limit)


async def _search(records: Records, q: _Query, limit: int) -> list[Hit]:
    hits = await _stage_one(records, q, fetch=max(limit * 3, 24))
    typed_out = _has_exact(hits) or any(_leads_name(h, q) or _reads_as(h, q) for h in hits)
    if len(hits) < limit and q.fuzzy is not None and not typed_out:
        seen = {(hit.kind, hit.id) for hit in hits}
        hits += [hit for hit in await _stage_two(records, q) if (hit.kind, hit.id) not in seen]
    hits.sort(key=_order)
    return await _with_company_names(records, hits[:limit])


__all__ = [
    "Hit",
    "install_search_key_hooks",
    "number_pieces",
    "search",
    "search_key",
]


def company_hits(hits: list[Hit]) -> dict[int, str]:
    """Search hits folded onto companies (a contact hit stands for its company)."""
    found: dict[int, str] = {}
    for hit in hits:
        if hit.kind == "company":
            found.setdefault(hit.id, hit.name)
        elif hit.company_id is not None and hit.company_name:
            found.setdefault(hit.company_id, hit.company_name)
    return found
