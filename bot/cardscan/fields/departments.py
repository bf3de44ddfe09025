"""A department printed with the title: part of it, never the name or the company.
Under an English title it joins with ", " ("Senior Lecturer, School of Law"); a Chinese
one stands before the title, on its line or the line above, and stays so ("业务部 经理")."""

from __future__ import annotations

import re

from bot.cardscan.fields.companies import _COMPANY_LATIN_RE, _TRADE_LATIN_RE
from bot.cardscan.fields.labels import _LABEL_KIND
from bot.cardscan.fields.names import _best_name, _is_cjk_name
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.text import _CAMEL_RE, _capitalised, has_cjk
from bot.cardscan.script import to_simplified

#: A department or unit printed under a title ("School of Applied Science", "Dept. of
#: Surgery", "Office of the Provost", "Private Clients Team", "Tax Division"): part of it.
_DEPARTMENT_RE = re.compile(
    r"^(?:school|department|dept\.?|faculty|division|office|unit|section|bureau)\s+(?:of|for)\b"
    r"|\b(?:team|division|department|dept\.?|unit|section|practice|desk)$",
    re.IGNORECASE,
)


#: A unit of a university, an institute or a hospital named by what it is for ("Centre
#: for Marine Ecology", "Institute of Ageing", "Laboratory for Soft Matter", "Programme in
#: Global Health"): the department when the institution is printed on another line (alone
#: it is the company, as a centre is).
_UNIT_RE = re.compile(
    r"^(?i:centre|center|institute|laboratory|lab|programme|program|college|clinic|"
    r"group|initiative|observatory)\s+(?:of|for|in|on)\s+[A-Z]"
)


#: A firm's function, ending a short line under a title ("Marine Operations", "Property &
#: Planning", "Human Resources"): the department, even when it shares a word with the
#: firm's name printed above ("Straits Marine Services").
_FUNCTION_RE = re.compile(
    r"\b(?:operations|planning|development|resources|relations|affairs|compliance|"
    r"investigations|litigation|disputes|research|strategy|procurement|admissions|"
    r"governance|risk|audit|tax|treasury|communications|engineering|maintenance|safety|"
    r"quality|accounts|payroll|underwriting|claims|lending|banking|markets|care|legal|"
    r"payments|partnerships|events|fundraising|finance|lines|programmes|programs|outreach|"
    r"surgery|medicine|dentistry|nursing|imaging|rehabilitation|\w+ology|\w+iatrics)$",
    re.IGNORECASE,
)
#: A clinical or academic discipline ending a name-shaped line ("Small Animal Surgery",
#: "Internal Medicine", "Paediatric Dentistry"): printed under a title, it is the
#: department even where it is the tallest name-shaped line left (the person's own name,
#: printed above the title, may have been lost to OCR or to its letters).
_DISCIPLINE_RE = re.compile(
    r"\b(?:surgery|medicine|dentistry|nursing|imaging|rehabilitation|anaesthesia|"
    r"anesthesia|orthodontics|orthopaedics|orthopedics|\w+ology|\w+iatrics)$",
    re.IGNORECASE,
)


def _department_under(
    title: _Run | None,
    lines: dict[int, list[tuple[_Run, str]]],
    name: str | None,
    companies: list[_Run],
    brand: _Run | None = None,
    names: list[_Run] | None = None,
) -> _Run | None:
    """The line under an English title that names its department: by its words ("School
    of …", "… Team"), or, when the card's company is printed elsewhere, a capitalised line
    no bigger than the title that only reads as a second name or a company by its "&"
    ("Autonomy Platform", "Litigation & Dispute Resolution"). The company may be a brand
    line (:mod:`.brand`); one printed above the title makes a trade word ("Merchant
    Solutions", "Partnerships & Events") a department's too."""
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
    # The company: a company line, the brand, or a second name-shaped line above the
    # title ("Brightwell Pay" over "Tomasz Kowalczyk", :func:`_company_by_position`).
    firms = [
        *companies,
        *([brand] if brand else []),
        *(n for n in names or [] if not n.cjk and n.line < title.line and _best_name([n]) != name),
    ]
    elsewhere = [c for c in firms if c.line != run.line]
    if _UNIT_RE.search(run.text) and any(
        _COMPANY_LATIN_RE.search(c.text) or _TRADE_LATIN_RE.search(c.text) for c in elsewhere
    ):
        return run  # "Centre for Quantum Optics" with the institute printed below
    if not elsewhere or kind not in {"name", "company", "other"} or not _capitalised(run.text):
        return None
    if kind == "name" and _best_name([run]) == name and not _discipline(run, title, names):
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
    above = any(c.line < title.line for c in elsewhere)
    if trade and not above and not any(_COMPANY_LATIN_RE.search(c.text) for c in elsewhere):
        return None  # "Harbor Logistics" is the company unless a company is printed above
    if any(words & {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", c.text)} for c in elsewhere):
        return None  # the company's name again, or part of it
    return run


def _discipline(run: _Run, title: _Run, names: list[_Run] | None) -> bool:
    """A discipline under the title ("Small Animal Surgery") while another name-shaped
    line is printed above the title: that one is the person's."""
    if not _DISCIPLINE_RE.search(run.text):
        return False
    return any(other.line < title.line and not other.cjk for other in names or [])


#: How a Chinese department, section or office ends (业务部, 订房组, 设计二所, 第三业务区,
#: 外科, 招生办, 财务处, a university's 物理系); matched on the simplified form. (…中心
#: reads as a company.)
_CJK_SECTION_ENDINGS = (
    "部",
    "处",
    "科",
    "组",
    "所",
    "区",
    "课",
    "室",
    "办",
    "队",
    "股",
    "系",
)


def _department_before(
    title: _Run | None, cjk_lines: dict[int, list[tuple[_Run, str]]], name: str | None
) -> _Run | None:
    """A Chinese department printed before the title: the run just before it on its line
    ("设计二所 主创建筑师", "訂房組 組長"), or alone on the line above ("外科部" over
    "主治医师"). Never the company or an address, nor the person's name (王科 is a name;
    a name-shaped department only of three characters or more, just before the title)."""
    if title is None or not title.cjk:
        return None
    row = cjk_lines.get(title.line, [])
    at = next((i for i, (run, _kind) in enumerate(row) if run is title), None)
    if at:
        run, kind = row[at - 1]
    elif at == 0 and len(cjk_lines.get(title.line - 1, [])) == 1:
        run, kind = cjk_lines[title.line - 1][0]
    else:
        return None
    text = to_simplified(run.text)
    if kind == "company" and at and _school_of(text, cjk_lines, title.line):
        return run  # "材料学院 教授" with the university printed elsewhere
    if kind not in {"name", "other", "title"} or run.text == name or not _section_shaped(text):
        return None
    if _is_cjk_name(text) and (len(text) < 3 or not at):
        return None  # 王科 alone, or a name-shaped line above the title: the person's
    if not at and not any(k == "company" for row in cjk_lines.values() for _r, k in row):
        return None  # 健身会所 over 私教主管 on a card that names no other firm: the firm's
    return run


#: How a school, faculty, department or laboratory of a university ends (材料学院, 物理系,
#: 脑科学研究院, 重点实验室): on the title's line before 教授 or 讲师 it is the person's unit,
#: while the university is the company.
_CJK_ACADEMIC_ENDINGS = ("学院", "系", "研究院", "研究所", "研究中心", "实验室", "书院")


def _school_of(text: str, cjk_lines: dict[int, list[tuple[_Run, str]]], line: int) -> bool:
    """Is ``text`` (simplified) an academic unit printed before the title on its line,
    with another company (the university) printed on another line of the card?"""
    if not 3 <= len(text) <= 16 or not text.endswith(_CJK_ACADEMIC_ENDINGS):
        return False
    return any(
        kind == "company" and other != line for other, row in cjk_lines.items() for _r, kind in row
    )


def _section_shaped(text: str) -> bool:
    """Two to eight Chinese characters (digits allowed: 第3组) ending as a department does;
    matched on the simplified form. 会计课 is one, though 会计 is also a title."""
    if not 2 <= len(text) <= 8 or not all(has_cjk(ch) or ch.isdigit() for ch in text):
        return False
    return text.endswith(_CJK_SECTION_ENDINGS) and text not in _CJK_SECTION_ENDINGS


def _title_after_section(
    title: _Run | None, cjk_lines: dict[int, list[tuple[_Run, str]]]
) -> _Run | None:
    """When the first Chinese title is a department named by a title word (会计课 课长,
    会计部 经理) and a title follows it on its line, that one is the title."""
    if title is None or not title.cjk or not _section_shaped(to_simplified(title.text)):
        return title
    row = cjk_lines.get(title.line, [])
    at = next((i for i, (run, _kind) in enumerate(row) if run is title), None)
    if at is not None and at + 1 < len(row) and row[at + 1][1] == "title":
        return row[at + 1][0]
    return title
