"""Nightly backups (``CRMBOT_BACKUP_DIR``): once a day after ``CRMBOT_BACKUP_TIME`` local
time, a backup (:mod:`store.backup`) named after its moment, and only the newest
``CRMBOT_BACKUP_KEEP`` kept.

The directory is the record of what was done: a day with a ``crmbot-backup-YYYYMMDD-…``
file is done, so a restart neither skips nor repeats a night. Several workers sharing a
PostgreSQL database take an advisory lock for the round (the second one then finds the
day's file, or skips while the first is still dumping).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from scheduler.locks import try_singleton
from store.backup import backup
from store.db import Database

log = logging.getLogger(__name__)
PREFIX = "crmbot-backup-"


class NightlyBackups:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        if settings.backup_dir is None:
            raise ValueError("no backup directory configured")
        self.db = db
        self.clock = clock
        self.directory = settings.backup_dir
        self.keep = settings.backup_keep
        self.at = settings.backup_time
        self.tz = ZoneInfo(settings.default_tz)

    def _taken(self) -> list[Path]:
        return sorted(self.directory.glob(f"{PREFIX}*.zip"))

    async def run_due(self) -> Path | None:
        """Take today's backup if it is due and not taken yet; prune; the new file or None."""
        now = self.clock.now()
        local = now.astimezone(self.tz)
        if local.time() < self.at:
            return None
        day = f"{PREFIX}{local:%Y%m%d}-"
        taken = await asyncio.to_thread(self._taken)
        if any(p.name.startswith(day) for p in taken):
            return None
        target = self.directory / f"{day}{local:%H%M%S}.zip"
        await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        if self.db.is_sqlite:  # one process; and no transaction open: nobody's write waits
            manifest = await backup(self.db, target, now)
        else:
            async with self.db.transaction(platform="scheduler") as session:
                if not await try_singleton(session, "nightly-backup"):
                    return None
                manifest = await backup(self.db, target, now)
        log.info("nightly backup %s: %d rows", target, sum(manifest.counts.values()))
        await asyncio.to_thread(self._prune)
        return target

    def _prune(self) -> None:
        for old in self._taken()[: -self.keep]:
            old.unlink(missing_ok=True)


def due_check_seconds() -> float:
    """How often the scheduler asks (the backup itself runs once a day)."""
    return 600.0


__all__ = ["NightlyBackups", "due_check_seconds"]
