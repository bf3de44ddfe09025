"""Dates and times as people say them, in English and Chinese (interface; being built)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date/time phrase found in a text: where it was, and the instant it means."""

    at: datetime  # aware, in the time zone of the ``now`` it was resolved against
    start: int
    end: int  # text[start:end] is the phrase
    has_time: bool  # False when only a date was said (``at`` then carries the default time)


def find_datetime(text: str, now: datetime, *, default_time: time = time(9, 0)) -> DateMatch | None:
    """The first date/time phrase in ``text`` resolved against ``now`` (aware, local)."""
    raise NotImplementedError


def parse_datetime(text: str, now: datetime, *, default_time: time = time(9, 0)) -> datetime | None:
    """``text`` that is only a date/time phrase (e.g. a snooze answer) -> the instant, or None."""
    raise NotImplementedError
