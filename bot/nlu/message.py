"""The "log in one message" parser: one free-text line from a rep -> what to save.

"called Acme, Wang wants a revised quote, follow up Friday 10am" and
"今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进" both say which kind of
activity happened, with which customer and person, maybe an amount, a stage change and a
follow-up date. :func:`parse_log` pulls those out without touching the database, so the
caller can confirm, ask for what is missing, and save. Anything the parser is unsure of it
leaves as None: asking one button question is cheaper than saving a wrong customer.

The words it looks for live in ``locales/keywords/<lang>.toml``, one file per language,
and every language is always understood (a rep writing English may still type 拜访).

Rules worth knowing (see the keyword files for the word lists):

* Customer: with ``known_customers`` the longest name occurring in the text wins, also
  without its legal suffix (有限公司, Ltd, Inc...) or, when what is left is distinctive
  (2+ Chinese characters, 3+ letters), without region prefixes and generic trailing words
  ("上海星辰科技有限公司" is found as "星辰"; "Acme Trading" as "Acme"). A known match
  returns the known name; when several known names match equally well the text as written
  is returned and the caller asks. Without a known match: the words after an activity verb
  ("called Acme,", "拜访了星辰科技张总"), around a Chinese frame ("给…打电话", "和…开会"),
  or before a marker ("Acme deal", "星辰项目").
* Contact: a Chinese surname + title (张总, 王经理), 小王/老李, a job title next to the
  customer ("Globex CFO"), "Wang from Acme", or a capitalised name starting the clause
  right after the customer ("called Acme, Wang wants ...").
* Stage: only an explicit change -- a move cue before a stage name ("进入谈判阶段",
  "deal to negotiation") or an outcome said outright ("赢单", "deal won"). Plans are not
  changes: a stage phrase after a next-step cue ("next step proposal"), after a negation
  ("还没成交") or after a future date in the same clause ("下周签约") is ignored.
* Follow-up: the first future date in a clause with a follow-up cue (跟进, follow up, next
  step ...), else the first future date anywhere; "今天拜访了" is the visit, not a follow-up.
* Amount: :func:`bot.nlu.amounts.find_amount` on the text with the dates blanked out.
  "50万" carries no currency (万 is a magnitude, not yuan): ``currency`` is None and the
  caller applies the user's default.
"""

from __future__ import annotations

import functools
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date as calendar_date
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.nlu import amounts, dates, segments, spoken
from bot.nlu.amounts import Money, find_amounts
from bot.nlu.dates import EN_MONTHS_SHORT, en_weekday, find_all_datetimes
from bot.nlu.dates import warm_up as _warm_dates
from bot.nlu.lazy import compile_all, lazy_pattern
from bot.nlu.spoken import spoken_as_digits
from bot.nlu.tries import ASCII_WORD as _ASCII_WORD
from bot.nlu.tries import union as _union
from locales.catalog import CATALOG_DIR

ACTIVITIES: tuple[str, ...] = ("call", "visit", "meeting", "email", "wechat", "note")
KEYWORDS_DIR = CATALOG_DIR / "keywords"

Span = tuple[int, int]
Labelled = tuple[tuple[str, tuple[str, ...]], ...]

_MASK = "\x1f"  # stands in for blanked-out text; no pattern below matches it
_MAX_DATES = 6  # date phrases looked at per message; more is never a real log line


# --- Result ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedLog:
    """What one message says; every field the parser is unsure of is None."""

    activity: str | None  # one of ACTIVITIES, or None
    customer: str | None  # the company: a known name, or as written
    contact: str | None  # a person as written (e.g. "Wang", "张总", "CFO")
    summary: str  # the message, whitespace tidied
    amount: Decimal | None
    currency: str | None  # ISO 4217 when the text says it; None means the user's default
    stage: str | None  # a stage label of the keyword files, only on an explicit change
    follow_up: datetime | None  # aware, local
    follow_up_has_time: bool
    activity_at: datetime | None = None  # when it happened, when the message says so
    customers: tuple[str, ...] = ()  # every customer, when the message logs several
    task: bool = False  # only something to do: no activity happened
    reason: str | None = None  # why a deal was won or lost, when said
    problems: tuple[str, ...] = ()  # what was written but could not be taken (see below)
    stage_forward_only: bool = False
    """The stage is implied by what was done ("quoted $120k": proposal), not said: it may
    move a deal forward, never back (a deal in negotiation stays there)."""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready view (for ``crmbot parse`` and conversation state)."""
        amount: int | float | None = None
        if self.amount is not None:
            integral = self.amount == self.amount.to_integral_value()
            amount = int(self.amount) if integral else float(self.amount)
        return {
            "activity": self.activity,
            "customer": self.customer,
            "contact": self.contact,
            "summary": self.summary,
            "amount": amount,
            "currency": self.currency,
            "stage": self.stage,
            "follow_up": self.follow_up.isoformat() if self.follow_up else None,
            "activity_at": self.activity_at.isoformat() if self.activity_at else None,
            "customers": list(self.customers),
            "task": self.task,
            "reason": self.reason,
            "problems": list(self.problems),
            "stage_forward_only": self.stage_forward_only,
        }


# --- Keywords ----------------------------------------------------------------------------------

# field name -> (table, key) in the keyword files, for plain word lists
_LISTS: dict[str, tuple[str, str]] = {
    "activity_ignore": ("activity", "ignore"),
    "activity_to_do": ("activity", "to_do"),
    "stage_move_cues": ("stage", "move_cues"),
    "stage_next_step_cues": ("stage", "next_step_cues"),
    "stage_negations": ("stage", "negations"),
    "stage_ignore": ("stage", "ignore"),
    "follow_up_cues": ("follow_up", "cues"),
    "follow_up_corrections": ("follow_up", "corrections"),
    "contact_titles": ("contact", "titles"),
    "contact_title_suffixes": ("contact", "title_suffixes"),
    "contact_surnames": ("contact", "surnames"),
    "contact_familiar_prefixes": ("contact", "familiar_prefixes"),
    "contact_ignore": ("contact", "ignore"),
    "contact_honorifics": ("contact", "honorifics"),
    "contact_cues": ("contact", "cues"),
    "contact_roles": ("contact", "roles"),
    "contact_not_names": ("contact", "not_names"),
    "contact_lowercase_words": ("contact", "lowercase_words"),
    "contact_not_titles": ("contact", "not_titles"),
    "contact_rivals": ("contact", "rivals"),
    "customer_after": ("customer", "after"),
    "customer_around": ("customer", "around"),
    "customer_markers": ("customer", "markers"),
    "customer_links": ("customer", "links"),
    "customer_legal_suffixes": ("customer", "legal_suffixes"),
    "customer_generic_words": ("customer", "generic_words"),
    "customer_kinds": ("customer", "kinds"),
    "customer_regions": ("customer", "regions"),
    "customer_stop_words": ("customer", "stop_words"),
    "customer_lead_in": ("customer", "lead_in"),
    "customer_not_names": ("customer", "not_names"),
    "customer_referrers": ("customer", "referrers"),
    "amount_deal_cues": ("amount", "deal_cues"),
    "amount_passing": ("amount", "passing"),
    "amount_theirs": ("amount", "theirs"),
}
# field name -> (table, subtable), for label -> word lists; the labels allowed are checked
_LABELLED: dict[str, tuple[str, str]] = {
    "activities": ("activity", "words"),
    "stage_names": ("stage", "names"),
    "stage_says": ("stage", "says"),
    "stage_says_at_clause_end": ("stage", "says_at_clause_end"),
}


@dataclass(frozen=True, slots=True)
class Keywords:
    """Every word list the parser uses, merged over all languages.

    Load it once (``default_keywords()`` caches the shipped files) and pass it around; the
    regular expressions built from it are compiled when it is created.
    """

    activities: Labelled = ()
    activity_ignore: tuple[str, ...] = ()
    activity_to_do: tuple[str, ...] = ()
    stage_names: Labelled = ()
    stage_says: Labelled = ()
    stage_says_at_clause_end: Labelled = ()
    stage_move_cues: tuple[str, ...] = ()
    stage_next_step_cues: tuple[str, ...] = ()
    stage_negations: tuple[str, ...] = ()
    stage_ignore: tuple[str, ...] = ()
    follow_up_cues: tuple[str, ...] = ()
    follow_up_corrections: tuple[str, ...] = ()
    contact_titles: tuple[str, ...] = ()
    contact_title_suffixes: tuple[str, ...] = ()
    contact_surnames: tuple[str, ...] = ()
    contact_familiar_prefixes: tuple[str, ...] = ()
    contact_ignore: tuple[str, ...] = ()
    contact_honorifics: tuple[str, ...] = ()
    contact_cues: tuple[str, ...] = ()
    contact_roles: tuple[str, ...] = ()
    contact_not_names: tuple[str, ...] = ()
    contact_lowercase_words: tuple[str, ...] = ()
    contact_not_titles: tuple[str, ...] = ()
    contact_rivals: tuple[str, ...] = ()
    customer_after: tuple[str, ...] = ()
    customer_around: tuple[str, ...] = ()
    customer_markers: tuple[str, ...] = ()
    customer_links: tuple[str, ...] = ()
    customer_legal_suffixes: tuple[str, ...] = ()
    customer_generic_words: tuple[str, ...] = ()
    customer_kinds: tuple[str, ...] = ()
    customer_regions: tuple[str, ...] = ()
    customer_stop_words: tuple[str, ...] = ()
    customer_lead_in: tuple[str, ...] = ()
    customer_not_names: tuple[str, ...] = ()
    customer_referrers: tuple[str, ...] = ()
    amount_deal_cues: tuple[str, ...] = ()
    amount_passing: tuple[str, ...] = ()
    amount_theirs: tuple[str, ...] = ()
    compiled: _Compiled = field(init=False, repr=False, compare=False)
    ascii_compiled: _Compiled = field(init=False, repr=False, compare=False)
    """The same patterns for text in ASCII only, without the keywords it cannot hold: an
    English message's scans skip the Chinese words' tries at every position (issue 20)."""

    def __post_init__(self) -> None:
        # Stage labels are the pipeline's, which the parser does not know (it is pure):
        # tests/test_message_parse.py checks them against the pipeline.
        for name, (table, _) in _LABELLED.items():
            if table != "activity":
                continue
            allowed = ACTIVITIES
            unknown = [label for label, _ in getattr(self, name) if label not in allowed]
            if unknown:
                raise ValueError(f"{table}: unknown labels {unknown} (allowed: {allowed})")
        object.__setattr__(self, "compiled", _Compiled(self))
        object.__setattr__(self, "ascii_compiled", _Compiled(self, ascii_text=True))

    def compiled_for(self, text: str) -> _Compiled:
        """The patterns to read ``text`` with (and anything made from it with ASCII only)."""
        return self.ascii_compiled if text.isascii() else self.compiled

    @classmethod
    def load(cls, directory: Path = KEYWORDS_DIR) -> Keywords:
        """Every ``*.toml`` in ``directory`` merged, in file-name order."""
        tables: list[Mapping[str, Any]] = []
        for path in sorted(directory.glob("*.toml")):
            try:
                tables.append(tomllib.loads(path.read_text(encoding="utf-8")))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: {exc}") from exc
        if not tables:
            raise FileNotFoundError(f"no keyword files in {directory}")
        return cls.from_tables(tables)

    @classmethod
    def from_tables(cls, tables: Iterable[Mapping[str, Any]]) -> Keywords:
        """Merge parsed keyword files; an unknown key is an error, not silently ignored."""
        lists: dict[str, list[str]] = {name: [] for name in _LISTS}
        labelled: dict[str, dict[str, list[str]]] = {name: {} for name in _LABELLED}
        known_keys = set(_LISTS.values()) | set(_LABELLED.values())
        for table in tables:
            for section, entries in table.items():
                if not isinstance(entries, Mapping):
                    raise ValueError(f"[{section}] must be a table")
                for key in entries:
                    if (section, key) not in known_keys:
                        raise ValueError(f"unknown keyword list [{section}] {key}")
            for name, (section, key) in _LISTS.items():
                lists[name].extend(_strings(table.get(section, {}).get(key, []), section, key))
            for name, (section, key) in _LABELLED.items():
                sub = table.get(section, {}).get(key, {})
                if not isinstance(sub, Mapping):
                    raise ValueError(f"[{section}.{key}] must be a table")
                for label, words in sub.items():
                    labelled[name].setdefault(label, []).extend(
                        _strings(words, f"{section}.{key}", label)
                    )
        values: dict[str, Any] = {name: _unique(words) for name, words in lists.items()}
        for name, by_label in labelled.items():
            values[name] = tuple((label, _unique(words)) for label, words in by_label.items())
        return cls(**values)


def _strings(value: object, section: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"[{section}] {key} must be a list of strings")
    return [item.strip() for item in value if item.strip()]


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


@functools.cache
def default_keywords() -> Keywords:
    """The shipped keyword files, read once per process."""
    return Keywords.load()


# --- Compiled patterns -------------------------------------------------------------------------

_CJK = lazy_pattern(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLAUSE_BREAK = lazy_pattern(
    # every branch opens with its own character, so that ``re`` looks only at those places
    r",|，|。|;|；|!|！|\?|？|\n|、|\.(?=\s|$)"
    r"|c(?<=[ \t]c)omma(?=[ \t]|$)|f(?<=[ \t]f)ull stop(?=[ \t]|$)"
)
"""Punctuation, and the words a dictated message writes for it ("… Initech comma quoted …"),
in lower case as dictation writes them ("Comma Labs" is a name)."""
_EN_TOKEN = lazy_pattern(r"[ \t]*([A-Za-z0-9][A-Za-z0-9&'’.\-]*|&)")
_CN_SEGMENT = lazy_pattern(r"[^\s\x1f,，。.;；!！?？、:：()（）\"“”'‘’<>《》\[\]【】]{1,40}")
_EMOJI = "\u2600-\u27bf\U0001f300-\U0001faff"
"""Emoji and pictographs, for a character class: they end a clause ("LOST 😩") and a reason."""
_CLAUSE_END = lazy_pattern(rf"[\s了啦!！.。~]*$|\s*[-–—:：{_EMOJI}]")
"""What ends a clause after a word: nothing more, a dash or colon, or an emoji ("LOST 😩")."""
_BLANK_THEN_CJK = lazy_pattern(r"[ \t]+[\u3400-\u9fff\x1f]")  # \x1f: a date, blanked
_POSSESSIVE = lazy_pattern(r"['’]s$")
_WORD = lazy_pattern(r"[A-Za-z0-9][A-Za-z0-9&'’.\-]*")
_NAME_WORDS = r"[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2}"
"""A person's name in English: one to three capitalised words ("Wang", "Tan Kok Meng")."""
_NAME = lazy_pattern(_NAME_WORDS)


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().split())


class _Lexicon:
    """Phrases with labels: one regex for all, and the label of whichever matched."""

    def __init__(
        self, labelled: Iterable[tuple[str, Iterable[str]]], *, ascii_text: bool = False
    ) -> None:
        self.labels: dict[str, str] = {}
        for label, words in labelled:
            for word in words:
                self.labels.setdefault(_norm(word), label)
        self.regex = re.compile(_union(self.labels, ascii_text=ascii_text), re.IGNORECASE)

    def label(self, match: re.Match[str]) -> str:
        return self.labels[_norm(match.group())]


_FLAGS = re.IGNORECASE
_NEVER = re.compile(r"\A(?!)")  # handed out as a _Compiled pattern: a real one
"""A pattern that matches nothing, and says so after one try (``\\A``), not at every place."""


def _keyword_pattern(name: str) -> functools.cached_property[re.Pattern[str]]:
    """A :class:`_Compiled` pattern that is one keyword list's trie, compiled when first used."""

    def compile_list(self: _Compiled) -> re.Pattern[str]:
        return re.compile(self._trie(name), _FLAGS)

    return functools.cached_property(compile_list)


_GOES_ON_AFTER_NAME = (
    "[说离来去在也还要和跟把对让给是的了已就都刚又再讲问请带陪打谈聊通见约发回接电微挺很过视开"
    "有提觉主加]"
)


class _Compiled:
    """Regular expressions built once per :class:`Keywords`, each when first used.

    Compiling all of them is most of ``crmbot parse``'s start-up (61 ms of ``re``'s
    compiler for the shipped keywords, and the tries' building), and one message uses about
    half of them: "called Acme" needs 20 of 39. A server compiles them all before it serves
    (:func:`warm_up`), so no user's message pays for one."""

    def __init__(self, kw: Keywords, *, ascii_text: bool = False) -> None:
        self._kw = kw
        self.ascii_text = ascii_text
        """Built for text in ASCII only: the keywords no such text can hold are left out."""
        self._tries: dict[str, str] = {}
        self.acronym_titles = {t for t in kw.contact_titles if t.isupper() or _CJK.search(t)}
        self.not_titles = kw.contact_not_titles
        self.not_names = {_norm(word) for word in kw.contact_not_names}
        self.lowercase_words = frozenset(kw.contact_lowercase_words)
        self.links = {_norm(word) for word in kw.customer_links}
        self.not_customers = {_norm(word) for word in kw.customer_not_names}

    def _trie(self, name: str) -> str:
        """One keyword list's pattern (:func:`_union`), built once however many patterns
        hold it (the legal suffixes, the generic words and the deal cues are in two or
        three)."""
        found = self._tries.get(name)
        if found is None:
            found = self._tries[name] = self._union(getattr(self._kw, name))
        return found

    def _union(self, words: Iterable[str], *, ignore_case: bool = True) -> str:
        return _union(words, ignore_case=ignore_case, ascii_text=self.ascii_text)

    def compile_all(self) -> None:
        """Every pattern compiled now, not at its first use."""
        for name, value in vars(type(self)).items():
            if isinstance(value, functools.cached_property):
                getattr(self, name)

    @functools.cached_property
    def activity(self) -> _Lexicon:
        return _Lexicon(self._kw.activities, ascii_text=self.ascii_text)

    activity_ignore = _keyword_pattern("activity_ignore")

    stage_ignore = _keyword_pattern("stage_ignore")

    @functools.cached_property
    def stage_says(self) -> _Lexicon:
        return _Lexicon(self._kw.stage_says, ascii_text=self.ascii_text)

    @functools.cached_property
    def stage_says_at_end(self) -> _Lexicon:
        return _Lexicon(self._kw.stage_says_at_clause_end, ascii_text=self.ascii_text)

    @functools.cached_property
    def stage_names(self) -> _Lexicon:
        return _Lexicon(self._kw.stage_names, ascii_text=self.ascii_text)

    @functools.cached_property
    def stage_move(self) -> re.Pattern[str]:
        return re.compile(
            self._trie("stage_move_cues")
            + r"\s*(?:the\s+|a\s+)?(?P<name>"
            + self.stage_names.regex.pattern
            + ")",
            _FLAGS,
        )

    @functools.cached_property
    def stage_move_named(self) -> re.Pattern[str]:
        """A move with the customer between the verb and the stage: "moving Initech to
        proposal", "moved Camden Foods into negotiation"."""
        return re.compile(
            r"\b(?i:mov(?:e|ed|es|ing)|bump(?:ed|ing)?|advanc(?:e|ed|ing)|progress(?:ed|ing)?)"
            r"[ \t]+(?:[A-Z][\w&'’.-]*[ \t]+){1,4}(?i:to|into)[ \t]+(?i:the[ \t]+)?(?P<name>(?i:"
            + self.stage_names.regex.pattern
            + "))",
            0,
        )

    @functools.cached_property
    def negated(self) -> re.Pattern[str]:
        """ "not won", "还没签", and a few characters in between in Chinese ("别急着标赢单")."""
        return re.compile(self._trie("stage_negations") + r"(?:[\u4e00-\u9fff]{1,3}$|\s*$)", _FLAGS)

    @functools.cached_property
    def follow_up(self) -> re.Pattern[str]:
        """Follow-up and next-step cues both mark a clause as a plan ("next step proposal",
        "下次再约") and its date as the follow-up."""
        kw = self._kw
        return re.compile(self._union((*kw.follow_up_cues, *kw.stage_next_step_cues)), _FLAGS)

    follow_up_only = _keyword_pattern("follow_up_cues")

    corrections = _keyword_pattern("follow_up_corrections")

    @functools.cached_property
    def corrected_to(self) -> re.Pattern[str]:
        """Used with .search in the characters before an amount: a correction right before
        it ("quoted £85k - scratch that, £58k")."""
        return re.compile(self._trie("follow_up_corrections") + r"[ \t,:;\-–—]*$", _FLAGS)

    titles = _keyword_pattern("contact_titles")

    contact_ignore = _keyword_pattern("contact_ignore")

    @functools.cached_property
    def _surnames(self) -> str:
        """Compiled case-sensitively (as are the titles and prefixes around them), so their
        tries keep each character as written."""
        return self._union(self._kw.contact_surnames, ignore_case=False)

    @functools.cached_property
    def cn_person(self) -> re.Pattern[str]:
        kw, surnames = self._kw, self._surnames
        if self.ascii_text:
            return _NEVER  # each reading starts with a Chinese surname
        titles = self._union(kw.contact_title_suffixes, ignore_case=False)
        familiar = self._union(kw.contact_familiar_prefixes, ignore_case=False)
        return re.compile(
            f"(?P<sur>{surnames})(?P<title>{titles})|(?P<fam>{familiar})(?P<fsur>{surnames})"
        )

    @functools.cached_property
    def not_met(self) -> re.Pattern[str]:
        """See :func:`_not_met`: a colleague along, or theirs away (a surname and a title of
        the keyword files, as :attr:`cn_person` reads them)."""
        titles = self._union(self._kw.contact_title_suffixes, ignore_case=False)
        person = f"(?:{self._surnames})(?:{titles})"
        return re.compile(
            r"(?:和|跟|同|与)(?:[\u3400-\u9fff]{1,4}?(?:部|组|中心)的?"
            r"|我们(?:这边|公司|部门|团队)?的?|售前|售后|同事|技术|销售|商务|工程师|产品)?"
            r"(?P<cn>[\u3400-\u9fff]{1,3})一起(?=去|到|过去|拜访|见|接待|出差|参加|给|跑)"
            r"|\b(?i:went|came|go|going|drove)\s+with\s+(?P<en>[A-Z][a-z]+)(?=\s+to\b)"
            r"|\b(?i:with|w/?|along with)\s+(?P<ours>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+from\s+"
            r"(?i:our\b|the\s+\w+\s+team\b|pre-?sales\b|tech(?:nical)?\s+team\b|solutions\b)"
            r"|(?P<first>[A-Z][a-z]+)\s+and\s+I\b"
            r"|(?P<mine>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:['’]s)?\s*\((?i:my|our)\s[^)]{1,40}\)"
            rf"|(?P<lead>{person}|老板|领导|师傅)带(?:着)?我(?=去|到|过去|拜访|见|跑)"
            rf"|陪(?:同|着)?(?P<escorted>{person})(?=去|到|过去|拜访|见|跑|一起)"
            r"|带(?:着|上)?(?:售前|售后|技术|同事|工程师|实施)?的?(?P<brought>[老小][\u3400-\u9fff])"
            r"(?=去|到|过去|拜访|见|跑|一起)"
            rf"|(?P<approver>{person})(?=批了|批准了?|特批|同意再?让|申请下来)"
            rf"|(?:接手了?|接了)(?P<handed>[老小][\u3400-\u9fff]|{person})(?=留下|交接|手上|转)"
            r"|(?:和|跟|同)(?:渠道|代理商|售前|售后|技术|同事|[\u3400-\u9fff]{1,3}部)?的?"
            r"(?P<ran>[老小][\u3400-\u9fff])(?=跑了|去)"
            rf"|(?:和|同|与)(?P<along>{person})(?=[^，。,；;]{{0,6}}?跟(?!进))"
            rf"|(?P<away>{person}|老板|老总|负责人)"
            r"(?=[^，。,;；!！他她\s]{0,4}?(?:没在|不在|出差|没来|请假|有事|调走|离职))"
            rf"|没(?:见到|见着)(?P<unseen>{person})"
            rf"|(?P<referrer>{person})(?=(?:帮忙|帮我们|给我们|给我)?(?:介绍|推荐|引荐|牵线|牵的线))"
        )

    @functools.cached_property
    def cn_named(self) -> re.Pattern[str]:
        """A surname and a given name of one or two characters; a word that goes on the
        sentence ("赵磊说", "赵磊离职了") is not the name's third character."""
        return re.compile(
            f"{self._surnames}[\u4e00-\u9fff](?:(?!{_GOES_ON_AFTER_NAME})[\u4e00-\u9fff])?"
        )

    @functools.cached_property
    def honorific(self) -> re.Pattern[str]:
        return re.compile(
            self._union(self._kw.contact_honorifics, ignore_case=False)
            + r"\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}"
        )

    @functools.cached_property
    def role_saying(self) -> re.Pattern[str]:
        """ "采购说他们月底前…", "老板说年后再说": a role that opens a phrase and says
        something is the person spoken to."""
        if self.ascii_text:
            return _NEVER  # each reading ends before a Chinese verb of saying
        return re.compile(
            r"(?:^|(?<=[\s,，。;；:：]))"
            + self._trie("contact_roles")
            + r"(?=(?:那边|这边)?(?:说|讲|反馈|表示|回复|回话|答应))",
            _FLAGS,
        )

    @functools.cached_property
    def contact_cue(self) -> re.Pattern[str]:
        return re.compile(self._trie("contact_cues") + r"\s*", _FLAGS)

    @functools.cached_property
    def deal_cue_before(self) -> re.Pattern[str]:
        return re.compile(
            self._trie("amount_deal_cues")
            + r"(?:[\s:：=~≈约是为了的在到]|[，,]?(?:一年|每年|全年|年费|大概|大约|总共|一共)"
            + r"|\b(?:of|for|at|is|was|about|around|roughly"
            + r"|approximately|approx|circa|to|now)\b)*$",
            _FLAGS,
        )

    @functools.cached_property
    def deal_cue_near(self) -> re.Pattern[str]:
        """Near, not right before: only words that are about a price on their own."""
        near = [w for w in self._kw.amount_deal_cues if _CJK.search(w) or len(w) >= 5]
        return re.compile(self._union(near), _FLAGS)

    @functools.cached_property
    def deal_cue_after(self) -> re.Pattern[str]:
        return re.compile(r"^[\s的]*" + self._trie("amount_deal_cues"), _FLAGS)

    passing = _keyword_pattern("amount_passing")

    theirs_price = _keyword_pattern("amount_theirs")

    to_do = _keyword_pattern("activity_to_do")

    @functools.cached_property
    def rival(self) -> re.Pattern[str]:
        """Used with .match right after a name: what makes it a competitor ("Siemens is also
        bidding"), not a person at the customer."""
        return re.compile(r"[ \t]*,?[ \t]*" + self._trie("contact_rivals") + r"\b", _FLAGS)

    customer_after = _keyword_pattern("customer_after")

    @functools.cached_property
    def customer_around(self) -> list[tuple[str, re.Pattern[str]]]:
        """(what each frame starts with, the frame): a text without "给" has no "给…打电话",
        which a substring test says faster than the expression's scan. For ASCII text a frame
        with other characters is never compiled: no such text holds it."""
        return [
            (
                pattern.partition("…")[0],
                _NEVER
                if self.ascii_text and not pattern.replace("…", "").isascii()
                else _around(pattern),
            )
            for pattern in self._kw.customer_around
        ]

    markers = _keyword_pattern("customer_markers")

    @functools.cached_property
    def referrer(self) -> re.Pattern[str]:
        """ "新客户", "a new client,": said of the customer right before its name; as written,
        since "Customer Connect Ltd" may be a name."""
        return re.compile(
            self._union(self._kw.customer_referrers, ignore_case=False)
            + r"(?![A-Za-z])(?:[ \t]*[,，](?=[ \t]*[A-Z])|[ \t]*[:：])?"
            + r"(?:[ \t]*(?:名叫|叫做|叫|called|named))?(?=[ \t]*\w)"
        )

    @functools.cached_property
    def referrer_heading(self) -> re.Pattern[str]:
        """ "New client: Harbour Point Logistics, …", "a new client - Orchid Hotels",
        "新客户：润丰生物", "新客户 华信科技 …": a message that opens with the words for a
        customer and a break names it right after them."""
        return re.compile(
            self._trie("customer_referrers")
            + r"(?![A-Za-z])(?:[ \t]*[:：,，\-–—][ \t]*|[ \t]+(?=[\u3400-\u9fff]))",
            _FLAGS,
        )

    @functools.cached_property
    def referrer_glued(self) -> re.Pattern[str]:
        """See :func:`_cn_named_after_referrer`: the words for a customer with a Chinese
        name written right after them."""
        if self.ascii_text:
            return _NEVER  # each reading ends before a Chinese character
        return re.compile(self._trie("customer_referrers") + r"(?=[\u3400-\u9fff])", _FLAGS)

    @functools.cached_property
    def referrer_end(self) -> re.Pattern[str]:
        """A phrase ending in the words for a customer ("来了个新客户"): no name."""
        return re.compile(self._trie("customer_referrers") + r"$", _FLAGS)

    @functools.cached_property
    def referrer_by_channel(self) -> re.Pattern[str]:
        """ "接到一个新客户电话 杭州悦禾科技", "加了个新客户微信 宁波德润塑业": the words for a
        customer and the way they were in touch, then the name after a break."""
        if self.ascii_text:
            return _NEVER  # each reading has a Chinese word for the way and a Chinese name
        return re.compile(
            self._trie("customer_referrers")
            + r"的?(?:电话|来电|微信|邮件)[ \t]*[:：,，]?[ \t]+(?=[\u3400-\u9fff])",
            _FLAGS,
        )

    @functools.cached_property
    def legal_tail(self) -> re.Pattern[str]:
        return re.compile(
            r"[ \t]*,?[ \t]*"
            + self._trie("customer_legal_suffixes")
            + r"(?![A-Za-z0-9]|-[A-Za-z])",  # "Acme Co." but not "co-founder"
            _FLAGS,
        )

    @functools.cached_property
    def legal_end(self) -> re.Pattern[str]:
        return re.compile(r"[\s,]*" + self._trie("customer_legal_suffixes") + r"[\s.]*$", _FLAGS)

    generic_start = _keyword_pattern("customer_generic_words")

    @functools.cached_property
    def company_kinds(self) -> frozenset[str]:
        """See :func:`_company_by_its_kind`, lower-cased."""
        return frozenset(word.lower() for word in self._kw.customer_kinds)

    @functools.cached_property
    def region_at(self) -> re.Pattern[str]:
        """Used with .match(text, pos)."""
        return re.compile(r"[(（]?" + self._trie("customer_regions") + r"[)）]?(?:市|省)?", _FLAGS)

    @functools.cached_property
    def generic_or_legal(self) -> re.Pattern[str]:
        kw = self._kw
        return re.compile(
            self._union((*kw.customer_generic_words, *kw.customer_legal_suffixes)), _FLAGS
        )

    @functools.cached_property
    def generic_end(self) -> re.Pattern[str]:
        return re.compile(r"\s*" + self._trie("customer_generic_words") + r"$", _FLAGS)

    @functools.cached_property
    def region_start(self) -> re.Pattern[str]:
        return re.compile("^" + self.region_at.pattern, _FLAGS)

    @functools.cached_property
    def stop(self) -> re.Pattern[str]:
        return re.compile(self._trie("customer_stop_words") + r"|(?<=[\u4e00-\u9fff])\d", _FLAGS)

    @functools.cached_property
    def lead_in(self) -> re.Pattern[str]:
        """Used with .match(text, pos), anchored at pos; the longest lead-in is skipped."""
        kw = self._kw
        words = (*kw.customer_lead_in, *self.activity.labels, *kw.follow_up_cues)
        return re.compile(self._union((*words, *kw.customer_after)) + r"\s*", _FLAGS)

    @functools.cached_property
    def keyword_start(self) -> re.Pattern[str]:
        """Whether a keyword starts (``match``) or is all (``fullmatch``) of a text: which
        list it comes from does not matter, so all are one trie."""
        kw = self._kw
        return re.compile(
            self._union(
                (
                    *self.activity.labels,
                    *kw.follow_up_cues,
                    *kw.stage_next_step_cues,
                    *self.stage_says.labels,
                    *self.stage_names.labels,
                )
            ),
            _FLAGS,
        )


def _around(pattern: str) -> re.Pattern[str]:
    """ "和…开会" -> 和(?P<x>…)开[了过个]{0,2}会: the customer sits where "…" is."""
    before, _, after = pattern.partition("…")
    filler = "[了过个]{0,2}"
    tail = filler.join(re.escape(char) for char in after)
    return re.compile(
        re.escape(before) + r"(?P<x>[^\s\x1f,，。.;；!！?？、:：()（）]{1,30}?)" + tail
    )


# --- The parser --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Date:
    at: datetime
    start: int
    end: int
    has_time: bool
    day_said: bool = True  # False: a time of day alone (bot.nlu.dates.DateMatch)


def parse_log(
    text: str,
    now: datetime,
    *,
    known_customers: Iterable[str] = (),
    keywords: Keywords | None = None,
    default_time: time = time(9, 0),
) -> ParsedLog:
    """Read one free-text log message; ``now`` is the aware local time it was sent.

    ``known_customers`` are company names the rep can see (matched as written, longest
    first); ``default_time`` is the follow-up time used when only a date is said.
    """
    kw = keywords if keywords is not None else default_keywords()
    written, text = text, _half_width_digits(text)
    rx = kw.compiled_for(text)
    clauses = _clauses(text)
    # "at four pm", "two hundred thousand dollars": the dates and the amount read digits
    # written in place of the words; everything else reads the rep's own words.
    spoken = spoken_as_digits(text)
    dates = _dates(spoken, now, default_time)
    dated = [(d.start, d.end) for d in dates]
    blanked = _blank(text, dated)
    impossible = _impossible_dates(text, now, dates)
    problems = [problem for problem, _ in impossible]
    if impossible:  # "明天25点": the day alone is not what the rep asked for either
        dates = [
            d
            for d in dates
            if not any(s <= d.end + 1 and d.start <= e + 1 for _, (s, e) in impossible)
        ]
    dates = [_weekday_gone_by(d, text, now, clauses, rx) for d in dates]
    # "上午去了A，下午去了B", "this morning": when the activity happened, not a follow-up.
    parts_of_day = [d for d in dates if _PART_OF_DAY.fullmatch(text[d.start : d.end].strip())]
    dates = _day_then_time([d for d in dates if d not in parts_of_day], text)
    dates = [d for d in dates if not _lead_time(text, d) and not _time_of_writing(text, d)]
    if "从" in text or "rom" in text:
        dates = _moved_from(dates, text)
    if len(dates) > 1:
        dates = _restated(dates, text)
    if "week" in text or "fortnight" in text:
        dates = [_weeks_on(d, text) for d in dates]
    candidates = _not_taken_back(text, _after_no_next_step(text, _moved_off(dates, text)), rx)
    follow = _with_its_time(_follow_up(text, candidates, clauses, now, rx), candidates)
    future_starts = [d.start for d in dates if _is_future(d, now, cue=False)]
    stage_found = _stage_at(blanked, clauses, future_starts, rx)
    if stage_found is None:
        stage_found = _outcome_of_known(blanked, known_customers, rx)
    stage = stage_found[1] if stage_found else None
    money = _deal_money(
        blanked if spoken is text else _blank(spoken, dated),
        clauses,
        rx,
        problems,
        about_deal=stage is not None,
    )
    if money is not None:
        blanked = _blank(blanked, [(money.start, money.end)])

    ours, away = _not_met(blanked, rx)
    moved = _moved_or_referred_to(blanked, rx)
    customer, customer_span, contact = _customer(blanked, known_customers, rx, moved)
    if contact is not None and any(s < contact[1] and contact[0] < e for s, e in ours + away):
        contact = None
    if contact is None:
        referral = moved[1] if moved[0] is None and moved[1] == customer_span else None
        referred = [(0, referral[0])] if referral is not None else []
        contact = _contact(_blank(blanked, ours + away + referred), customer_span, rx)
    if contact is None and away:  # "打电话给星辰科技，张总不在": no one else, still them
        contact = _contact(_blank(blanked, ours), customer_span, rx)
    opening = _opens_with_a_person(blanked, rx) if customer is None else None
    if opening is not None and (contact is None or opening[0] < contact[0]):
        contact = opening  # "张伟昨天晚上微信回我了，说…他们老板还在看": 张伟
    if contact is not None:
        contact = _whole_person(blanked, contact, rx)
    said_when = future_starts + [span[0] for _, span in impossible]
    went = _went_to(blanked, customer_span, clauses, dates, now, rx)
    activity, planned = _activity(blanked, clauses, said_when, rx, went_to=went)
    to_do = planned or _is_to_do(blanked, rx)
    task = activity is None and (follow is not None or bool(impossible)) and to_do
    several = _more_customers(
        blanked, customer, customer_span, known_customers, rx, moved_to=moved[1]
    )
    customers = tuple(name for _, name in several)
    if several:
        customer = customers[0]  # in the order written
        contact = _contact_of_the_first(blanked, contact, several[1][0], customer_span, ours, rx)
    return ParsedLog(
        activity=activity,
        activity_at=(
            _happened(blanked, sorted(dates + parts_of_day, key=lambda d: d.start), now)
            if activity
            else None
        ),
        task=task,
        reason=(
            _reason(text, blanked, stage_found, rx, [d.start for d in dates])
            if stage in CLOSED
            else None
        ),
        customers=customers,
        customer=customer,
        contact=text[contact[0] : contact[1]] if contact else None,
        summary=_tidy(written),
        amount=money.amount if money else None,
        currency=money.currency if money else None,
        stage=stage,
        follow_up=follow.at if follow else None,
        follow_up_has_time=follow.has_time if follow else False,
        problems=tuple(problems),
        stage_forward_only=stage_found is not None and _implied(blanked, stage_found[0], rx),
    )


_NOT_MET_HINTS = (
    "一起", "with", "and i", "没在", "不在", "出差", "没来", "请假", "有事", "没见", "带我",
    "带着我", "(my ", "(our ", "跟", "批", "同意让", "同意再让", "申请下来", "接", "跑了", "去了",
    "陪", "调走", "离职", "带", "介绍", "推荐", "引荐", "牵",
)  # fmt: skip
"""Every reading of :attr:`_Compiled.not_met` holds one of these (lower-cased)."""


def _not_met(text: str, rx: _Compiled) -> tuple[list[Span], list[Span]]:
    """Where someone is named who is not the customer's person the rep dealt with: a
    colleague who came along ("和小王一起去了…", "went with Li to Merlion", "Zhang and I did a
    joint call", "David (my regional director)", "王经理带我去", "王经理批了再让5%"), and
    theirs who was away ("赵总临时有事没在，是财务吴经理接待的", "刘总这次出差了没见到"):
    (ours, away), each wherever the same name is written again ("等刘总签字 … 刘总出差了")."""
    lower = text.lower()
    if not any(hint in lower for hint in _NOT_MET_HINTS):
        return [], []  # a substring test is cheaper than the expression's scan (issue 20)
    found = list(rx.not_met.finditer(text))

    def everywhere(groups: tuple[str, ...]) -> list[Span]:
        named = {match[group] for match in found for group in groups if match[group] is not None}
        return [place.span() for name in named for place in re.finditer(re.escape(name), text)]

    ours = everywhere(
        (
            "cn",
            "en",
            "first",
            "ours",
            "mine",
            "lead",
            "escorted",
            "brought",
            "approver",
            "handed",
            "ran",
            "along",
            "referrer",
        )
    )
    return ours, everywhere(("away", "unseen"))


_MONTH_DAY = lazy_pattern(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_SLASH_DAY_SAID = lazy_pattern(
    r"(?:\b(?P<wd>(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6})\.?,?[ \t]+)?"
    r"(?P<md>(?<![\d/])(?!24/7(?!\d)|7/24(?!\d))(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/]))"
)
"""A day as "12/15" or "15/12", with the weekday said before it if any ("Mon 7/12")."""
_DAY_FIRST_ZONES = lazy_pattern(
    r"(?:Europe|Australia|Africa)/|Asia/(?:Singapore|Hong_Kong|Kolkata|Calcutta|Kuala_Lumpur"
    r"|Jakarta|Bangkok|Ho_Chi_Minh|Saigon|Dubai|Karachi|Dhaka|Colombo|Riyadh|Jerusalem|Tel_Aviv)"
    r"|Pacific/Auckland|America/(?:Sao_Paulo|Argentina|Mexico_City|Bogota|Lima|Santiago)"
)
"""Time zones whose people write a date day first ("7/12" is 7 December)."""


def _writes_day_first(now: datetime) -> bool:
    return _DAY_FIRST_ZONES.match(getattr(now.tzinfo, "key", "") or "") is not None


def _weekday_of(month: int, day: int, now: datetime) -> int | None:
    """The weekday of that day in the coming twelve months, None if no such day."""
    for year in (now.year, now.year + 1):
        try:
            found = calendar_date(year, month, day)
        except ValueError:
            return None
        if found >= now.date() or year > now.year:
            return found.weekday()
    return None


_SLASH_DAY = lazy_pattern(r"(?<![\d/])(?!24/7(?!\d)|7/24(?!\d))(\d{1,2})/(\d{1,2})(?![\d/])")
"""A day as "12/15" or "15/12"; "24/7" (round the clock) is none."""
_EN_MONTH_DAY = lazy_pattern(
    r"(?=[jfmasond])\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?!\d|:)",
    re.IGNORECASE,
)
_CN_HOUR = lazy_pattern(r"(?<!\d)(\d{1,2})\s*(?:点|时)")
_CLOCK = lazy_pattern(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
_DIGIT = lazy_pattern(r"\d")


def _impossible_dates(text: str, now: datetime, dates: list[_Date]) -> list[tuple[str, Span]]:
    """Dates and times no calendar has (2月30日, 31/11, 25点, 13:75), as written, so the reply
    can say what it did not take instead of silently dropping the follow-up."""
    taken = [(d.start, d.end) for d in dates]

    def free(match: re.Match[str]) -> bool:
        return not any(s < match.end() and match.start() < e for s, e in taken)

    found: list[tuple[str, Span]] = []
    if not _DIGIT.search(text):  # each reading below has a number
        return found
    for match in _MONTH_DAY.finditer(text) if "月" in text else ():
        if free(match) and not _real_day(int(match[1]), int(match[2]), now.year):
            found.append((f"bad_date:{match.group().strip()}", match.span()))
    for match in _EN_MONTH_DAY.finditer(text):
        month = EN_MONTHS_SHORT.index(match[1].lower()[:3]) + 1
        if free(match) and not _real_day(month, int(match[2]), now.year):
            found.append((f"bad_date:{match.group()}", match.span()))
    for match in _SLASH_DAY.finditer(text) if "/" in text else ():
        first, second = int(match[1]), int(match[2])
        real = _real_day(first, second, now.year) or _real_day(second, first, now.year)
        if free(match) and not real:
            found.append((f"bad_date:{match.group()}", match.span()))
    for match in _CN_HOUR.finditer(text) if "点" in text or "时" in text else ():
        if int(match[1]) > 24:
            found.append((f"bad_time:{match.group().strip()}", match.span()))
    for match in _CLOCK.finditer(text) if ":" in text else ():
        if int(match[1]) > 24 or int(match[2]) > 59:
            found.append((f"bad_time:{match.group()}", match.span()))
    return found


def _real_day(month: int, day: int, year: int) -> bool:
    try:
        calendar_date(year, month, day)
    except ValueError:
        return month == 2 and day == 29  # a leap day exists in some year
    return True


_BARE_WEEKDAY = lazy_pattern(
    r"(?:on\s+)?(?:this\s+)?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
    r"(?:\s+(?:morning|afternoon|evening|night|am|pm))?"
    r"|(?:本|这)?(?:周|星期|礼拜)[一二三四五六日天](?:上午|下午|中午|晚上|早上|傍晚)?",
    re.IGNORECASE,
)
_PAST_VERB = lazy_pattern(
    r"(?:了|过)$|(?:ed|\bmet|\brang|\bspoke|\bwent|\bsaw|\bhad)\b", re.IGNORECASE
)
""" "visited", "went to", "met with": the activity's own words say it happened."""
_HAD_BEFORE = lazy_pattern(
    r"\b(?:had|did|held|attended|went|was|were)[ \t]+(?:an?[ \t]+|the[ \t]+)?$", re.I
)
""" "had mtg w/ Oliver Green Mon", "went on site Mon": the activity happened, though its
word has no tense."""
_HELD = lazy_pattern(
    r"[开见谈做办签聊去来打]的(?!话)|(?:做|开|见|聊|谈|装|调试|演示|培训|拜访|打|通|发|回|参加|出席)了"
    r"|[去来跑]了[一1]?趟|看了"
)
""""周一在蓝海物流开的评审会", "周五来的电话", "周一去东方精密做了培训": what was held
then, so the day is behind us."""


_WITHIN = lazy_pattern(r"(?i:within|in)\b")
_DELIVERY_BEFORE = lazy_pattern(
    r"\b(?i:ship|shipped|shipping|deliver|delivered|delivery|fitted|fit|installed|install"
    r"|lead time|turnaround|ready|done|live|built|arrive|arrives|dispatch|dispatched)\b"
    r"[^.,;:!?\n]{0,20}$"
)


def _time_of_writing(text: str, date: _Date) -> bool:
    """ "晚上十点多了补记一下：…", "Just off the phone … (nearly 9pm!)": when the rep is
    writing, not a day to follow up on."""
    return bool(
        _LOGGED_LATE_AFTER.match(text, date.end)
        or _NEARLY_BEFORE.search(text, max(0, date.start - 12), date.start)
    )


_LOGGED_LATE_AFTER = lazy_pattern(r"多?了?[，,\s]*(?:补记|补录|才记|才补|记一下|记一笔)")
_NEARLY_BEFORE = lazy_pattern(r"[(（][ \t]*(?i:nearly|almost|it['’]?s|now)[ \t]+$")


def _lead_time(text: str, date: _Date) -> bool:
    """ "fitted within 6 weeks", "we can ship in 6 weeks": how long something takes, not a
    day to follow up on ("call back in 2 weeks" is one)."""
    said = _WITHIN.match(text, date.start)
    if said is None:
        return False
    return said.group().lower() == "within" or (
        _DELIVERY_BEFORE.search(text, max(0, date.start - 40), date.start) is not None
    )


_WEEKS_BEFORE = lazy_pattern(r"\b(?i:a[ \t]+(?P<unit>week|fortnight))[ \t]+$")
_TODAY_OR_TOMORROW = lazy_pattern(r"(?i:today|tomorrow)\b")


def _weeks_on(date: _Date, text: str) -> _Date:
    """ "booked in for a fortnight today", "a week tomorrow": that day, one or two weeks on."""
    said = _WEEKS_BEFORE.search(text, max(0, date.start - 16), date.start)
    if said is None or _TODAY_OR_TOMORROW.match(text, date.start) is None:
        return date
    weeks = 2 if said["unit"].lower() == "fortnight" else 1
    return replace(date, at=date.at + timedelta(weeks=weeks), start=said.start())


_FROM_BEFORE = lazy_pattern(r"(?:从|\b(?i:from))[ \t]*$")
_A_MOVE = lazy_pattern(r"(?i:move|push|shift|reschedul|brought forward|bring forward|postpone)")
_TO_AFTER = lazy_pattern(r"[ \t]*(?:推迟到|推到|改到|延到|挪到|提前到|到|(?i:to)\b)")


def _moved_from(dates: list[_Date], text: str) -> list[_Date]:
    """Without the date something was moved from: "签约时间从12月底推到明年3月", "prepone the
    demo from Friday to tomorrow 3pm" (the old date is neither when it happened nor next).
    One moved off without "from" is left for the activity's reading (:func:`_moved_off`)."""
    return [
        d
        for d in dates
        if not (
            _FROM_BEFORE.search(text, max(0, d.start - 6), d.start)
            and _TO_AFTER.match(text, d.end) is not None
        )
    ]


def _moved_off(dates: list[_Date], text: str) -> list[_Date]:
    """Without the date a meeting was moved off, for the follow-up: "move Thurs call to Fri
    3pm", "push Thursday's demo to next Mon" (it still says the call is to come)."""
    if len(dates) < 2 or _A_MOVE.search(text) is None:
        return dates
    return [
        d
        for i, d in enumerate(dates)
        if not (
            i + 1 < len(dates)
            and _MOVE_BEFORE.search(text, max(0, d.start - 24), d.start) is not None
            and _MOVED_THING_TO.fullmatch(text, d.end, dates[i + 1].start) is not None
        )
    ]


_MOVE_BEFORE = lazy_pattern(
    r"\b(?i:move|moved|moving|push|pushed|pushing|shift|shifted|reschedule|rescheduled"
    r"|bring forward|brought forward|postpone|postponed)[ \t]+(?:(?i:the|our|my|their|his|her)"
    r"[ \t]+)?$"
)
_MOVED_THING_TO = lazy_pattern(
    r"(?:['’]s)?(?:[ \t]+[A-Za-z&/\-]+){0,3}?[ \t]+(?i:to|till|until)[ \t]+"
)
"""Between the old date and the new one: "Thurs call to", "Thursday's demo to"."""


_RESTATED = lazy_pattern(r"[ \t]*[(（][ \t]*$")


def _restated(dates: list[_Date], text: str) -> list[_Date]:
    """A date said again in brackets is the one meant: "on Tuesday week (1 Dec)"; but a
    weekday in brackets only names the day of the date before it: "11月27日（周五）"."""
    kept: list[_Date] = []
    for i, d in enumerate(dates):
        after = dates[i + 1] if i + 1 < len(dates) else None
        before = dates[i - 1] if i > 0 else None
        if after is not None and _RESTATED.fullmatch(text, d.end, after.start):
            if not _BARE_WEEKDAY.fullmatch(text[after.start : after.end].strip()):
                continue  # the bracketed one is meant
        elif (
            before is not None
            and _RESTATED.fullmatch(text, before.end, d.start)
            and _BARE_WEEKDAY.fullmatch(text[d.start : d.end].strip())
        ):
            continue  # "（周五）" after the date it names
        kept.append(d)
    return kept


_TIME_REACH = 60
"""Characters from a day to a time of day said later in its sentence ("Plan for Thu: drive out
to Pacific Rim Logistics at 2pm")."""
_AS_HEADING = lazy_pattern(r"[ \t]*[:：]")


def _a_note_heading(text: str, match: re.Match[str]) -> bool:
    """Whether a word for a note heads the message, or 记一下 closes it, saying only "write this
    down": "记一下：…", "Note: …", "记一下 下周三…", "…，聊备件框架协议，记一下"."""
    if not text[: match.start()].strip():
        return bool(
            _AS_HEADING.match(text, match.end())
            or (match.group().startswith("记") and text[match.end() : match.end() + 1] in " \t")
        )
    return (
        match.group().startswith("记")
        and _CLOSING_NOTE.fullmatch(text, match.start() - 1, len(text)) is not None
    )


_CLOSING_NOTE = lazy_pattern(r"[，,\s]\S+?[。.!！~]*\s*")


def _day_then_time(dates: list[_Date], text: str) -> list[_Date]:
    """A day without a time followed in its sentence (or under it, as a heading: "Tomorrow:\n-
    9:30am call …") by a time of day alone: the two say one date, "Thu" at 2pm, not Thu
    at 09:00 and today at 2pm. Both stay where they are written (the time may open the
    clause that it makes a plan: "- 9:30am call …")."""
    merged: list[_Date] = []
    i = 0
    while i < len(dates):
        day = dates[i]
        time_ = dates[i + 1] if i + 1 < len(dates) else None
        if (
            time_ is not None
            and day.day_said
            and not day.has_time
            and not time_.day_said
            and time_.has_time
            and 0 <= time_.start - day.end <= _TIME_REACH
            and (
                _AS_HEADING.match(text, day.end) is not None
                or _SENTENCE_END.search(text, day.end, time_.start) is None
            )
        ):
            at = datetime.combine(day.at.date(), time_.at.timetz())
            merged.append(_Date(at, day.start, day.end, has_time=True))
            merged.append(_Date(at, time_.start, time_.end, has_time=True, day_said=False))
            i += 2
            continue
        merged.append(day)
        i += 1
    return merged


def _weekday_gone_by(
    date: _Date, text: str, now: datetime, clauses: list[Span], rx: _Compiled
) -> _Date:
    """ "周一拜访了百川水务", "met the Thames team on Tuesday": a bare weekday with something
    that already happened is last week's, not next week's (the reader prefers the future)."""
    if date.at <= now or not _BARE_WEEKDAY.fullmatch(text[date.start : date.end].strip()):
        return date
    start, end = _clause_of(date.start, clauses)
    opened = text.rfind("(", 0, start)
    if opened > text.rfind(")", 0, start) and opened > max(
        text.rfind(c, 0, start) for c in ".!?\n"
    ):
        start = _clause_of(opened, clauses)[0]  # "Met Ben (ops mgr, Harlow) at the expo Monday"
    heading = _DAY_HEADING.match(text, date.end)
    if (
        heading is not None
        and not text[: date.start].strip()
        and (said := rx.activity.regex.match(text, heading.end())) is not None
        and _AS_A_NOUN.match(text, said.end()) is not None
    ):  # "Mon: site visit at Merlion …", a log's day, gone by; not "Fri: call Globex"
        return _a_week_earlier(date, now)
    done_right_before = any(
        _PAST_VERB.search(verb.group())
        for verb in rx.activity.regex.finditer(text, max(start, date.start - 14), date.start)
        if verb.end() > date.start - 4
    )
    for cue in rx.follow_up.finditer(text, start, end):
        if _inside_a_verb(text, cue, rx):
            continue  # not "by" in "Dropped by"
        if done_right_before and cue.start() >= date.end:
            continue  # "called Monday asking if …": what they asked, after the day it was
        return date
    held = _HELD.search(text, date.end, end) is not None
    held = held or _WAS_THERE.search(text, start, date.start) is not None
    if not held and rx.activity.regex.search(text, start, end) is not None:
        stop = _SENTENCE_STOP.search(text, date.end)
        held = (  # "Mon's QBR … went well", "Lunch w/ … Monday, … - she hinted they …"
            _TOLD_AS_DONE.search(text, date.end, stop.start() if stop else len(text)) is not None
            # "Mtg at Blue Harbour on Monday with … Went through the redlines"
            or _NEXT_SAYS_DONE.match(text, end) is not None
        )
    if held or any(
        _PAST_VERB.search(verb.group()) or _HAD_BEFORE.search(text, start, verb.start())
        for verb in rx.activity.regex.finditer(text, start, end)
    ):
        return _a_week_earlier(date, now)
    return date


def _a_week_earlier(date: _Date, now: datetime) -> _Date:
    """The same weekday a week before, when that is behind ``now``."""
    earlier = date.at - timedelta(days=7)
    return _Date(earlier, date.start, date.end, date.has_time) if earlier < now else date


_AS_A_NOUN = lazy_pattern(r"[ \t]*(?:$|[@,;:.(\-–—]|(?:at|with|w/?|in|on|for|re)\b)", re.I)
"""After a word for an activity, what makes it a noun ("site visit at …", "demo @ Zenith")."""
_DAY_HEADING = lazy_pattern(r"[ \t]*[:：][ \t]*(?:(?:a|the|quick|short|our)[ \t]+)?")
_SENTENCE_STOP = lazy_pattern(r"[.!?\n](?:[ \t]|$)")
_TOLD_AS_DONE = lazy_pattern(
    r"\b(?i:went|was|were)[ \t]+(?i:well|ok|okay|fine|great|good|badly|really well)\b"
    r"|\b(?i:she|he|they)[ \t]+(?:(?i:hinted|said|told|mentioned|asked|confirmed|agreed|showed"
    r"|gave|walked|flagged|raised|liked|loved)|[a-z]+ed)\b"
)
"""After a day in the same sentence, words that tell what was done then: "went well", "she
hinted"."""
_NEXT_SAYS_DONE = lazy_pattern(
    r"[.;!]*[ \t]+(?:[A-Z][a-z]+ed|Went|Met|Had|Saw|Spoke|Took|Gave|Showed|Ran|Did|Told)\b"
)
"""After a clause naming an activity with a bare weekday and no verb, the next sentence
telling what was done: the activity happened."""
_WAS_THERE = lazy_pattern(r"\b(?i:was|were)[ \t]+(?i:at|in|with|on site at|onsite at)[ \t]")
"""Before a bare weekday in its clause, where the rep was: "Was at Summit Medical on Monday"."""
_PART_OF_DAY = lazy_pattern(
    r"(?:今天|今日|today\s*)?(?:上午|下午|中午|晚上|早上|傍晚)|今早|今晚|this morning|"
    r"(?:this |in the )?(?:morning|afternoon|evening)|am|pm|this am|this pm",
    re.IGNORECASE,
)

MAX_AMOUNT = Decimal(10) ** 12
"""Larger amounts are typing accidents (and would overflow the cents column)."""


def _deal_money(
    text: str, clauses: list[Span], rx: _Compiled, problems: list[str], *, about_deal: bool
) -> Money | None:
    """The amount the message says the deal is worth, or None.

    Only an amount next to a deal word ("报价50万", "quoted $120k", "a 50k deal") counts, or
    one in a deal update ("Globex deal 80万"); one near a fee, a discount or a past purchase
    ("3千的样品费", "a 3k discount", "去年采购了500万") is mentioned in passing, and one someone
    else asks ("友商报了32万", "a partner quoted them 52k") is not ours. A negative or
    absurd amount is reported in ``problems`` instead of being taken.
    """
    is_update = about_deal or rx.markers.search(text) is not None
    best: tuple[int, Money] | None = None
    amounts = find_amounts(text)
    budget = "udget" in text or "预算" in text
    said_up_to = 0  # "单价2块5 总共2.5万元": what came before the last amount is not this one's
    changed_from: int | None = None  # where a deal's amount said it changed "to" the next
    for money in amounts:
        start, _ = _clause_of(money.start, clauses)
        _, end = _clause_of(money.end, clauses)  # "S$85,000 all in": past the amount's comma
        before = text[max(start, money.start - 16, said_up_to) : money.start]
        said_up_to = money.end
        after = text[money.end : min(end, money.end + 10)]
        if before.endswith(("-", "负", "−")):  # "-5k"; "panels - S$85,000" is a dash
            problems.append(f"negative_amount:{money_text(text, money)}")
            continue
        said = _APPROXIMATELY.sub("", before)  # "spent about $60k": what comes before "about"
        if (off := _OFF_THE.search(said)) is not None:
            said = said[: off.start()]  # "10% off the $150k quote": what is taken off is not
        if _ONLY_HOW_OFTEN.fullmatch(said) and _AFTER_A_COMMA.search(text, 0, start):
            # "第二期款今天到账了，30万", "介绍和报价，一年6.8万": what was said before it
            said = text[max(0, start - 10) : start] + said
            before = text[max(0, start - 16) : money.start]
        if rx.passing.search(said[-10:]) or rx.passing.search(_this_phrase(after[:6])):
            continue  # "3千的样品费", "a 3k discount"; not "9.6万元 返点按季度结": a new phrase
        if _CREDIT_AFTER.match(text, money.end):
            continue  # "a S$1,200 credit note": money back, not the deal
        near = _their_words(text, start, max(start, money.start - 24), money.start, rx)
        if near and _OUR_TURN.search(text, near[-1].end(), money.start) is None:
            continue  # "有家友商报了32万", "an Azure partner quoted them 52k": not our price
        if _theirs_clause(text, start, money.start, rx):
            continue  # "competitor is pitching their DX-900 at 38k": their clause
        if _PER_UNIT.match(text, money.end) or _PAST_AFTER.search(
            text, money.end, min(end, money.end + 16)
        ):
            continue  # "our quote at 195/unit", "they did ~$60k w us last yr": not the deal
        if _DIFFERENCE_BEFORE.search(said):
            continue  # "价格我们其实便宜了15万": a difference between two prices
        if "%" in text and _SHARE_OF.search(text, max(start, money.start - 48), money.start):
            continue  # "they want 5% of contract value (~£11k)": a share of it, not the deal
        if _A_COMPANYS_SIZE.match(text, money.end):
            continue  # "they're a £30m ARR business": what they are, not the deal
        glue = _CHANGED_TO.match(text, changed_from) if changed_from is not None else None
        if glue is not None and glue.end() == money.start and money.amount <= MAX_AMOUNT:
            return money  # "quote revised from $64k to $58,500": the deal's, as the first was
        changed_from = None
        if _CHANGED_TO.match(text, money.end) and money is not amounts[-1]:
            # "价格从65万压到58万", "from $64k down to $58.5k": the one it became
            if _WISHED.search(text, start, money.start) and money.amount <= MAX_AMOUNT:
                return money  # "想从48万降到45万": what they wish for is not agreed; ours stands
            cued = bool(
                _PRICE_SAID.search(said)
                or rx.deal_cue_before.search(before.removesuffix("从"))  # "续费从12万调到…"
                or rx.deal_cue_near.search(text, max(start, money.start - 32), money.start)
            )
            changed_from = money.end if cued else None
            continue
        if _SET_ASIDE.match(text, money.end):
            continue  # "roughly S$200k set aside for licences": their budget, not our price
        if _THRESHOLD_BEFORE.search(before):
            continue  # "any IT spend over 50k to go out to tender": a rule's line, not a price
        if _QUANTITY_BEFORE.search(before):
            continue  # "qty ~5k/month": how many, not what it costs
        if money.currency is None and _COUNTED_AFTER.match(text, money.end):
            continue  # "pricing for about 20k tags": how many, not what it costs
        if money.currency is None and _TWO_DIGITS.fullmatch(text, money.start, money.end):
            continue  # "they want 60 days, we offered 45": no deal is worth 45
        if money is not amounts[-1] and _OLD_PRICE_BEFORE.search(
            text, max(start, money.start - 32), money.start
        ):
            continue  # "原报价23.6万元…最多给到22.8万": the price it was, before the one now
        if _NOT_BEFORE.search(said) or (budget and _BUDGET_BEFORE.search(text, start, money.start)):
            continue  # "报价是56万，不是65万"; "Budget for next year is 300k": not our price
        if budget and _BUDGET_JUST_BEFORE.search(text, max(0, money.start - 16), money.start):
            continue  # "二期预算批下来了，大概60万": the budget, past the comma
        price = _PRICE_SAID.search(said)
        if price is not None and (price["each"] or price["times"]):
            continue  # "单线28万元，8条线合计224万元", "8台×6.8万=54.4万": the price of one
        if (
            price is not None
            or _FINAL_AFTER.match(text, money.end)
            or (
                len(amounts) > 1  # "quoted £85k - scratch that, £58k": the one said last
                and rx.corrected_to.search(text, max(0, money.start - 20), money.start)
            )
        ):
            if money.amount > MAX_AMOUNT:
                problems.append(f"amount_too_large:{money_text(text, money)}")
                continue
            return money  # "三一那边报了120万，我们的报价是135万": ours, said as ours
        cued = bool(
            rx.deal_cue_before.search(before)
            or rx.deal_cue_after.match(after)
            or rx.deal_cue_near.search(before[-12:])  # "报价发过去了 6.5万"
        )
        if not (cued or is_update):
            continue
        if money.amount > MAX_AMOUNT:
            problems.append(f"amount_too_large:{money_text(text, money)}")
            continue
        rank = 2 if cued else 1
        if best is None or rank > best[0]:
            best = (rank, money)
    return best[1] if best else None


_PRICE_SAID = lazy_pattern(
    r"(?:(?P<each>单[价线台套条件个]|每个?[台套条件个线月年季天周店箱瓶盒人](?:度|份)?)"
    r"(?:是|为)?[：: \t]*"
    r"|(?P<times>\d+[ \t]*[台套条件个只]?[ \t]*[×xX*][ \t]*)"
    r"|(?<![\d.])\d{1,4}[台套条件个只][ \t]*(?:共|一共|合计|总共)?|[=＝][ \t]*"
    r"|(?:我们|我方|咱们)的?(?:报价|价格|报的)(?:是|为)?|我们报了"
    r"|\b(?i:our (?:number|price|quote|offer|bid)(?: is| was| at)?|ours is|we quoted)"
    r"[ \t]*(?:(?i:about|around|approx\.?|~)[ \t]*)?"
    r"|(?:合计|总计|总共|共计|总价|总额|(?i:\b(?:in total|grand total|total of|total)))[：: \t]*"
    r"(?:是|为)?[ \t]*)$"
)
"""Right before an amount: the rep's own price said as such ("我们的报价是135万", "our number
is $210k") or the whole ("8条线合计224万元", "4套184万", "…=54.4万") is the deal's, over any
other in the message; the price of one (``each``: "单线28万元"; ``times``: "8台×6.8万") is
not."""
_OFF_THE = lazy_pattern(r"\b(?i:off|discount on|off of)[ \t]+(?i:the|our)[ \t]+$")
"""Before the price a discount is taken off: "pushing for 5% off the £48k" (still the deal's)."""
_CJK_AFTER_A_BLANK = lazy_pattern(r"[ \t]+[\u3400-\u9fff]")


_ONLY_HOW_OFTEN = lazy_pattern(r"[ \t]*(?:一年|每年|全年|大概|大约|约)*[ \t]*")
_AFTER_A_COMMA = lazy_pattern(r"[，,][ \t]*$")
"""An amount alone in its clause, right after a comma: what the clause before says is its."""


def _this_phrase(after: str) -> str:
    """``after`` up to a blank before Chinese, where a rep who types spaces for commas
    starts the next phrase ("28万报的 进场费…": the fee is the next phrase's)."""
    blank = _CJK_AFTER_A_BLANK.search(after)
    return after[: blank.start()] if blank is not None else after


_SHARE_OF = lazy_pattern(r"\d[\d.]*[ \t]*[%％][^()（）]{0,36}[(（][ \t]*[~≈约]?[ \t]*$")
"""A percentage, then its value in brackets: "5% of contract value (~£11k)"."""
_A_COMPANYS_SIZE = lazy_pattern(
    r"[ \t]*(?i:ARR|revenue|turnover|a year in revenue)?[ \t]*(?i:business|company|firm|outfit)\b"
)
_NOT_BEFORE = lazy_pattern(r"(?:不是|并非|\b(?i:not))[ \t]*$")
_CHANGED_TO = lazy_pattern(
    r"[ \t]*(?:元|块)?[ \t]*"
    r"(?:(?:压到|降到|砍到|谈到|改到|调到|调整到|涨到|提到|降至|调至|变成|改成|让到|给到|落到)了?|->|→|=>"
    r"|(?i:(?:down|up|reduced|lowered|dropped|cut)?[ \t]*to)\b)"
    r"[ \t]*(?=[\d¥$£€一二三四五六七八九十两]|[A-Z]{1,3}\$)"
)
_CREDIT_AFTER = lazy_pattern(r"[ \t]*(?i:credit(?:[ \t]+note)?|refund|rebate|write-?off)\b")
_QUANTITY_BEFORE = lazy_pattern(
    r"\b(?i:qty|quantity|volume|vol)[ \t:.]*[~≈]?[ \t]*$|数量[：: \t]*$"
)
_TWO_DIGITS = lazy_pattern(r"\d{1,2}")
_COUNTED_AFTER = lazy_pattern(
    r"[ \t]+(?i:tags|units|pcs|pieces|items|users|seats|licen[cs]es|devices|trucks|boxes"
    r"|cartons|cases|labels|sensors|pallets|bottles|sets|cans|packs|orders|visitors|members)\b"
)
"""After a bare amount, what was counted: "about 20k tags" is how many."""
_THRESHOLD_BEFORE = lazy_pattern(
    r"\b(?i:spend|spending|purchases?|anything|orders?|contracts?|items?)[ \t]+"
    r"(?i:over|above|exceeding|under|below|of more than|of over)[ \t]*$"
)
_OLD_PRICE_BEFORE = lazy_pattern(
    r"(?:(?:原报价|原价|原来的?报价|原先的?报价|之前的?报价|上次的?报价|原合同价"
    r"|(?:原来|之前|上次|原先)报的)(?:是|为)?"
    r"|\b(?i:originally quoted|original (?:quote|price)|previous (?:quote|price)|old price)"
    r"(?:[ \t]+(?i:was|of|at))?)[ \t:：]*$"
)
"""Right before the first of two prices, the one it was: "原报价23.6万元", "original quote
was $64k"."""
_WISHED = lazy_pattern(
    r"(?:想|要求|希望|想要|想让|提出)[^，,。；;]{0,6}从$|\b(?i:wants?|asking|asked)\b"
)
"""Before "from X to Y", the customer's wish: "高总打电话来砍价，想从48万降到45万"."""
_SET_ASIDE = lazy_pattern(r"[ \t]*(?i:set[ \t]+aside|earmarked|allocated|ring-?fenced)\b")
_BUDGET_BEFORE = lazy_pattern(
    r"(?:预算|\b(?i:budget))(?:(?![报价格单]|(?i:quote|price|our|we['’]re|we are))[^,.;，。；])*$"
)
"""A budget earlier in the amount's clause, with no price of ours between: "Budget for next
year is 300k", "预算在60万左右"."""
_BUDGET_JUST_BEFORE = lazy_pattern(r"预算[^。；;！!？?报价格钱我们]{0,12}$")
_FINAL_AFTER = lazy_pattern(r"[ \t]*的?(?:最终价|最终报价|最终价格)")
"""Right after an amount, the price agreed in the end: "同意按140万的最终价报过去"."""
_OURS = lazy_pattern(r"\b(?i:we|we're|our|ours|us)\b|我们|我方|咱们")
_OUR_TURN = lazy_pattern(r"\b(?i:we|we're|our|ours)\b|我们|我方|咱们")
"""Ours, said as the subject or the owner: "… at 38k vs our 52k" (not "undercut us at 40k")."""


def _theirs_clause(text: str, start: int, at: int, rx: _Compiled) -> bool:
    """Someone else named earlier in the amount's clause, and no turn to us between ("…:
    competitor is pitching their DX-900 at 38k"; not "competitor quoted 40k but we held at
    45k" for the 45k). Leaving an amount out is safe; taking theirs is not."""
    theirs = _their_words(text, start, start, at, rx)
    return bool(theirs) and _OURS.search(text, theirs[-1].end(), at) is None


def _their_words(
    text: str, clause_start: int, start: int, end: int, rx: _Compiled
) -> list[re.Match[str]]:
    """The words between ``start`` and ``end`` that make a price someone else's; "quoted
    them" is ours when the rep is its subject ("we quoted them 64k", "…, quoted them 64k")
    and a third party's otherwise ("a partner quoted them 52k")."""
    return [
        m
        for m in rx.theirs_price.finditer(text, start, end)
        if not (
            m.group().lower().startswith(_OUR_VERBS)
            and _REP_SUBJECT.fullmatch(text, clause_start, m.start()) is not None
        )
    ]


_OUR_VERBS = ("quoted", "quoting", "offered")
_REP_SUBJECT = lazy_pattern(
    r"[\s,;:.\-–—]*(?:(?:we|i|we've|i've|we'd|just|and|then|so|also|comma|have|had)\s+)*",
    re.IGNORECASE,
)
_PER_UNIT = lazy_pattern(
    r"[ \t]*(?:/[ \t]*|per[ \t]+|a[ \t]+|each[ \t]+)?"
    r"(?:unit|pc|pcs|piece|user|seat|licen[cs]e|each|apiece|vehicle|truck|van|site|store|clinic"
    r"|device|sensor|terminal|kiosk|room|tablet|laptop)(?![a-z])"
    r"|[ \t]*(?:/|每)[ \t]*(?:套|台|个|件|人|用户)",
    re.IGNORECASE,
)
"""A price for one of many ("195/unit", "$12 per seat", "800元/套"), not the deal's."""
_PAST_AFTER = lazy_pattern(
    r"\b(?:last|previous|prior)[ \t]+(?:yr|year|quarter|qtr|fy)\b|去年|前年|上年|上个?季度",
    re.IGNORECASE,
)
"""Said later in the amount's clause: what they spent then ("$60k w us last yr")."""
_DIFFERENCE_BEFORE = lazy_pattern(r"(?:便宜了|贵了|差了|低了|高了|差价|相差)[ \t]*$")
_APPROXIMATELY = lazy_pattern(
    r"(?:[ \t]*(?:\b(?:about|around|roughly|approx\.?|approximately|nearly|almost|some|over"
    r"|just[ \t]+over|just[ \t]+under|close[ \t]+to)\b"
    r"|~|约|大约|大概|差不多|将近|接近|近|足足|整整|小))+[ \t]*$",
    re.IGNORECASE,
)
"""Words that only round the amount after them, passed over to see the word before them."""


def money_text(text: str, money: Money) -> str:
    """The amount as written, with its minus sign."""
    start = money.start - 1 if money.start and text[money.start - 1] in "-−负" else money.start
    return text[start : money.end].replace(_MASK, "").strip()


def person_in_text(text: str, names: Iterable[str]) -> tuple[str, str] | None:
    """(known name, as written) of the one known person the text names: by full name
    ("陈静", "Helen Carter"), or by a first name no one else in ``names`` shares ("Helen").
    None when nobody, or several, are named."""
    folded = text.casefold()
    full: dict[str, str] = {}
    first: dict[str, list[str]] = {}
    for name in names:
        clean = " ".join(name.split())
        if len(clean) < 2:
            continue
        full[clean.casefold()] = clean
        words = clean.split()
        if len(words) >= 2 and len(words[0]) >= 3 and words[0].isascii():
            first.setdefault(words[0].casefold(), []).append(clean)
    found: dict[str, str] = {}
    for key, name in full.items():
        at = folded.find(key)
        if at >= 0 and _whole_word(folded, at, key):
            found[name] = text[at : at + len(key)]
    if not found:
        for key, owners in first.items():
            at = folded.find(key)
            if len(owners) == 1 and at >= 0 and _whole_word(folded, at, key):
                found[owners[0]] = text[at : at + len(key)]
    return next(iter(found.items())) if len(found) == 1 else None


def warm_up() -> None:
    """Pay the parser's one-time costs (keyword files, compiled patterns, dateparser's first
    parse: ~270 ms together) at start-up instead of on the first users' messages, which would
    otherwise all wait behind it."""
    _warm_dates()
    compile_all(sys.modules[__name__], amounts, dates, segments, spoken)
    default_keywords().compiled.compile_all()
    default_keywords().ascii_compiled.compile_all()
    now = datetime(2026, 1, 1, 9, 0).astimezone()
    for text in (
        "called Acme Ltd, Wang wants a quote for $5k, follow up Friday 10am",
        "今天拜访了星辰科技张总，报价50万，下周二下午3点跟进",
    ):
        parse_log(text, now, known_customers=("Acme Ltd", "星辰科技"))


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULL_WIDTH_DIGIT = lazy_pattern("[０-９]")
_FULL_WIDTH_IN_NUMBER = lazy_pattern(r"(?<=\d)[：．，](?=\d)")


def _half_width_digits(text: str) -> str:
    """ "１４：３０", "１２．５万" as "14:30", "12.5万", character for character, so every
    position found holds in the rep's own text; other full-width punctuation stays."""
    if _FULL_WIDTH_DIGIT.search(text) is None:
        return text
    half = text.translate(_FULL_WIDTH_DIGITS)
    return _FULL_WIDTH_IN_NUMBER.sub(lambda m: {"：": ":", "．": ".", "，": ","}[m.group()], half)


def _tidy(text: str) -> str:
    """Runs of spaces collapsed and blank lines dropped; the words are the rep's own."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _blank(text: str, spans: Iterable[Span]) -> str:
    """``text`` with the spans overwritten, so offsets stay valid for the original."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: _MASK * len(m.group()), text)


def _clauses(text: str) -> list[Span]:
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _clause_of(position: int, clauses: list[Span]) -> Span:
    for start, end in clauses:
        if start <= position <= end:
            return start, end
    return clauses[-1]


# --- Dates ---------------------------------------------------------------------------------


def _dates(text: str, now: datetime, default_time: time) -> list[_Date]:
    """Every date phrase, left to right; the follow-up is chosen among them below."""
    matches = find_all_datetimes(_slash_days(text, now), now, default_time=default_time)
    matches = matches[:_MAX_DATES]
    return [_Date(m.at, m.start, m.end, m.has_time, m.day_said) for m in matches]


def _slash_days(text: str, now: datetime) -> str:
    """ "12/15" (US) and "15/12" (Chinese, British) as "12月15", which the date reader knows:
    the same length, so offsets still hold. When both could be a month, the weekday said with
    it decides ("Mon 7/12" is 7 December, a Monday, where 12 July 2026 is not), else the
    sender's own order: day first where their time zone writes it so (Singapore, India,
    Europe…), month first elsewhere (China, the United States)."""
    day_first = _writes_day_first(now)

    def as_month_day(match: re.Match[str]) -> str:
        first, second = int(match["a"]), int(match["b"])
        said = en_weekday(match["wd"]) if match["wd"] else None
        if first > 12 >= second:
            month, day = second, first
        elif second > 12 or first == second:
            month, day = first, second
        else:
            month, day = (second, first) if day_first else (first, second)
            if _weekday_of(month, day, now) != said == _weekday_of(day, month, now):
                month, day = day, month
        written = f"{month}月{day}"
        if not _real_day(month, day, now.year) or len(written) != len(match["md"]):
            return match.group()
        if said is not None and said == _weekday_of(month, day, now):
            return " " * (match.start("md") - match.start()) + written  # "Mon 7/12": one date
        return match.group()[: match.start("md") - match.start()] + written

    return _SLASH_DAY_SAID.sub(as_month_day, text) if "/" in text else text


def _is_future(date: _Date, now: datetime, *, cue: bool) -> bool:
    """Later than now; with a follow-up cue, "today" (no time) also counts."""
    if date.has_time:
        return date.at > now
    day, today = date.at.date(), now.date()
    return day > today or (cue and day == today)


def _follow_up(
    text: str, dates: list[_Date], clauses: list[Span], now: datetime, rx: _Compiled
) -> _Date | None:
    """The follow-up date: one in a clause with a cue ("跟进", "follow up"), else a future one
    that is the rep's own next step: not what the customer will do ("他说预算要下个月才批",
    "they need until next month"), and not a vague month or year ("下个月再谈") unless a
    real follow-up cue goes with it."""
    dates = [date for date in dates if date.at < now or not _no_step(text, date)]
    cued: list[_Date] = []
    firm: list[_Date] = []  # cued by words that only ever cue a follow-up
    coming = [date for date in dates if _is_future(date, now, cue=True)]
    for date in coming:
        start, end = _clause_of(date.start, clauses)
        cues = [
            cue
            for cue in (
                *rx.follow_up_only.finditer(text, start, end),
                *rx.follow_up.finditer(text, start, end),
            )
            if not (_CJK.match(cue.group()) and _DONE.match(text, cue.end()))  # "回访了": done
            and not _THEY_BEFORE.search(text, max(start, cue.start() - 16), cue.start())
            # "today - they … want to go direct": a dash closes the date's phrase
            and not (cue.start() > date.end and _SPACED_DASH.search(text, date.end, cue.start()))
            and not (cue.end() < date.start and _SPACED_DASH.search(text, cue.end(), date.start))
            and not _inside_a_verb(text, cue, rx)  # "Dropped by Camden Foods today"
            and not _a_cue_as_a_noun(text, cue)  # "replied to my follow-up email today"
        ]
        if not _nearest_to_a_cue(date, [d for d in coming if start <= d.start <= end], cues):
            continue
        strong = rx.follow_up_only.search(text, start, end) is not None
        if not _COARSE.search(text, date.start, date.end) or strong:
            cued.append(date)
            if strong:
                firm.append(date)
    # "should land Friday; follow up Mon": "follow up" over "should", when the rep's own
    firm = [d for d in firm if not _theirs(text, _clause_of(d.start, clauses), d)]
    cued = firm or cued
    cued = [d for d in cued if not _they_said_before(text, clauses, d)]
    if cued:  # "下个月再谈 3天后跟进": the precise date is the follow-up, not the mention
        # "they decide by end of month, f/u mon": the customer's own "by" is not the rep's.
        ours = [d for d in cued if not _theirs(text, _clause_of(d.start, clauses), d)]
        # the precise days no cue took, and not theirs: where the rep's own step may be
        others = [
            d
            for d in coming
            if d not in cued
            and not _COARSE.search(text, d.start, d.end)
            and not _theirs(text, _clause_of(d.start, clauses), d)
        ]
        if not ours:  # "他们希望12月中旬开工。12月3号下午2点再开一次会": not their date
            ours = [d for d in others if d.at > now] or cued
        if not any(_rep_says(text, clauses, d) for d in ours):
            # "合同约定12月15日前到账。我下周一上午10点跟林涛过一遍": the rep's own step
            mine = [d for d in others if _rep_says(text, clauses, d)]
            if mine:
                return mine[0]
        return min(ours, key=lambda d: _COARSE.search(text, d.start, d.end) is not None)
    first: _Date | None = None
    for date in dates:
        if not _is_future(date, now, cue=False) or _COARSE.search(text, date.start, date.end):
            continue
        if _theirs(text, _clause_of(date.start, clauses), date):
            continue
        if _they_said_before(text, clauses, date):
            continue  # "她说要报给老板批，月底前给答复": their answer's day
        if not date.day_said and (
            date.at.date() > now.date()  # "this morning (early start, 8am)": gone by
            or _DONE_IN_CLAUSE.search(text, _clause_of(date.start, clauses)[0], date.start)
        ):
            continue  # "did a joint call with Orchard Retail at 4pm": when it was, not next
        if _AGREED_AFTER.match(text, date.end) and any(
            later.start > date.end
            and later.has_time
            and rx.activity.regex.search(text, *_clause_of(later.start, clauses))
            for later in dates
        ):
            continue  # "told her 7 Dec works. Kick-off call Wed 2 Dec 2.30pm": the call
        if _rep_says(text, clauses, date):
            return date  # "…12月15日前到账。我下周一上午10点…": the rep's own step
        first = first or date
    return first


_AGREED_AFTER = lazy_pattern(r"[ \t]+(?i:works|is fine|suits|is ok|is good)\b")
"""A day said to suit the customer, for something of theirs: "told her 7 Dec works"."""


_MET_BEFORE = lazy_pattern(
    r"(?<![要得须取量争])赶在?$"
    r"|\b(?i:closed|signed|landed|won|booked|got)\b[^.!?;\n]{0,40}?"
    r"\b(?i:before|ahead of|in time for)[ \t]+$"
)
"""Right before a date that a deed done already beat: "赶在月底前落袋", "Closed a quick one
before month end". Not "要赶在月底前签掉", still to be done."""


def _no_step(text: str, date: _Date) -> bool:
    """Whether ``date`` is no follow-up however it reads: a deadline a deed already beat
    (:data:`_MET_BEFORE`), the slot given up ("push tomorrow's meeting"), what the
    customer's side will do then (:data:`_THEIR_THING_SLIPS`), or when a contract ends
    ("renewal due 15 Jan", "合同12月31号到期")."""
    if _slot_given_up(text, date) or _ENDS_AFTER.match(text, date.end):
        return True
    window = max(0, date.start - 64)
    if _ELAPSED.match(text, date.start) and _DONE_RIGHT_BEFORE.search(text, window, date.start):
        return True  # "sorted in 30 min": how long it took
    said = text[window : date.start].lower()  # substring tests first: cheaper (issue 20)
    if ("before" in said or "ahead of" in said or "in time for" in said or "赶" in said) and (
        _MET_BEFORE.search(text, window, date.start) is not None
    ):
        return True
    if (
        "slip" in said
        or "delay" in said
        or "retir" in said
        or "moving" in said
        or "relocat" in said
        or " with" in said
        or "leav" in said
        or "away" in said
        or "live" in said
        or "deci" in said
        or "board" in said
        or "last order" in said
        or "cut" in said
    ) and _THEIR_THING_SLIPS.search(text, window, date.start) is not None:
        return True  # "units slip to 4 Dec", "on leave till mid Dec": theirs, not a step
    if ("效" in said or "valid" in said or "hold" in said or "good" in said) and (
        _VALID_UNTIL.search(text, window, date.start) is not None
    ):
        return True  # "报价有效期到月底", "price valid till 30 Nov": how long an offer stands
    return ("due" in said or "expir" in said or "end" in said or "runs" in said) and (
        _ENDS_BEFORE.search(text, window, date.start) is not None
    )


_VALID_UNTIL = lazy_pattern(
    r"有效期?(?:为|是)?(?:到|至|截至|截止到?)$"
    r"|\b(?i:valid|holds?|good)[ \t]+(?i:until|till|til|to|thru|through)[ \t]+$"
)
"""Before a date, how long a quote or an offer stands: the customer's window, not a step."""


_THEIR_THING_SLIPS = lazy_pattern(
    r"\b(?i:units?|deliver(?:y|ies)|shipments?|orders?|parts|stock|goods|go-?live|install"
    r"(?:ation)?|rollout|payments?)\b[^,.;!?\n]{0,24}\b(?i:slip(?:s|ped)?|delayed)[ \t]+"
    r"(?i:to|until|till|into)[ \t]+$"
    r"|\b(?i:on[ \t]+leave|away|out[ \t]+of[ \t]+(?:the[ \t]+)?office|ooo|off)[ \t]+"
    r"(?i:until|till|til|to)[ \t]+$"
    r"|\b(?:(?i:is|are|['’]s)[ \t]+)?(?i:leaving|retiring|moving[ \t]+on)"
    r"(?:[ \t]+(?i:at|on|by|in))?[ \t]+$"
    r"|\b(?i:moving|relocating)[ \t]+(?i:hq|head[ \t]+office|office|offices|warehouse|premises)"
    r"\b[^,.;!?\n]{0,24}\b(?i:from|on|in|by)[ \t]+$"
    r"|\b(?i:both|all|everyone)[ \t]+(?:(?i:are)[ \t]+)?(?i:ok|okay|fine|happy)[ \t]+(?i:with)"
    r"[ \t]+$"
    r"|\b(?i:wants?|need|needs)\b[^,.;!?\n]{0,40}\b(?i:live|running|installed|delivered)[ \t]+"
    r"(?i:by|before)[ \t]+$"
    r"|\b(?i:decision|decide|deciding|board)[ \t]+(?i:by|due|expected|in|on)[ \t]+$"
    r"|\b(?i:last[ \t]+orders?|cut-?offs?)(?:[ \t]+(?i:is|are|on|by))*[ \t]+$"
)
"""Before a date, a thing of theirs that slipped to it, someone away until it or leaving
then, or what they want live by it: what the customer's side will do, not the rep's next
step."""


def _slot_given_up(text: str, date: _Date) -> bool:
    """ "has to push tomorrow's meeting", "to move Thursday's demo": the day of what is
    moved, neither when the rep acted nor the next step."""
    return text.startswith(("'s ", "’s "), date.end) and (
        _MOVING.search(text, max(0, date.start - 24), date.start) is not None
    )


_MOVING = lazy_pattern(
    r"\b(?i:move|moving|moved|push|pushing|pushed|reschedul\w*|cancel\w*|postpon\w*|shift\w*"
    r"|bring[ \t]+forward|change)\b[^.;!?\n]*$"
)
_ELAPSED = lazy_pattern(r"(?i:in|within)[ \t]+\d+[ \t]*(?i:min|mins|minutes|hrs?|hours?)\b")
_DONE_RIGHT_BEFORE = lazy_pattern(r"\b(?i:[a-z]+ed|done|sorted)[ \t]+$")
"""Before :data:`_ELAPSED`, a deed done: "sorted in 30 min" is how long it took."""
_ENDS_AFTER = lazy_pattern(r"[ \t]*(?:到期|截止|过期|届满)")
_ENDS_BEFORE = lazy_pattern(
    r"\b(?i:renewal|contract|licen[cs]es?|subscription|term|warranty|support|lease)"
    r"(?:[ \t]+(?i:is|was))?[ \t]+(?i:due|expires|expiring|ends|ending|runs[ \t]+out)"
    r"(?:[ \t]+(?i:on|in))?[ \t]+$"
)


_REP_SAYS = lazy_pattern(r"我(?!们)|\b(?:I|I'll|I will|I'm|we'll|we will)\b")


def _they_said_before(text: str, clauses: list[Span], date: _Date) -> bool:
    """Whether a Chinese clause with no subject of its own goes on what the customer said in
    the clause before it: "她说要报给老板批，月底前给答复" (their answer by month end)."""
    start, end = _clause_of(date.start, clauses)
    if start < 2 or text[start - 1] not in "，," or "我" in text[start:end]:
        return False
    if _THEIR_ANSWER.match(text, date.end) is None:
        return False  # "他说要上会讨论，下周三下午两点再去一趟": the rep's step
    before = _clause_of(start - 2, clauses)
    return _SHE_SAID.search(text, *before) is not None


_SHE_SAID = lazy_pattern(r"[他她](?:们)?(?:说|表示|讲|回复说)")
_THEIR_ANSWER = lazy_pattern(
    r"(?:之?前|左右)?(?:给|回)(?:我们?)?(?:个)?(?:答复|回复|反馈|结果|消息|回话)"
)


def _rep_says(text: str, clauses: list[Span], date: _Date) -> bool:
    """Whether the rep is the one doing what is dated, said earlier in its clause: "我下周一
    上午10点去签", "I'll go over … the day after tomorrow at 10:30am"."""
    return (
        _REP_SAYS.search(text, _clause_of(date.start, clauses)[0], date.start) is not None
        or _REP_RIGHT_AFTER.match(text, date.end) is not None  # "下周一我再查下到账没有"
    )


_REP_RIGHT_AFTER = lazy_pattern(r"[ \t]*(?:我(?!们)|(?:I['’]ll|I will|I['’]m)\b)")


_DONE_IN_CLAUSE = lazy_pattern(
    r"\b(?i:did|had|held|called|met|visited|rang|phoned|spoke|talked|dropped)\b"
)
"""A deed done earlier in the clause: a bare time after it says when ("did a joint call with
Orchard Retail at 4pm"). English only: Chinese says the time before the deed."""


def _with_its_time(follow: _Date | None, dates: list[_Date]) -> _Date | None:
    """The follow-up with the time said for the same day elsewhere: "Can you come by on 26th
    Nov? … Replied ok, 26th 2pm" is the 26th at 2pm."""
    if follow is None or follow.has_time:
        return follow
    day = follow.at.date()
    return next((d for d in dates if d.has_time and d.day_said and d.at.date() == day), follow)


_NO_NEXT_STEP = lazy_pattern(
    r"(?=[Nn暂没不先无时另改]|(?i:[ntd]))"  # where a reading can start: no other place
    r"(?:[Nn](?:o (?:next steps?|follow[- ]?up|f/u|action (?:needed|required))"
    r"|othing (?:for me )?to (?:do|chase|follow up)|o new date(?: set)?(?: yet)?"
    r"|o further action(?: needed| required)?"
    r"|o date yet|ot rescheduled(?: yet)?)\b|\b(?i:(?:new |the )?(?:date|time|day)s?"
    r"(?: is| still)? (?:TBC|TBD|to be confirmed))\b"
    r"|暂无下一步|没有下一步|不用跟进|暂不跟进|先不跟进|无需跟进|时间待定|另约时间|改期待定)"
)


def _after_no_next_step(text: str, dates: list[_Date]) -> list[_Date]:
    """The dates that may be a follow-up when the rep says there is none ("He'll send floor
    plans by COB Friday - nothing for me to do until they arrive", "No next step set yet"):
    only one said after that, as in "no next step yet, will call back Mon"."""
    said = _NO_NEXT_STEP.search(text)
    return dates if said is None else [d for d in dates if d.start >= said.end()]


def _not_taken_back(text: str, dates: list[_Date], rx: _Compiled) -> list[_Date]:
    """The dates the rep did not correct: one followed by "no wait" / "不对" and then another
    date ("call back Thursday, no wait, he's flying Thursday, make it Friday 11am") was
    taken back, and the one after the correction stands."""
    if len(dates) < 2 or rx.corrections.search(text) is None:
        return dates
    starts = [d.start for d in dates]

    def corrects(cue: re.Match[str]) -> bool:
        # "make it" / "改成" say the new date at once ("make it Friday"), not "make it happen".
        gap = _RIGHT_AFTER if _SAYS_THE_NEW_ONE.fullmatch(cue.group()) else _CORRECTION_REACH
        return any(0 <= start - cue.end() <= gap for start in starts)

    cues = [cue for cue in rx.corrections.finditer(text) if corrects(cue)]
    return [
        date
        for date in dates
        if not any(0 <= cue.start() - date.end <= _CORRECTION_REACH for cue in cues)
    ]


_SAYS_THE_NEW_ONE = lazy_pattern(r"(?i:make it)|改成|改到|改为")
_RIGHT_AFTER = 3
_CORRECTION_REACH = 40
"""Characters between a correction and the dates on either side of it."""


_OWNER_BEFORE = lazy_pattern(r"\b(?i:my|our|the|a|an|your|her|his|their)[ \t]+$")
_THING_AFTER = lazy_pattern(
    r"[ \t]+(?i:e-?mails?|calls?|meetings?|visits?|notes?|messages?|deck)\b"
)


def _a_cue_as_a_noun(text: str, cue: re.Match[str]) -> bool:
    """ "my follow-up email", "our next call": a thing that was (or is) rather than the
    rep's next step, when a determiner comes before it and a noun after."""
    return (
        _THING_AFTER.match(text, cue.end()) is not None
        and _OWNER_BEFORE.search(text, max(0, cue.start() - 8), cue.start()) is not None
    )


def _nearest_to_a_cue(date: _Date, dates: list[_Date], cues: list[re.Match[str]]) -> bool:
    """A cue is the nearest date's: in "今天拜访了鸿图智造 … 下周五发方案过去" (one clause
    to a rep who types spaces, not commas) the cue "发方案" is next Friday's, not today's;
    in "their board meets mon 23rd so ping her the wed after that" "ping" is Wednesday's."""

    def apart(other: _Date, cue: re.Match[str]) -> int:
        if other.start >= cue.end():
            return other.start - cue.end()
        # English says the date after its verb ("ping her the wed after"): one before the
        # cue counts twice as far ("meets mon 23rd so ping her …").
        behind = max(cue.start() - other.end, 0)
        return behind * 2 if _ASCII_WORD.match(cue.group()) else behind

    return any(min(dates, key=lambda other: apart(other, cue)) is date for cue in cues)


def _inside_a_verb(text: str, cue: re.Match[str], rx: _Compiled) -> bool:
    """Whether a cue is part of an activity's words ("by" in "Dropped by", the one cue that
    ends the English words for a visit)."""
    if cue.group().lower() != "by":
        return False
    verb = rx.activity.regex.search(text, max(0, cue.start() - 12), cue.end())
    while verb is not None and verb.start() <= cue.start():
        if cue.end() <= verb.end():
            return True  # "Dropped by", and "came back by email": no "by Friday"
        verb = rx.activity.regex.search(text, verb.end(), cue.end())
    return False


_DONE = lazy_pattern(r"[了过]")
_DONE_OR_OVER = lazy_pattern(r"[了过完]")
_THEY_BEFORE = lazy_pattern(r"\b(?i:they|he|she|the client|the customer)[ \t]+$")
"""Right before a cue, whose wish it is: "today - they want to go direct. Send proposal by
Fri 4 Dec" has the rep's next step on the 4th, not today."""


_COARSE = lazy_pattern(
    # "下个月" is vague; "下月3号", "下个月初", "下月底" are days, as precise as "月底"
    r"(?=[下明年上nei])"  # where a reading can start: no other place is tried
    r"(?:下下?个?月(?!\s*(?:\d|[一二三四五六七八九十]{1,3}[号日]|初|底|中旬|上旬|下旬|的?第|的?最后))"
    r"|明年|年底|年初|下半年|上半年|下季度|(?<!of )next month|next year|"
    r"end of (?:the )?year|next quarter|in january|in jan\b)",
    re.IGNORECASE,
)
_THEIRS = lazy_pattern(
    r"(?=[他她对客厂说催结问]|(?i:[hstcwna]))"  # where a reading can start: no other place
    r"(?:他|她|他们|她们|对方|客户|厂家|(?<!我)说(?![明服好定])|(?<!我)催着?|结果|"
    r"(?<=[，,])问(?![问一下了他她])|"
    r"(?i:\b(?:they|he|she|customer|client|said|says|wants|needs|asked)\b"
    r"|(?<!for )(?<!to )(?<!with )(?<!w/ )(?<!at )\btheir\b))"
)
_MINE = lazy_pattern(
    r"(?<![选找比])我|给[他她]|再[谈聊约打联]|见面|碰面|面谈|过来|回电|会(?:议)?(?:改|推|延)到|改约|"
    r"(?i:\b(?:me|us|we|we'll|we're|let's|to meet|pencill?ed in|booked in"
    r"|(?:a|the|POC) (?:call|meeting|demo|visit|kickoff|kick-off))\b)|\bI\b|\bI'[lm]"
)
"""The rep is in it: their date is an appointment ("王经理说下周二下午3点再谈")."""
_TO_ME = lazy_pattern(r"(?:发|寄|告诉|回复|答复|通知|回|给)我$")
"""我 as what they do something to ("发我", "给我答复"): still their deed."""
_BLANKS = lazy_pattern(r"\s+")
_SUBJECT_GOES_ON = lazy_pattern(r"想|要|希望|准备|打算|计划|会|说|还")


def _theirs(text: str, clause: Span, date: _Date) -> bool:
    """Whether a date is the customer's: "他说预算要下个月才批", "黄经理说预算要30号才批",
    "他们对报价没意见 想月底前定下来". Not when the rep is in it ("他让我周五先发过去",
    "说下周一来我们公司", "明早10点打给他"), nor when a Chinese rep's blank starts a phrase
    of their own ("客户想再压一压 明早9点半给回复")."""
    last = max(_THEIRS.finditer(text, clause[0], date.start), key=re.Match.start, default=None)
    if last is None:
        return False
    if _CJK.match(last.group()):
        blanks = [m.end() for m in _BLANKS.finditer(text, last.end(), date.start)]
        if blanks and not _SUBJECT_GOES_ON.match(text, blanks[-1]):
            return False
    elif _SPACED_DASH.search(text, last.end(), date.start):
        return False  # "she'd reply by Friday - chase Mon if nothing": the rep's, after a dash
    blank = _BLANKS.search(text, date.end, clause[1])
    stop = blank.start() if blank else clause[1]
    return not any(
        not (mine.group() == "我" and _TO_ME.search(text, max(0, mine.start() - 2), mine.end()))
        for mine in _MINE.finditer(text, last.end(), stop)
    )  # "他说周五下班前先把参数表发我": theirs to send; "他让我周五先发过去": mine


# --- Activity and stage ------------------------------------------------------------------------


def _is_plan(
    text: str, clause: Span, position: int, future: list[int], rx: _Compiled, end: int = 0
) -> bool:
    """True when what is at ``position`` is planned rather than done: a next-step or
    follow-up cue ("next step", "下次", also "next meeting" around the word itself), or a
    future date, comes first in its clause. A cue inside the word ending at ``end`` is the
    word's own ("by" in "got the PO by email")."""
    for cue in rx.follow_up.finditer(text, clause[0], clause[1]):
        if cue.start() > position:
            break
        if cue.start() == position and cue.end() <= end:
            continue
        if cue.start() < position or cue.end() > position:
            return True
    return any(clause[0] <= start < position for start in future)


def _activity(
    text: str,
    clauses: list[Span],
    future: list[int],
    rx: _Compiled,
    *,
    went_to: int | None = None,
) -> tuple[str | None, bool]:
    """(the first activity that happened, whether an activity was only planned): "call Acme
    tomorrow 10am" and "明天上午十点给嘉禾医药打电话" are things to do, not calls.
    ``went_to``: where "去" right before the customer's name says the rep went there
    ("去华信跟陈经理谈了"), a visit unless a word for another activity comes first."""
    if _TO_DO_HEADING.match(text):
        return None, True  # "待办：…给X打电话，约时间上门": each deed in it is to be done
    masked = _mask(text, rx.activity_ignore)
    planned = False
    headed = False  # "记一下：…", "Note: …": a note, unless what it notes is a plan
    for match in rx.activity.regex.finditer(masked):
        if went_to is not None and went_to < match.start() and text[went_to] != "在":
            break  # "去华信跟陈经理谈了": a visit; "在蓝海物流开的评审会": the meeting said
        if rx.activity.label(match) == "note" and _a_note_heading(text, match):
            headed = True
            continue
        if match.group().lower() in _EVENT_NOUNS and _THEIR_EVENT.search(
            masked, max(0, match.start() - 24), match.start()
        ):
            continue  # "til their jan meeting", "the board's meeting": theirs, not the rep's
        clause = _clause_of(match.start(), clauses)
        if (
            _is_plan(masked, clause, match.start(), future, rx, match.end())
            or (future and _is_imperative(masked, clause, match, future))
            or (future and _planned_in_its_sentence(masked, match, future))
            or _MOVED_AFTER.match(masked, match.end()) is not None  # "Globex QBR pushed to Thu"
            or (future and _BOOKED_AFTER.match(masked, match.end()) is not None)
        ):
            planned = True
            continue
        label = rx.activity.label(match)
        if headed:
            return "note", planned  # "note: they prefer WeChat over email"
        if label == "meeting" and _met_at_their_place(masked, clause, match):
            return "visit", planned
        return label, planned
    if went_to is not None:
        if not _is_plan(masked, _clause_of(went_to, clauses), went_to, future, rx):
            return "visit", planned
        planned = True
    if headed and future and not planned:  # "记一下：明天上午10点半去…见刘总": a note to do
        return None, True
    return ("note" if headed and not planned else None), planned


_MOVED_AFTER = lazy_pattern(
    r"[ \t]+(?:(?:has|have|was|is|got|been)[ \t]+)*"
    r"(?i:pushed|moved|rescheduled|postponed|bumped|shifted)[ \t]+(?i:to|till|until|back)\b"
)


_BOOKED_AFTER = lazy_pattern(
    r"[ \t]+(?i:booked|scheduled|set[ \t]+up|pencill?ed(?:[ \t]+in)?|arranged|lined[ \t]+up)\b"
)
"""After a word for an activity, with a day to come said: "Zoom booked with Thames Analytics
tonight 9pm" is one to hold."""


def _planned_in_its_sentence(text: str, match: re.Match[str], future: list[int]) -> bool:
    """ "明天上午十点半去禾丰茶业见吴总，带样机过去做演示": a Chinese sentence that opens with a
    day to come plans every deed in it, clause after clause, unless one is said done (了)."""
    if not _CJK.match(match.group()):
        return False
    stop = max(text.rfind(mark, 0, match.start()) for mark in "。！？!?\n") + 1
    return (
        any(stop <= start < match.start() for start in future)
        and "了" not in text[stop : match.end() + 1]
        and text[match.end() : match.end() + 1] != "过"
    )


_EVENT_NOUNS = frozenset({"meeting", "meetings", "mtg", "dinner", "lunch"})
"""Words for an event that may be someone else's: "til their jan meeting"."""
_THEIR_EVENT = lazy_pattern(
    r"\b(?i:their|his|her|its|(?:the[ \t]+)?board['’]s)[ \t]+(?:[\w-]+[ \t]+){0,2}$"
)
_TO_DO_HEADING = lazy_pattern(
    r"\s*(?:(?i:to[- ]?dos?|reminder|plan for|note to self)(?:[ \t]+[\w\x1f-]+){0,3}?"
    r"|待办(?:事项)?|提醒)"
    r"[ \t]*(?:[:：]|[-–—]+[ \t])"
    r"|\s*待办(?:事项)?[ \t]+(?=[\u3400-\u9fff\x1f])"
)
"""A message headed as a list of things to do: "To do: call …", "待办：…", "Plan for Thu: …"."""


_MET = frozenset({"met", "met with", "met w", "met w/", "demo", "demoed", "demo with"})
_AT_THEIR_PLACE = lazy_pattern(
    r"\bat\s+(?:the|their|(?:[\w&.\-]+\s+){0,3}?(?!(?:he|she|it|that|there|who|what)['’])"
    r"[\w&.\-]+['’]s)\s+(?:[\w&\-]+\s+){0,2}?"
    r"(?:office|offices|site|clubhouse|plant|factory|hq|headquarters|premises|warehouse"
    r"|showroom|branch|facility|campus|works|yard|depot)\b",
    re.IGNORECASE,
)


_SENTENCE_END = lazy_pattern(r"[!?。！？\n]|(?<!Mr)(?<!Ms)(?<!Dr)(?<!Mrs)(?<!St)\.(?:\s|$)")
_PLACE_WITHIN = 80
"""Characters after "met" in which the place may follow, across an aside in commas ("Met
the GM, Mr. Pereira, at their clubhouse")."""


def _met_at_their_place(text: str, clause: Span, match: re.Match[str]) -> bool:
    """ "met Ahmad at Straits Marine's office", "demo'd it to their CMO at the Novena site":
    a meeting held at the customer's place is a visit. Only the verb, so that "a meeting at
    their office" stays the meeting the rep called it, and "met him at the expo" stays a
    meeting anywhere else."""
    if _norm(match.group()) not in _MET:
        return False
    end = _SENTENCE_END.search(text, match.end())
    stop = min(end.start() if end else len(text), match.end() + _PLACE_WITHIN)
    return _AT_THEIR_PLACE.search(text, match.end(), max(stop, clause[1])) is not None


_WENT_TO = lazy_pattern(r"(?:(?<!失)(?<!跳槽)(?<!跳)去(?:了|过)?|(?<![现正实在])在)\s*$")
_JUST_NOW = lazy_pattern(r"(?:刚刚?|刚才)\s*$")


def _went_to(
    text: str,
    customer: Span | None,
    clauses: list[Span],
    dates: list[_Date],
    now: datetime,
    rx: _Compiled,
) -> int | None:
    """Where "去" stands right before the customer's name, when the clause says it
    happened ("了" or "过" after the name, or a day gone by before it):
    "今天一早去华信跟陈经理谈了", "昨天和小王一起过去苏州德润光电" are visits with no word for
    one, as is "今天一早去新锐送样" (a time of today already gone by). "下周去华信谈" and
    "今天下午去华信" are left to the plan's reading."""
    if customer is None:
        return None
    clause = _clause_of(customer[0], clauses)
    back = _BACK_FROM.search(text, clause[0], customer[0])
    if back is not None and _CAME_BACK.match(text, customer[1]):
        return back.start()  # "刚从蓝海物流回来": back from a visit
    before = customer[0]
    for length in (2, 3, 4):  # "去沈阳力拓重工见了郭总": the city before a known name
        if before - length >= clause[0] and rx.region_at.fullmatch(text, before - length, before):
            before -= length
            break
    went = _WENT_TO.search(text, clause[0], before)
    if went is None:
        return None
    if (
        _DONE_OR_OVER.search(text, customer[1], clause[1]) is None
        and _JUST_NOW.search(text, clause[0], went.start()) is None
        and not any(clause[0] <= d.start < went.start() and d.at <= now for d in dates)
    ):
        return None
    return went.start()


_BACK_FROM = lazy_pattern(r"(?:刚|才)从\s*$")
_CAME_BACK = lazy_pattern(r"\s*(?:那边|那儿|那里)?(?:回来|出来)")


_BASE_FORMS = frozenset(
    {"call", "visit", "meet", "email", "e-mail", "text", "wechat", "whatsapp", "lunch",
     "dinner", "coffee", "ring", "phone", "mtg", "meeting", "call w", "call with", "lunch with",
     "dinner with", "coffee with", "meeting with", "lunch w", "lunch w/", "dinner w/"}
)  # fmt: skip
_BOOKED_NOUNS = frozenset(
    {"demo", "workshop", "zoom", "teams call", "video call", "site visit", "catch-up",
     "catch up"}
)  # fmt: skip
"""Activities said as a noun: booked, not had, when their date comes right after ("demo tmr
arvo", "zoom Mon 10.30"); had otherwise ("Site visit at Merlion - walked the plant")."""
_GOING_FORMS = frozenset({"visiting", "popping into", "popping in to"})
"""A visit said as it is under way: one to come when its clause names a date to come
("Visiting Acme tomorrow", "Popping into Orchard Retail this arvo")."""
_TO_VERB = lazy_pattern(
    r"(?:need(?:s)? to|have to|has to|got to|gotta|must|will|should|to|remember to|"
    r"don'?t forget to|pls|please|plan to|going to|gonna|to[- ]?dos?\s*(?::|[-–—]+)?)\s*$",
    re.IGNORECASE,
)


_RECEIVED = lazy_pattern(r"[ \t]+(?:in|from|came|arrived|received)\b", re.IGNORECASE)
_DATED_RIGHT_AFTER = 2
"""Characters between an activity's noun and a future date that says when it will be."""


_BOOKED_BEFORE = lazy_pattern(r"\b(?i:kick-?off|kick off|follow-?up|f/u|next|nxt)[ \t]+$")
"""Right before a word for an activity, one that is booked, not had: "kickoff call w …"."""


def _is_imperative(text: str, clause: Span, match: re.Match[str], future: list[int]) -> bool:
    """An English verb in its base form opening a clause ("call Acme tomorrow"), or after
    "need to" / "will": with a future date in the message, something to do. "call w Ho Ka
    Man @ Kowloon Elec - their board meets mon 23rd" is a call had: "call w" is one only
    with a date in its own phrase ("call w Bob tmr 3pm")."""
    word = _norm(match.group())
    if _BOOKED_BEFORE.search(text, clause[0], match.start()):
        return any(match.end() < start < clause[1] for start in future)  # "kickoff call w/ …"
    if word in _BOOKED_NOUNS:
        return any(0 < start - match.end() <= _DATED_RIGHT_AFTER for start in future)
    if word in _GOING_FORMS:
        return any(match.end() < start < clause[1] for start in future)
    if word not in _BASE_FORMS or _RECEIVED.match(text, match.end()):
        return False  # "Email in this morning from Grace": one that came, not one to send
    if any(0 < start - match.end() <= _DATED_RIGHT_AFTER for start in future):
        return True  # "kickoff call next Wed 2pm", "mtg tmrw 2:30pm": one booked, not had
    before = text[clause[0] : match.start()]
    if before.strip() and _TO_VERB.search(before) is None:
        return False
    stop = _SENTENCE_END.search(text, match.end())
    # its sentence, and a date that opens the next one ("Call Acme. Tomorrow 10am")
    reach = _past_blanks(text, stop.end()) + 1 if stop else len(text)
    if not before.strip() and not any(match.end() < start < reach for start in future):
        return False  # "WeChat w/ Cheung … she wants it split by site. Will redo and send Thu."
    if " w" in word:
        dash = _SPACED_DASH.search(text, match.end(), clause[1])
        end = dash.start() if dash else clause[1]
        return any(match.end() <= start < end for start in future)
    return True


def _is_to_do(text: str, rx: _Compiled) -> bool:
    return rx.to_do.search(text) is not None


def _happened(text: str, dates: list[_Date], now: datetime) -> datetime | None:
    """When the activity happened, when a past day is named ("昨天拜访了", "last Friday"); not
    the day of what was moved ("to move Thursday's demo")."""
    for date in dates:
        if date.at.date() == now.date() and (date.at <= now or not date.has_time):
            return None  # "今天早上去了一下X，就是上个月展会上加的那家": today, said first
        if date.at.date() < now.date() and not _slot_given_up(text, date):
            return date.at if date.has_time else date.at.replace(hour=now.hour, minute=now.minute)
    return None


_REASON = lazy_pattern(
    r"(?:原因|理由|因为|由于|主要是|主要还是|多亏|主要看中|看中了?|主要看重|看重了?|主要赢在|赢在|主要输在|输在|reason"
    r"|because(?:\s+of)?|due to|cause|thanks to|\bbc(?:\s+of)?(?![a-z])"
    r"|\bb/c(?:\s+of)?|came down to|was down to"
    # "won on faster delivery", as 赢在; not "won on Friday", "lost on the 3rd"
    r"|\b(?:won|lost)\s+on\b(?!\s+(?:the\b|\d|(?:mon|tue|wed|thu|fri|sat|sun|"
    + "|".join(EN_MONTHS_SHORT)
    + r")[a-z]*\b)))"
    r"\s*(?:是|为|了|:|：|-|—)?\s*"
    r"(?P<why>[^。.;；!！?？\n]{2,120})",
    re.IGNORECASE,
)


_CHOSE = lazy_pattern(
    r"(?P<why>(?:选了|选择了|(?:定了|用了|签了|采购了|跟|给了)(?=本地|别家|另一家|其他|竞品|友商|老供应商)"
    r"|被(?=[^，,。]{1,12}?(?:拿走|抢走|截胡|拿下)))[^。.;；!！?？\n]{2,120}"
    r"|\b(?i:gone|went|going|staying|sticking)[ \t]+(?i:with|w/?)[ \t]+(?!(?i:us)\b)"
    r"[^.;!?\n]{2,120})"
)
"""What they chose, as the reason when no cue says one: "最后选了本地一家供应商，价格比我们低
两成"."""


CLOSED = ("won", "lost")
_REASON_LEAD = lazy_pattern(
    rf"[\s了啦啊!！。，,;；:：\-–—~.{_EMOJI}]*"
    r"(?:(?:mainly because|because of|because|due to|as|since|bc|b/c|cos|coz)(?![A-Za-z])"
    r"|因为|由于|是因为|"
    r"主要是因为|主要是|主要因为|多亏了|多亏|靠的是)?\s*(?:我们的|我们)?"
)
_WENT_WITH = lazy_pattern(r"(?P<verb>went|gone)\s+w(?:ith\b|/|\b)(?P<rest>.*)", re.IGNORECASE)
_MARKED_AS = lazy_pattern(
    r"(?:标记|标成|标为|记成|改成)$"
    r"|\b(?i:mark(?:ed|ing)?|clos(?:e|ing))[ \t]+(?i:it[ \t]+|that(?:[ \t]+one)?[ \t]+"
    r"|this(?:[ \t]+one)?[ \t]+)?(?i:as[ \t]+)?$"
)
_REASON_TAIL = lazy_pattern(rf"[。.!！?？\n{_EMOJI}]")


def _went_with(chose: re.Match[str]) -> str:
    """What :data:`_WENT_WITH` read, with "w" and "w/" spelled "with"."""
    return f"{chose['verb']} with{chose['rest']}"


_NO_REASON = lazy_pattern(
    r"(?:没说|没讲|不知道|不清楚|没给)(?:原因|为什么|为啥)|原因不明|原因未知"
    r"|(?i:no reason|didn'?t say why|did not say why|not sure why|reason unknown)"
)
"""The message says there is no reason ("说那个单子不做了，没说原因", "原因不明")."""


def _reason(
    text: str,
    blanked: str,
    stage: tuple[int, str, int] | None,
    rx: _Compiled,
    dated: Iterable[int] = (),
) -> str | None:
    """Why it was won or lost, when the message says so (:func:`_reason_said`); for a loss,
    else what the customer said happened ("budget frozen till next FY", "…电话里说总部把项目
    砍了")."""
    why = _reason_said(text, blanked, stage, rx, dated)
    if why is not None or stage is None or stage[1] != "lost" or _NO_REASON.search(text):
        return why
    frozen = _BUDGET_GONE.search(text)
    if frozen is not None:
        return frozen.group().strip()
    told = _THEY_SAID_ZH.search(text)
    if told is None:
        return None
    start, end = told.end(), len(text)
    if stage[0] > start:  # "…说集团统一采购换成了阿里云，这单标丢单吧": up to the rep's own words
        mark = max(text.rfind(mark, start, stage[0]) for mark in "，,；;。")
        end = mark if mark > start else stage[0]
    said = text[start:end].strip(" ，,；;。")
    return said[:200] if len(said) >= 4 else None


_BUDGET_GONE = lazy_pattern(
    r"\b(?i:budgets?|capex|spend(?:ing)?|funding)\b[^.;!?\n,]{0,20}?\b(?i:frozen|freeze|cut|pulled"
    r"|withdrawn|slashed|on hold|not approved)\b[^.;!?\n]{0,40}"
)
"""Why a deal was lost, said as what happened to their money: "budget frozen till next FY"."""
_THEY_SAID_ZH = lazy_pattern(r"(?<!我)(?:说|表示)(?:了)?")


def _reason_said(
    text: str,
    blanked: str,
    stage: tuple[int, str, int] | None,
    rx: _Compiled,
    dated: Iterable[int] = (),
) -> str | None:
    """Why it was won or lost, when the message says so: after a cue ("原因 被竞争对手低价抢走",
    "reason: great support"), or right after the outcome ("丢单了，被竞争对手低价抢走",
    "lost to Siemens on price", "won it - faster delivery")."""
    if _NO_REASON.search(text):
        return None
    match = _REASON.search(text) or _CHOSE.search(text)
    if match is not None:
        why = _after_cue(text, *match.span("why"), dated, rx)
        chosen = _WENT_WITH.match(why) if why else None
        return _went_with(chosen) if chosen else why  # "went w a local vendor": "with"
    if " it" in text or " beat " in text:  # substring tests, cheaper than the scan (issue 20)
        swung = _SWUNG_IT.search(text)
        if swung is not None:
            why = swung["after"] or swung["beat"] or _SAID.split(swung["it"])[-1]
            return why.strip() or None  # "Strong refs from Camden swung it"
    if stage is None:
        return None
    start, _, end = stage
    said = text[start:end]
    if _MARKED_AS.search(text, max(0, start - 24), start):
        return None  # "标记丢单，明年他们还有个二期": the rep's instruction; why is said before
    lead = _REASON_LEAD.match(text, end)
    rest_start = lead.end() if lead else end
    stop = _REASON_TAIL.search(text, rest_start)
    why = text[rest_start : stop.start() if stop else len(text)].strip(" ,，;；")
    if len(why) < 2 or _MASK in blanked[rest_start : rest_start + len(why)]:
        return None
    if why[0] in "(（":  # "marking it lost. (they did ~$60k w us last yr)": an aside
        return None
    if why[0].isdigit():  # "确认首批订单 38家店每店20箱": what was ordered, not why
        return None
    if rx.follow_up.match(why) or rx.activity.regex.match(why) or _NO_NEXT_STEP.match(why):
        return None  # "Marking the deal lost, nothing to chase": no reason
    if said.lower().endswith(" us") and _WHAT_WAS_WON.match(why):
        return None  # "going with us on the fleet telematics rollout": what, not why
    chose = _WENT_WITH.search(said)
    if said.lower().endswith(" to"):  # "lost to Siemens on price"
        why = f"{said} {why}"
    elif chose is not None:  # "they went with a cheaper supplier": what they chose is why
        why = f"{_went_with(chose)} {why}"
    elif why.lower().startswith("to ") and said.lower().endswith("lost"):  # "deal lost to X"
        why = f"lost {why}"
    return why[:200]


_SWUNG_IT = lazy_pattern(
    r"\b(?i:what)[ \t]+(?i:sealed|swung|clinched|tipped)[ \t]+(?i:it)[ \t]*[:\-–—][ \t]*"
    r"(?P<after>[^.!;?\n]{3,100})"
    r"|(?:^|[.!;:]+[ \t]+|\b(?i:said|says|reckons|told me)[ \t]+(?:(?i:that)[ \t]+)?)"
    r"(?!(?i:what)[ \t])(?P<it>[^.!;?\n]{3,100}?)(?:[ \t]+(?i:was|is|were|are)[ \t]+(?i:what))?"
    r"[ \t]+(?:(?i:sealed|swung|clinched|tipped)[ \t]+(?i:it)|(?i:won[ \t]+it[ \t]+for[ \t]+us))\b"
    r"|(?P<beat>\b(?i:our)[ \t]+[^.!;?\n]{3,80}?[ \t]+(?i:beat)[ \t]+(?i:the[ \t]+)?"
    r"(?i:incumbent|other bids?|others|competition|competitors?|rest)\b)"
)
"""Why it was won, said as what did it: "Strong refs from Camden swung it", "she said our
references sealed it", "our delivery lead times beat the incumbent", "What swung it: …"."""
_CN_REASON_END = lazy_pattern(
    r"[ \t]+(?=[\u3400-\u9fff])|[，,](?=这单|就按|那就|先标|标记|按输单|按丢单)"
)
"""Where a Chinese reason ends: a blank before the next phrase ("定了本地供应商 没戏了"), or
the rep's own instruction after it ("…别家的，这单就按输单处理吧")."""
_SAID = lazy_pattern(r"\b(?i:said|says|reckons|told me)(?:[ \t]+(?i:that))?[ \t]+")
_SO_WE = lazy_pattern(r"[,，]?[ \t]+(?i:so)[ \t]+(?i:we|that|that's|it's|i|mark|closing)\b")
_WHAT_WAS_WON = lazy_pattern(r"(?i:on|for)[ \t]+(?i:the|their|its|this|that)\b")


def _after_cue(text: str, start: int, end: int, dated: Iterable[int], rx: _Compiled) -> str | None:
    """The reason a cue introduces, up to an emoji, a date, a follow-up or a dash after it:
    "主要是我们交付比竞品快两周 周五过去签合同", "because of price, follow up next month",
    "won on faster delivery - we can ship in 6 weeks"."""
    tail = _REASON_TAIL.search(text, start, end)
    end = tail.start() if tail is not None else end
    dash = _SPACED_DASH.search(text, start + 2, end)
    end = dash.start() if dash is not None else end
    so = _SO_WE.search(text, start + 2, end) or _CN_REASON_END.search(text, start + 2, end)
    end = so.start() if so is not None else end  # "…the incumbent, so we lost it"
    end = min((at for at in dated if start < at < end), default=end)
    for cue in rx.follow_up.finditer(text, start + 1, end):
        if text[cue.start() - 1] in " \t,，":
            end = cue.start()
            break
    return text[start:end].strip(" ,，:：") or None


def _more_customers(
    text: str,
    first: str | None,
    span: Span | None,
    known: Iterable[str],
    rx: _Compiled,
    *,
    moved_to: Span | None = None,
) -> list[tuple[int, str]]:
    """Every customer when a message logs several ("上午去了A，下午去了B", "visited A and B"),
    each with where it is written; [] for one. Known names anywhere, or a name joined to the
    first by 和 / and / 、."""
    if first is None or span is None or moved_to == span:
        return []  # "绿源环保之前的何军现在跳槽去了百川水务": where he is now, not where he was
    found: list[tuple[int, str]] = [(span[0], first)]
    names = tuple(name for name in known if name and name.strip())
    rest = _blank(text, [span])
    while names:
        hit = _match_known(rest, names, rx)
        if hit is None:
            break
        if hit[0] not in names:  # several known names fit it: leave it to the one customer
            break
        # "… after my Camden call got pushed": mentioned, not logged; "moved from Camden
        # Foods to …": where someone was
        passing = (
            (first not in names and _in_passing(text, hit[1], span, names, rx))
            or _LEFT_FROM.search(text, max(0, hit[1][0] - 16), hit[1][0]) is not None
            or _referrer_only(text, hit[1])  # "是华信电子的何经理介绍过去的": who sent us
        )
        if not passing and all(hit[0] != name for _, name in found):
            found.append((hit[1][0], hit[0]))
        rest = _blank(rest, [hit[1]])
    if len(found) == 1:
        joined = _JOINED.match(text, span[1])
        if joined is not None:
            second = _joined_name(text, joined.end(), rx)
            if second is not None:
                found.append((joined.end(), second))
    return sorted(found) if len(found) > 1 else []


_JOIN_WORDS = r"和|与|及|、|&|\band(?:\s+then)?|\bthen|\bplus"
"""What joins a second customer to the first ("visited A and then B", "A和B")."""
_JOINED = lazy_pattern(rf"\s*(?:{_JOIN_WORDS})\s*", re.IGNORECASE)


def _joined_name(text: str, start: int, rx: _Compiled) -> str | None:
    if start < len(text) and _CJK.match(text[start]):
        segment = _CN_SEGMENT.match(text, start)
        if segment is None:
            return None
        span, _ = _split_cn(text, start, segment.end(), rx)
    else:
        span, _ = _capitalised_run(text, _english_tokens(text, start), 0, rx)
    if span is None or _generic(text, span, rx):
        return None
    return text[span[0] : span[1]]


def _implied(text: str, position: int, rx: _Compiled) -> bool:
    """Whether the stage found at ``position`` is implied by a deed ("quoted", "报价了",
    "new lead") rather than named as the deal's stage."""
    return rx.stage_says.regex.match(_mask(text, rx.stage_ignore), position) is not None


_ARROW = lazy_pattern(r"\s*(?:->|→|=>|➡)")


def _stage_at(
    text: str, clauses: list[Span], future: list[int], rx: _Compiled
) -> tuple[int, str, int] | None:
    """(start, stage, end) of the last explicit stage change in the message."""
    masked = _mask(text, rx.stage_ignore)
    moves = [rx.stage_move]
    if "ov" in masked or "ump" in masked or "dvanc" in masked or "rogress" in masked:
        moves.append(rx.stage_move_named)  # substring tests, cheaper than its scan (issue 20)
    found: list[tuple[int, str, int]] = []
    for start, end in clauses:
        hits: list[tuple[int, str, int]] = []
        for match in rx.stage_says.regex.finditer(masked, start, end):
            hits.append((match.start(), rx.stage_says.label(match), match.end()))
        for match in rx.stage_says_at_end.regex.finditer(masked, start, end):
            if _CLAUSE_END.match(masked[match.end() : end]) or (
                _CJK.match(match.group()[-1]) and _BLANK_THEN_CJK.match(masked, match.end())
            ):  # "去鼎盛报价120万元 谈判中 下周一跟进": a blank ends a Chinese clause
                hits.append((match.start(), rx.stage_says_at_end.label(match), match.end()))
        for move in moves:  # "moved to proposal"; "moving Initech to proposal"
            for match in move.finditer(masked, start, end):
                name = rx.stage_names.regex.fullmatch(match.group("name"))
                if name is not None:
                    hits.append((match.start(), rx.stage_names.label(name), match.end()))
        for match in _OUTCOME_OF_THE.finditer(masked, start, end):  # "we lost the inventory deal"
            hits.append((match.start(), "won" if match["won"] else "lost", match.end()))
        if start == clauses[0][0] and (opening := _outcome_opening(masked)) is not None:
            hits.append(opening)
        for position, stage, stop in hits:
            if rx.negated.search(masked, start, position):
                continue
            if _theirs_clause(masked, start, position, rx):
                continue  # "a competitor quoted them 180k": their quote, not our stage
            if not _CJK.search(masked, start, end) and any(
                stop <= day < end and _DUE_GLUE.fullmatch(masked, stop, day) for day in future
            ):
                continue  # "Revised quote out by Mon": a deed still to be done
            if _asked(masked, start, position, stop):
                continue  # "问合同回签了没", "ask if they've signed": a question, not news
            if _ARROW.match(masked, position) is None and _is_plan(
                masked, (start, end), position, future, rx
            ):
                continue  # "decision by Jan -> qualified": the arrow moves it now
            found.append((position, stage, stop))
    return max(found) if found else None


_DUE_GLUE = lazy_pattern(r"[ \t]*(?:(?:[\w/]+[ \t]+){0,3}?(?i:by|on|before)[ \t]+)?")
"""Between an English stage word and a day to come after it: "Quote out by Fri", "revised
terms to them by fri": the deed is still to be done."""
_ASKED_AFTER = lazy_pattern(r"了?(?:吗|么|没有?|与否)(?=$|[？?，,。.；;！!\s])|[ \t]*[？?]")
_ASKED_BEFORE = lazy_pattern(
    r"(?<![没疑学顾访提追询])问(?!题)(?:一下|一问|下|问)?[^，,。；;！!？?了\s]{0,16}$"
    r"|\b(?i:ask(?:ed)?|check(?:ed)?|see|find out)[ \t]+(?:\w+[ \t]+){0,2}?(?i:if|whether)\b"
    r"[^,.;!?]*$"
)


def _asked(text: str, start: int, position: int, stop: int) -> bool:
    """Whether the stage word from ``position`` to ``stop`` is asked about, not said: "问合同
    回签了没", "签了吗？", "ask if they've signed"."""
    if _ASKED_AFTER.match(text, stop) is not None:
        return True
    said = text[start:position]
    if "问" not in said and "if" not in said and "whether" not in said:
        return False  # substring tests, cheaper than the expression's scan (issue 20)
    return _ASKED_BEFORE.search(text, start, position) is not None


# --- Customer ---------------------------------------------------------------------------------


def _customer(
    text: str, known: Iterable[str], rx: _Compiled, moved_to: tuple[int | None, Span | None]
) -> tuple[str | None, Span | None, Span | None]:
    """(customer, where it is written, contact span if found on the way); ``moved_to`` is
    :func:`_moved_or_referred_to`'s reading."""
    names = tuple(name for name in known if name and name.strip())
    said, moved = moved_to  # "he's moved from Camden Foods to Fairlight Bakeries"
    if moved is not None and said is None and names and _with_a_known_one(text, names, rx):
        moved = None  # "lunch w Jade Dragon, they introduced me to Sino Weave": the lunch
    if moved is not None:
        hit = _match_known(text[moved[0] : moved[1]], names, rx) if names else None
        person = _mover(text, said, names, rx) if said is not None else None
        if hit is not None:
            return hit[0], (moved[0] + hit[1][0], moved[0] + hit[1][1]), person
        return text[moved[0] : moved[1]], moved, person
    labelled = _LABELLED_CUSTOMER.search(text)
    if labelled is not None:  # a visit report: "客户：优品电商", "Customer: Northwind"
        start, end = labelled.span("name")
        hit = _match_known(text[start:end], names, rx) if names else None
        if hit is not None:
            return hit[0], (start + hit[1][0], start + hit[1][1]), None
        return text[start:end], (start, end), None
    if names:
        hit = _match_known(text, names, rx)
        if hit is not None:
            # The verb heuristics still find the person: "met Sarah Lee at Globex", and
            # "call w Grace Teo (Merlion Eng)", where they took her for the customer.
            run, person = _customer_by_verb(text, rx)
            span = _typed_on(text, hit[1], hit[0])
            if run is not None and _in_passing(text, span, run, names, rx):
                # "walked into Lion City Bakeries … after my Camden call got pushed": the
                # company the verb names, new to the rep, not the known one said in passing.
                return text[run[0] : run[1]], run, person
            if person is None and run is not None and _a_name(text, run, names, rx):
                person = run
            # "…吴经理的电话，是华夏纺织那边介绍过来的": a referrer is not theirs; read on
            if not _referrer_only(text, span):
                outside = person is not None and (person[1] <= span[0] or person[0] >= span[1])
                return hit[0], span, person if outside else None
    customer = _customer_by_referrer(text, rx)  # "New client: Harbour Point Logistics, …"
    if customer is None:
        customer = _customer_by_outcome(text, rx)  # "Lost Harborview Hotels 👎 spoke to Grace"
    if customer is None:
        customer = _customer_introduced(text, rx)  # "一家叫知行数据的公司", "新客户电话 X"
    if customer is None:
        customer = _customer_owning(text, rx)  # "蓝海物流的人打电话来", "华美广告的Amy"
    if customer is None:
        customer = _customer_met_at(text, rx)  # "刚在盐城九洲冷链7楼跟徐总聊完"
    contact: Span | None = None
    if customer is None:
        customer, contact = _customer_by_verb(text, rx)
    if customer is None:
        customer = _customer_by_lead(text, rx)
    if customer is None:
        customer, marker_contact = _customer_by_marker(text, rx)
        contact = contact or marker_contact
    if customer is None:
        customer, owner_contact = _customer_by_possessive(text, rx)
        contact = contact or owner_contact
    if customer is None:
        customer = _customer_by_heading(text, rx)
    if customer is None and (rx.activity.regex.search(text) or rx.to_do.search(text)):
        customer = _customer_by_place(text, rx)  # "remind me to send Lim at Changi Airfreight…"
    if customer is None and "的" in text:
        customer = _company_owning_anyone(text, rx)  # "…就常州恒晟五金的采购胡经理聊了几句"
    if customer is None and _CJK.search(text):
        customer = _company_of_a_place(text, rx)  # "官网来了个询盘 杭州启明生物 行政主管林女士"
    if customer is None and not _CJK.search(text):
        customer = _company_by_its_kind(text, rx)  # "Visted Northwnd Traders yday"
    if customer is not None:
        customer = _trimmed(text, customer, rx)
    if (
        customer is None
        or _generic(text, customer, rx)
        or _DEPARTMENT.fullmatch(text, *customer)  # "对接了采购部": a department
        or _POINTED_AT.search(text, *customer)  # "药品追溯那个项目": a project described
        or (  # "有个叫徐志强的加我微信": a person named, not a company
            text.startswith("叫", customer[0])
            and rx.cn_named.fullmatch(text, customer[0] + 1, customer[1]) is not None
        )
        or text.startswith(_A_SHOW_AFTER, customer[1])  # "上海智能制造展展台": a trade show
        or _AN_ORDINAL.fullmatch(text, *customer)  # "3rd email to Ashford Precision"
        or text.startswith(_ONE_OF_A_KIND, customer[0])  # "收到一封询价邮件": a thing counted
    ):
        return None, None, contact
    return text[customer[0] : customer[1]], customer, contact


_LABELLED_CUSTOMER = lazy_pattern(
    r"(?:^|\n)[ \t]*(?:客户(?:名称)?|公司(?:名称)?|(?i:customer|client|company|account))"
    r"[ \t]*[:：][ \t]*(?P<name>[^\s，,。;；:：()（）][^\n，,。;；:：()（）]*?)"
    r"(?=[ \t]*(?:[\n，,。;；]|$)|[ \t]+[\u3400-\u9fff])"
)
"""A line of a report that names the customer: "客户：优品电商", "Customer: Northwind"."""


_MOVED_TO_EN = lazy_pattern(
    r"\b(?i:moved from\b.{1,60}?\bto|left\b(?!\s+(?:an?\s+|my\s+)?(?:vm|voicemail|voice\s*mail"
    r"|message|msg|note|word|details|number)\b).{1,60}?\b(?:for|to join)|has joined|have joined"
    r"|joined|now(?:[ \t]+[\w-]+){0,3}?[ \t]+(?:at|with)"
    r"|(?P<ref>(?:referred|introduced|intro'd)[ \t]+(?:me|us)[ \t]+to|put (?:me|us) in touch with"
    r"|put (?:me|us) (?:onto|on to)|pointed (?:me|us) to|passed (?:me|us) (?:on )?to))"
    r"[ \t]+(?=[A-Z])"
)
_MOVED_TO_ZH = lazy_pattern(
    r"(?:跳槽(?:到|去了?)|跳(?:到|去了)|加入了)(?P<x>[\u3400-\u9fffA-Za-z]{2,16}?)"
    r"(?=当|做|任|担任|[，,。；;\s]|$)"
    r"|(?:现在在|如今在|目前在)(?P<y>[\u3400-\u9fffA-Za-z]{2,16}?)(?:当|做|任|担任|上班|工作)"
    r"|(?P<ref>介绍了?(?:个|一个|一家)?新?客户[：:，,\s]*(?:叫|名叫|是)?"
    r"|介绍了?(?:他|她|他们)?的?[^，。,；;\s]{0,8}?(?:公司|合作方|朋友)(?:——|—|[：:，,\s])*"
    r"(?:叫|名叫|是)?)"
    r"(?P<z>[\u3400-\u9fffA-Za-z]{2,20}?)(?=的[\u4e00-\u9fff]{1,3}[，,。；;：:\s]|[，,。；;：:\s]|$)"
)


_LEFT_FROM = lazy_pattern(
    r"(?:\b(?i:moved from|left|ex-?|formerly (?:at|with)|used to be at)[ \t]*|从)$"
)
"""Right before a company someone worked at: "he's moved from Camden Foods to …"."""


_MOVED_HINTS = lazy_pattern(
    "moved|Moved|left|Left|joined|Joined| now |Now |eferred|ntroduced|intro'd|in touch with"
    "|put me|put us|pointed me|pointed us|passed me|passed us"
    "|跳|加入了|现在在|如今在|目前在|介绍"
)
"""Every reading of :data:`_MOVED_TO_EN` or :data:`_MOVED_TO_ZH` holds one of these."""


def _moved_or_referred_to(text: str, rx: _Compiled) -> tuple[int | None, Span | None]:
    """(where a move is said, the company), when the message is about the company a person
    has moved to ("he's moved from Camden Foods to Fairlight Bakeries as COO", "郭鹏现在在天津
    清泉水处理当采购总监了") or the rep was referred to ("Tan at Straits Marine referred me to
    Red Lantern Catering", "安泰的周总给我介绍了个客户：杭州西湖数码科技"; no one moved: None).
    Not the company they left or the one who referred, and none for "moved to a competitor"
    or "去了一家培训机构"."""
    if _MOVED_HINTS.search(text) is None:
        return None, None  # a substring test is cheaper than the expressions' scans (issue 20)
    said = _MOVED_TO_ZH.search(text)
    if said is not None:
        span = said.span(next(group for group in ("x", "y", "z") if said.group(group)))
    else:
        said = _MOVED_TO_EN.search(text)
        if said is None:
            return None, None
        found, _ = _capitalised_run(text, _english_tokens(text, said.end()), 0, rx)
        if found is None:
            return None, None
        stop = text.find(". ", *found)  # "… Pte Ltd. Intro call with …": its sentence ends
        span = found if stop < 0 else (found[0], stop)
        if (where := _THEIR_TITLE_AT.match(text, span[1])) is not None:
            # "put me onto Alan Chua, IT manager at Sentosa Bay Resorts": his company
            company, _ = _capitalised_run(text, _english_tokens(text, where.end()), 0, rx)
            span = company if company is not None else span
    if _generic(text, span, rx) or _norm(text[span[0] : span[1]]) in rx.not_customers:
        return None, None
    return (None if said.group("ref") else said.start()), span


_THEIR_TITLE_AT = lazy_pattern(
    r",[ \t]+(?:the[ \t]+|their[ \t]+)?[\w /&-]{2,30}?[ \t]+(?:at|of)[ \t]+(?=[A-Z])"
)
"""After a person: their title and where ("…, IT manager at ")."""


def _with_a_known_one(text: str, names: tuple[str, ...], rx: _Compiled) -> bool:
    """Whether a known customer is named by a verb of its own ("lunch w Jade Dragon, …"):
    what the rep did was with them, whoever they introduced."""
    hit = _match_known(text, names, rx)
    if hit is None:
        return False
    start = hit[1][0]
    before = rx.customer_after.finditer(text, max(0, start - 24), start)
    return any(not text[cue.end() : start].strip() for cue in before)


def _mover(text: str, before: int, names: tuple[str, ...], rx: _Compiled) -> Span | None:
    """Who moved, named before the move is said: "Rang Sophie Turner - she left …", "以前合作
    过的郭鹏现在在…" (the nearest Chinese name)."""
    chinese = list(rx.cn_named.finditer(text, 0, before))
    if chinese:
        return chinese[-1].span()
    for match in _NAME.finditer(text, 0, before):
        if text[match.end() : match.end() + 1].isalpha() or (
            match.start() > 0 and text[match.start() - 1].isalpha()
        ):
            continue  # "WhatsApp from Rajesh Kumar": not "Whats", nor "App"
        named = _past_nobody(text, match.span(), rx)
        if named is not None and _a_name(text, named, names, rx):
            return named
    return None


_CAPITALISED_WORDS = lazy_pattern(r"[A-Z][\w'’.-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w'’.-]*)+")
_A_DEED_WORD = lazy_pattern(r"[A-Z][a-z]+ed|Met|Rang|Saw|Spoke|Went|Had|Sent|Emailed|Called")


def _company_by_its_kind(text: str, rx: _Compiled) -> Span | None:
    """When no verb names the customer, capitalised words ending in what a company is
    ("Traders", "Hotels", "Ltd"): "Visted Northwnd Traders yday" (a typo no verb list
    knows). Three words or more lose the first when it reads as a deed ("Visted")."""
    for run in _CAPITALISED_WORDS.finditer(text):
        words = run.group().split()
        kind = words[-1].rstrip(".")
        if kind.lower() not in rx.company_kinds and rx.generic_or_legal.fullmatch(kind) is None:
            continue
        start = run.start()
        if len(words) >= 3 and _A_DEED_WORD.fullmatch(words[0]):
            start = text.index(words[1], start + len(words[0]))  # "Visted", not the name
        span = (start, run.end())
        if not _generic(text, span, rx) and not _referrer_only(text, span):
            return span  # not "Kelvin at Acme Ltd referred me to …": who sent the rep on
    return None


_ONE_OF_A_KIND = ("一封", "一条", "一通", "一份", "一张")
_A_SHOW_AFTER = ("展", "博览会", "交易会", "峰会")
_AN_ORDINAL = lazy_pattern(r"\d+(?:st|nd|rd|th)?|(?i:first|second|third|another)")
_POINTED_AT = lazy_pattern(r"(?:那个|这个|那|这)$")
"""A name ending in "that" / "this" describes something ("药品追溯那个项目", the traceability
project), where a company is named ("星辰那个项目" is read from the rep's book first)."""
_DEPARTMENT_WORD = r"[\u3400-\u9fffA-Za-z]{1,4}(?:部门|部|科|处)"
"""采购部, 设备科, 财务处, IT部门: a department of the customer, never the customer."""
_DEPARTMENT = lazy_pattern(rf"(?:[\u3400-\u9fff]{{1,3}}了)?{_DEPARTMENT_WORD}")
_GOING = lazy_pattern(r"[去在给](?=[\u3400-\u9fff]{4})")
""" "去深圳恒泰物流", "在昆山博瑞精工现场", "cold call 给宁波港达国际物流": where the rep went
or was, or whom they called, before the name."""
_TRAILING_PURPOSE = lazy_pattern(
    r"[ \t]+(?:intro|introduction|kickoff|kick-off|catch-up|catchup|sync|follow-up|RFQ|RFP)$"
)


_OF_THEIRS = lazy_pattern(r"的|那个|这个")
"""Inside a new Chinese name, where what follows is theirs, not the name ("那个" only after a
company's name: "药品追溯那个项目" describes a project)."""


def _trimmed(text: str, span: Span, rx: _Compiled) -> Span:
    """A new customer's name without the going before it or the purpose after it:
    "去深圳恒泰物流" -> 深圳恒泰物流, "Lion City Robotics intro" -> Lion City Robotics."""
    start, end = span
    if _GOING.match(text, start, end):
        start += 1
    if end - (named := _past_referrer(text, start, rx)) >= 2:
        start = named  # "新客户凯达仓储 电话聊了": the name after "new client"
    purpose = _TRAILING_PURPOSE.search(text, start, end)
    if purpose is not None and text[start : 1 + start].isupper():
        end = purpose.start()
    while end > start and text[end - 1] in "'’":
        end -= 1  # "Harbourveiw Hotels' GM": the possessive's mark is not the name's
    if (cut := _LEGAL_STOP.search(text, start, end)) is not None:
        end = cut.start() + len(cut.group().rstrip())  # "Events Co. Quoted HK$380,000"
    if _CJK.match(text, start):
        title = _ROLE_AT_THE_END.search(text, start + 2, end)
        if (
            title is not None
            and title.start() - start >= 4
            and not _DEPARTMENT.fullmatch(text, start, end)
        ):
            end = title.start()  # "苏州恒美家纺行政主管吴女士": the company, not the role
        that = _THAT_ONE.search(text, start, end)
        if (
            that is not None
            and _ends_as_company(text, that.end(), end, rx)
            and not _ends_as_company(text, start, that.start(), rx)  # "扬州晨光印务那个印刷线"
        ):
            start = that.end()  # "展会上加的那个青岛海顺冷链": the company, not where it was met
        of = _OF_THEIRS.search(text, start + 2, end)
        if of is not None and (of.group() == "的" or _ends_as_company(text, start, of.start(), rx)):
            end = of.start()  # "给杭州启明星生物的采购吴总打电话", "扬州晨光印务那个印刷线的单子"
    return start, end


_THAT_ONE = lazy_pattern("的?(?:那个|这个|那家|这家)")
_LEGAL_STOP = lazy_pattern(
    r"\b(?i:co|ltd|inc|corp|pte)\.[ \t]+(?=[A-Z][a-z])(?!(?i:ltd|limited|inc|pte|bhd|llc)\b)"
)
"""A legal form's full stop ending a sentence inside a run of capitalised words."""
_ROLE_AT_THE_END = lazy_pattern(
    r"(?:行政|采购|财务|技术|人事|运营|市场|销售|生产|设备|信息|IT)"
    r"(?:部门?(?:主管|经理|总监|负责人|专员|主任)?|主管|经理|总监|负责人|专员|主任)$"
)
"""A department or role closing a Chinese company's name: "苏州恒美家纺行政主管"."""
_ABBREVIATED_END = lazy_pattern(
    r"(?:\b(?i:co|ltd|inc|corp|bhd|pte|plc|llc|intl|mfg|bros|assn|dept)|\b[A-Z]|\.[A-Za-z])\.$"
)
"""A name's last word that keeps its stop: "Acme Co.", "Foo Pte. Ltd.", "J.P."."""
_NEXT_WORD = lazy_pattern(r"[ \t]+([A-Za-z][\w'’.\-]*)")


def _typed_on(text: str, span: Span, name: str) -> Span:
    """``span`` with the known name's further words written after its short form, typos
    and all: "Thames Analitics" is all of Thames Analytics, so "Analitics" is nobody's
    name. Only where the written words are the name's first ones."""
    written = text[span[0] : span[1]].lower().split()
    words = name.lower().split()
    if len(words) <= len(written) or words[: len(written)] != written:
        return span
    from rapidfuzz import fuzz  # only here: the parser's start-up does without it

    end = span[1]
    for word in words[len(written) :]:
        typed = _NEXT_WORD.match(text, end)
        if typed is None:
            break
        said = typed.group(1).lower()
        if fuzz.ratio(said, word) < 80 and not (len(said) >= 3 and word.startswith(said)):
            break  # neither the word with a typo nor its short form ("Merlion Eng")
        end = typed.end()
    return span[0], end


def _in_passing(text: str, known: Span, run: Span, names: tuple[str, ...], rx: _Compiled) -> bool:
    """Whether a known name at ``known`` is only mentioned, after the company a verb names
    earlier at ``run``: that company is not known (nor a person's name, unless a verb of
    going there names it: "walked into Lion City Bakeries"), and no verb names the known one
    ("after my Camden call got pushed", "found us via the Thames case study")."""
    if _referrer_only(text, known):
        return True  # "… at Ashford Cold Storage (referred by Wessex)": who sent them
    if _on_the_way(text, known):
        return True  # "Dropped by Sentosa Bay Resort on the way back from Merlion"
    if run[1] > known[0]:
        return False
    written = text[run[0] : run[1]]
    whole = _match_known(written, names, rx)
    if whole is not None and whole[1] == (0, len(written)):
        return False  # the verb names a known one too
    if _a_name(text, run, names, rx) and not _gone_into(text, run[0], rx):
        return False
    before = text[max(0, known[0] - 24) : known[0]]
    if _JOINED_BEFORE.search(before) or _AT_A_COMPANY.search(before):
        return False  # "… and then Globex": a second customer; "Mr. Tan at Merlion": theirs
    return not any(
        not before[cue.end() :].strip() for cue in rx.customer_after.finditer(before)
    )  # "called Camden": named by a verb of its own, not in passing


_AT_A_COMPANY = lazy_pattern(r"(?:\b(?:at|from|of|with|w/?|for)|@|的)\s*$", re.IGNORECASE)
_ON_THE_WAY_BEFORE = lazy_pattern(
    r"\b(?i:on[ \t]+(?:the|my|our)[ \t]+way(?:[ \t]+(?:back|home|over))?|en[ \t]+route"
    r"|heading[ \t]+back)[ \t]+(?i:from|to)[ \t]+$"
)


def _on_the_way(text: str, known: Span) -> bool:
    """Whether the known name at ``known`` is where the rep was coming from or going to on
    the way to the customer: "Dropped by Sentosa Bay Resort on the way back from Merlion"."""
    if "way" not in text and "route" not in text and "heading" not in text:
        return False  # substring tests, cheaper than the expression's scan (issue 20)
    return _ON_THE_WAY_BEFORE.search(text, max(0, known[0] - 32), known[0]) is not None


_REFERRED_BY = lazy_pattern(
    r"\b(?i:referred by|referral from|referral frm|referal from|referal frm|introduced by"
    r"|intro'?d by|intro from"
    r"|intro frm|recommended by"
    r"|thanks to|got (?:my|our) (?:number|details|contact|name|card) from"
    r"|heard (?:about|of) us (?:from|through|via))[ \t]+"
    r"(?:(?i:the)[ \t]+|(?:[\w.'-]+[ \t]+){1,3}(?i:at|@|from|frm|of)[ \t]+)?$"
)


def _referrer_only(text: str, known: Span) -> bool:
    """Whether the known name at ``known`` is said as who sent the customer: "(referred by
    Wessex)", "intro'd by ravi @ initech", "是华夏纺织那边介绍过来的"."""
    if not any(hint in text for hint in _REFERRAL_HINTS):
        return False  # substring tests, cheaper than the expressions' scans (issue 20)
    return (
        _REFERRED_BY.search(text, max(0, known[0] - 48), known[0]) is not None
        or _CN_REFERRED_AFTER.match(text, known[1]) is not None
        or _EN_REFERRED_AFTER.match(text, known[1]) is not None
    )


_EN_REFERRED_AFTER = lazy_pattern(
    r"(?:[ \t]+(?:Ltd|Inc|LLC|Co|Corp|Pte)\.?)?"
    r"[ \t]+(?:\([^)]{1,30}\)[ \t]+)?(?i:referred|introduced|intro'?d|recommended)[ \t]+"
    r"(?i:me|us|him|her|them)\b"
)
"""After a known name, that it sent the rep on: "Ravi at Initech referred me to …"."""


_REFERRAL_HINTS = (
    "eferr", "eferal", "ntro", "ecommended", "hanks to", " from", " frm", "介绍", "推荐", "引荐",
    "牵",
)  # fmt: skip
"""Every reading of :data:`_REFERRED_BY` or :data:`_CN_REFERRED_AFTER` holds one of these."""


_CN_REFERRED_AFTER = lazy_pattern(
    r"(?:[\u4e00-\u9fff]{0,4}?"  # the rest of a short form: "东方" written as "东方精密"
    r"(?:那边|那里|那儿|的[\u4e00-\u9fff]{1,3}|[\u4e00-\u9fff]{1,2}(?:总|经理|主任|工|姐|哥)"
    r"|[\u4e00-\u9fff]{2,3}(?=介绍|推荐|引荐)))?"
    r"(?:介绍|推荐|引荐|帮忙牵的线|牵的线|牵线)"
)
_JOINED_BEFORE = lazy_pattern(rf"(?:{_JOIN_WORDS})\s*$", re.IGNORECASE)


def _gone_into(text: str, position: int, rx: _Compiled) -> bool:
    """Whether a word for a visit ("walked into", "visited", "dropped by") stands right
    before ``position``: what it names is a place, a company, even when shaped like a name."""
    for match in rx.activity.regex.finditer(text, max(0, position - 24), position):
        if rx.activity.label(match) == "visit" and not text[match.end() : position].strip():
            return True
    return False


def _a_name(text: str, span: Span, names: tuple[str, ...], rx: _Compiled) -> bool:
    """ "Grace Teo", "Ho Ka Man": one to three capitalised words that are nobody's title
    ("Mr"), no company's ("Harbourview Hotels", "Foo Corp", a known "Globex"), and not a
    thing of theirs ("visited their Jurong plant")."""
    name = text[span[0] : span[1]]
    return (
        _NAME.fullmatch(name) is not None
        and _HONORIFIC_BEFORE.fullmatch(name) is None
        and _OWNED_THING.search(text, 0, span[0]) is None
        and rx.generic_or_legal.search(name) is None
        and name.rsplit(None, 1)[-1].lower() not in rx.company_kinds  # "Bukit Timah Clinics"
        and not any(_norm(word) in rx.not_names for word in name.split())
        and _match_known(name, names, rx) is None
    )


_OWNED_THING = lazy_pattern(r"\b(?:the|their|our|my|his|her|a|an)\s+$", re.IGNORECASE)


def _match_known(text: str, names: tuple[str, ...], rx: _Compiled) -> tuple[str, Span] | None:
    """The longest known name (or variant) written in the text, as that known name."""
    lower = text.lower()
    if len(lower) != len(text):  # a rare character whose lower case is longer
        lower = text
    index = _known_index(names, rx)
    # (length, written in full, -start): "Acme" fitting both "Acme Ltd" and "Acme Trading"
    # is a tie, and the caller asks which one.
    best: tuple[int, bool, int] | None = None
    owners: set[str] = set()
    for start, variant in _occurrences(lower, index):
        if best is not None and (len(variant), True, -start) < best:
            continue  # shorter or later than the best even if written in full
        if not _whole_word(lower, start, variant):
            continue
        goes_on: str | None = None  # what the text goes on with, read once per occurrence
        named_before: str | None = None
        for name, strength in index.owners[variant]:
            key = (len(variant), strength == 3, -start)
            if best is not None and key < best:
                continue
            if strength <= 2:
                if goes_on is None:
                    goes_on = _goes_on_as(text, start + len(variant), rx)
                if goes_on and not _continues(_rest_of(name, variant), goes_on):
                    continue  # "Globex Logistics" is not Globex Corporation
                if named_before is None:
                    named_before = _name_word_before(text, start, rx)
                if named_before and f"{named_before} {variant}" not in name.lower():
                    continue  # "Sunda Pacific Shipping" is not Pacific Rim Logistics
            if best is None or key > best:
                best, owners = key, {name}
            elif key == best:
                owners.add(name)
    if best is None:
        return None
    span = (-best[2], -best[2] + best[0])
    if len(owners) == 1:
        return next(iter(owners)), span
    return text[span[0] : span[1]], span  # several known names fit: as written, caller asks


@dataclass(frozen=True, slots=True)
class _KnownIndex:
    owners: dict[str, list[tuple[str, int]]]  # lower-cased variant -> (known name, strength)
    lengths: tuple[int, ...]  # the variants' distinct lengths, longest first
    longest_first: tuple[str, ...]  # the variants, longest first


_SHORT_LIST = 100
"""Lists of known names up to this long are kept for many users at once (a rep's own
customers; 200 names' index measured 110 kB); longer ones (a manager's team, up to 5,000
names) for a few. With only 16 kept, a team of more than 16 reps writing at once built a
list's index again for most messages."""


def _known_index(names: tuple[str, ...], rx: _Compiled) -> _KnownIndex:
    """Every variant of every known name, built once per list of names (per user)."""
    if len(names) <= _SHORT_LIST:
        return _short_known_index(names, rx)
    return _long_known_index(names, rx)


@functools.lru_cache(maxsize=16)
def _long_known_index(names: tuple[str, ...], rx: _Compiled) -> _KnownIndex:
    return _built_known_index(names, rx)


@functools.lru_cache(maxsize=256)
def _short_known_index(names: tuple[str, ...], rx: _Compiled) -> _KnownIndex:
    return _built_known_index(names, rx)


def _built_known_index(names: tuple[str, ...], rx: _Compiled) -> _KnownIndex:
    owners: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        for variant, strength in _variants(name, rx):
            owners.setdefault(variant, []).append((name, strength))
    return _KnownIndex(
        owners,
        tuple(sorted({len(v) for v in owners}, reverse=True)),
        tuple(sorted(owners, key=len, reverse=True)),
    )


def _occurrences(lower: str, index: _KnownIndex) -> Iterable[tuple[int, str]]:
    """(start, variant) for every variant in ``lower``, longer variants first, by whichever
    way is cheaper: look each variant up in the text (few names), or each piece of the text
    up in the variants (thousands of names; the cost then follows the message's length, not
    the list's). Longest first lets the caller pass over what cannot beat its best."""
    if len(index.owners) <= len(lower) * len(index.lengths):
        for variant in index.longest_first:
            start = lower.find(variant)
            while start >= 0:
                yield start, variant
                start = lower.find(variant, start + 1)
        return
    for length in index.lengths:
        for start in range(len(lower) - length + 1):
            piece = lower[start : start + length]
            if piece in index.owners:
                yield start, piece


def _whole_word(text: str, start: int, variant: str) -> bool:
    """False when ``variant`` at ``start`` is part of a longer ASCII word ("Acmeland")."""
    end = start + len(variant)
    if _ASCII_WORD.match(variant[0]) and start and _ASCII_WORD.match(text[start - 1]):
        return False
    return not (_ASCII_WORD.match(variant[-1]) and _ASCII_WORD.match(text[end : end + 1]))


@functools.lru_cache(maxsize=65536)
def _variants(name: str, rx: _Compiled) -> tuple[tuple[str, int], ...]:
    """A known name's spellings a rep may write, strongest first, lower-cased.

    3 = as registered, 2 = without its legal suffix, 1 = the distinctive core (no region
    prefix, no generic trailing words) when it is still at least 2 CJK characters or 3
    letters ("上海星辰科技有限公司" -> "星辰", "Acme Trading Ltd" -> "Acme").
    """
    full = " ".join(name.split())
    out: dict[str, int] = {full.lower(): 3}
    bare = full
    while (legal := rx.legal_end.search(bare)) and legal.start() > 0:
        bare = bare[: legal.start()].rstrip(" ,")
    out.setdefault(bare.lower(), 2)
    core = bare
    region = rx.region_start.match(core)
    if region and _distinctive(core[region.end() :]):
        core = core[region.end() :].strip()
    while (generic := rx.generic_end.search(core)) and _distinctive(core[: generic.start()]):
        core = core[: generic.start()].strip()
    if _distinctive(core):
        out.setdefault(core.lower(), 1)
        for long, short in _INDUSTRY_SHORT.items():  # 新锐汽车零部件 is 新锐汽配 too
            if bare.endswith(long) and bare[: -len(long)].endswith(core):
                out.setdefault(f"{bare[: -len(long)]}{short}".lower(), 2)
                out.setdefault(f"{core}{short}".lower(), 2)
    for short in _short_forms(core):
        out.setdefault(short.lower(), 0)
    return tuple(sorted(out.items(), key=lambda item: -item[1]))


_INDUSTRY_SHORT = {
    "汽车零部件": "汽配",
    "汽车配件": "汽配",
    "医疗器械": "医械",
    "建筑材料": "建材",
    "律师事务所": "律所",
    "房地产": "地产",
    "电子商务": "电商",
    "工程机械": "工机",
}
"""How reps shorten an industry at the end of a Chinese name: "新锐汽配" is 新锐汽车零部件."""
_WORD_BEFORE = lazy_pattern(r"([A-Z][a-z]+)[ \t]$")


def _name_word_before(text: str, start: int, rx: _Compiled) -> str:
    """The capitalised word right before ``start``, lower-cased, when it may be part of a
    name ("Sunda" in "Sunda Pacific Shipping": the short form is then part of another
    name); "" for none, or for a verb opening the sentence ("Visited Pacific") or a word
    that is never a name."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if before is None or _nobody(before.group(1), rx):
        return ""
    return before.group(1).lower()


def _goes_on_as(text: str, end: int, rx: _Compiled) -> str:
    """ "宏达建材" is not 宏达包装材料, "Globex Logistics" is not Globex Corporation, and
    "Straits Shipping Co" is not Straits Marine Supply: the words after a short form that
    name another company unless the known name goes on with them (lower-cased): an
    industry word, or capitalised words ending in a legal form. "" when there are none.
    ``text`` is as written: capitals matter."""
    industry = rx.generic_start.match(text, _past_blanks(text, end))
    if industry is not None:
        return industry.group().lower()
    run = _NAME_GOES_ON.match(text, end)
    if run is None:
        return ""
    if rx.legal_end.search(run.group()) is not None:
        return _without_legal(run.group(), rx).lower()
    word = _PLAIN_WORD.match(text, end)  # "the Straits Times": a word of another name
    if word is None or _nobody(word.group(1), rx) or rx.titles.fullmatch(word.group(1)):
        return ""  # "Straits CFO", "Globex Today": the known name, then something else
    return word.group(1).lower()


def _continues(rest: str, goes_on: str) -> bool:
    """Whether the words after a short form go on as the known name does: as written, or
    typed short or wrong after their first three letters ("Merlion Engg", "Thames Analytcs",
    "Kowloon Electroncs")."""
    if rest.startswith(goes_on):
        return True
    return len(goes_on) >= 3 and goes_on.isascii() and rest[:3] == goes_on[:3]


def _rest_of(name: str, variant: str) -> str:
    """What the known name goes on with after ``variant``, lower-cased."""
    lowered = name.lower()
    return lowered[lowered.find(variant) + len(variant) :].lstrip()


_NAME_GOES_ON = lazy_pattern(r"(?:[ \t]+[A-Z][\w&'’.]*)+")
_PLAIN_WORD = lazy_pattern(r"[ \t]+([A-Z][a-z]{2,})(?![\w&'’])")


def _short_forms(core: str) -> list[str]:
    """How reps shorten a name: 金桥建材集团 -> 金桥, 金桥建材; 中科微电子 -> 中科微;
    Northwind Traders -> Northwind; Pacific Rim Logistics -> Pacific Rim, Pac Rim. Two names sharing
    a short form tie, and the chat asks which one."""
    if _CJK.match(core):
        head = re.match(r"[\u3400-\u9fff]+", core)
        run = head.group() if head else ""
        return [run[:n] for n in (2, 3, 4) if len(run) > n]
    words = core.split()
    forms = []
    if len(words) >= 2 and len(words[0]) >= 5:
        forms.append(words[0])
    if len(words) >= 3:
        forms.append(" ".join(words[:2]))
    if len(words) >= 2 and len(words[0]) >= 6 and words[0].isalpha():
        forms.append(f"{words[0][:3]} {words[1]}")  # Pacific Rim Logistics -> Pac Rim
    return forms


def _distinctive(core: str) -> bool:
    core = core.strip()
    if _CJK.search(core):
        return len(core) >= 2
    return len(core) >= 3


def _customer_by_verb(text: str, rx: _Compiled) -> tuple[Span | None, Span | None]:
    """The customer after an activity verb or inside a Chinese frame, earliest first."""
    starts: list[tuple[int, int, Span, bool]] = []  # (position, order, span to read, english)
    for match in rx.customer_after.finditer(text):
        position = _past_blanks(text, match.end())
        spaced = position > match.end()
        if (
            spaced
            and not text[: match.start()].strip()
            and (dash := _DASH_AFTER_VERB.match(text, position)) is not None
        ):
            position = dash.end()  # "cold call - Ridgeway Plastics" heading the message
        position = _past_blanks(text, _past_referrer(text, position, rx))
        while (
            again := rx.customer_after.match(text, position)
        ) is not None and again.end() > position:
            position = _past_blanks(text, again.end())  # "陌拜电话打给宁波甬达模具"
        english = position < len(text) and bool(_ASCII_WORD.match(text[position]))
        if not english and spaced and _CJK.match(match.group()[-1]):
            segment = _CN_SEGMENT.match(text, position)
            named = segment is not None and rx.generic_or_legal.search(segment.group())
            if not named:
                continue  # "上门拜访 没见到负责人": after a space a new phrase starts
        starts.append((match.start(), 0, (position, len(text)), english))
    for head, pattern in rx.customer_around:
        if head not in text:
            continue
        for match in pattern.finditer(text):
            name = (_past_referrer(text, match.start("x"), rx), match.end("x"))
            starts.append((match.start(), 1, name, False))
    contact: Span | None = None
    for _, _, (start, end), english in sorted(starts):
        if english and (honorific := rx.honorific.match(text, start)) is not None:
            contact = contact or honorific.span()  # "Spoke with Mr. Sharma, …": a person
            continue
        if english:
            customer, found_contact = _english_run(text, start, rx)
            if customer and (works_at := _their_title_at(text, customer[1], rx)) is not None:
                return works_at, customer  # "from Mark Ellison, Head of Ops at Hartley & Finch"
            if (
                customer
                and _a_name(text, customer, (), rx)
                and (at := _PERSON_AT.match(text, customer[1])) is not None
            ):
                run, _ = _capitalised_run(text, _english_tokens(text, at.end()), 0, rx)
                if run is not None and not _a_name(text, run, (), rx):
                    # "an email from Hannah Price at Kestrel Aviation Services": her company
                    return run, (customer[0], at.end("surname") if at["surname"] else customer[1])
            role = _ROLE_IN_BRACKETS.match(text, customer[1]) if customer else None
            if (
                customer
                and role
                and (company := _TITLE_THEN_COMPANY.match(text, customer[1])) is not None
                and (
                    rx.titles.search(company.group("title"))
                    or _A_TEAM_OF_THEIRS.fullmatch(company.group("title").strip())
                    or _HEAD_OF.match(company.group("title").strip())  # "(head of procurement, …"
                )
                and (
                    rx.generic_or_legal.search(company.group("name"))
                    or " " in company.group("name").strip()
                )
            ):  # "w/ Fiona Reid (COO, Harrow & Vale Logistics, London)": her, and her company
                return company.span("name"), customer
            if customer and (
                (role and rx.titles.search(role.group()))
                or (role and _AT_THEIR_COMPANY.match(text, customer[1]))
            ):
                # "Emailed Marcus Reid (Head of Ops)", "Zoom demo w/ Ian Fletcher (IT) at Lumen
                # Insurance": a person, whose company may follow
                contact = contact or customer
                continue
            if (
                customer
                and role
                and _FULL_NAME.fullmatch(text, *customer)
                and rx.generic_or_legal.search(text, *customer) is None
                and (company := _COMPANY_IN_BRACKETS.match(text, customer[1])) is not None
                and rx.generic_or_legal.search(company.group("name"))
            ):  # "Lunch w/ Tan Kok Meng (Sentosa Leisure Holdings)": him, and his company
                return company.span("name"), customer
        else:
            segment = _CN_SEGMENT.match(text, start, end)
            if segment is None:
                continue
            customer, found_contact = _split_cn(text, start, segment.end(), rx)
            if (
                customer is not None
                and text.startswith("的", customer[1])
                and _A_PLACE_ENDS.search(text, customer[0], customer[1])
            ):  # "去苏州工业园区的德研自动化拜访": the company in that place
                customer, found_contact = _split_cn(text, customer[1] + 1, segment.end(), rx)
            if customer is not None and (
                _A_DEED.search(text, *customer)
                or (  # "去苏州工业园拜访了一家新客户": where, not whom
                    _A_PLACE_ENDS.search(text, *customer)
                    and not _ends_as_company(text, *customer, rx)
                )
                or _WHAT_THEY_DO.match(text, customer[0])
                or text.startswith(_CN_PRONOUNS, customer[0])  # "去他们那边看看"
            ):
                continue  # "去昆山陌拜了一家做注塑的": what the rep did there, what they do
        contact = contact or found_contact
        if customer is not None and not _generic(text, customer, rx):
            return customer, contact
    return None, contact


_DASH_AFTER_VERB = lazy_pattern(r"[-–—:][ \t]+(?=[A-Z])")


def _past_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _past_referrer(text: str, position: int, rx: _Compiled) -> int:
    """Where the name starts when "新客户鸿图智造" or "a new client, Hongtu Tech" is written
    at ``position``: the words for "customer" are not part of its name."""
    referrer = rx.referrer.match(text, position)
    return referrer.end() if referrer is not None else position


def _customer_by_referrer(text: str, rx: _Compiled) -> Span | None:
    """The name a message opens with after the words for a customer: "New client: Harbour
    Point Logistics, intro call …", "新客户：润丰生物 朋友介绍的"."""
    return _name_after_heading(text, rx.referrer_heading, rx) or _cn_named_after_referrer(text, rx)


_SENT_BY_THEM = lazy_pattern(r"(?:转)?(?:介绍|推荐)(?:过来)?的")
_CN_NAME_TO_STOP = lazy_pattern(r"[\u3400-\u9fff]{2,14}(?=[，。、；,;\s])")


def _cn_named_after_referrer(text: str, rx: _Compiled) -> Span | None:
    """ "新客户鑫达冷链物流，今天第一次打电话": a Chinese name written right after the words
    for a customer, with no break between, up to the first stop; only when it ends as a
    company's name does (物流, 精工, 有限公司…), since "新客户都想先试用，…" names nobody."""
    opened = rx.referrer_glued.match(text, _LEAD_PUNCT.match(text).end())  # type: ignore[union-attr]
    if opened is None:
        return None
    sent = _SENT_BY_THEM.match(text, opened.end())  # "老客户介绍的无锡新澄半导体"
    name = _CN_NAME_TO_STOP.match(text, sent.end() if sent else opened.end())
    if name is None or not _ends_as_company(text, *name.span(), rx):
        return None
    return name.span()


_OUTCOME_HEADING = lazy_pattern(
    r"(?i:(?P<won>won|signed|closed[- ]?won)|(?P<lost>lost|closed[- ]?lost)|closed)"
    r"[ \t]*[!:：\-–—]*[ \t]+(?:the[ \t]+)?(?=[A-Z0-9])"
)
"""An outcome a message opens with, before the name it is about: "Lost Harborview Hotels",
"Won the Marina Bay Dental job"; a bare "closed" names the customer but not the stage."""
_OUTCOME_OF = lazy_pattern(
    r"(?i:(?P<won>won)|(?P<lost>lost))[ \t]+(?:the[ \t]+)?(?:[A-Z0-9][\w&'’.\-]*[ \t]+){1,5}"
    r"(?i:job|deal|contract|account|project|tender|bid|order|business|pitch)\b"
)
"""A message opening "Won the Marina Bay Dental job!!": the outcome of that customer's deal."""
_OUTCOME_OF_THE = lazy_pattern(
    r"(?=[wsl])\b(?:(?P<won>won|signed)|lost)[ \t]+the[ \t]+(?:[\w\-]+[ \t]+){1,4}"
    r"(?:deal|contract|order|bid|tender|project|account|job|framework|agreement|renewal)\b",
    re.IGNORECASE,
)


def _outcome_opening(text: str) -> tuple[int, str, int] | None:
    """(start, stage, end) of an outcome the message opens with, naming whose it is: "Won
    the Marina Bay Dental job!!", "lost Acme because of price". Only a cue gives the reason
    then ("because …"): what follows the name is the rest of the news, not why."""
    at = _LEAD_PUNCT.match(text).end()  # type: ignore[union-attr]
    found = _OUTCOME_OF.match(text, at) or _OUTCOME_HEADING.match(text, at)
    if found is None or not (found["won"] or found["lost"]):
        return None
    return found.start(), "won" if found["won"] else "lost", len(text)


_OUTCOME_AFTER = lazy_pattern(r"\b(?i:signed|won|lost)\b")
""" "PAC RIM SIGNED 🎉": a name that opens the message before its outcome."""
_SHOUTED_OR_NAMED = lazy_pattern(r"[A-Z0-9&]+(?:[ \t]+[A-Z0-9&]+)*|[A-Z]\w*(?:[ \t]+[A-Z]\w*)+")
"""What may name a company before an outcome: written in capitals ("PAC RIM") or two or more
capitalised words ("Marina Bay Dental"), not one ("Finally", "Tom")."""


_OUTCOME_WORD = lazy_pattern(
    r"(?i:(?P<won>won|signed)|lost)[ \t]*[!:：\-–—]*[ \t]+(?:(?i:the)[ \t]+)?"
)


def _outcome_of_known(
    text: str, known: Iterable[str], rx: _Compiled
) -> tuple[int, str, int] | None:
    """(start, stage, end) of an outcome the message opens with before a known customer
    typed in lower case: "lost wessex lah", "WON northwind!!!". Capitalised, the name is
    read by :func:`_outcome_opening`; in lower case only a name the rep's book holds tells
    the outcome from "lost track of time" or "won over the room"."""
    at = _LEAD_PUNCT.match(text).end()  # type: ignore[union-attr]
    found = _OUTCOME_WORD.match(text, at)
    if found is None and _AN_OUTCOME.search(text) is None:
        return None  # most messages: one scan, not the rep's names (issue 20)
    names = tuple(name for name in known if name and name.strip())
    if not names:
        return None
    outcome = _outcome_of_known_at(text, at, found, names, rx)
    if outcome is None and (cheer := _CHEER.match(text, at)) is not None:
        # "Big one!! Northwind Traders signed …", "好消息！！X签了": the news after the cheer
        at = cheer.end()
        outcome = _outcome_of_known_at(text, at, _OUTCOME_WORD.match(text, at), names, rx)
    return outcome


_CHEER = lazy_pattern(r"[^\s.!?。！？][^.!?。！？\n]{0,22}?[!！]+[ \t]*")
"""A short exclamation a message may open with before its news: "Big one!!", "好消息！！"."""


def _outcome_of_known_at(
    text: str, at: int, found: re.Match[str] | None, names: tuple[str, ...], rx: _Compiled
) -> tuple[int, str, int] | None:
    """:func:`_outcome_of_known` read from ``at``, where ``found`` is the outcome word there."""
    if found is None:  # "宏达包装丢了 客户选了本地厂", "jade dragon lost - budget frozen"
        hit = _match_known(text[at:], names, rx)
        if hit is None or hit[1][0] != 0:
            return None
        end = at + hit[1][1]
        for char in hit[0][hit[1][1] :]:  # "宏达包装丢了": the short form as typed, 宏达包装
            if end >= len(text) or text[end] != char:
                break
            end += 1
        said = _OUTCOME_AFTER_NAME.match(_mask(text, rx.stage_ignore), end)
        if said is None:
            return None
        return said.start("word"), "won" if said["won"] else "lost", said.end()
    hit = _match_known(text[found.end() :], names, rx)
    if hit is None or hit[1][0] != 0:
        return None
    return found.start(), "won" if found["won"] else "lost", len(text)


_AN_OUTCOME = lazy_pattern(
    "won|Won|WON|signed|Signed|SIGNED|lost|Lost|LOST|签|拿下|成交|赢|丢|黄了|输了|没戏|谈崩"
)
_OUTCOME_AFTER_NAME = lazy_pattern(
    r"[ \t:：,，\-–—]*(?P<word>(?P<won>(?i:won|signed)\b|签了|签约了|拿下了?|成交了|赢了|赢单了?)"
    r"|(?i:lost|closed[- ]lost)\b|丢了|丢单了?|黄了|输了|没戏了|谈崩了?)"
)
"""An outcome right after a known name that opens the message: "华夏纺织 签了 38万", "orchard
signed 🎉", "brightwater 👎 closed lost" is not (an emoji stands between)."""


def _customer_by_outcome(text: str, rx: _Compiled) -> Span | None:
    """The name right after the outcome a message opens with: "Lost Harborview Hotels 👎
    spoke to Grace …" is about Harborview Hotels, not about Grace."""
    return _name_after_heading(text, _OUTCOME_HEADING, rx)


_CALLED = lazy_pattern(
    r"(?:一家|一个|家)新?(?:公司|企业|客户|厂)?名?叫做?[ \t]*"
    r"(?P<x>[\u3400-\u9fffA-Za-z0-9]{2,20}?)(?=的(?:公司|企业|工厂|厂)|[ \t,，。]|$)"
)


_AN_ENQUIRY = lazy_pattern(r"询盘[：:，,][ \t]*(?=[\u3400-\u9fff])")
"""Before a new customer's name: "官网表单来了个询盘：常州恒泰新材料，徐经理"."""


def _customer_introduced(text: str, rx: _Compiled) -> Span | None:
    """A new customer the message introduces by name: "跟北京一家叫知行数据的公司开了线上会",
    "刚接到一个新客户电话 杭州悦禾科技 赵总" (the name after the way they got in touch)."""
    called = _CALLED.search(text)
    if called is not None:
        return called.span("x")
    channel = rx.referrer_by_channel.search(text) or (
        _AN_ENQUIRY.search(text) if "询盘" in text else None
    )
    if channel is None:
        return None
    segment = _CN_SEGMENT.match(text, channel.end())
    if segment is None:
        return None
    customer, _ = _split_cn(text, channel.end(), segment.end(), rx)
    return customer


def _name_after_heading(text: str, heading: re.Pattern[str], rx: _Compiled) -> Span | None:
    """The name right after ``heading`` where the message opens: capitalised words in
    English, the segment up to a blank or a stop in Chinese."""
    opened = heading.match(text, _LEAD_PUNCT.match(text).end())  # type: ignore[union-attr]
    if opened is None:
        return None
    position = opened.end()
    if _ASCII_WORD.match(text, position):
        run, _ = _capitalised_run(text, _english_tokens(text, position), 0, rx)
        return run
    segment = _CN_SEGMENT.match(text, position)
    if segment is None:
        return None
    customer, _ = _split_cn(text, position, segment.end(), rx)
    return customer


_LEAD_PUNCT = lazy_pattern(r"[\s,，:：\-–—]*")  # used with .match(text, pos)
_OWNED = lazy_pattern(
    r"(?P<x>[A-Za-z0-9\u4e00-\u9fff&]{2,16}?)的(?=人|[A-Z][a-z]+|IT|[\u4e00-\u9fff]{0,4}"
    r"(?:部门|部|科|处|经理|总|老板|负责人|采购|主任|老师))"
)


_MET_AT = lazy_pattern(
    r"(?<![现正实在])在(?P<x>[\u3400-\u9fff]{2,20}?)"
    r"(?:\d+楼|的?(?:办公室|会议室|工厂|厂里|车间|仓库|门店|现场|总部|那边))?(?:跟|和|与|同|见)"
)


def _customer_met_at(text: str, rx: _Compiled) -> Span | None:
    """Where the rep met someone, when it is named as a company ("刚在盐城九洲冷链7楼跟总经理
    徐总聊完"): only a name ending on a word companies end with, not "在微信上跟他聊"."""
    if "在" not in text:
        return None
    for match in _MET_AT.finditer(text):
        start, end = match.span("x")
        if _ends_as_company(text, start, end, rx) and not _generic(text, (start, end), rx):
            return start, end
    return None


def _customer_owning(text: str, rx: _Compiled) -> Span | None:
    """A company owning a person or department at the start of the message: "蓝海物流的人",
    "ABC国际贸易的Kevin", "华信证券的IT部门"."""
    if "的" not in text:
        return None  # every reading holds it: a substring test, cheaper than the scans (issue 20)
    for start, _ in _clauses(text)[:1]:
        position = _LEAD_PUNCT.match(text, start).end()  # type: ignore[union-attr]
        while (
            lead := rx.lead_in.match(text, position) or _BEFORE_A_DAY.match(text, position)
        ) and lead.end() > position:
            position = lead.end()  # "周五前给宁波甬信电器的杨总…": the day said first
        match = _OWNED.match(text, position)
        if match is None:
            continue
        start, end = match.span("x")
        done = text.rfind("了", start, end)  # "展会上认识了宁波恒诚模具的许总": after it
        if done >= 0:
            start = done + 1
        if (given := _GIVEN_TO.match(text, start, end)) is not None:
            start = given.end()  # "把安防方案发给重庆渝北实验中学的黄主任": to whom
        name = text[start:end]
        if len(name) < 2 or rx.cn_person.fullmatch(name) or _norm(name) in rx.not_customers:
            continue
        if rx.activity.regex.search(name) or rx.keyword_start.match(name):
            continue
        return start, end
    return None


_GIVEN_TO = lazy_pattern(r".*(?:发给|交给|送给|带给|转给|寄给)")
_BEFORE_A_DAY = lazy_pattern(r"(?:\x1f+|(?<=\x1f))[ \t]*(?:之前|以前|前|之内|以内)?")
"""A day said (blanked) and "by" it, before what is to be done: "周五前给…"."""
_THEIR_PERSON_AFTER = lazy_pattern(
    r"的(?=[\u4e00-\u9fff]{0,4}(?:经理|总|老板|负责人|采购|主任|主管|工程师|老师|[工总]))"
)
_OWNER_RUN = lazy_pattern(r"[\u4e00-\u9fff]{4,14}$")
_BEFORE_AN_OWNER = lazy_pattern(r".*(?:就|有个|有家|里|跟|和|给|是|了|在|找|的|只有)")


def _company_owning_anyone(text: str, rx: _Compiled) -> Span | None:
    """A company named anywhere as the owner of a person: "…就常州恒晟五金的采购胡经理聊了几句",
    "名单里有个南京博雅酒店的钱经理" — only when the words before 的 end as a company's do."""
    for match in _THEIR_PERSON_AFTER.finditer(text):
        run = _OWNER_RUN.search(text, max(0, match.start() - 14), match.start())
        if run is None:
            continue
        start = run.start()
        junk = _BEFORE_AN_OWNER.match(text, start, match.start())
        if junk is not None:
            start = junk.end()
        if match.start() - start >= 4 and _ends_as_company(text, start, match.start(), rx):
            return start, match.start()
    return None


_CJK_RUN = lazy_pattern(r"[\u3400-\u9fff]{4,16}")


def _company_of_a_place(text: str, rx: _Compiled) -> Span | None:
    """A Chinese company's name anywhere in the message, when it is written as one is
    registered: a place, then a name, ending on a word companies end with ("东莞鑫源电子要的
    样品…", "加了宁波凯达模具徐经理的微信"). The last resort, when nothing names the customer."""
    for run in _CJK_RUN.finditer(text):
        for at in range(run.start(), run.end() - 3):
            region = rx.region_at.match(text, at, run.end())
            if region is None or region.end() - at < 2:
                continue
            stop = rx.stop.search(text, region.end() + 2, run.end())
            end = stop.start() if stop else run.end()
            while (named := _company_prefix(text, at, end + 1, rx)) is not None:
                deed = _A_DEED_AFTER_ITS_NAME.search(text, region.end() + 2, named[1])
                if deed is None or not _ends_as_company(text, at, deed.start(), rx):
                    break
                end = deed.start()  # "去嘉兴禾丰饲料修包装线": what the rep did there
            if named is not None and text.startswith(_DEPARTMENT_MARKS, named[1]):
                named = (at, _before_department(text, at, named[1] + 1, rx))  # "阀门设备科的张哥"
            if named is not None and named[1] - region.end() >= 2:
                return named
    return None


_A_DEED_AFTER_ITS_NAME = lazy_pattern(r"[修装换送看做找问]")
_DEPARTMENT_MARKS = ("科", "部", "处")


_NOT_LEAD = frozenset(
    {"i", "we", "they", "he", "she", "quick", "just", "today", "yesterday", "this", "the", "a",
     "am", "pm", "morning", "afternoon", "new", "lead", "had", "did", "re", "f/u", "fyi",
     "cold", "warm", "intro", "first", "second", "brief", "short", "long", "good", "great",
     "video", "phone", "site", "sales", "discovery", "courtesy", "follow-up", "followup"}
)  # fmt: skip


_CN_PRONOUNS = ("他们", "她们", "我们", "你们", "咱们", "他", "她")
_A_PLACE_ENDS = lazy_pattern(r"(?:区|园|市|县|镇)$")
_WHAT_THEY_DO = lazy_pattern(r"[做搞干卖][\u4e00-\u9fff]{1,6}的")
"""A company described, not named: "一家做注塑的"."""
_A_DEED = lazy_pattern(r"[了过](?:一|个|几|[\u4e00-\u9fff]?圈)|打了|去了|跑了")
"""A deed done, where a name would lead the message: "一早打了一圈陌生(电话)"."""


_WHERE_MET = lazy_pattern(r"(?:展会|会上|展上|饭局|活动|群里|朋友圈)|[加认识]$")


def _customer_by_lead(text: str, rx: _Compiled) -> Span | None:
    """A name that opens the message before its activity word: "Contoso call: pricing",
    "宁波海天塑料拜访", "深圳速通快递 上门拜访", "xingchen 去了一趟" (pinyin is resolved
    like /find resolves it)."""
    masked = _mask(text, rx.activity_ignore)
    verb = rx.activity.regex.search(masked)
    outcome = _OUTCOME_AFTER.search(masked, 0, verb.start() if verb else len(masked))
    verb = outcome or verb
    if verb is None or verb.start() == 0:
        return None
    start = _LEAD_PUNCT.match(text).end()  # type: ignore[union-attr]
    while (lead := rx.lead_in.match(text, start, verb.start())) and lead.end() > start:
        start = lead.end()
    end = verb.start()
    while end > start and text[end - 1] in " \t,，:：-–—的":
        end -= 1
    heading = _SPACED_DASH.search(text, start, end)
    if heading is not None and not _CJK.search(text, start, end):
        end = heading.start()  # "PacRim - quick call w/ their ops team": the name heads it
    name = text[start:end]
    if not name or _MASK in name or _CLAUSE_BREAK.search(name):
        return None
    if _CJK.search(name):
        if not 2 <= len(name) <= 14 or not _CJK.fullmatch(name[0]) or " " in name:
            return None
        if _A_DEED.search(name) and not _ends_as_company(text, start, end, rx):
            return None  # "今天一早打了一圈陌生电话": what the rep did, not who
        if (name[0] in "去到" or name[-1] in "去到") and not _ends_as_company(text, start, end, rx):
            return None  # "去昆山陌拜了一家": where the rep went, a town; "一早去见了个新客户"
        if _WHERE_MET.search(name) and not _ends_as_company(text, start, end, rx):
            return None  # "展会上加的微信": where the rep met them, not who
    else:
        words = name.split()
        if not 1 <= len(words) <= 4 or words[0].lower() in _NOT_LEAD:
            return None
        if any(_norm(w) in rx.not_names or rx.keyword_start.fullmatch(w) for w in words):
            return None
        if verb is outcome and _SHOUTED_OR_NAMED.fullmatch(name) is None:
            return None  # "Finally signed!", "Tom won the bid": no company before it
    if _norm(name) in rx.not_customers or rx.cn_person.fullmatch(name):
        return None
    if _CJK.match(name) and _opens_with_a_person(text, rx) is not None:
        return None  # "陈静刚来电话": a person, not a company
    if rx.referrer_end.search(name):  # "刚接到一个新客户电话": the name, if any, comes after
        return None
    if _CJK.match(name):  # "市第一人民医院设备科刘科长来电话": the company, not the person
        going = _GOING_ALONG.search(name)
        if going is not None:  # "和售前小王一起过去苏州德润光电": where they went
            start += going.end()
        company, _ = _split_cn(text, start, end, rx)
        if company is not None and not _ends_as_company(text, *company, rx):
            # "宁波凯瑞模具来了3个人验厂": the company, then what its people did
            company = _company_prefix(text, company[0], company[1] + 1, rx) or company
        done = text.rfind("了", *company) if company is not None else -1
        if (
            company is not None
            and done >= 0
            and company[1] - done > 4
            and (
                _ends_as_company(text, done + 1, company[1], rx)
                or rx.region_at.match(text, done + 1) is not None
            )
        ):
            return done + 1, company[1]  # "展台上加了宁波凯达模具徐经理的微信": after 了
        return company
    return start, end


_SPACED_DASH = lazy_pattern(r"[ \t]+[-–—]+[ \t]+")
_COMPANY_IN_BRACKETS = lazy_pattern(
    r"[ \t]*[(（](?P<name>[A-Z][\w&'’.-]*(?:[ \t]+[A-Z&][\w&'’.-]*){0,5})[)）]"
)
_ROLE_IN_BRACKETS = lazy_pattern(r"[ \t]*[(（][^)）]{1,60}[)）]")
_A_TEAM_OF_THEIRS = lazy_pattern(
    r"(?i:procurement|purchasing|finance|ops|operations|it|hr|legal|engineering|sales"
    r"|marketing|logistics|facilities|admin|r&d|qa|quality)"
)
"""A department written where a title would be: "(procurement, Sembawang Cold Storage)"."""
_COMMA_TITLE_AT = lazy_pattern(
    r"[ \t]*,[ \t]*(?P<title>[^,.;:()\n]{2,30})[ \t]+(?:at|of|@)[ \t]+"
    r"(?P<name>[A-Z][\w&'’.-]*(?:[ \t]+(?:[A-Z&][\w&'’.-]*|of|and))*)"
)


def _their_title_at(text: str, end: int, rx: _Compiled) -> Span | None:
    """After a person's name, ", Head of Ops at Hartley & Finch", ", CFO of Bukit Timah
    Clinics": where the person works."""
    match = _COMMA_TITLE_AT.match(text, end)
    if match is None:
        return None
    title = match.group("title")
    if not (rx.titles.search(title) or _A_TEAM_OF_THEIRS.search(title)):
        return None
    start, end = match.span("name")
    joiner = _A_JOINER_AT_THE_END.search(text, start, end)
    return (start, joiner.start()) if joiner else (start, end)  # "…Clinics and their IT lead"


_A_JOINER_AT_THE_END = lazy_pattern(r"(?:[ \t]+(?:of|and))+[ \t]*$")


_HEAD_OF = lazy_pattern(r"(?i:head|director|vp|manager|mgr|gm)\b")
_TITLE_THEN_COMPANY = lazy_pattern(
    r"[ \t]*[(（](?P<title>[^,，)）]{1,30})[,，][ \t]*"
    r"(?P<name>[A-Z][\w&'’.-]*(?:[ \t]+[A-Z&][\w&'’.-]*){0,5})[ \t]*(?:[,，][^,，)）]{1,24})?[)）]"
)
"""After a person, their title and company in brackets: "(COO, Harrow & Vale Logistics,
London)"."""
_PERSON_AT = lazy_pattern(r"(?:[ \t]+(?P<surname>[A-Z][a-z]+))?[ \t]+(?:at|@)[ \t]+(?=[A-Z])")
_AT_THEIR_COMPANY = lazy_pattern(
    r"(?:[ \t]*[(（][^)）]{1,40}[)）])?[ \t]+(?:at|from|of|@)[ \t]+(?=[A-Z])"
)
_GOING_ALONG = lazy_pattern(r"一起(?:过去|去了?|到)")
_COUNT_FRAGMENT = lazy_pattern(r"第?[一二两三四五六七八九十几数多0-9]+[次趟下遍回轮]?")
""""回访一次", "去一趟", "看两遍": how often, where a name would stand — never a customer."""


_THEIR_PLACE = lazy_pattern(r"^(?:他们|她们|对方|客户)|厂里|那边|这边")


def _generic(text: str, span: Span, rx: _Compiled) -> bool:
    """True for words that stand where a name would ("拜访客户", "visited the client",
    "回访一次")."""
    name = _norm(text[span[0] : span[1]])
    if name in rx.not_customers or _COUNT_FRAGMENT.fullmatch(name) is not None:
        return True
    if _THEIR_PLACE.search(name):
        return True  # "去厂里看现场", "去他们厂里跟周厂长谈": where, not who
    # "去苏州拜访了一家新客户沃丰仪器", "去了趟宁波 顺路拜访了甬兴塑业": a place alone is where
    # the rep went, not whom they saw ("上海星辰科技" is still a name).
    place = rx.region_at.match(text, span[0])
    if place is not None and text[place.end() : span[1]] in _ERRANDS:
        return True  # "去上海出差": a trip to a city, not a company
    return place is not None and place.end() >= span[1]


_ERRANDS = frozenset({"出差", "开会", "参展", "办事", "培训", "看展", "学习", "考察"})


def _english_tokens(text: str, start: int) -> list[Span]:
    tokens: list[Span] = []
    position = start
    while (match := _EN_TOKEN.match(text, position)) is not None:
        tokens.append(match.span(1))
        position = match.end()
    return tokens


_DETERMINERS = frozenset({"the", "a", "an", "with", "on", "to", "up", "our", "my", "their"})


def _english_run(text: str, start: int, rx: _Compiled) -> tuple[Span | None, Span | None]:
    """Capitalised words after a verb: "Acme Trading", "Globex CFO", "Wang from Acme"."""
    tokens = _english_tokens(text, start)
    i = 0
    while i < len(tokens) and text[tokens[i][0] : tokens[i][1]].lower() in _DETERMINERS:
        i += 1
    title = _title_at(text, tokens, i, rx)
    if title is not None:  # "the CFO of Globex"
        contact, i = title
        if i < len(tokens) and _word(text, tokens[i]) in (rx.links | {"of"}):
            return _capitalised_run(text, tokens, i + 1, rx)[0], contact
        return None, contact
    run, i = _capitalised_run(text, tokens, i, rx)
    if run is None:
        return None, None
    title = _title_at(text, tokens, i, rx)
    if title is not None:  # "Globex CFO", "Acme's buyer"
        return run, title[0]
    if i + 1 < len(tokens) and (
        _word(text, tokens[i]) in rx.links
        or (
            _word(text, tokens[i]) == "of"
            and _FULL_NAME.fullmatch(text, *run) is not None
            and _OF_A_BODY.search(text, *run) is None
        )
    ):  # "Wang from Acme", "Kelvin Ong of Sentosa Leisure" (not "Bank of China")
        company, _ = _capitalised_run(text, tokens, i + 1, rx)
        if company is not None and rx.generic_or_legal.search(text, *run) is None:
            return company, run  # not "Took over Marina Bay Dental Group from Sophie"
    titled = _TITLE_OF_A_PLACE.match(text, run[1])
    if titled is not None:  # "met Grace, founder of Redfern Pharma": she is theirs
        company, _ = _capitalised_run(text, _english_tokens(text, titled.end()), 0, rx)
        if company is not None:
            return company, run
    along = _ALONG_TO_A_PLACE.match(text, run[1])
    if along is not None:  # "mtg w Sarah + procurement at Northwind": she is theirs
        company, _ = _capitalised_run(text, _english_tokens(text, along.end()), 0, rx)
        if company is not None:
            return company, run
    return run, None


_FULL_NAME = lazy_pattern(r"[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){1,2}")
"""A person's given and family names, as written before "of" and their company."""

_FULL_NAME_ANYWHERE = lazy_pattern(rf"(?<![\w'’]){_FULL_NAME.pattern}\b")
""":data:`_FULL_NAME` as whole words anywhere in a text."""
_OF_A_BODY = lazy_pattern(
    r"\b(?:Port|Authority|Bank|University|Ministry|Department|Institute|College|School"
    r"|Council|Board|Commission|Agency|Chamber|Society|Association|Republic|Museum|Hospital"
    r"|City|Government|Office|Embassy|Consulate|Bureau|Church|Academy|Federation|Union|Club"
    r"|Trust|House|Centre|Center|Court|State|Province|Friends|Sisters|Brothers)\b"
)
"""What makes a name before "of" a body's, not a person's: "Port Authority of Singapore"."""
_ALONG_TO_A_PLACE = lazy_pattern(
    r"[ \t]*(?:\+|&|and|n)(?:[ \t]+[A-Za-z][a-z'’]*){1,3}?[ \t]+(?:at|from|@)[ \t]*(?=[A-Z0-9])"
)
"""Who came along, then where they are from: "Sarah + procurement at", "Wang and his boss
from"."""


_TITLE_OF_A_PLACE = lazy_pattern(
    r"[ \t]*[,(][ \t]*(?:(?:the|their|our)[ \t]+)?(?:[A-Za-z][\w'’\-]*[ \t]+){0,3}?"
    r"(?i:founder|co-founder|owner|officer|director|manager|mgr|head|lead|engineer|partner"
    r"|president|chairman|buyer|facilities|ops|operations|procurement|purchasing|finance"
    r"|admin|marketing|engineering|maintenance|logistics|security|[A-Z]{2,4})"
    r"(?:[ \t]+[A-Za-z][\w'’\-]*){0,2}?[ \t]+(?:of|at|from|@)[ \t]*(?=[A-Z0-9])"
)
"""A person's title, then where they work: "Grace, founder of", "Sam, CTO at", "Helen
Carter, Chief Procurement Officer at"."""


def _word(text: str, span: Span) -> str:
    return text[span[0] : span[1]].lower()


def _title_at(text: str, tokens: list[Span], i: int, rx: _Compiled) -> tuple[Span, int] | None:
    """A job title starting at token ``i``: (its span, index of the token after it)."""
    if i >= len(tokens):
        return None
    match = rx.titles.match(text, tokens[i][0])
    if match is None:
        return None
    j = i
    while j < len(tokens) and tokens[j][0] < match.end():
        j += 1
    return match.span(), j


def _is_capitalised(token: str) -> bool:
    return token[0].isupper() or (token[0].isdigit() and any(c.isalpha() for c in token))


def _capitalised_run(
    text: str, tokens: list[Span], i: int, rx: _Compiled
) -> tuple[Span | None, int]:
    """Consecutive capitalised words from token ``i`` (plus a legal suffix like ", Ltd.")."""
    first = i
    end = 0
    while i < len(tokens):
        start, stop = tokens[i]
        word = text[start:stop]
        if word == "&" and end and i + 1 < len(tokens):
            i += 1
            continue
        if not _is_capitalised(word) or _norm(word.rstrip(".")) in rx.not_names:
            break
        if i > first and _title_at(text, tokens, i, rx) is not None:
            break
        end = stop
        i += 1
        if _POSSESSIVE.search(word):
            end = stop - 2
            break
        if word.endswith(".") and not _ABBREVIATED_END.search(word) and len(word) > 2:
            break  # "visited Initech. Bob wants …", "… Dental Group. Nice": a stop ends it
    if not end:
        return None, i
    start = tokens[first][0]
    legal = rx.legal_tail.match(text, end)
    if legal is not None:
        end = legal.end()
        while i < len(tokens) and tokens[i][0] < end:
            i += 1
    elif text[end - 1] == "." and not _ABBREVIATED_END.search(text, start, end):
        end -= 1  # a full stop after the name, not part of it ("Inc." keeps its own)
    return (start, end), i


def _split_cn(text: str, start: int, end: int, rx: _Compiled) -> tuple[Span | None, Span | None]:
    """ "星辰科技张总" -> customer 星辰科技, contact 张总; "星辰科技的工厂" -> 星辰科技;
    "宁波的甬兴塑业" -> 甬兴塑业; "市第一人民医院设备科刘科长" -> 市第一人民医院, 刘科长."""
    counted = _A_TRIP.match(text, start, end)  # "去了趟…", "跑了一趟…", "拜访了一家…"
    if counted is not None:
        start = counted.end()
    region = rx.region_at.match(text, start)
    if region is not None and text.startswith("的", region.end()):
        start = region.end() + 1
    person = _first_person(text, start, end, rx)
    if person is not None:
        cut = person[0]
        while cut > start and text[cut - 1] in "的 \t":
            cut -= 1
        cut = _before_department(text, start, cut, rx)
        for title in rx.titles.finditer(text, start, cut):
            if title.end() == cut and _ends_as_company(text, start, title.start(), rx):
                cut = title.start()  # "合肥新能储能科技有限公司副总经理周建国"
                break
        if _ONLY_A_FUNCTION.fullmatch(text, start, cut):
            return None, person  # "跟采购周经理电话聊了": their buyer, no company named
        return ((start, cut) if cut - start >= 2 else None), person
    stop = rx.stop.search(text, start + 2, end) if end - start > 2 else None
    cut = stop.start() if stop else end
    return ((start, cut) if cut - start >= 2 else None), None


_A_TRIP = lazy_pattern(r"[一两几]?[趟个家]+|一下")
_ONLY_A_FUNCTION = lazy_pattern(
    r"(?:他们|对方|客户)?的?(?:采购|行政|财务|后勤|人事|营运|运营|品质|质量|生产|市场|销售|总务"
    r"|法务|技术|设备|信息|IT)(?:部门?|科|处)?的?"
)
"""Their function alone where a company's name would be: "跟采购周经理", "和他们财务的王姐"."""


def _before_department(text: str, start: int, cut: int, rx: _Compiled) -> int:
    """Where the company ends when a department closes ``text[start:cut]``: "星辰科技采购部"
    -> 星辰科技. Of the places a department may start, the first that leaves the company
    ending on a word companies end with ("市第一人民医院设备科": 医院, where 医院设备科 would
    also read as a department), else the first; ``cut`` when there is none."""
    places = [
        at for at in range(start + 2, cut) if _DEPARTMENT_END.fullmatch(text, at, cut) is not None
    ]
    for i, at in enumerate(places):
        if _ends_as_company(text, start, at, rx):
            for later in places[i + 1 :]:  # "悦华酒店集团工程部": 集团 is the company's
                if rx.generic_or_legal.fullmatch(text, at, later):
                    return later
            return at
    role = _FUNCTION_END.search(text, start, cut) if not places else None
    if role is not None and _ends_as_company(text, start, role.start(), rx):
        return role.start()  # "鲜丰汇便利店采购朱经理": the buyer's function, not the name
    return places[0] if places else cut


def _ends_as_company(text: str, start: int, end: int, rx: _Compiled) -> bool:
    """Whether ``text[start:end]`` ends on a word companies' names end with (物流, 医院,
    有限公司…)."""
    return bool(rx.generic_end.search(text, start, end) or rx.legal_end.search(text, start, end))


_DEPARTMENT_END = lazy_pattern(rf"的?{_DEPARTMENT_WORD}$")
_FUNCTION_END = lazy_pattern(
    r"(?<=[\u3400-\u9fff]{2})的?(?:采购|行政|财务|后勤|人事|营运|运营|品质|质量|生产|市场"
    r"|销售|总务|法务)$"
)
"""A function named between a company and its person, without 部: "便利店采购朱经理"."""


def _contact_of_the_first(
    text: str,
    contact: Span | None,
    second: int,
    customer_span: Span | None,
    ours: list[Span],
    rx: _Compiled,
) -> Span | None:
    """With several customers in one message, the person met at the first, when one is named
    before the second is written ("宏达包装找吴经理…；华美广告传媒见了郭总": 吴经理, not 郭总)."""
    if contact is None or contact[0] < second:
        return contact
    found = _contact(_blank(text, [*ours, (second, len(text))]), customer_span, rx)
    if found is not None and found[1] <= second:
        return found
    if _A_BREAK.search(text, second, contact[0]) is None:
        return None  # "… and Merlion Engineering (Jason Lee wants …)": the second's person
    return contact  # "华美广告和正和律所…。华美那边朱经理…": the first's again, later on


_A_BREAK = lazy_pattern(r"[。.!！?？;；\n]|(?<=[\u3400-\u9fff])[ \t]+(?=[\u3400-\u9fff])")
"""A sentence's end, or a Chinese rep's blank for a comma: "天工智能和华信 天工那边马总"."""


def _first_person(text: str, start: int, end: int, rx: _Compiled) -> Span | None:
    """The first Chinese-style person reference or stand-alone title in text[start:end]."""
    masked = _mask(text, rx.contact_ignore)
    found: list[Span] = []
    for match in rx.cn_person.finditer(masked, start, end):
        title = match.group("title")
        if title and any(masked.startswith(bad, match.start("title")) for bad in rx.not_titles):
            continue
        found.append(match.span())
        break
    if "部" in masked or "科" in masked:
        for mark in _DEPARTMENT_MARK.finditer(masked, start, end):
            in_it = rx.cn_named.match(masked, mark.end(), end)
            if in_it is not None:  # "加了他们设备部吴磊的微信": the person in that department
                found.append(in_it.span())
                break
    for match in rx.titles.finditer(masked, start, end):
        if _THEIR_BOSS.search(masked, max(start, match.start() - 6), match.start()):
            continue  # "he'll take it to his MD": the contact's boss, not whom the rep met
        if match.group() in rx.acronym_titles or _CJK.match(match.group()):
            after = (
                rx.cn_named.match(masked, match.end(), end) if _CJK.match(match.group()) else None
            )
            if after is not None:  # "杭州绿叶生鲜运营总监马丽": the name after the title
                found.append(after.span())
                break
            named = _named_before(masked, match.start(), start, rx)
            unit = _UNIT_BEFORE.search(masked, start, match.start())  # "IT负责人", "HR经理"
            found.append(named or ((unit.start(), match.end()) if unit else match.span()))
            break
    return min(found) if found else None


_UNIT_BEFORE = lazy_pattern(r"(?<![A-Za-z])[A-Z]{2,4}$")
_DEPARTMENT_MARK = lazy_pattern(r"(?<=[\u4e00-\u9fffA-Za-z])(?<![全内外总局干])(?:部门|部|科)的?")
_THEIR_BOSS = lazy_pattern(
    r"\b(?i:his|her)[ \t]+$|(?<![我们])[他她]的?$|[她他]?说$|(?:报给|交给|请示|等)$"
)
"""Right before a title, the boss of someone already named or one spoken of: "take it to his
MD", "她老板基本点头了", "她说老板那边基本同意了", "要报给老板批"."""


def _named_before(text: str, title: int, start: int, rx: _Compiled) -> Span | None:
    """The full name right before a title: "星辰科技张伟总经理" is 张伟."""
    for length in (3, 2):
        if title - length >= start and rx.cn_named.fullmatch(text, title - length, title):
            if _ends_as_company(text, start, title - 1, rx):
                return None  # "泉州永盛五金林厂长", "东莞顺达五金厂陈老板": 林厂长, 陈老板
            return title - length, title
    return None


def _customer_by_marker(text: str, rx: _Compiled) -> tuple[Span | None, Span | None]:
    """The name right before "deal"/"project"/"项目": "Acme deal to negotiation", "星辰项目赢单"."""
    for match in rx.markers.finditer(text):
        position = match.start()
        if _CJK.match(match.group()):
            segment_start = position
            while segment_start > 0 and _CN_SEGMENT.match(text[segment_start - 1]):
                segment_start -= 1
            while (lead := rx.lead_in.match(text, segment_start, position)) and lead.end() > (
                segment_start
            ):
                segment_start = lead.end()  # "今天跟进星辰项目" -> 星辰
            if position - segment_start >= 2:
                customer, contact = _split_cn(text, segment_start, position, rx)
                if customer is not None and not _ends_as_company(text, *customer, rx):
                    # "常州恒力轴承输送线改造项目": the company, then what the project does
                    named = _company_prefix(text, segment_start, customer[1], rx)
                    customer = named or customer
                return customer, contact
            continue
        found = _run_before(text, position, rx)
        if found is not None and not text[found[0]].isdigit():  # not "the 12-month deal"
            return found, None
    return None, None


def _company_prefix(text: str, start: int, end: int, rx: _Compiled) -> Span | None:
    """The longest start of ``text[start:end]``, four characters or more, that ends as a
    company's name does (轴承, 科技, 有限公司…)."""
    for cut in range(end - 1, start + 3, -1):
        if _ends_as_company(text, start, cut, rx):
            return start, cut
    return None


_HEADING = lazy_pattern(r"\s*([A-Z0-9][A-Za-z0-9&'’.\- ]{0,40}?)\s*(?::|：| [-–—] )")


def _customer_by_heading(text: str, rx: _Compiled) -> Span | None:
    """ "Globex: budget approved", "Acme – Wang asked ...": a name heading the message."""
    match = _HEADING.match(text)
    if match is None:
        return None
    tokens = _english_tokens(text, match.start(1))
    run, _ = _capitalised_run(text, tokens, 0, rx)
    if run is None or run[1] != match.end(1) or rx.keyword_start.match(text, run[0]):
        return None
    return None if _generic(text, run, rx) else run  # "Inbound: Gemma Walsh at …": a heading


_AT_PLACE = lazy_pattern(r"(?<![A-Za-z])(?:at|from|@|with|w/?)\s+(?=[A-Z0-9])")
_OF_COMPANY = lazy_pattern(r"[ \t]+of[ \t]+(?=[A-Z0-9])")


_PERSON_GOES_ON = lazy_pattern(
    r"(?:刚刚?|才|今天|昨天|昨晚|前天|上午|下午|晚上|\x1f)*"  # a day said: blanked
    r"(?:来电话|来电|打电话|打来|打了|微信|回我|回复|说|发来|发了|给我|找我|约我)"
)


def _opens_with_a_person(text: str, rx: _Compiled) -> Span | None:
    """A Chinese full name that opens the message and does something: "陈静刚来电话",
    "张伟昨天晚上微信回我了" (who they are with is for the rep's book to say)."""
    named = rx.cn_named.match(text, _LEAD_PUNCT.match(text).end())  # type: ignore[union-attr]
    if named is None:
        return None
    for end in (named.end(), named.end() - 1):  # "陈静刚…": 刚 is not her name
        if end - named.start() >= 2 and _PERSON_GOES_ON.match(text, end):
            return named.start(), end
    return None


def _customer_by_place(text: str, rx: _Compiled) -> Span | None:
    """ "emailed procurement at Changi General Hospital", "coffee w Daniel from KopiKing":
    a capitalised name after at / from, in a message that logs an activity."""
    found: Span | None = None
    for match in _AT_PLACE.finditer(text):
        if rx.honorific.match(text, match.end()) is not None:
            continue  # "email from Dr Lim at Marina Bay Pharma": a person, then the place
        run, _ = _capitalised_run(text, _english_tokens(text, match.end()), 0, rx)
        if run is not None and _referrer_only(text, run):
            continue  # "…, referred by Helen at Globex": who sent them
        if run is not None and not _generic(text, run, rx):
            if match.group().strip().lower() in ("at", "from", "@"):
                return run  # a place wins over a person ("Daniel from KopiKing")
            if not _a_name(text, run, (), rx) and rx.honorific.match(text, run[0]) is None:
                found = run  # not "with Wei Jie from presales", "with Mr. Reddy": a person
    for title in rx.titles.finditer(text) if found is None and " of " in text else ():
        of = _OF_COMPANY.match(text, title.end())  # "Mr. Reddy, MD of Kaveri Agro Mills"
        if of is not None:
            run, _ = _capitalised_run(text, _english_tokens(text, of.end()), 0, rx)
            if run is not None and not _generic(text, run, rx):
                return run
    return found


def _customer_by_possessive(text: str, rx: _Compiled) -> tuple[Span | None, Span | None]:
    """ "Acme's CFO" -> (Acme, CFO): a company owning a job title."""
    for match in rx.titles.finditer(text):
        owner = re.search(r"['’]s\s+$", text[: match.start()])
        if owner is None:
            continue
        run = _run_before(text, owner.start(), rx)
        if run is not None:
            return run, match.span()
    return None, None


def _run_before(text: str, position: int, rx: _Compiled) -> Span | None:
    """Capitalised words ending right before ``position`` ("the Acme Trading deal")."""
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, position)), default=0)
    tokens = [m.span() for m in _WORD.finditer(text, clause_start, position)]
    run_start: int | None = None
    run_end: int | None = None
    boundary = position
    for start, stop in reversed(tokens):
        token = text[start:stop]
        if text[stop:boundary].strip() or not _is_capitalised(token):
            break
        if _norm(token) in rx.not_names:
            break
        if run_end is None:
            run_end = stop - 2 if _POSSESSIVE.search(token) else stop
        run_start = boundary = start
    if run_start is None or run_end is None:
        return None
    return run_start, run_end


# --- Contact ------------------------------------------------------------------------------


_HONORIFIC_BEFORE = lazy_pattern(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Capt|Mdm)\.?\s*$")
_NAME_AFTER_TITLE = lazy_pattern(r"\s*(?:is\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})")


def _whole_person(text: str, span: Span, rx: _Compiled) -> Span:
    """ "Cheung" after "Mr." is "Mr. Cheung"; a title followed by the person's name is the
    name ("采购总监何振宇" -> 何振宇, "head of procurement Sarah Wong" -> Sarah Wong, "COO,
    Michelle Tan," -> Michelle Tan)."""
    start, end = span
    honorific = _HONORIFIC_BEFORE.search(text, 0, start)
    if honorific is not None:
        return honorific.start(), end
    if (
        rx.titles.fullmatch(text, start, end)
        or rx.titles.fullmatch(text[start:end])
        or (
            _UNIT_BEFORE.fullmatch(text, start, max(start, end - 3))  # "IT负责人罗工": 罗工
            and rx.titles.fullmatch(text, max(start, end - 3), end)
        )
    ):
        named = rx.cn_person.match(text, end) or rx.cn_named.match(text, end)
        if named is not None and named.end() - named.start() <= 3:
            return named.span()
        english = _NAME_AFTER_TITLE.match(text, end) or _APPOSED.match(text, end)
        if english is not None and _norm(english.group(1).split()[0]) not in rx.not_names:
            return english.span(1)
    return span


_APPOSED = lazy_pattern(rf"[ \t]*,[ \t]*({_NAME_WORDS})(?=[ \t]*[,(]|[ \t]+[-–—])")
"""A title's name said after a comma: "Blue Harbour Capital's COO, Michelle Tan, this
morning"."""


def _contact(text: str, customer: Span | None, rx: _Compiled) -> Span | None:
    """The person the message is about, outside the customer's own name."""

    def outside(span: Span) -> bool:
        return customer is None or span[1] <= customer[0] or span[0] >= customer[1]

    theirs = _named_before_company(text, customer[0], rx) if customer is not None else None
    if customer is not None and theirs is None:
        right_after = _after_customer(text, customer[1], rx)
        if right_after is not None:
            return right_after
    candidates: list[Span] = []
    person = _first_person(text, 0, len(text), rx)
    if person is not None and outside(person):
        candidates.append(person)
    if theirs is not None:  # "Ravi from Initech called …": not a name in the next sentence
        candidates.append(theirs)
    for match in rx.contact_cue.finditer(text):
        named = _name_at(text, match.end(), rx)
        if named is not None:
            candidates.append(named)
    if customer is not None and (joined := _with_after(text, customer[1], rx)) is not None:
        candidates.append(joined)
    for match in rx.honorific.finditer(text):
        if outside(match.span()):
            candidates.append(match.span())
    role = rx.role_saying.search(text)
    if role is not None and outside(role.span()):
        candidates.append(role.span())
    says = _SAYING.search(text) is not None
    for match in _NAME_SAYS.finditer(text) if says else ():  # "- Kelvin Ong says Siemens …"
        named = _past_nobody(text, match.span("name" if match["name"] else "shown"), rx)
        if (
            named is not None
            and outside(named)
            and not _nobody(text[named[0] : named[1]], rx)
            and rx.generic_or_legal.search(text, *named) is None
        ):
            candidates.append(named)
            break
    for match in _NAME_WITH_ROLE.finditer(text):  # "Sarah Hughes (facilities mgr)"
        named = _past_nobody(text, match.span("name"), rx)  # "Met Daniel Koh, their …"
        said = match.group("role") or match.group("role2") or ""
        a_role = match.group("dept") or rx.titles.search(said) or _A_ROLE.search(said)
        if a_role and named and outside(named) and not _nobody(text[named[0] : named[1]], rx):
            candidates.append(named)
            break
    for match in rx.titles.finditer(text):
        if _OURS_BEFORE.search(text, max(0, match.start() - 8), match.start()):
            continue  # "with our MD Andrew": ours
        if _THEIR_BOSS.search(text, max(0, match.start() - 6), match.start()):
            continue  # "she's escalated it to her CEO": the contact's boss
        named = _titled_name(text, match.end(), rx)  # "the owner Marcus": Marcus
        if named is not None and outside(named):
            candidates.append(named)
            break
        if match.group() in rx.acronym_titles and outside(match.span()):
            candidates.append(match.span())
            break
        if _THEIR.search(text, max(0, match.start() - 16), match.start()) and outside(match.span()):
            candidates.append(match.span())  # "with their facilities manager"
            break
    for named in _lowercase_names(text, rx):
        if outside(named):
            candidates.append(named)
            break
    # The earliest; of two from one place the longer: "spoke w Mr. Lim" is "Mr. Lim", not "Mr".
    chosen = min(candidates, key=lambda span: (span[0], -span[1])) if candidates else None
    if chosen is not None and text[chosen[0] : chosen[1]] in rx.acronym_titles:
        # "(Laura Hall + their CFO)", "Their MD prefers WhatsApp, so keep Kelvin Ong in the
        # loop": the person named, not a title beside them
        for match in _FULL_NAME_ANYWHERE.finditer(text):
            if outside(match.span()) and _a_name(text, match.span(), (), rx):
                return match.span()
    return chosen


_LOWERCASE_NAME = lazy_pattern(
    r"(?:(?<![\w/])(?P<verb>w/?|with|met|(?:thru|through|spoke|talked|chatted|intro'?d)[ \t]+to"
    r"|call(?:ed)?(?: back)?|cb|ping|pinged|emailed|texted)[ \t]+|^)"
    r"(?P<name>(?:mr|mrs|ms|dr)\.?[ \t]+[a-z]{2,}|[a-z]{2,}(?:[ \t]+[a-z]{2,}){0,2}?)"
    r"(?P<link>[ \t]+@|[ \t]*[(+]|[ \t]+(?:at|frm|from|of|and|their|re)\b|,)"
)
"""A name typed in lower case where only a person's would be: after "w/", "met" or "call"
and before where they work or what they do ("call w james wilson @ camden foods", "met
kelvin ong their new facilities mgr", "got thru to aaron lim (ops mgr)"), or opening the
message before their company ("ho ka man frm blue harbour called")."""


def _a_place_for_a_lowercase_name(text: str) -> bool:
    """Whether the text holds what one of :data:`_LOWERCASE_NAME`'s readings does: a link after
    the name (a comma only after "mr", "ms" or "dr" and a name, which this tests for too).
    Substring tests, cheaper than the expression's scan (issue 20)."""
    return (
        " @" in text
        or "(" in text
        or "+" in text
        or " at " in text
        or " frm " in text
        or " from " in text
        or " of " in text
        or " and " in text
        or " their " in text
        or " re " in text
        or "mr" in text
        or "ms" in text
        or "dr" in text
    )


def _lowercase_names(text: str, rx: _Compiled) -> Iterator[Span]:
    """The names of :data:`_LOWERCASE_NAME`, none of whose words is one that is never a name
    (``contact.lowercase_words``: "call w the team @ Camden")."""
    if not _a_place_for_a_lowercase_name(text):
        return  # no place for one: a substring test is cheaper than the scan (issue 20)
    position = 0
    while (match := _LOWERCASE_NAME.search(text, position)) is not None:
        position = max(match.start("name"), match.start() + 1)  # "to call rajesh @": "call"
        words, link = match["name"].split(), match["link"].strip()
        if not match["verb"] and link not in ("@", "frm", "from"):
            continue  # only "ho ka man frm blue harbour" opens a message with a name
        if link in (",", "and", "re") and len(words) < 2:
            continue  # "call w jason, …" may be anything: one word needs a place after it
        honorific = words[0].rstrip(".") in ("mr", "mrs", "ms", "dr")
        if any(word in rx.lowercase_words for word in words[honorific:]) or any(
            _norm(word) in rx.not_names for word in words
        ):
            continue
        yield match.span("name")


_NAME_SAYS = lazy_pattern(
    r"(?=[A-Z]|(?i:[dp]))"  # where a reading can start: no other place is tried
    rf"(?:(?<![\w'’])(?P<name>{_NAME_WORDS})[ \t]+(?:just[ \t]+)?"
    r"(?:says|said|told (?:me|us)|mentioned|confirmed|wants|wanted|needs|asked|asking|flagged"
    r"|is (?:reviewing|taking|asking|keen)|['’]s (?:reviewing|taking|asking|keen)|sent|filled in"
    r"|reckons|thinks|(?:emailed|called|rang|phoned|replied|messaged|texted|whatsapped)\b"
    r"(?![ \t]+[A-Z]))\b"
    rf"|\b(?i:demoed|demo'd|presented|pitched)\b[^.;\n]{{0,40}}?\bto[ \t]+(?P<shown>{_NAME_WORDS}))"
)
"""A name that says something, or got in touch, is someone the rep spoke to: "Kelvin Ong
says …", "Helen Carter emailed first thing" (not "Cold called Tampines Cold Chain")."""
_SAYING = lazy_pattern(
    " says| said| told| mentioned| confirmed| reckons| thinks|emo|resent|itched| emailed"
    "| called| rang| phoned| replied| messaged| texted| whatsapped| want| needs| ask| flagged"
    "| is | sent| filled|s review|s taking|s asking|s keen"
)
_WITH_NAME = lazy_pattern(
    r"\b(?i:with|w/|w)[ \t]+(?P<name>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){1,2})\b"
    r"(?![ \t]+(?i:from|of|in)[ \t]+(?i:our|my|the[ \t]+team)\b)"
)
"""A full name (two or three words) the rep was with, after the customer: "visited Jade
Dragon Textiles with Cheung Wing Sze", "Pacific Rim visit w/ Kelvin Ong". Not one of ours
("with Dan from our solutions team"); one word alone ("with Dan") may be a colleague."""


def _with_after(text: str, end: int, rx: _Compiled) -> Span | None:
    """The person the rep was with, named after the customer (:data:`_WITH_NAME`)."""
    if "w" not in text[end:].lower():
        return None
    match = _WITH_NAME.search(text, end)
    if match is None:
        return None
    name = match.group("name")
    if _nobody(name, rx) or _without_legal(name, rx) != name:
        return None
    return match.span("name")


_THEIR = lazy_pattern(
    r"\b(?i:with|w/?|met|meet|to|called|emailed|rang|phoned|saw)[ \t]+(?i:their)[ \t]+$"
)
"""Before a title, what makes it the person the rep dealt with wherever it is written ("met
their ops director"); not one copied in or said in passing ("cc'd their IT head", "because
their owner froze all capex")."""
_TITLED_NAME = lazy_pattern(rf"[ \t]+(?P<name>{_NAME_WORDS})\b")
_NAME_THEN_COMPANY = lazy_pattern(
    rf"(?<![A-Za-z])(?P<name>{_NAME_WORDS})(?:[ \t]+(?:from|at|of|@)|[ \t]*\()[ \t]*$"
)


def _named_before_company(text: str, company: int, rx: _Compiled) -> Span | None:
    """A person named just before their company: "Ho Ka Man from Jade Dragon messaged me",
    "emailed the deck to Ravi at Initech", "call Wong Mei Ling (Harbourview Hotels)". One
    capitalised word opening a clause is a person only after a verb ("Met Wang from Globex"):
    "Invoice from Globex" is nobody."""
    match = _NAME_THEN_COMPANY.search(text, max(0, company - 60), company)
    if match is None:
        return None
    named = _past_nobody(text, match.span("name"), rx)
    if named is None:
        return None
    name = text[named[0] : named[1]]
    if _A_VERB.fullmatch(name) or rx.titles.search(name) or _A_ROLE.search(name):
        return None  # "Helen Carter, Chief Procurement Officer at Globex": her title
    opens = not text[: named[0]].strip() or _CLAUSE_BREAK.fullmatch(text[: named[0]].rstrip()[-1:])
    if " " not in name and opens and _SPOKE_UP.match(text, company) is None:
        return None  # "Invoice from Globex"; but "Ravi from Initech called just now"
    return named


_SPOKE_UP = lazy_pattern(
    r"[^.,;:!?\n]{1,40}?\b(?:called|rang|phoned|emailed|messaged|texted|wrote|says|said|wants"
    r"|asked|confirmed|replied|whatsapped|pinged)\b"
)
"""After a company, what makes the one word before it a person: "Ravi from Initech called"."""
_NAME_WITH_ROLE = lazy_pattern(
    rf"(?=[A-Z])(?<![A-Za-z])(?P<name>{_NAME_WORDS})"
    r"(?:[ \t]*\((?P<role>[^()]{2,30})\)"
    r"|,?[ \t]+(?i:their|the|its)[ \t]+(?P<role2>[^,;.()]{2,30})"
    r"|[ \t]+(?:in|from)[ \t]+(?P<dept>(?i:finance|procurement|purchasing|IT|ops|operations"
    r"|legal|HR|sales|marketing|engineering|accounts))[ \t]+(?i:says|said|wants|asked|thinks))"
)
"""A person with their role beside the name: "Sarah Hughes (facilities mgr)", "Andrew Foo,
their COO", "Emily in finance says"."""
_A_ROLE = lazy_pattern(r"\b(?:head|lead|chief|officer|partner)\b", re.IGNORECASE)
"""A word that makes the words beside a name a role ("head of store ops"), besides the
titles of the keyword files (manager, director, owner …), which are looked for first."""


def _past_nobody(text: str, span: Span, rx: _Compiled) -> Span | None:
    """``span`` without the capitalised words that name nobody at its start ("Met" in "Met
    Daniel Koh"); None when nothing is left."""
    start, end = span
    for word in _WORD.finditer(text, start, end):
        if not _nobody(word.group(), rx):
            return (word.start(), end)
    return None


def _titled_name(text: str, end: int, rx: _Compiled) -> Span | None:
    """The name right after a title: "the owner Marcus", "their GM Sophie Hughes"."""
    match = _TITLED_NAME.match(text, end)
    if match is None:
        return None
    name = match.group("name")
    if _nobody(name, rx) or rx.generic_or_legal.search(name):
        return None
    return match.span("name")


def _nobody(name: str, rx: _Compiled) -> bool:
    """Capitalised words that name nobody: a word that is never a name ("Today", "Friday")
    or the start of a keyword ("Called")."""
    return (
        any(_norm(word) in rx.not_names for word in name.split())
        or rx.keyword_start.match(name) is not None
    )


_AFTER_CUSTOMER = lazy_pattern(
    rf"(?:['’]s|的)?[ \t]*(?:[,，;；:：.。\-–—][ \t]*)?(?P<name>{_NAME_WORDS})"
    r"(?=[ \t]+[a-z]|[ \t]*[,.;:!?，。；：！？+]|[ \t]*$|[\u3400-\u9fff])"
)


_LOWER_WORD_AFTER = lazy_pattern(r"[ \t]+[a-z]|['’][a-z]")
_PERSON_DOES = lazy_pattern(
    r"(?:['’](?:ll|s|d|re)\b|[ \t]+(?:[a-z]+(?:s|ed)|is|was|will|would|can|could|has|had"
    r"|said|told|rang|ran|took|gave|sent|met|wants?|got|came|went|did|saw|spoke|wrote|led"
    r"|brought|made|kept|left|felt|knew|thinks?|thought|seems?|just|also|still|now|and|from"
    r"|at|of|in|on|who|with|w|here|there|too)\b)"
)
"""After one capitalised word opening a clause, what a person does ("Wang wants …", "Helen
called back"), which a thing ("Scanners all fine", "Vendor patch applied") does not."""
_A_VERB = lazy_pattern(
    r"(?!(?:Ahmed|Mohammed|Mohamed|Muhammed|Muhammad|Saeed|Zayed|Javed|Rasheed|Waheed|Fareed"
    r"|Hameed|Majeed|Rashed|Sterling|Fleming|Manning|Channing|Irving|Ewing)$)"
    r"[A-Z][a-z]{2,}(?:ed|ing)"
)
"""One capitalised word that is a verb opening a sentence ("Sized it at US$64k"), not a
name; the names of that shape a rep is likely to write are let through."""


_OURS_BEFORE = lazy_pattern(r"\b(?i:our|my)[ \t]+$")
_A_PLACE_OF_THEIRS = lazy_pattern(
    r"[ \t]+(?i:yard|office|offices|site|plant|factory|warehouse|depot|campus|hq|branch"
    r"|showroom|lab|clinic|store|outlet|facility|works)\b"
)


_CN_PLACE_ENDS = "馆厂店部司院室楼局区所组处科"  # "陈列馆", "采购部": a place or a unit, no one
_CN_NAME_DOES = lazy_pattern(r"刚|来电|打来|打电话|说|回复|回了|发来|发了|微信|找我|联系我")
"""After a name right after the customer's: what one of their people did ("华信陈静刚来电话")."""


def _after_customer(text: str, end: int, rx: _Compiled) -> Span | None:
    """A title or a name right after the customer ("Globex CFO", "Acme, Wang wants ..."),
    or a name starting the clause after the customer's."""
    position = end
    possessive = re.match(r"['’]s\s*|\s+|的", text[position:])
    title = rx.titles.match(text, position + (possessive.end() if possessive else 0))
    if title is not None:
        return title.span()
    at = position + 1 if text.startswith("的", position) else position  # "华信的陈静（采购经理）"
    named = rx.cn_named.match(text, at) if _CJK.match(text, at) else None
    if (
        named is not None
        and named.group()[-1] not in _CN_PLACE_ENDS
        and (
            _CN_NAME_DOES.match(text, named.end())
            or (
                text.startswith(("（", "("), named.end())
                and rx.titles.match(text, named.end() + 1) is not None
            )
        )
    ):
        return named.span()  # "华信陈静刚来电话", "华信的陈静（采购经理）": her own name
    match = _AFTER_CUSTOMER.match(text, position)
    if match is None:  # "visited Acme Trading today, Wang wants ...": the next clause
        brk = _CLAUSE_BREAK.search(text, position)
        if brk is None or brk.group() == "\n":
            return None
        match = _AFTER_CUSTOMER.match(text, brk.start())
    if match is None:
        return None
    honorific = rx.honorific.match(text, match.start("name"))
    if honorific is not None:
        return honorific.span()  # "Raffles Cold Chain, Mr. Tan was there": not "Mr"
    titled = rx.titles.match(text, match.start("name"))
    if titled is not None:  # "… dispatchers. Ops lead Siti asked …": not "Ops"
        return _titled_name(text, titled.end(), rx) or titled.span()
    name = match.group("name")
    if _nobody(name, rx) or rx.titles.fullmatch(name) or _A_VERB.fullmatch(name):
        return None
    if (
        " " not in name
        and _LOWER_WORD_AFTER.match(text, match.end("name"))
        and not (_PERSON_DOES.match(text, match.end("name")))
    ):
        return None  # "Scanners all fine", "Vendor patch applied": a thing, not a person
    if not _without_legal(name, rx):
        return None  # "called Acme Ltd": "Ltd" is nobody
    if _A_PLACE_OF_THEIRS.match(text, match.end("name")):
        return None  # "Merlion Engineering's Tuas yard": where, not who
    done = rx.activity.regex.match(text, _past_blanks(text, match.end("name")))
    if done is not None and _norm(done.group()) in _BASE_FORMS:
        return None  # "… Pte Ltd. Intro call with their GM": what was done, not who
    if rx.rival.match(text, match.end("name")):
        return None  # "Brightwater Energy: Siemens is also bidding": a competitor
    return match.span("name")


def _without_legal(words: str, rx: _Compiled) -> str:
    """``words`` without the legal forms that end them: "Shipping Pte Ltd" -> "Shipping",
    "Pte Ltd" -> ""."""
    rest = words
    while (legal := rx.legal_end.search(rest)) is not None:
        rest = rest[: legal.start()]
    return rest.strip()


def _name_at(text: str, position: int, rx: _Compiled) -> Span | None:
    """A person's name right at ``position`` (after "spoke to", "联系人")."""
    person = rx.cn_person.match(text, position) or rx.cn_named.match(text, position)
    if person is not None:
        return person.span()
    english = _NAME.match(text, position)
    if english is not None and _norm(english.group().split()[0]) not in rx.not_names:
        return english.span()
    return None
