"""The terminal shows a user's reminders as they fall due, and a typed number presses their
buttons — the same worker as ``crmbot serve``, delivering to the person at the console."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.adapters.console.pushes import TerminalPushes
from bot.adapters.memory.chat import LocalChat
from bot.console_reminders import console_reminders
from bot.delivery.sender import OutboxSender
from bot.outbox import enqueue
from bot.replies import Text
from handlers.reminders.config import ReminderConfig
from store.models import OutboxMessage, Reminder, Task
from store.users import link_identity

SH = ZoneInfo("Asia/Shanghai")


async def printed(lines: list[str], count: int) -> list[str]:
    for _ in range(500):
        if len(lines) >= count:
            return lines
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} printed pushes, got {lines}")


async def test_console_prints_due_reminders_and_a_digit_presses_done(bot, clock, tmp_path):
    li = await bot.user("li")
    other = await bot.user("zhang")
    users = [await bot.get_user(chat.name) for chat in (li, other)]
    async with bot.db.transaction() as session:
        for chat, user in zip((li, other), users, strict=True):
            await link_identity(
                session,
                await session.merge(user),
                platform="console",
                external_id=f"user:{chat.name}",
                now=clock.now(),
            )
    console = LocalChat(bot.app.engine, clock, platform="console", external_id="user:li")
    await console.send("remind me to call Li tomorrow 9am")
    zhang_console = LocalChat(bot.app.engine, clock, platform="console", external_id="user:zhang")
    await zhang_console.send("remind me to call Wang tomorrow 9am")
    lines: list[str] = []
    async with console_reminders(
        bot.app,
        user_id=li.user_id,
        chat_id="user:li",
        write=lines.append,
        image_dir=tmp_path,
        config=ReminderConfig(platforms=("telegram",)),
    ) as worker:
        clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
        await worker.tick()
        (push,) = await printed(lines, 1)
    assert push.splitlines() == [
        "┌ ⏰ Reminder",
        "│ call Li",
        "│ 🕘 Due today 9:00",
        "1. ✅ Done  2. +1 h  3. Tomorrow 9:00  4. Next week",
    ]
    r = await console.send("1")
    assert r.text == "✅ Done: call Li"
    assert (await bot.scalar(select(Task).where(Task.title == "call Li"))).done_at is not None
    # Zhang is not at a terminal: his reminder waits for him (and will say it is late).
    states = {r.user_id: r.state for r in await bot.all(select(Reminder))}
    assert states == {li.user_id: "queued", other.user_id: "pending"}


async def test_a_terminal_prints_only_its_own_users_pushes(bot, clock, tmp_path):
    """A notice for the manager's console chat waits for the manager's terminal: the rep at
    another terminal neither sees it nor marks it sent."""
    li = await bot.user("li")
    async with bot.db.transaction() as session:
        for name in ("li", "zhang"):
            enqueue(
                session,
                platform="console",
                chat_id=f"user:{name}",
                replies=[Text(f"for {name}")],
                now=clock.now(),
            )
    lines: list[str] = []
    platform = TerminalPushes(bot.db, li.user_id, lines.append, tmp_path)
    sender = OutboxSender(bot.db, clock, {"console": platform}, chats=frozenset({"user:li"}))
    assert await sender.deliver_due() == 1
    assert lines == ["for li"]
    rows = {r.chat_id: r.state for r in await bot.all(select(OutboxMessage))}
    assert rows == {"user:li": "sent", "user:zhang": "pending"}
