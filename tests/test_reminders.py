"""Reminders conversed end to end: set one in English or Chinese, get it pushed on time with
Done / Snooze, follow-ups from logged activities, late delivery after downtime, accounts that
cannot be reached. The clock is frozen (Wed 18 Nov 2026, 10:00 in Shanghai) and moved by hand;
the scheduler's jobs are called directly instead of waiting for APScheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.clock import FrozenClock
from store.models import (
    ChatIdentity,
    Company,
    OutboxMessage,
    ProcessedEvent,
    Reminder,
    Task,
)
from tests.reminders_support import (
    link_push,
    pushes,
    reminder_rows,
    service,
)

SH = ZoneInfo("Asia/Shanghai")


async def task_titled(bot, title):
    return await bot.scalar(select(Task).where(Task.title == title))


# --- setting reminders ----------------------------------------------------------------------


async def test_english_reminder_is_confirmed_in_one_line_with_undo(bot, ws):
    r = await ws.li.send("remind me to call Li tomorrow 9am")
    assert r.text == "⏰ I'll remind you: call Li — tomorrow 9:00"
    assert [b.label for b in r.buttons] == ["↩️ Undo"]
    task = await task_titled(bot, "call Li")
    assert task.due_at == datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    assert task.owner_id == ws.li.user_id


async def test_chinese_reminder_links_the_customer_it_names(bot, ws):
    r = await ws.na.send("提醒我下周一上午10点给星辰科技发合同")
    assert r.text == "⏰ 好的，11月23日（周一）10:00 提醒你：给星辰科技发合同"
    task = await task_titled(bot, "给星辰科技发合同")
    assert task.due_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert task.company_id == ws.ids["星辰科技"]


async def test_chinese_time_before_the_trigger(bot, ws):
    r = await ws.na.send("明天下午3点提醒我给张总打电话")
    assert r.text == "⏰ 好的，明天 15:00 提醒你：给张总打电话"


async def test_remind_command_with_a_date_only(bot, ws):
    r = await ws.li.send("/remind Acme renewal in 3 days")
    assert r.text == "⏰ I'll remind you: Acme renewal — Sat 21 Nov 9:00"
    task = await task_titled(bot, "Acme renewal")
    assert task.due_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    # "Acme" alone names two customers (Acme Ltd, Acme Trading): not linked to either.
    assert task.company_id is None


async def test_chinese_command_alias(bot, ws):
    r = await ws.na.send("/提醒 明天上午9点 回访华信电子有限公司")
    assert r.text == "⏰ 好的，明天 9:00 提醒你：回访华信电子有限公司"
    task = await task_titled(bot, "回访华信电子有限公司")
    assert task.company_id == ws.ids["华信电子有限公司"]


async def test_undo_deletes_the_reminder_once(bot, ws):
    r = await ws.li.send("remind me on Friday to send the quote")
    assert r.text == "⏰ I'll remind you: send the quote — Fri 20 Nov 9:00"
    assert await task_titled(bot, "send the quote") is not None
    undo = r.button("Undo")
    assert (await ws.li.click(undo)).text == "↩️ Reminder cancelled."
    assert await task_titled(bot, "send the quote") is None
    assert (await ws.li.click(undo)).text == "That reminder was already cancelled."


async def test_missing_time_is_asked_with_buttons(bot, ws):
    r = await ws.li.send("remind me to send the deck")
    assert "When should I remind you about “send the deck”?" in r.text
    assert [b.label for b in r.buttons] == [
        "In 1 hour",
        "Tomorrow 9:00",
        "Next Monday 9:00",
        "Cancel",
    ]
    r = await ws.li.click(r.button("Tomorrow"))
    assert r.text == "⏰ I'll remind you: send the deck — tomorrow 9:00"


async def test_missing_time_can_be_typed_and_a_typo_is_asked_again(bot, ws):
    r = await ws.li.send("/remind send the deck")
    r = await ws.li.send("whenever")
    assert "couldn't read a time" in r.text
    r = await ws.li.send("Friday 3pm")
    assert r.text == "⏰ I'll remind you: send the deck — Fri 20 Nov 15:00"


async def test_missing_everything_asks_what_first(bot, ws):
    r = await ws.li.send("/remind")
    assert "What should I remind you of" in r.text
    r = await ws.li.send("call Wang in 2 hours")
    assert r.text == "⏰ I'll remind you: call Wang — today 12:00"


async def test_a_time_already_past_is_not_accepted_silently(bot, ws):
    r = await ws.li.send("remind me today 8am to call Li")
    assert r.text.startswith("today 8:00 has already passed.")
    r = await ws.li.click(r.button("In 1 hour"))
    assert r.text == "⏰ I'll remind you: call Li — today 11:00"


async def test_log_text_that_mentions_a_reminder_for_others_is_still_a_log(bot, ws):
    r = await ws.na.send("今天拜访了星辰科技张总，他提醒我们下周二下午3点跟进")
    assert "已记录" in r.text


async def test_upcoming_reminders_and_digest_time(bot, ws):
    await ws.li.send("remind me to call Li tomorrow 9am")
    r = await ws.li.send("/reminders")
    assert r.text.splitlines() == [
        "⏰ Upcoming reminders (3):",
        "• today 13:00 — Send the revised quote",
        "• tomorrow 9:00 — call Li",
        "• Mon 23 Nov 10:00 — Book the demo",
        "☀️ Morning digest at 8:30 (/digest 8:00 to change, /digest off to stop).",
    ]


# --- pushes: on time, once, with Done and Snooze --------------------------------------------


async def test_a_reminder_is_pushed_once_when_it_falls_due(bot, ws, worker, clock):
    chat = await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 8, 59, tzinfo=SH))
    await worker.tick()
    assert [p.text for p in await pushes(bot, ws.li)] == [
        "⏰ Reminder · Acme Ltd\nSend the revised quote\n⚠️ Late — this was due yesterday 13:00"
    ]  # the workspace's task, due 13:00 yesterday, fell due while no worker ran
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    assert await worker.tick() == 1
    assert await worker.tick() == 0
    sent = await pushes(bot, ws.li)
    assert len(sent) == 2
    push = sent[-1]
    assert push.row.chat_id == chat
    assert push.text == "⏰ Reminder\ncall Li\n🕘 Due today 9:00"
    assert push.labels == ["✅ Done", "+1 h", "Tomorrow 9:00", "Next week"]


async def test_late_marking_after_a_delay(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    (push,) = await pushes(bot, ws.li)
    assert "🕘 Due today 13:00" in push.text
    row = (await reminder_rows(bot))[0]
    assert (row.state, row.late, row.kind) == ("queued", False, "task")


async def test_done_from_the_push_completes_the_task(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    push = (await pushes(bot, ws.li))[-1]
    r = await ws.li.click(push.button("Done"))
    assert r.text == "✅ Done: call Li"
    assert (await task_titled(bot, "call Li")).done_at is not None
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SH))
    await worker.tick()
    assert len(await pushes(bot, ws.li)) == 2


async def test_snooze_an_hour_reminds_again_at_the_new_time_only(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    before = len(await pushes(bot, ws.li))
    r = await ws.li.click((await pushes(bot, ws.li))[-1].button("+1 h"))
    assert r.text == "⏰ Snoozed “call Li” to today 10:00."
    clock.set(datetime(2026, 11, 19, 9, 59, tzinfo=SH))
    await worker.tick()
    assert len(await pushes(bot, ws.li)) == before
    clock.set(datetime(2026, 11, 19, 10, 0, tzinfo=SH))
    await worker.tick()
    await worker.tick()
    sent = await pushes(bot, ws.li)
    assert len(sent) == before + 1
    assert sent[-1].text.endswith("🕘 Due today 10:00")


async def test_snooze_tomorrow_and_next_week(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    r = await ws.li.click((await pushes(bot, ws.li))[-1].button("Tomorrow"))
    assert r.text == "⏰ Snoozed “call Li” to tomorrow 9:00."
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SH))
    await worker.tick()
    r = await ws.li.click((await pushes(bot, ws.li))[-1].button("Next week"))
    assert r.text == "⏰ Snoozed “call Li” to Mon 23 Nov 9:00."
    task = await task_titled(bot, "call Li")
    assert task.due_at == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_snoozing_back_to_a_time_already_reminded_does_not_repeat_it(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    count = len(await pushes(bot, ws.li))
    task = await task_titled(bot, "call Li")
    async with bot.db.transaction() as session:  # moved away and back by an edit
        await session.execute(update(Task).where(Task.id == task.id).values(due_at=task.due_at))
    await worker.tick()
    assert len(await pushes(bot, ws.li)) == count


async def test_follow_up_from_a_logged_activity_falls_due(bot, ws, worker, clock):
    await link_push(bot, ws.na)
    await ws.na.send("今天拜访了星辰科技张总，报价满意，下周二下午3点跟进")
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=SH))
    await worker.tick()
    (push,) = await pushes(bot, ws.na)
    assert push.text.startswith("⏰ 提醒 · 星辰科技\n跟进星辰科技：")
    assert push.text.endswith("🕘 时间：今天 15:00")
    assert push.labels == ["✅ 完成", "1小时后", "明天 9:00", "下周"]
    r = await ws.na.click(push.button("完成"))
    assert r.text.startswith("✅")


async def test_tasks_recorded_already_overdue_are_not_pushed(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    async with bot.db.transaction() as session:
        session.add(
            Task(
                owner_id=ws.li.user_id,
                title="imported, long overdue",
                due_at=clock.now() - timedelta(days=2),
                created_at=clock.now(),
            )
        )
    await worker.tick()
    assert await pushes(bot, ws.li) == []


# --- downtime, accounts, failures -----------------------------------------------------------


async def test_a_reminder_due_while_the_bot_was_down_is_delivered_on_start_marked_late(
    bot, ws, clock, settings
):
    await link_push(bot, ws.li)
    await ws.li.send("remind me to call Li tomorrow 9am")
    first = service(bot.db, clock, settings, bot.app)
    await first.catch_up()  # a worker ran once, then the machine went down...
    await bot.restart()
    clock.set(datetime(2026, 11, 19, 11, 30, tzinfo=SH))  # ...and came back at 11:30
    again = service(bot.db, clock, settings, bot.app)
    await again.catch_up()
    texts = [p.text for p in await pushes(bot, ws.li)]
    assert "⏰ Reminder\ncall Li\n⚠️ Late — this was due today 9:00" in texts
    row = await bot.scalar(
        select(Reminder).where(Reminder.key.like("task:%")).order_by(Reminder.id.desc()).limit(1)
    )
    assert row.late is True


async def test_a_user_without_a_push_account_is_recorded_not_retried(bot, ws, worker, clock):
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    await worker.tick()
    rows = await reminder_rows(bot)
    assert {r.state for r in rows} == {"no_channel"}
    assert len(rows) == 2  # the workspace's task and this one: each recorded once
    assert await bot.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_slack_is_used_when_telegram_is_not_linked(bot, ws, worker, clock):
    await link_push(bot, ws.li, "slack")
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    row = await bot.scalar(select(OutboxMessage))
    assert (row.platform, row.chat_id) == ("slack", "slack-li")


async def test_an_account_that_blocked_the_bot_is_marked_and_skipped(bot, ws, worker, clock):
    chat = await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    async with bot.db.transaction() as session:  # what the sender records on a 403
        await session.execute(
            update(OutboxMessage).values(
                state="failed", attempts=1, last_error="Forbidden: bot was blocked by the user"
            )
        )
    assert await worker.reconcile() == 1
    assert await worker.reconcile() == 0
    identity = await bot.scalar(select(ChatIdentity).where(ChatIdentity.external_id == chat))
    assert identity.unreachable_at == clock.now()
    assert (await reminder_rows(bot))[0].state == "failed"
    await ws.li.send("remind me to call Li tomorrow 9am")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.tick()
    assert (await reminder_rows(bot))[-1].state == "no_channel"
    assert len(await pushes(bot)) == 1


async def test_writing_again_from_a_blocked_account_makes_it_reachable(bot, ws, worker, clock):
    chat = await link_push(bot, ws.li)
    async with bot.db.transaction() as session:
        await session.execute(
            update(ChatIdentity)
            .where(ChatIdentity.external_id == chat)
            .values(unreachable_at=clock.now() - timedelta(hours=1))
        )
    # The person unblocked the bot and wrote to it from that account.
    telegram_chat = bot.stranger(chat)
    telegram_chat.platform = "telegram"
    await telegram_chat.send("/me")
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    assert len(await pushes(bot, ws.li)) == 1


async def test_exhausted_retries_do_not_mark_the_account(bot, ws, worker, clock):
    chat = await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    async with bot.db.transaction() as session:
        await session.execute(
            update(OutboxMessage).values(state="failed", attempts=8, last_error="HTTP 502")
        )
    assert await worker.reconcile() == 1
    identity = await bot.scalar(select(ChatIdentity).where(ChatIdentity.external_id == chat))
    assert identity.unreachable_at is None


async def test_a_company_link_needs_one_clear_match(bot, ws):
    async with bot.db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Company))
    assert count == 6
    r = await ws.li.send("remind me to call Globex Corporation tomorrow 10am")
    assert "call Globex Corporation" in r.text
    task = await task_titled(bot, "call Globex Corporation")
    assert task.company_id == ws.ids["Globex Corporation"]


async def test_clock_fixture_is_shared(clock):
    assert isinstance(clock, FrozenClock)


async def test_a_task_reassigned_before_it_is_pushed_reminds_its_new_owner(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await link_push(bot, ws.na)
    await ws.li.send("remind me to call Li tomorrow 9am")
    task = await task_titled(bot, "call Li")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=SH))
    await worker.plan_tasks()
    async with bot.db.transaction() as session:
        await session.execute(update(Task).where(Task.id == task.id).values(owner_id=ws.na.user_id))
    await worker.tick()
    assert [p.text.splitlines()[1] for p in await pushes(bot, ws.na)] == ["call Li"]


def test_snooze_an_hour_is_sixty_minutes_across_the_autumn_change():
    from handlers.tasks.routes import snoozed_until

    ny = ZoneInfo("America/New_York")
    first_130 = datetime(2027, 11, 7, 5, 30, tzinfo=UTC).astimezone(ny)  # 01:30 EDT
    until = snoozed_until("1h", first_130, datetime.min.time())
    assert until.astimezone(UTC) - first_130.astimezone(UTC) == timedelta(hours=1)


async def test_the_proposed_sender_hook_marks_a_blocked_account_at_once(bot, ws, worker, clock):
    from scheduler.service import push_failure_hook

    chat = await link_push(bot, ws.li)
    await link_push(bot, ws.na)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await ws.na.send("remind me to call Li today 14:00")
    await worker.tick()
    clock.set(datetime(2026, 11, 18, 14, 0, tzinfo=SH))
    await worker.tick()
    hook = push_failure_hook(clock)
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        await hook(session, rows[0], "Forbidden: bot was blocked by the user", True)
        await hook(session, rows[1], "HTTP 502 (8 attempts)", False)
    identities = {i.external_id: i.unreachable_at for i in await bot.all(select(ChatIdentity))}
    assert identities[chat] == clock.now()
    assert identities["telegram-na"] is None
    assert [r.state for r in await reminder_rows(bot)] == ["failed", "failed"]


async def test_old_delivery_ids_and_delivered_outbox_rows_are_forgotten(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await ws.li.send("remind me to call Li today 14:00")
    await ws.li.send("remind me to call Wang today 14:00")
    clock.set(datetime(2026, 11, 18, 14, 0, tzinfo=SH))
    await worker.tick()
    async with bot.db.transaction() as session:
        first, *others = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        first.state = "sent"
    assert others
    events = await bot.scalar(select(func.count()).select_from(ProcessedEvent))
    assert events >= 2
    clock.advance(timedelta(days=8))
    await worker.reconcile()
    # A week on, the update ids guard nothing (platforms retry for a day); rows stay a while.
    assert await bot.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
    assert len(await bot.all(select(OutboxMessage.id))) == 1 + len(others)
    clock.advance(timedelta(days=90))
    await worker.reconcile()
    # The delivered row goes; those still pending are never dropped.
    assert await bot.all(select(OutboxMessage.id)) == [row.id for row in others]


async def test_old_handled_reminders_are_forgotten_but_pending_ones_kept(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    clock.set(datetime(2026, 11, 18, 13, 0, tzinfo=SH))
    await worker.tick()
    async with bot.db.transaction() as session:
        session.add(
            Reminder(
                key="digest:999:2026-01-01",
                kind="digest",
                user_id=ws.li.user_id,
                due_at=datetime(2026, 1, 1, tzinfo=UTC),
                state="pending",
                late=False,
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    clock.advance(timedelta(days=91))
    await worker.reconcile()
    assert [r.key for r in await reminder_rows(bot)] == ["digest:999:2026-01-01"]
