"""Reminders in the terminal: ``crmbot chat`` prints the user's pushes as they fall due.

The console is a platform without an outbox for replies (they are printed as the engine
returns them), but pushes need one: they are made by the scheduler, not by a message. So the
chat session runs a small reminder worker of its own — the same :class:`ReminderService`,
APScheduler runner and outbox sender as ``crmbot serve`` — delivering only to the person at
the terminal, to the ``console`` platform, whose "API" is the terminal. A push's buttons are
numbered like every console answer, and typing the number presses them. Reminders for
console users who are not at a terminal wait, and are delivered (marked late) when they next
open a chat.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.base import RateLimits
from bot.adapters.console.render import render
from bot.app import App
from bot.replies import Reply, reply_buttons
from scheduler.config import ReminderConfig, load_reminder_config
from scheduler.runner import ReminderScheduler
from scheduler.sender import OutboxSender
from scheduler.service import ReminderService
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

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
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


@asynccontextmanager
async def console_reminders(
    app: App,
    *,
    user_id: int,
    write: Callable[[str], None],
    image_dir: Path,
    config: ReminderConfig | None = None,
) -> AsyncIterator[ReminderService]:
    """Run a reminder worker for the person at the terminal while the chat runs."""
    base = config or load_reminder_config()
    config = base.model_copy(update={"platforms": (PLATFORM,)})
    platform = TerminalPushes(app.db, user_id, write, image_dir)
    sender = OutboxSender(app.db, app.clock, {PLATFORM: platform})
    service = ReminderService(
        app.db,
        app.clock,
        app.settings,
        app.translator,
        config,
        platforms=(PLATFORM,),
        on_outbox=sender.wake,
        users=frozenset({user_id}),
    )
    runner = ReminderScheduler(service)
    stop = asyncio.Event()
    sending = asyncio.create_task(sender.run(stop), name="console-outbox")
    runner.start()
    try:
        yield service
    finally:
        await runner.shutdown()
        stop.set()
        await sending
