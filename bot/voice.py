"""How one recipient reads: the language, time zone and wall clock a push or notice is
written for, when the text is not an answer to that person's own message (which has a
:class:`bot.context.Context` for that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from locales.catalog import Translator
from locales.formatting import format_date, format_when


@dataclass(frozen=True)
class Voice:
    """How one recipient reads: language, time zone and "now" on their wall clock."""

    translator: Translator
    lang: str
    tz: ZoneInfo
    now: datetime

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def t(self, key: str, /, **values: Any) -> str:
        return self.translator.t(self.lang, key, **values)

    def when(self, at: datetime) -> str:
        return format_when(at.astimezone(self.tz), self.local_now, self.lang)

    def day(self, value: date) -> str:
        return format_date(value, self.lang)

    def clock(self, value: time) -> str:
        return f"{value.hour}:{value.minute:02d}"

    def stage(self, stage: str) -> str:
        key = f"stages.{stage}"
        return self.t(key) if key in self.translator.catalogs.get("en", {}) else stage
