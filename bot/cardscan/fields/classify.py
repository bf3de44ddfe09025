"""The second pass: the runs left after contacts are taken, placed as the card's
name, title, company and address, the department and the brand considered."""

from __future__ import annotations

from bot.cardscan.fields.addresses import (
    _LOCALITY_RE,
    _STREET_RE,
    _TOWN_STATE_RE,
    _best_address,
    _continues_address,
)
from bot.cardscan.fields.brand import _brand_line
from bot.cardscan.fields.companies import (
    _COMPANY_LATIN_RE,
    _best_company,
    _company_by_elimination,
    _company_by_position,
    _company_shaped,
    _shops_among_names,
)
from bot.cardscan.fields.departments import (
    _department_before,
    _department_under,
    _title_after_section,
)
from bot.cardscan.fields.kinds import _kind
from bot.cardscan.fields.names import _POST_NOMINALS_RE, _best_name, _is_latin_name
from bot.cardscan.fields.pieces import _Candidate, _Run, _whole
from bot.cardscan.fields.runs import _runs
from bot.cardscan.fields.text import has_cjk
from bot.cardscan.fields.titles import _first_title
from bot.cardscan.model import CardFields


def _classify(cards: CardFields, candidates: list[_Candidate]) -> None:
    names: list[_Run] = []
    titles: list[_Run] = []
    companies: list[_Run] = []
    addresses: list[tuple[_Run, bool]] = []
    address_lines: dict[int, int] = {}
    streets: dict[int, _Run] = {}  # "99 Deansgate": a house number and a street, unplaced
    towns: list[_Run] = []  # "Seattle, WA": where, when nothing better is printed
    unclaimed: list[_Run] = []  # neither name, title, company, address nor contact
    lines: dict[int, list[tuple[_Run, str]]] = {}  # Latin runs by line, with their kind
    cjk_lines: dict[int, list[tuple[_Run, str]]] = {}  # Chinese runs by line, in order
    for cand in candidates:
        if cand.labelled_address:
            run = _Run(cand.text, has_cjk(cand.text), cand.line, cand.height)
            addresses.append((run, True))
            address_lines[cand.line] = len(addresses) - 1
            continue
        if _continues_address(addresses, address_lines, _whole(cand), loose=True) is not None:
            continue
        if _TOWN_STATE_RE.fullmatch(cand.text):
            if _continues_address(addresses, address_lines, _whole(cand)) is None:
                towns.append(_whole(cand))
                if _POST_NOMINALS_RE.search(cand.text) and _is_latin_name(cand.text):
                    names.append(towns[-1])  # "Naomi Feldstein, MD" or "Ocean City, MD"
            continue
        for run in _runs(cand):
            kind = _kind(run)
            (cjk_lines if run.cjk else lines).setdefault(run.line, []).append((run, kind))
            if kind == "address":
                continuation = _continues_address(addresses, address_lines, run)
                if continuation is not None:
                    continue
                street = streets.pop(run.line - 1, None)
                if street is not None and not run.cjk and _LOCALITY_RE.search(run.text):
                    run = _Run(f"{street.text}, {run.text}", False, run.line, street.height)
                addresses.append((run, False))
                address_lines[run.line] = len(addresses) - 1
            elif kind == "company":
                companies.append(run)
            elif kind == "title":
                titles.append(run)
            elif kind == "name":
                names.append(run)
            elif _continues_address(addresses, address_lines, run, loose=True) is not None:
                continue
            elif not run.cjk and _STREET_RE.fullmatch(run.text):
                streets[run.line] = run
            else:
                unclaimed.append(run)
    _shops_among_names(names, companies)
    # A capitalised name is a person's even at "danaokafor.com": only a lower-case one
    # can be the brand.
    brand = _brand_line(
        [n for n in names if n.text.islower()] + titles + companies + unclaimed, cards
    )
    if brand is not None:
        _take(brand, names, titles, unclaimed)
    cards.name = _best_name(names)
    title = _chinese_beside(_title_after_section(_first_title(titles), cjk_lines), cjk_lines)
    department = _department_under(title, lines, cards.name, companies, brand, names)
    if department is not None:
        assert title is not None
        _take(department, names, companies, titles, unclaimed)
        title = _Run(f"{title.text}, {department.text}", False, title.line, title.height)
        cards.name = _best_name(names)
    section = _department_before(title, cjk_lines, cards.name)
    if section is not None:
        assert title is not None
        _take(section, names, companies, titles, unclaimed)
        # As printed: "业务部 经理" on one line, or the department on the line above.
        title = _Run(f"{section.text} {title.text}", True, title.line, title.height)
        cards.name = _best_name(names)
    cards.title = " ".join(title.text.split()) if title else None
    # A legal name or a Chinese one still wins: the brand line is its English gloss.
    legal = [r for r in companies if r.cjk or _COMPANY_LATIN_RE.search(r.text)]
    legal += [r for r in unclaimed if r.cjk and _company_shaped(r)]
    if brand is not None:  # 湯匙舍 above "spoon house": the Chinese name printed first
        legal += [r for r in names if r.cjk and r.line < brand.line and _company_shaped(r)]
    cards.company = (
        (" ".join(brand.text.split()) if brand is not None and not legal else None)
        or _best_company(companies)
        or _company_by_position(names, cards.name)
        or (_company_by_elimination(unclaimed) if cards.name or cards.title else None)
    )
    towns = [town for town in towns if _best_name([town]) != cards.name]
    cards.address = _best_address(addresses) or (towns[0].text if towns else None)


def _chinese_beside(
    title: _Run | None, cjk_lines: dict[int, list[tuple[_Run, str]]]
) -> _Run | None:
    """A bilingual card prints a title the vocabulary lacks beside its English
    ("剪辑 Film Editor", "策展 Curator"): the one Chinese word on the English title's line,
    short and no name, company or address, is the title in the card's Chinese form."""
    if title is None or title.cjk:
        return title
    row = cjk_lines.get(title.line, [])
    if len(row) != 1:
        return title
    run, kind = row[0]
    if kind != "other" or not 2 <= len(run.text) <= 6 or not all(has_cjk(ch) for ch in run.text):
        return title
    return run


def _take(run: _Run, *pools: list[_Run]) -> None:
    """``run`` has found its field: it is no longer a candidate for any other."""
    for pool in pools:
        pool[:] = [other for other in pool if other is not run]
