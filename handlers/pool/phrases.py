"""How an assignment is typed: "assign 星辰科技 to 张强", "reassign segment 高价值沉睡客户 to
张强", "把星辰科技分配给张强", "星辰科技转给张强", "把分群高价值沉睡客户分配给张强".

Pure text in, parts out; whether the parts name a customer, a segment and a person is
the handler's question (handlers/pool/text.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

ENGLISH = re.compile(r"^(?:re)?assign\s+(.+?)\s+to\s+(.+?)[.!]?$", re.I | re.S)
CHINESE = re.compile(
    r"^(?:请)?(?:把|将)?\s*(.*?)\s*(?:分配给|分给|转给|转交给|指派给|划给)\s*(.+?)[。！!]?$", re.S
)
SEGMENT = re.compile(r"^(?:segment|分群)\s*[:：]?\s*(.+)$", re.I | re.S)


@dataclass(frozen=True)
class Phrase:
    record: str
    """The customer's name ("" when none was said: "转给张强")."""
    person: str
    segment: bool
    """The record is a segment's name ("assign segment …", "把分群…分配给…")."""
    english: bool


def read_phrase(text: str) -> Phrase | None:
    text = text.strip()
    english = True
    m = ENGLISH.match(text)
    if m is None:
        m = CHINESE.match(text)
        english = False
    if m is None:
        return None
    record, person = m.group(1).strip().strip("“”\"'「」"), _person(m.group(2))
    if not person:
        return None
    seg = SEGMENT.match(record)
    if seg is not None:
        return Phrase(seg.group(1).strip().strip("“”\"'「」"), person, True, english)
    return Phrase(record, person, False, english)


def _person(typed: str) -> str:
    """The person as typed, without quotes or a leading "@" ("@ChenJing")."""
    return typed.strip().strip("“”\"'「」").lstrip("@＠").strip()


def split_phrase(text: str) -> tuple[str, str] | None:
    """``/assign 星辰科技 to 张强`` typed after the command: the customer and the person."""
    m = re.match(r"^(.+?)\s+(?:to|给)\s+(.+)$", text.strip(), re.I | re.S)
    if m is None:
        at = re.match(r"^(.+?)\s+[@＠](\S.*)$", text.strip(), re.S)
        if at is not None:  # "/assign Blue Harbour Capital @ChenJing"
            return at.group(1).strip(), _person(at.group(2))
        found = read_phrase(text)
        return (found.record, found.person) if found and found.record else None
    return m.group(1).strip(), _person(m.group(2))
