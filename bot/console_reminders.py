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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.console.pushes import PLATFORM, TerminalPushes
from bot.app import App
from bot.delivery.sender import OutboxSender
from handlers.reminders.config import ReminderConfig, load_reminder_config
from scheduler.runner import ReminderScheduler
from scheduler.service import ReminderService


@asynccontextmanager
async def console_reminders(
    app: App,
    *,
    user_id: int,
    chat_id: str,
    write: Callable[[str], None],
    image_dir: Path,
    config: ReminderConfig | None = None,
) -> AsyncIterator[ReminderService]:
    """Run a reminder worker for the person at the terminal while the chat runs;
    ``chat_id`` is their console chat, the only one this terminal delivers to."""
    base = config or load_reminder_config()
    config = base.model_copy(update={"platforms": (PLATFORM,)})
    platform = TerminalPushes(app.db, user_id, write, image_dir)
    # Only this person's pushes: another console user's wait for their own terminal.
    sender = OutboxSender(app.db, app.clock, {PLATFORM: platform}, chats=frozenset({chat_id}))
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
