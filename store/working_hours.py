"""Working hours for SLA targets: "8 h to resolve" counted Monday to Friday, 09:00–18:00 in
the workspace's time zone, so a normal ticket opened on Friday at 17:00 is due on Monday
at 16:00, not on Saturday at 01:00.

Written here rather than taken from a library: none is installed, and the one made for it
on PyPI (``businesstimedelta``, last released 2019, untyped) is more than the forty lines
needed. Pure: no database, no settings; :mod:`store.ticket_policy` holds the calendar.
Times within a day are wall-clock times (a day with a clock change is as long as its
working hours say).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    """``days``: weekday numbers (Monday 0); each of them works from ``start`` to ``end``."""

    days: frozenset[int]
    start: time
    end: time

    def add(self, begin: datetime, span: timedelta, zone: ZoneInfo) -> datetime:
        """The moment ``span`` of working time after ``begin`` (aware), in ``begin``'s zone.
        Time outside working hours does not count: a start in the evening, at the weekend
        or before opening counts from the next opening."""
        left = span
        at = begin.astimezone(zone)
        for _ in range(10_000):  # a year of working days is far beyond any target
            day = at.date()
            opens = datetime.combine(day, self.start, zone)
            closes = datetime.combine(day, self.end, zone)
            if day.weekday() in self.days and at < closes:
                at = max(at, opens)
                if left <= closes - at:
                    return (at + left).astimezone(begin.tzinfo)
                left -= closes - at
            at = datetime.combine(day + timedelta(days=1), time(0), zone)
        raise ValueError("working hours too short for this target")


def read_working_hours(text: str) -> WorkingHours | None:
    """``mon-fri 09:00-18:00``, ``mon,tue,thu 08:30-17:00``, ``mon-sat 9:00-18:00``; empty
    text: none (targets count every hour)."""
    text = text.strip().lower()
    if not text:
        return None
    days_part, _, hours_part = text.partition(" ")
    start_text, _, end_text = hours_part.strip().partition("-")
    try:
        start, end = time.fromisoformat(_padded(start_text)), time.fromisoformat(_padded(end_text))
    except ValueError as exc:
        raise ValueError("working hours look like mon-fri 09:00-18:00") from exc
    if not start < end:
        raise ValueError("the working day must end after it starts (09:00-18:00)")
    return WorkingHours(_read_days(days_part), start, end)


def _padded(clock: str) -> str:
    clock = clock.strip()
    return f"0{clock}" if len(clock) == 4 else clock  # 9:00 -> 09:00


def _read_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"{part!r}: days are {', '.join(DAY_NAMES)} (mon-fri, sat,sun)")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("working hours need at least one day (mon-fri 09:00-18:00)")
    return frozenset(days)
