"""The pinyin of search keys is read word by word from a memo (store/pinyin.py): the
syllables must stay exactly pypinyin's reading of the whole run, phrases and all — a
different reading would make a customer unfindable by what the rep types."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from store.pinyin import syllables
from store.search import search_key


def whole_run(run: str) -> list[str]:
    return [s.casefold() for s in lazy_pinyin(run, style=Style.NORMAL) if s]


NAMES = [
    "重庆",  # a phrase: chong qing, not zhong qing
    "重庆长安汽车股份有限公司",
    "银行行长",
    "长江",
    "单伟",
    "曾国藩",
    "朝阳区",
    "还没签",
    "〇",
    "星辰科技有限公司",
    "乐乐",
]


def test_word_by_word_reads_as_the_whole_run() -> None:
    rng = random.Random(13)
    phrases = sorted(PHRASES_DICT)
    characters = sorted(chr(c) for c in PINYIN_DICT if 0x4E00 <= c <= 0x9FFF)
    runs = list(NAMES)
    for _ in range(3000):  # strings of phrases and characters side by side
        parts = rng.randint(1, 5)
        runs.append(
            "".join(
                rng.choice(phrases) if rng.random() < 0.5 else rng.choice(characters)
                for _ in range(parts)
            )
        )
    for run in runs:
        assert syllables(run) == whole_run(run), run
        assert syllables(run) == whole_run(run), run  # and again, from the memo


def test_a_search_key_holds_the_whole_run_reading() -> None:
    key = search_key("重庆长安汽车")
    assert " chongqingchanganqiche " in key
    assert " cqcaqc | " in key
