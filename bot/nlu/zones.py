"""Times said on another place's clock, moved to the sender's: "Fri 3pm their time (London)",
"9am UK time", "Mon 2.30pm IST", "伦敦时间周五下午3点".

Reps in Singapore or Shanghai book calls with customers in London, Mumbai or Sydney and write
the customer's time, because that is what the customer said. A follow-up saved at the wall
clock as written would remind the rep hours early or late, so a time named with a place or a
zone's abbreviation is read on that place's clock and stored as the same instant in the
sender's zone. A time with no place named ("3pm their time") is left as written: there is no
telling whose clock it is.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_PLACES = {
    "uk": "Europe/London",
    "london": "Europe/London",
    "british": "Europe/London",
    "hk": "Asia/Hong_Kong",
    "hong kong": "Asia/Hong_Kong",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "singapore": "Asia/Singapore",
    "sg": "Asia/Singapore",
    "kl": "Asia/Kuala_Lumpur",
    "malaysia": "Asia/Kuala_Lumpur",
    "jakarta": "Asia/Jakarta",
    "bangkok": "Asia/Bangkok",
    "manila": "Asia/Manila",
    "tokyo": "Asia/Tokyo",
    "japan": "Asia/Tokyo",
    "seoul": "Asia/Seoul",
    "korea": "Asia/Seoul",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "shanghai": "Asia/Shanghai",
    "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
    "brisbane": "Australia/Brisbane",
    "perth": "Australia/Perth",
    "dubai": "Asia/Dubai",
    "paris": "Europe/Paris",
    "berlin": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "germany": "Europe/Berlin",
    "amsterdam": "Europe/Amsterdam",
    "new york": "America/New_York",
    "ny": "America/New_York",
    "us eastern": "America/New_York",
    "eastern": "America/New_York",
    "us pacific": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "la": "America/Los_Angeles",
}
_ABBREVIATIONS = {
    "IST": "Asia/Kolkata",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "MYT": "Asia/Kuala_Lumpur",
    "WIB": "Asia/Jakarta",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "AWST": "Australia/Perth",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "ET": "America/New_York",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
}
_CN_PLACES = {
    "北京": "Asia/Shanghai",
    "伦敦": "Europe/London",
    "英国": "Europe/London",
    "美东": "America/New_York",
    "纽约": "America/New_York",
    "美西": "America/Los_Angeles",
    "新加坡": "Asia/Singapore",
    "香港": "Asia/Hong_Kong",
    "东京": "Asia/Tokyo",
    "日本": "Asia/Tokyo",
    "首尔": "Asia/Seoul",
    "韩国": "Asia/Seoul",
    "德国": "Europe/Berlin",
    "印度": "Asia/Kolkata",
    "悉尼": "Australia/Sydney",
    "迪拜": "Asia/Dubai",
}


def _alternation(words: dict[str, str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_PLACE = _alternation(_PLACES)
_AFTER = re.compile(
    rf"[ \t]*,?[ \t]*(?:(?i:(?P<place>{_PLACE}))[ \t]+(?i:time)\b"
    rf"|(?i:their[ \t]+time)[ \t]*[(（][ \t]*(?i:(?P<their>{_PLACE}))[ \t]*[)）]"
    rf"|(?P<abbr>{_alternation(_ABBREVIATIONS)})(?![A-Za-z]))"
)
"""Right after a time: where its clock is."""
_BEFORE = re.compile(rf"(?P<cn>{_alternation(_CN_PLACES)})时间[ \t]*$")
"""Right before a time written in Chinese: where its clock is ("伦敦时间周五下午3点")."""


def on_their_clock(text: str, start: int, end: int, at: datetime) -> datetime:
    """``at``, read from ``text[start:end]`` on the sender's clock, moved to the sender's
    clock from the place named right after it (or, in Chinese, right before it)."""
    zone_name: str | None = None
    after = _AFTER.match(text, end)  # anchored: most times fail at their first character
    if after is not None:
        if after["abbr"]:
            zone_name = _ABBREVIATIONS[after["abbr"]]
        else:
            zone_name = _PLACES[(after["place"] or after["their"]).lower()]
    elif "时间" in text[max(0, start - 3) : start] and (
        before := _BEFORE.search(text, max(0, start - 8), start)
    ):
        zone_name = _CN_PLACES[before["cn"]]
    if zone_name is None or at.tzinfo is None:
        return at
    theirs = at.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone_name))
    return theirs.astimezone(at.tzinfo)
