"""The country whose phone numbers a user writes without ``+``, for every feature that reads
a number (a business card, a contact's corrected mobile)."""

from __future__ import annotations

import functools
from importlib import resources

import phonenumbers

from bot.cardscan.fields import DEFAULT_REGION
from bot.context import Context


@functools.cache
def _zone_countries() -> dict[str, str]:
    """IANA time zone -> ISO country, from the tzdata package's zone.tab."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    countries: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            countries[parts[2]] = parts[0]
    return countries


def region_for(ctx: Context) -> str:
    """The country whose numbers a rep writes without ``+``: from their time zone (a rep
    in Asia/Singapore dials Singapore numbers), CN when it can't be told."""
    region = _zone_countries().get(str(ctx.tz.key), DEFAULT_REGION)
    return region if region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION
