"""Leftover text split into runs of one script between separators, keeping whole a
piece that reads as an address or a company, and two roles across a separator one title."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.cardscan.fields.addresses import _STREET_RE, _postcode_alone
from bot.cardscan.fields.kinds import _kind
from bot.cardscan.fields.pieces import _Candidate, _Run
from bot.cardscan.fields.text import _CJK_CHARS, _SEPARATORS, _SPLIT_RE, has_cjk


def _runs(cand: _Candidate) -> list[_Run]:
    """Split leftover text into pieces in one script between separators.

    A whole piece that reads as an address or a company stays whole ("上海市 浦东新区 …",
    "Xingchen Technology Co., Ltd."); otherwise Chinese words separated by spaces are
    separate runs ("张伟 销售总监"), except single characters spaced out for looks ("张 伟").
    """
    out: list[_Run] = []
    # OCR glues a bilingual card's Chinese and English names ("刘洋Leo Liu").
    text = _CJK_LATIN_GLUE_RE.sub(" ", cand.text)
    pieces = _SPLIT_RE.split(text)
    for index, part in enumerate(pieces):
        part = part.strip(_SEPARATORS)
        if not part:
            continue
        before = len(out)
        for cjk, tokens in _script_groups(part.split(" ")):
            if cjk:
                whole = "".join(tokens)
                run = _Run(whole, True, cand.line, cand.height)
                if len(tokens) == 1 or _kind(run) in {"address", "company"}:
                    out.append(run)
                    continue
                if not has_cjk(tokens[0]):  # a postcode-shaped number before no address
                    out.append(_Run(tokens.pop(0), False, cand.line, cand.height))
                for token in _merge_single_chars(tokens):
                    out.append(_Run(token, True, cand.line, cand.height))
            else:
                out.extend(_latin_runs(" ".join(tokens), cand))
        if 0 < before < len(out):
            _join_roles(out, before, pieces[index - 1])
    return out


#: A Chinese character against a capitalised English word, or an English word against a
#: Chinese character ("TCL科技" keeps its acronym: an upper-case run is left alone).
_CJK_LATIN_GLUE_RE = re.compile(f"(?<=[{_CJK_CHARS}])(?=[A-Z][a-z])|(?<=[a-z])(?=[{_CJK_CHARS}])")


def _join_roles(out: list[_Run], first: int, separator: str) -> None:
    """Two roles printed as one title across a separator ("Founder / Creative Director",
    "Partner | Head of Tax", "董事 / 总经理") stay one title."""
    left, right = out[first - 1], out[first]
    if left.cjk != right.cjk or _kind(left) != "title" or _kind(right) != "title":
        return
    glue = f" {separator.strip()} " if separator.strip() else " "
    out[first - 1 : first + 1] = [
        _Run(left.text + glue + right.text, left.cjk, left.line, left.height)
    ]


def _script_groups(tokens: list[str]) -> Iterable[tuple[bool, list[str]]]:
    """Consecutive tokens grouped by script; digits and symbols join the group before,
    except a postcode that opens a Chinese address ("114 台北市…", "200120 上海市…"),
    which joins the group after it."""
    groups: list[tuple[bool, list[str]]] = []
    for token in tokens:
        if not token:
            continue
        cjk = has_cjk(token)
        latin = any(ch.isalpha() and ch.isascii() for ch in token)
        if cjk and len(groups) == 1 and _postcode_alone(groups[0]):
            groups[0] = (True, [*groups[0][1], token])
        elif groups and (groups[-1][0] == cjk or (not cjk and not latin)):
            groups[-1][1].append(token)
        else:
            groups.append((cjk, [token]))
    return groups


def _merge_single_chars(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if out and len(token) == 1 and len(out[-1]) <= 2 and has_cjk(out[-1][-1]):
            out[-1] += token
        else:
            out.append(token)
    return out


def _latin_runs(text: str, cand: _Candidate) -> list[_Run]:
    run = _Run(text, False, cand.line, cand.height)
    if _kind(run) in {"address", "company", "title", "name"} or "," not in text:
        return [run]
    if _STREET_RE.fullmatch(text):
        return [run]  # "17 Holloway Mews, Jericho": a street and its district, one address
    return [_Run(p.strip(), False, cand.line, cand.height) for p in text.split(",") if p.strip()]
