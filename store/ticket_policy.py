"""Ticket types, SLA targets per priority and the assignment table: plain data from the
settings (``CRMBOT_TICKET_*``), apart from :mod:`store.tickets` so that loading the
settings imports no database layer (as :mod:`store.contract_policy`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from store.working_hours import WorkingHours

PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")
"""Most pressing first; the buttons offer them in this order."""
DEFAULT_TYPES: tuple[str, ...] = ("repair", "complaint", "question")
DEFAULT_SLA: dict[str, tuple[float, float]] = {
    "urgent": (1, 8),
    "high": (4, 24),
    "normal": (8, 72),
    "low": (24, 168),
}
"""Hours to the first response and to the resolution, per priority."""

ANY = "*"


@dataclass(frozen=True)
class Route:
    """One row of the assignment table: tickets of ``region`` and ``kind`` (``*``: any) go
    to the service group (team) named ``team``."""

    region: str
    kind: str
    team: str

    def matches(self, region: str | None, kind: str) -> bool:
        region_ok = self.region == ANY or (region or "").casefold() == self.region.casefold()
        return region_ok and self.kind in (ANY, kind)


@dataclass(frozen=True)
class TicketPolicy:
    """``routes`` are read top to bottom, the first match wins; no match: the default queue."""

    types: tuple[str, ...] = DEFAULT_TYPES
    sla: tuple[tuple[str, float, float], ...] = tuple((p, *DEFAULT_SLA[p]) for p in PRIORITIES)
    routes: tuple[Route, ...] = ()
    hours: WorkingHours | None = None
    """``CRMBOT_TICKET_HOURS``: targets count only these hours; ``None``: every hour."""
    around_the_clock: tuple[str, ...] = ("urgent",)
    """``CRMBOT_TICKET_24H``: priorities whose targets count every hour even so."""
    zone: str = "Asia/Shanghai"
    """The workspace's time zone, in which the working hours are read."""

    def in_working_hours(self, priority: str) -> bool:
        return self.hours is not None and priority not in self.around_the_clock

    def deadlines(self, priority: str, opened: datetime) -> tuple[datetime, datetime]:
        """When a ticket of ``priority`` opened at ``opened`` must be responded to and
        resolved: its targets in working hours, or in calendar hours."""
        respond, resolve = self.targets(priority)
        if self.hours is None or not self.in_working_hours(priority):
            return opened + respond, opened + resolve
        zone = ZoneInfo(self.zone)
        return self.hours.add(opened, respond, zone), self.hours.add(opened, resolve, zone)

    def targets(self, priority: str) -> tuple[timedelta, timedelta]:
        for name, respond, resolve in self.sla:
            if name == priority:
                return timedelta(hours=respond), timedelta(hours=resolve)
        respond, resolve = DEFAULT_SLA[priority]
        return timedelta(hours=respond), timedelta(hours=resolve)

    def team_for(self, region: str | None, kind: str) -> str | None:
        return next((r.team for r in self.routes if r.matches(region, kind)), None)


def read_sla(text: str) -> tuple[tuple[str, float, float], ...]:
    """``urgent=1/8,high=4/24`` (hours to respond / to resolve), merged over the defaults."""
    table = dict(DEFAULT_SLA)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, hours = part.partition("=")
        name = name.strip().lower()
        respond, _, resolve = hours.partition("/")
        if name not in PRIORITIES:
            raise ValueError(f"{name!r} is not a priority ({', '.join(PRIORITIES)})")
        try:
            pair = (float(respond), float(resolve))
        except ValueError as exc:
            raise ValueError("targets look like urgent=1/8,high=4/24 (hours)") from exc
        if not 0 < pair[0] <= pair[1]:
            raise ValueError("a response target must be positive and not after the resolution")
        table[name] = pair
    return tuple((p, *table[p]) for p in PRIORITIES)


def read_routes(text: str) -> tuple[Route, ...]:
    """``Shenzhen/repair=Service South;*/complaint=Care`` (region/type=team)."""
    routes = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        where, _, team = part.partition("=")
        region, _, kind = where.partition("/")
        if not team.strip() or not region.strip() or not kind.strip():
            raise ValueError("rows look like Shenzhen/repair=Service South;*/*=Service")
        routes.append(Route(region.strip(), kind.strip().lower(), team.strip()))
    return tuple(routes)


def read_priorities(text: str) -> tuple[str, ...]:
    """``urgent,high``: priorities by name (may be empty)."""
    names = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    for name in names:
        if name not in PRIORITIES:
            raise ValueError(f"{name!r} is not a priority ({', '.join(PRIORITIES)})")
    return names
