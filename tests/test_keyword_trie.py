"""The parser's keyword patterns are tries (issue 20: ``re`` failed a plain alternation's
branches one by one at every position). A trie must match exactly what the alternation
sorted longest first matched: the same keyword, at the same places, with the same word
edges, whitespace and case rules. Checked here against that alternation, written out
plainly, on the shipped keyword lists and on random ones built to share prefixes."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest

from bot.nlu.message import Keywords, default_keywords, parse_log, warm_up
from bot.nlu.tries import union
from tests.pattern_checks import assert_same_matches, corpus_texts

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
EDGE_BEFORE = r"(?-i:(?<![A-Za-z0-9]))"
EDGE_AFTER = r"(?-i:(?![A-Za-z0-9]))"


def plain_alternation(words: Iterable[str]) -> str:
    """The keywords as the parser wrote them before the tries: longest first."""
    branches = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        body = r"\s+".join(re.escape(part) for part in word.split())
        if re.match(r"[A-Za-z0-9]", word[0]):
            body = EDGE_BEFORE + body
        if re.match(r"[A-Za-z0-9]", word[-1]):
            body += EDGE_AFTER
        branches.append(body)
    return "(?:" + "|".join(branches) + ")"


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int] | None]:
    """What the pattern matches starting at each position of ``text``."""
    return [m.span() if (m := pattern.match(text, i)) else None for i in range(len(text) + 1)]


def assert_same(words: list[str], texts: Iterable[str], flags: re.RegexFlag) -> None:
    trie = re.compile(union(words, ignore_case=bool(flags & re.IGNORECASE)), flags)
    plain = re.compile(plain_alternation(words), flags)
    for text in texts:
        assert spans(trie, text) == spans(plain, text), text
        assert [m.span() for m in trie.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text


def test_the_longest_keyword_wins_and_ascii_keywords_end_on_a_word_edge() -> None:
    pattern = re.compile(union(["met", "met with", "call", "called", "拜访", "拜访了"]), re.I)
    assert pattern.match("Met  With them").group() == "Met  With"  # type: ignore[union-attr]
    assert pattern.match("met withdrawal").group() == "met"  # type: ignore[union-attr]
    assert pattern.match("calledx") is None
    assert pattern.search("recalled") is None  # a keyword starts a word, too
    assert pattern.match("拜访了客户").group() == "拜访了"  # type: ignore[union-attr]


def test_a_case_sensitive_trie_keeps_each_character_as_written() -> None:
    pattern = re.compile(union(["Mr", "Mrs", "Dr"], ignore_case=False))
    assert pattern.match("Mrs Lee").group() == "Mrs"  # type: ignore[union-attr]
    assert pattern.match("mrs Lee") is None


def test_the_shipped_keyword_lists_match_as_their_alternations_did() -> None:
    kw = default_keywords()
    texts = [
        "called Customer 07 Ltd, they want a revised quote #12, follow up Friday 10am",
        "Met with Sarah Lee at Globex; moved the deal to negotiation, not won yet",
        "今天拜访了星辰科技张总，聊了ERP升级的进度，下周二下午3点跟进",
        "跟进蓝海物流的王经理 报价20万 下次再约 还没签",
        "CALLED ACME CORPORATION LTD. re: proposal sent, next step demo on Mon",
    ]
    lists = [
        kw.activity_ignore,
        kw.stage_ignore,
        kw.follow_up_cues,
        kw.contact_titles,
        kw.customer_legal_suffixes,
        kw.customer_generic_words,
        kw.customer_lead_in,
        kw.amount_deal_cues,
        [word for _, words in kw.activities for word in words],
        [word for _, words in kw.stage_says for word in words],
    ]
    for words in lists:
        assert_same(list(words), texts, re.IGNORECASE)
    assert_same(list(kw.contact_surnames), texts, re.NOFLAG)


@pytest.mark.parametrize("seed", range(40))
def test_random_keywords_sharing_prefixes_match_as_their_alternation_did(seed: int) -> None:
    rng = random.Random(seed)
    letters = "abcAB 1-.王王李"
    words = list(
        {
            "".join(rng.choice(letters) for _ in range(rng.randint(1, 5))).strip() or "a"
            for _ in range(rng.randint(1, 30))
        }
    )
    pool = [*words, "  ", "x", "Ab", "b1", "王李", "\t"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(30)]
    flags = re.IGNORECASE if seed % 2 else re.NOFLAG
    assert_same(words, texts, flags)


def test_a_pattern_is_compiled_when_first_used_and_a_server_compiles_all_first():
    """``crmbot parse`` compiles only what its message uses (about half the patterns: most
    of its start-up was ``re``'s compiler); a server's :func:`warm_up` compiles them all,
    so no user's message pays for one."""
    keywords = Keywords.load()
    compiled = keywords.compiled_for("called Acme")
    lazy = [
        name
        for name, value in vars(type(compiled)).items()
        if isinstance(value, functools.cached_property)
    ]
    assert len(lazy) > 30
    assert not [name for name in lazy if name in vars(compiled)]
    parse_log("called Acme", NOW, keywords=keywords)
    used = [name for name in lazy if name in vars(compiled)]
    assert 0 < len(used) < len(lazy)
    compiled.compile_all()
    assert [name for name in lazy if name not in vars(compiled)] == []
    default_keywords.cache_clear()  # a fresh process's keywords, none compiled yet
    warm_up()
    for warmed in (default_keywords().compiled, default_keywords().ascii_compiled):
        assert [name for name in lazy if name not in vars(warmed)] == []


def _patterns(compiled: object) -> dict[str, re.Pattern[str]]:
    """Each pattern a :class:`_Compiled` holds, by name, compiled now."""
    found: dict[str, re.Pattern[str]] = {}
    for name, value in vars(type(compiled)).items():
        if not isinstance(value, functools.cached_property):
            continue
        held = getattr(compiled, name)
        if isinstance(held, re.Pattern):
            found[name] = held
        elif isinstance(getattr(held, "regex", None), re.Pattern):
            found[name] = held.regex
        elif isinstance(held, list):
            found.update({f"{name}[{i}]": p for i, (_, p) in enumerate(held)})
    return found


def test_the_patterns_for_ascii_text_match_as_the_full_ones_on_ascii_text() -> None:
    """An English message is read with patterns that leave out the keywords it cannot hold
    (issue 20): at every position of every ASCII text of the corpus, each pattern matches
    what the full one does, with the same groups."""
    kw = default_keywords()
    full, ascii_only = _patterns(kw.compiled), _patterns(kw.ascii_compiled)
    assert full.keys() == ascii_only.keys()
    assert len(full) > 40
    texts = [t for t in corpus_texts() if t.isascii()][::4]
    texts += [t.upper() for t in texts[::5]]
    assert len(texts) > 500
    for name, pattern in full.items():
        assert_same_matches(pattern, ascii_only[name], texts, name)
    assert kw.compiled_for("called Acme") is kw.ascii_compiled
    assert kw.compiled_for("拜访了星辰科技") is kw.compiled
    assert kw.compiled_for("Café Lumière") is kw.compiled


def test_a_keyword_that_no_ascii_text_holds_is_left_out_of_the_ascii_pattern() -> None:
    pattern = union(["拜访", "call", "Kelvin", "café"], ascii_text=True)
    assert "拜" not in pattern
    assert "caf" not in pattern
    assert "call" in pattern
    assert re.compile(union(["拜访"], ascii_text=True)).search("拜访") is None
