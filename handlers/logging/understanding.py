"""What the chat would understand from one message, without saving anything.

``crmbot parse --as USER`` and the logging-accuracy benchmark use it, so what they report
is what the chat does: the same parser with the same known names, and the same customer
resolution (a name as registered, a single clear match, or several to ask about).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.nlu.message import parse_log, person_in_text
from handlers.logging.core import company_of_person, customer_candidates
from handlers.logging.plan import a_move_with_its_to_do
from store.access import Records
from store.known_names import known_names
from store.people import people_of


async def understand(
    records: Records, text: str, now: datetime, *, default_time: time = time(9, 0)
) -> dict[str, Any]:
    """The parser's JSON, its customers resolved against what ``records`` may see:
    ``customer`` is the registered name when the chat would settle on one company, else the
    name as written; ``known`` says which, ``candidates`` lists what the chat would ask."""
    parsed = parse_log(
        text, now, known_customers=await known_names(records), default_time=default_time
    )
    out = parsed.to_json()
    several = len(parsed.customers) > 1  # then no deal is changed, so the to-do stays one
    if not several and a_move_with_its_to_do(parsed.task, parsed.amount, parsed.stage):
        out["activity"], out["task"] = "note", False  # as the chat logs it
    names = list(parsed.customers) or ([parsed.customer] if parsed.customer else [])
    resolved: list[str] = []
    known: list[bool] = []
    candidates: list[list[str]] = []
    if not names and parsed.contact:  # "Helen called": Helen's company
        person = await company_of_person(records, parsed.contact)
        names = list(person.companies.values()) if person.settled else []
    first_company: int | None = None
    for name in names:
        found = await customer_candidates(records, name)
        resolved.append(found.companies[found.company_id] if found.company_id else name)
        known.append(found.settled)
        candidates.append([] if found.settled else list(found.companies.values()))
        if len(resolved) == 1:
            first_company = found.company_id
    if out["contact"] is None and first_company is not None:  # "met Helen Carter"
        people = await people_of(records, first_company)
        named = person_in_text(text, [c.name for c in people])
        out["contact"] = named[1] if named else None
    out["customer"] = resolved[0] if resolved else None
    out["customers"] = resolved
    out["known"] = known[0] if known else None
    out["candidates"] = candidates[0] if candidates else []
    return out
