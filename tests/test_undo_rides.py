"""A log's undo row rides with the replies (issue 20): on PostgreSQL its id is drawn by the
activity's INSERT and the row, with the audit rows and the customer's touch, waits in the
engine's riders for the replies' INSERT; a handler that then refuses leaves none of them
to be sent. On SQLite each is written at once, as before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.context import Context, UserFacingError
from bot.running import run_guarded
from store.bulk import created_together
from store.models import Activity, AuditEntry, Company, UndoAction
from store.riders import Riders
from store.undo import UndoLog, undo
from tests.sql_trace import executed


async def a_customer(bot, chat, name="Acme Trading Ltd"):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        return (await records.create(Company, name=name)).id


def is_postgresql(bot):
    return bot.db.engine.dialect.name == "postgresql"


async def log_with_undo(bot, records, company_id, then):
    """What a one-message log writes (handlers.logging.core.save_plan), as it writes it."""
    log = UndoLog()
    async with created_together(records, then=then) as together:
        log.reserve(together)
        activity = await together.create(
            Activity,
            company_id=company_id,
            kind="call",
            summary="called",
            occurred_at=bot.clock.now(),
        )
        log.created(activity)
        undo_id = await log.save(records, together)
    return activity.id, undo_id


async def test_the_undo_row_waits_for_the_replies_insert_with_the_id_its_button_holds(bot):
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        riders = Riders(session)
        with executed() as calls:
            activity_id, undo_id = await log_with_undo(bot, records, company_id, riders)
        written = [c.statement.lstrip() for c in calls if not c.statement.startswith("SELECT")]
        if is_postgresql(bot):
            (insert,) = written  # the activity's, which drew the undo row's id
            assert "nextval(pg_get_serial_sequence('undo_actions', 'id'))" in insert
            assert "INSERT INTO undo_actions" not in insert
            with executed() as calls:
                await riders.flush()  # the engine: inside the replies' INSERT
            (carried,) = [c.statement for c in calls]
            assert "INSERT INTO undo_actions" in carried
            assert "INSERT INTO audit_log" in carried
        else:
            assert any(s.startswith("INSERT INTO undo_actions") for s in written), written
            with executed() as calls:
                await riders.flush()
            assert calls == []  # nothing waits on SQLite
    action = await bot.scalar(select(UndoAction).where(UndoAction.id == undo_id))
    assert action.steps == [{"op": "delete", "model": "Activity", "id": activity_id}]
    audited = (
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.table_name == "activities", AuditEntry.record_id == activity_id)
    )
    assert await bot.scalar(audited) == 1
    # the id drawn is the sequence's: the next undo row written the ordinary way comes after
    session, records = await bot.records_for(li)
    async with session, session.begin():
        assert await UndoLog().save(records) > undo_id
    # and the button's undo finds the row and reverses the log
    session, records = await bot.records_for(li)
    async with session, session.begin():
        assert await undo(records, undo_id)
    assert await bot.scalar(select(Activity).where(Activity.id == activity_id)) is None


async def test_a_handler_that_refuses_leaves_nothing_waiting_with_the_replies(bot):
    """Its savepoint rolled back the activity whose INSERT drew the undo row's id: the undo
    and audit rows handed to the engine's riders are dropped, not sent after it."""
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    session, records = await bot.records_for(li)
    parts = bot.app.engine.parts
    async with session, session.begin():
        riders = Riders(session)
        ctx = Context(
            event=li.event(text="called Acme Trading Ltd"),
            session=session,
            clock=bot.clock,
            settings=parts.settings,
            translator=parts.translator,
            lang="en",
            tz=ZoneInfo("UTC"),
            riders=riders,
        )

        async def logs_then_refuses(ctx: Context) -> None:
            await log_with_undo(bot, records, company_id, ctx.riders)
            raise UserFacingError("errors.not_found")

        await run_guarded(ctx, logs_then_refuses)
        assert ctx.refused
        with executed() as calls:
            await riders.flush()
        assert calls == []
    assert await bot.scalar(select(func.count()).select_from(Activity)) == 0
    assert await bot.scalar(select(func.count()).select_from(UndoAction)) == 0
    activities = (
        select(func.count()).select_from(AuditEntry).where(AuditEntry.table_name == "activities")
    )
    assert await bot.scalar(activities) == 0
