"""The engine's promises: dedupe, one transaction per event, persisted flows, digit choices."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.context import Context
from bot.router import command
from conversations.dispatch import FlowDispatcher
from handlers.customers.new_company import Choice, Pick
from store.models import AuditEntry, Company, Conversation, ProcessedEvent


async def count(bot, model):
    return await bot.scalar(select(func.count()).select_from(model))


async def new_company_until_confirm(li):
    await li.send("/newcompany")
    await li.send("星辰科技")
    await li.send("深圳")
    return await li.send("IT")


async def test_same_delivery_twice_changes_nothing_and_answers_once(bot):
    li = await bot.user("li")
    await new_company_until_confirm(li)
    save = li.event(payload=Pick(Choice.SAVE).encode(), event_id="tg-update-9001")
    first = await li.deliver(save)
    assert "Saved 星辰科技" in first.text
    again = await li.deliver(save)
    assert again.replies == []
    assert await count(bot, Company) == 1
    assert await count(bot, ProcessedEvent) >= 5


async def test_a_first_message_delivered_twice_is_answered_once(bot):
    """Before the chat has its conversation row, and for a stranger, the read of the
    sender finds nobody: the update is claimed all the same (on PostgreSQL the claim rides
    in that read, and is made whether or not it finds a row), so a redelivery is ignored."""
    li = await bot.user("li")
    first = li.event(text="/help", event_id="tg-update-1")
    assert "crmbot — Li" in (await li.deliver(first)).text
    assert (await li.deliver(first)).replies == []
    stranger = bot.stranger("id-nobody")
    hello = stranger.event(text="hello", event_id="tg-update-2")
    await stranger.deliver(hello)
    claimed = await bot.all(select(ProcessedEvent.event_id).order_by(ProcessedEvent.event_id))
    assert claimed == ["tg-update-1", "tg-update-2"]


async def test_flow_survives_an_engine_restart_mid_way(bot):
    li = await bot.user("li")
    await li.send("/newcompany")
    await li.send("Acme Ltd")
    await bot.restart()  # new engine, new connections, same database
    r = await li.send("London")
    assert "Which industry?" in r.text
    await bot.restart()
    r = await li.send("2")  # "IT", picked by number as on a platform without buttons
    assert "Industry: IT" in r.text
    assert "City: London" in r.text
    r = await li.send("1")  # Save
    assert "Saved Acme Ltd" in r.text
    company = await bot.scalar(select(Company))
    assert (company.name, company.city, company.industry) == ("Acme Ltd", "London", "IT")
    assert company.owner_id == li.user_id


async def test_flow_state_is_in_the_database(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    row = await bot.scalar(select(Conversation))
    assert (row.flow, row.state, row.flow_version) == ("new_company", "city", 1)
    assert row.data == {"name": "Initech"}
    assert row.expires_at == bot.clock.now() + timedelta(minutes=30)
    assert row.choices == [["nc1:skip", "Skip"]]


async def test_cancel_leaves_the_flow_in_both_languages(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    assert (await li.send("/cancel")).text == "Cancelled. Nothing was saved."
    assert (await li.send("/取消")).text == "There's nothing to cancel."
    assert await count(bot, Company) == 0
    assert "didn't get that" in (await li.send("Shanghai")).text


async def test_a_command_leaves_the_flow(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    r = await li.send("/me")
    assert "Li" in r.text
    assert "didn't get that" in (await li.send("Shanghai")).text


async def test_flow_times_out(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    bot.advance(minutes=31)
    r = await li.send("Shanghai")
    assert "timed out" in r.text
    assert await count(bot, Company) == 0


async def test_flow_from_an_older_version_is_closed(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    async with bot.db.transaction() as session:
        await session.execute(update(Conversation).values(flow_version=0))
    r = await li.send("Shanghai")
    assert "older version" in r.text


async def test_buttons_of_a_finished_flow_are_stale(bot):
    li = await bot.user("li")
    r = await new_company_until_confirm(li)
    save = r.button("Save")
    await li.click(save)
    r = await li.click(save)
    assert "already finished" in r.text
    assert await count(bot, Company) == 1


async def test_out_of_range_digit_asks_again(bot):
    li = await bot.user("li")
    await li.send("/lang")
    r = await li.send("5")
    assert r.text == "Please reply with a number from 1 to 2, or tap a button."
    assert (await li.send("2")).text == "语言已切换为中文。"
    # Choices are spent once a reply without buttons was given.
    assert "没看懂" in (await li.send("2")).text


async def test_failure_mid_event_writes_nothing_and_sends_nothing_else(bot):
    li = await bot.user("li")

    async def explode(ctx: Context) -> None:
        await ctx.records.create(Company, name="Half written")
        ctx.say("company.saved", name="Half written")
        raise RuntimeError("boom")

    _router(bot).add(command("explode"), explode, first=True)
    event = li.event(text="/explode", event_id="retry-me")
    r = await li.deliver(event)
    assert (
        r.text == "Sorry, something went wrong on our side and nothing was saved. Please try again."
    )
    assert await count(bot, Company) == 0
    audited = select(func.count()).where(AuditEntry.table_name == "companies")
    assert await bot.scalar(audited) == 0
    # Not marked processed, so the platform's redelivery is handled again.
    assert (
        await bot.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == "retry-me"))
        is None
    )


async def test_message_time_is_when_it_was_sent(bot):
    li = await bot.user("li")
    sent = bot.clock.now() - timedelta(hours=5)
    event = li.event(text="/me", sent_at=sent)
    assert event.sent_at == sent
    seen = []

    async def capture(ctx: Context) -> None:
        seen.append(ctx.sent_local)

    _router(bot).add(command("me"), capture, first=True)
    await li.deliver(event)
    assert seen[0].isoformat() == "2026-11-18T05:00:00+08:00"


def _router(bot):
    dispatcher = bot.app.engine.parts.conversations
    assert isinstance(dispatcher, FlowDispatcher)
    return dispatcher.router
