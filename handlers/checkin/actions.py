"""The check-in feature's buttons (see :mod:`bot.payloads`). The place travels in the
button (coordinates to 5 decimals, about a metre, and as much of the label as fits), so
asking which customer keeps no state on the server."""

from __future__ import annotations

from dataclasses import dataclass

from bot.events import Location
from bot.payloads import MAX_PAYLOAD_BYTES, Action


@dataclass(frozen=True)
class CheckInActivity(Action, tag="vi"):
    """Put the place on this activity (the visit being checked in)."""

    activity: int
    latitude: str
    longitude: str
    label: str

    @property
    def place(self) -> Location:
        return _place(self.latitude, self.longitude, self.label)


@dataclass(frozen=True)
class CheckInCompany(Action, tag="vn"):
    """Record a new visit at this customer, at the place."""

    company: int
    latitude: str
    longitude: str
    label: str

    @property
    def place(self) -> Location:
        return _place(self.latitude, self.longitude, self.label)


def check_in_button(
    kind: type[CheckInActivity] | type[CheckInCompany], record_id: int, where: Location
) -> CheckInActivity | CheckInCompany:
    """The action with as much of the place's label as fits a Telegram button."""
    lat, lng = f"{where.latitude:.5f}", f"{where.longitude:.5f}"
    label = where.label
    while True:
        made = kind(record_id, lat, lng, label)
        if len(made.encode().encode()) <= MAX_PAYLOAD_BYTES or not label:
            return made
        label = label[:-1]


def _place(latitude: str, longitude: str, label: str) -> Location:
    try:
        return Location(float(latitude), float(longitude), label)
    except ValueError:  # a forged button: no place rather than an error
        return Location(0.0, 0.0, label)
