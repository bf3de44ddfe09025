"""A department printed with the title ("Senior Lecturer" over "School of Law"):
part of the title, joined with ", ", never the name or the company."""

from __future__ import annotations

import re

from bot.cardscan.fields.companies import _COMPANY_LATIN_RE, _TRADE_LATIN_RE
from bot.cardscan.fields.labels import _LABEL_KIND
from bot.cardscan.fields.names import _best_name
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.text import _CAMEL_RE, _capitalised

#: A department or unit printed under a title ("School of Applied Science", "Dept. of
#: Surgery", "Office of the Provost", "Private Clients Team", "Tax Division"): part of it.
_DEPARTMENT_RE = re.compile(
    r"^(?:school|department|dept\.?|faculty|division|office|unit|section|bureau)\s+(?:of|for)\b"
    r"|\b(?:team|division|department|dept\.?|unit|section|practice|desk)$",
    re.IGNORECASE,
)


#: A firm's function, ending a short line under a title ("Marine Operations", "Property &
#: Planning", "Human Resources"): the department, even when it shares a word with the
#: firm's name printed above ("Straits Marine Services").
_FUNCTION_RE = re.compile(
    r"\b(?:operations|planning|development|resources|relations|affairs|compliance|"
    r"investigations|litigation|disputes|research|strategy|procurement|admissions|"
    r"governance|risk|audit|tax|treasury|communications|engineering|maintenance|safety|"
    r"quality|accounts|payroll|underwriting|claims|lending|banking|markets|care)$",
    re.IGNORECASE,
)


def _department_under(
    title: _Run | None,
    lines: dict[int, list[tuple[_Run, str]]],
    name: str | None,
    companies: list[_Run],
) -> _Run | None:
    """The line under an English title that names its department: by its words ("School
    of …", "… Team"), or, when the card's company is printed elsewhere, a capitalised line
    no bigger than the title that only reads as a second name or a company by its "&"
    ("Autonomy Platform", "Litigation & Dispute Resolution")."""
    if title is None or title.cjk:
        return None
    below = lines.get(title.line + 1, [])
    if len(below) != 1:
        return None
    run, kind = below[0]
    if kind == "address" or run.height > 1.25 * title.height:
        return None
    if any(ch.isdigit() for ch in run.text):
        return None  # a licence or registration ("GPhC 2071834"), never a department
    if _DEPARTMENT_RE.search(run.text):
        return run
    elsewhere = [c for c in companies if c.line != run.line]
    if not elsewhere or kind not in {"name", "company", "other"} or not _capitalised(run.text):
        return None
    if kind == "name" and _best_name([run]) == name:
        return None
    if kind == "company" and _COMPANY_LATIN_RE.search(run.text):
        return None
    words = {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", run.text)}
    if any(word in _LABEL_KIND for word in words):
        return None  # what is left of a number's line ("Direct Line 312-555-0148")
    if (
        _FUNCTION_RE.search(run.text)
        and len(run.text.split()) <= 4
        and any(c.line < title.line for c in elsewhere)
    ):
        return run  # "Marine Operations", "Property & Planning" under the firm's title
    trade = _TRADE_LATIN_RE.search(_CAMEL_RE.sub(" ", run.text))
    if trade and not any(_COMPANY_LATIN_RE.search(c.text) for c in elsewhere):
        return None  # "Harbor Logistics" is the company unless a legal name is printed
    if any(words & {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", c.text)} for c in elsewhere):
        return None  # the company's name again, or part of it
    return run
