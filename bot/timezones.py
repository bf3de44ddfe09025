"""Forgiving time-zone input: ``Asia/Shanghai``, ``shanghai``, ``new york``, ``上海``, ``UTC+8``."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

CITY_NAMES = {
    "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "深圳": "Asia/Shanghai",
    "广州": "Asia/Shanghai",
    "中国": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "香港": "Asia/Hong_Kong",
    "台北": "Asia/Taipei",
    "新加坡": "Asia/Singapore",
    "东京": "Asia/Tokyo",
    "伦敦": "Europe/London",
    "纽约": "America/New_York",
    "洛杉矶": "America/Los_Angeles",
    "utc": "UTC",
    "gmt": "UTC",
}
COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
)
OFFSET = re.compile(r"^(?:utc|gmt)\s*([+-])\s*(\d{1,2})$")


@cache
def _by_city() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        table.setdefault(name.lower(), name)
        city = name.rsplit("/", 1)[-1].lower()
        table.setdefault(city, name)
        table.setdefault(city.replace("_", " "), name)
    return table


def resolve_timezone(text: str) -> str | None:
    key = " ".join(text.strip().lower().split())
    if not key:
        return None
    if key in CITY_NAMES:
        return CITY_NAMES[key]
    offset = OFFSET.match(key.replace(" ", ""))
    if offset:
        sign, hours = offset.groups()
        if int(hours) == 0:
            return "UTC"
        if int(hours) > 14:
            return None
        # IANA's Etc zones invert the sign: UTC+8 is Etc/GMT-8.
        return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
    table = _by_city()
    return table.get(key) or table.get(key.replace(" ", "_"))
