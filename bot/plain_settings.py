"""The two settings ``crmbot parse`` needs, read without pydantic (issue 20).

Importing pydantic and pydantic-settings (which imports asyncio) costs about 0.1 s of CPU,
a third of what ``crmbot parse`` may take to start, and the parser needs only the time zone
and the follow-up time. This reads them where ``bot.config.Settings`` does: the
environment (names in any case), then the TOML file ``CRMBOT_CONFIG_FILE`` names. It
understands only the plain forms people write, a known zone and ``HH:MM`` or ``HH:MM:SS``.
Anything else (another form, a wrong value, one variable spelt twice, a file that is
missing or unreadable) is left to the full settings (``bot.cli`` loads them when this
answers None), which validate it and name what is wrong. So a value is read here the same
as there, or not read here at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "CRMBOT_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG_FILE"
DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_FOLLOW_UP_TIME = time(9, 0)
_CLOCK = re.compile(r"\d\d:\d\d(?::\d\d)?")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class ParseSettings:
    """What the parser reads a message with, besides its text and when it was sent."""

    default_tz: str
    follow_up_time: time


def plain_parse_settings(environ: Mapping[str, str]) -> ParseSettings | None:
    """The two settings when each is unset or written plainly; None when in doubt."""
    raw = _raw_values(("default_tz", "follow_up_time"), environ)
    if raw is None:
        return None
    zone = raw.get("default_tz", DEFAULT_TZ)
    clock = raw.get("follow_up_time", DEFAULT_FOLLOW_UP_TIME)
    if not isinstance(zone, str) or not known_zone(zone):
        return None
    if isinstance(clock, str):
        if not _CLOCK.fullmatch(clock):
            return None
        try:
            clock = time.fromisoformat(clock)
        except ValueError:
            return None
    if type(clock) is not time or clock.tzinfo is not None:
        return None
    return ParseSettings(zone, clock)


def _raw_values(names: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Each name's value as written, the environment's before the file's; None when a name
    is given twice in one place or the file cannot be read."""
    found = _one_each(environ, names, ENV_PREFIX)
    if found is None:
        return None
    path = environ.get(CONFIG_FILE_VARIABLE)
    if not path:
        return found
    try:
        import tomllib

        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    in_file = _one_each(table, names, "")
    if in_file is None:
        return None
    return in_file | found


def _one_each(
    values: Mapping[str, Any], names: tuple[str, ...], prefix: str
) -> dict[str, Any] | None:
    """The values whose keys are PREFIX + a name in any case (as pydantic-settings matches
    them); None when two keys match one name."""
    wanted = {(prefix + name).lower(): name for name in names}
    found: dict[str, Any] = {}
    for key, value in values.items():
        name = wanted.get(key.lower())
        if name is None:
            continue
        if name in found:
            return None
        found[name] = value
    return found


def known_zone(name: str) -> bool:
    """Whether NAME is a time zone this machine's tz database knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
