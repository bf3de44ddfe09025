"""A record's bookkeeping columns written through (store/write_through.py, issue 20): one
UPDATE when nothing else of the record is pending, the flush otherwise — and never a
column the audit trail records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from store.bulk import table_of
from store.models import AuditEntry, Company, Conversation, UndoAction
from store.riders import Riders
from store.write_through import write_through
from tests.sql_trace import executed


async def a_customer(bot, chat, name="Acme Trading Ltd"):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        return (await records.create(Company, name=name)).id


def updates(calls, table):
    return [c.statement for c in calls if c.statement.lstrip().startswith(f"UPDATE {table}")]


async def test_a_touch_is_one_update_and_the_object_knows_it(bot):
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    later = bot.clock.now() + timedelta(hours=1)
    session, records = await bot.records_for(li)
    flushes: list[int] = []

    def counted(*_args: object) -> None:
        flushes.append(1)

    event.listen(Session, "before_flush", counted)
    try:
        async with session, session.begin():
            company = await records.get(Company, company_id)
            with executed() as calls:
                await write_through(session, company, updated_at=later)
            assert len(updates(calls, "companies")) == 1
            assert company.updated_at == later
            assert company not in session.dirty
    finally:
        event.remove(Session, "before_flush", counted)
    assert flushes == []  # the commit found nothing left to write
    stored = await bot.scalar(select(Company.updated_at).where(Company.id == company_id))
    assert stored.replace(tzinfo=None) == later.replace(tzinfo=None)


async def test_an_unchanged_value_sends_nothing(bot):
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.get(Company, company_id)
        with executed() as calls:
            await write_through(session, company, updated_at=company.updated_at)
    assert calls == []


async def test_a_record_with_other_changes_is_left_to_the_flush_in_one_update(bot):
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    later = bot.clock.now() + timedelta(hours=1)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.get(Company, company_id)
        company.city = "Shenzhen"
        with executed() as calls:
            await write_through(session, company, updated_at=later)
            assert calls == []  # nothing yet: the flush writes both
            await session.flush()
        (statement,) = updates(calls, "companies")
        assert "city" in statement
        assert "updated_at" in statement
    audit = await bot.all(select(AuditEntry.field).where(AuditEntry.record_id == company_id))
    assert "city" in audit


async def test_an_audited_column_always_goes_through_the_flush_and_its_audit(bot):
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.get(Company, company_id)
        with executed() as calls:
            await write_through(session, company, city="Guangzhou")
            assert calls == []
    rows = await bot.all(
        select(AuditEntry).where(AuditEntry.record_id == company_id, AuditEntry.field == "city")
    )
    assert [(r.action, r.new_value) for r in rows] == [("update", "Guangzhou")]


async def test_a_new_record_is_left_to_its_insert(bot):
    li = await bot.user("li")
    session, _records = await bot.records_for(li)
    later = bot.clock.now() + timedelta(hours=1)
    async with session, session.begin():
        row = Conversation(
            platform="console", chat_id="c1", user_id=li.user_id, choices=[], updated_at=later
        )
        session.add(row)
        with executed() as calls:
            await write_through(session, row, choices=[["p", "Label"]])
        assert calls == []
        assert row.choices == [["p", "Label"]]
    stored = await bot.scalar(select(Conversation.choices).where(Conversation.chat_id == "c1"))
    assert stored == [["p", "Label"]]


async def test_a_touch_given_riders_waits_for_their_next_insert_on_postgresql(bot):
    """With riders (store.riders) the touch goes out inside the next INSERT they send on
    PostgreSQL — one statement for both — and at once on SQLite; stored either way, and
    what nothing carried is sent by ``flush``."""
    li = await bot.user("li")
    first, second = await a_customer(bot, li), await a_customer(bot, li, "Zenith Foods")
    later = bot.clock.now() + timedelta(hours=1)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        riders = Riders(session)
        one, two = await records.get(Company, first), await records.get(Company, second)
        with executed() as calls:
            await write_through(session, one, riders, updated_at=later)
            waited = not updates(calls, "companies")
            undo = table_of(UndoAction)
            values = {"user_id": li.user_id, "steps": [], "created_at": later}
            await riders.send(undo, [values], returning=("id",))
            await write_through(session, two, riders, updated_at=later)
            await riders.flush()
        assert one.updated_at == later
        assert two.updated_at == later
        assert one not in session.dirty
        assert two not in session.dirty
    statements = [c.statement.lstrip() for c in calls]
    if bot.db.engine.dialect.name == "postgresql":
        assert waited
        assert len(statements) == 2, statements
        assert statements[0].startswith("WITH rider_0 AS \n(UPDATE companies")
        assert "INSERT INTO undo_actions" in statements[0]
        assert statements[1].startswith("UPDATE companies")  # flushed: nothing to carry it
    else:
        assert not waited
        assert len(statements) == 3, statements
    stored = await bot.all(select(Company.updated_at).where(Company.id.in_((first, second))))
    assert [s.replace(tzinfo=None) for s in stored] == [later.replace(tzinfo=None)] * 2


async def test_a_row_changed_twice_with_riders_is_never_changed_twice_in_one_statement(bot):
    """Two changes to one row in one PostgreSQL statement are undefined: the second waits
    until the first is sent, and the row ends with the second's values."""
    li = await bot.user("li")
    company_id = await a_customer(bot, li)
    first, second = bot.clock.now() + timedelta(hours=1), bot.clock.now() + timedelta(hours=2)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        riders = Riders(session)
        company = await records.get(Company, company_id)
        with executed() as calls:
            await write_through(session, company, riders, updated_at=first)
            await write_through(session, company, riders, updated_at=second)
            await riders.flush()
    assert [s.count("UPDATE companies") for s in updates_or_carried(calls)] == [1, 1]
    stored = await bot.scalar(select(Company.updated_at).where(Company.id == company_id))
    assert stored.replace(tzinfo=None) == second.replace(tzinfo=None)


def updates_or_carried(calls):
    return [c.statement for c in calls if "UPDATE companies" in c.statement]


async def test_a_conversation_whose_flow_moved_on_goes_out_whole_with_its_stamp(bot):
    """A record the audit trail does not follow: its other changed columns (the flow's
    state and data) join the stamp's UPDATE, and the commit sends no other."""
    li = await bot.user("li")
    earlier = bot.clock.now()
    later = earlier + timedelta(minutes=5)
    async with bot.db.transaction() as session:
        session.add(
            Conversation(
                platform="console", chat_id="c1", user_id=li.user_id, choices=[], updated_at=earlier
            )
        )
    with executed() as calls:
        async with bot.db.transaction() as session:
            row = await session.scalar(select(Conversation).where(Conversation.chat_id == "c1"))
            assert row is not None
            row.state = "waiting"
            row.data = {"pending": "called Nobody Trading"}
            with executed() as sent:
                await write_through(session, row, updated_at=later)
            assert (row.state, row.data) == ("waiting", {"pending": "called Nobody Trading"})
    assert updates(calls, "conversations") == updates(sent, "conversations")  # none at commit
    (statement,) = updates(sent, "conversations")
    assert "state" in statement
    assert "data" in statement
    assert "updated_at" in statement
    stored = await bot.scalar(select(Conversation).where(Conversation.chat_id == "c1"))
    assert (stored.state, stored.data) == ("waiting", {"pending": "called Nobody Trading"})
    assert stored.updated_at.replace(tzinfo=None) == later.replace(tzinfo=None)
