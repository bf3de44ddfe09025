"""The console as a push platform: pushes printed in the terminal, their buttons numbered
like every console answer (see :mod:`bot.console_reminders` for the worker behind it)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from bot.adapters.base import RateLimits
from bot.adapters.console.render import render
from bot.replies import Reply, reply_buttons
from store.db import Database
from store.reminders import remember_choices

PLATFORM = "console"


class TerminalPushes:
    """The console as a push platform (implements :class:`bot.adapters.base.Platform`)."""

    name = PLATFORM
    limits = RateLimits(per_second=20, private_interval=0, group_interval=0)

    def __init__(
        self, db: Database, user_id: int, write: Callable[[str], None], image_dir: Path
    ) -> None:
        self.db = db
        self.user_id = user_id
        self.write = write
        self.image_dir = image_dir
        self._ids = itertools.count(1)

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        buttons = reply_buttons(reply)
        start = 1
        if buttons:
            async with self.db.transaction(platform=PLATFORM) as session:
                start = await remember_choices(
                    session,
                    platform=PLATFORM,
                    chat_id=chat_id,
                    user_id=self.user_id,
                    buttons=[(b.payload, b.label) for b in buttons],
                    now=self.db.clock.now(),
                    append=True,
                )
        self.write(render(reply, self.image_dir, start))
        return [f"{PLATFORM}-{next(self._ids)}"]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """A terminal cannot edit what it printed; the handler's answer says what happened."""
