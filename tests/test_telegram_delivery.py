"""Telegram delivery through the outbox, restarts, long polling and set-up, against the fake
Bot API. The frozen clock moves only when the sender waits (no real sleeps)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import event, select

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.config import ConfigError
from bot.delivery.sender import SenderPolicy
from bot.outbox import enqueue
from bot.replies import Button, Card, Choices, Image, Text
from bot.server import SENDER_LEASE, Duties, build_server
from store.models import Lease, OutboxMessage, ProcessedEvent
from store.outbox import enqueue_choice
from tests.clocks import clock_sleep
from tests.fakes.telegram_api import (
    WEBHOOK_SECRET,
    FakeTelegram,
    Rig,
    telegram_rig,
    telegram_settings,
    tg_running,
    timestamp,
    user,
    whole_microsecond_sleeps,
)
from tests.sql_trace import executed

# PTB warns about its own RetryAfter (see bot/adapters/telegram/adapter.py); pytest resets
# the adapter's import-time filter between tests, so repeat it here.
pytestmark = pytest.mark.filterwarnings("ignore:.*`retry_after`:DeprecationWarning")

STRANGER = user(4242, "Sam")
CHAT = "4242"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def tg(settings, clock):
    async with telegram_rig(settings, clock) as rig:
        yield rig


async def queue(tg: Rig, *replies, chat_id: str = CHAT, is_private: bool = True) -> None:
    app = tg.run.server.app
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="telegram",
            chat_id=chat_id,
            replies=list(replies),
            now=tg.run.clock.now(),
            is_private=is_private,
        )


async def rows(tg: Rig) -> list[OutboxMessage]:
    async with tg.run.server.app.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def advance(tg: Rig, seconds: float) -> None:
    tg.run.clock.advance(timedelta(seconds=seconds))


# -- waiting, retrying, giving up -----------------------------------------------------------------


async def test_a_429_is_waited_out_then_delivered(tg):
    tg.fake.fail(429, "Too Many Requests: retry after 7", retry_after=7, method="sendMessage")
    await queue(tg, Text("first"), Text("second"))
    start = tg.run.clock.now()
    await tg.run.drain()
    assert tg.fake.texts() == []
    (first, second) = await rows(tg)
    assert (first.state, first.attempts) == ("pending", 1)
    assert "RetryAfter" in str(first.last_error)
    assert first.next_attempt_at == start + timedelta(seconds=7)
    assert second.next_attempt_at == start + timedelta(seconds=7)  # the chat waits as a whole

    advance(tg, 6)
    await tg.run.drain()
    assert tg.fake.texts() == []
    advance(tg, 1)
    await tg.run.drain()
    assert tg.fake.texts() == ["first", "second"]
    assert [r.state for r in await rows(tg)] == ["sent", "sent"]
    # one second between two messages to one private chat: the sender's own wait
    assert tg.run.clock.now() >= start + timedelta(seconds=8)


async def test_5xx_is_retried_with_growing_backoff(tg):
    tg.fake.fail(502, "Bad Gateway", times=2, method="sendMessage")
    await queue(tg, Text("hello"))
    await tg.run.drain()
    (row,) = await rows(tg)
    assert (row.state, row.attempts) == ("pending", 1)
    first_wait = row.next_attempt_at - tg.run.clock.now()
    advance(tg, first_wait.total_seconds())
    await tg.run.drain()
    (row,) = await rows(tg)
    assert (row.state, row.attempts) == ("pending", 2)
    second_wait = row.next_attempt_at - tg.run.clock.now()
    assert second_wait > first_wait
    advance(tg, second_wait.total_seconds())
    await tg.run.drain()
    (row,) = await rows(tg)
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, None)
    assert tg.fake.texts() == ["hello"]
    assert row.message_ids == [str(tg.fake.last().message_id)]


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: bot was kicked from the supergroup chat"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_a_failure_that_cannot_heal_is_marked_and_not_retried(
    tg, status, description, caplog
):
    tg.fake.fail(status, description, method="sendMessage")
    await queue(tg, Text("hello"))
    await tg.run.drain()
    (row,) = await rows(tg)
    assert (row.state, row.attempts) == ("failed", 1)
    assert description.split(": ", 1)[1].lower() in str(row.last_error).lower()
    assert "failed for good" in caplog.text
    advance(tg, 3600)
    await tg.run.drain()
    assert len([c for c in tg.fake.calls if c.method == "sendMessage"]) == 1


async def test_a_group_that_became_a_supergroup_gets_the_message_at_its_new_id(tg):
    tg.fake.fail(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1001987654321,
        method="sendMessage",
    )
    await queue(tg, Text("hello team"), chat_id="-4012345", is_private=False)
    await tg.run.drain()
    (row,) = await rows(tg)
    assert row.state == "sent"
    assert [m.chat_id for m in tg.fake.messages.values()] == [-1001987654321]


async def test_text_over_4096_characters_is_split_on_lines_and_every_id_recorded(tg):
    lines = [f"{n:04d} " + "activity note " * 20 for n in range(60)]  # ≈ 17,000 characters
    await queue(tg, Choices("\n".join(lines), (Button("Done", "tk.done:1"),)))
    await tg.run.drain()
    sent = tg.fake.sent("sendMessage")
    assert len(sent) == 5
    assert all(len(c.params["text"]) <= 4096 for c in sent)
    assert "\n".join(c.params["text"] for c in sent) == "\n".join(lines)
    assert [("reply_markup" in c.params) for c in sent] == [False, False, False, False, True]
    (row,) = await rows(tg)
    assert row.state == "sent"
    assert row.message_ids == [
        str(m.message_id) for m in sorted(tg.fake.messages.values(), key=lambda m: m.message_id)
    ]


async def test_a_split_text_failing_part_way_resumes_without_repeating_parts(tg):
    tg.fake.fail(500, "Internal Server Error", method="sendMessage", after=1)  # part two
    await queue(tg, Text("\n".join(c * 4000 for c in "abc")))
    await tg.run.drain()
    (row,) = await rows(tg)
    assert row.state == "pending"
    # The part that went out is kept in the row, not in this worker's memory: whichever
    # worker retries carries on after it.
    assert row.message_ids == [str(m.message_id) for m in tg.fake.messages.values()]
    assert len(row.message_ids) == 1
    advance(tg, 60)
    await tg.run.drain()
    (row,) = await rows(tg)
    assert row.state == "sent"
    assert len(tg.fake.messages) == 3  # part one was not sent twice
    assert row.message_ids == [
        str(m) for m in sorted(m.message_id for m in tg.fake.messages.values())
    ]


async def test_a_card_escapes_what_people_typed(tg):
    await queue(
        tg, Card("🏢 A<B & Co", ("Notes: <b>not bold</b> & more",), (Button("Log", "lg:1"),))
    )
    await tg.run.drain()
    card = tg.fake.last()
    assert card.text == "🏢 A<B & Co\nNotes: <b>not bold</b> & more"
    assert card.entities == [{"type": "bold", "offset": 0, "length": 11}]


async def test_an_image_goes_as_a_named_upload_with_the_caption_overflow_after_it(tg):
    caption = "Pipeline by stage\n" + "\n".join(f"stage {n}: " + "x" * 60 for n in range(20))
    await queue(tg, Image(PNG, caption, "chart.png"))
    await tg.run.drain()
    (photo,) = tg.fake.sent("sendPhoto")
    upload = photo.files["photo"]
    assert (upload.filename, upload.content_type, upload.data) == ("chart.png", "image/png", PNG)
    assert len(photo.params["caption"]) <= 1024
    (rest,) = tg.fake.sent("sendMessage")
    assert photo.params["caption"] + "\n" + rest.params["text"] == caption
    (row,) = await rows(tg)
    assert len(row.message_ids) == 2


# -- the choice edit ---------------------------------------------------------------------------


async def test_show_choice_falls_back_to_dropping_the_buttons(tg):
    await queue(tg, Choices("Pick one", (Button("A", "x:a"), Button("B", "x:b"))))
    await tg.run.drain()
    question = tg.fake.last()
    await tg.adapter.show_choice(CHAT, str(question.message_id), "", "A")  # the text is gone
    assert question.reply_markup is None
    assert question.text == "Pick one"
    assert [c.method for c in tg.fake.calls[-1:]] == ["editMessageReplyMarkup"]
    # Done twice (a redelivered edit): Telegram says "not modified", which counts as done.
    await tg.adapter.show_choice(CHAT, str(question.message_id), "", "A")


async def test_a_choice_edit_on_a_vanished_message_fails_for_good(tg):
    async with tg.run.server.app.db.transaction(platform="test") as session:
        enqueue_choice(
            session,
            platform="telegram",
            chat_id=CHAT,
            message_id="999999",
            text="Pick one",
            label="A",
            now=tg.run.clock.now(),
        )
    await tg.run.drain()
    (row,) = await rows(tg)
    assert row.state == "failed"
    assert "message to edit not found" in str(row.last_error).lower()
    assert [c.method for c in tg.fake.calls if c.method.startswith("edit")] == [
        "editMessageText",
        "editMessageReplyMarkup",
    ]


# -- restart -----------------------------------------------------------------------------------


async def test_replies_committed_but_not_sent_are_delivered_after_a_restart(settings, clock):
    fake = FakeTelegram(now=timestamp(clock.now()))
    await fake.start()
    tg_settings = telegram_settings(settings, fake)
    try:
        async with tg_running(tg_settings, clock) as first:
            update = fake.text_update(STRANGER, "hello")
            response = await first.client.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert response.status == 200
            # The worker dies here: committed, never sent.
        assert fake.texts() == []
        async with tg_running(tg_settings, clock) as second:
            await second.drain()
            assert len(fake.texts()) == 1
            assert "isn't linked" in fake.texts()[0]
            # Telegram redelivers the update the dead worker had already answered: nothing new.
            response = await second.client.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert response.status == 200
            await second.drain()
            assert len(fake.texts()) == 1
    finally:
        await fake.close()


# -- long polling --------------------------------------------------------------------------------


async def poll_until_idle(tg: Rig, *, idle_polls: int = 1) -> None:
    """Run ``poll`` until the fake has answered ``idle_polls`` empty getUpdates, then stop."""
    stop = asyncio.Event()
    empties = 0
    real = tg.fake._get_updates

    def watching(params, files):
        nonlocal empties
        result = real(params, files)
        if not result:
            empties += 1
            if empties >= idle_polls:
                stop.set()
        return result

    tg.fake._handlers["getUpdates"] = watching
    await asyncio.wait_for(tg.adapter.poll(stop), timeout=10)


def offsets(tg: Rig) -> list[str | None]:
    return [c.params.get("offset") for c in tg.fake.calls if c.method == "getUpdates"]


async def test_long_polling_advances_the_offset_after_each_stored_update(tg):
    first = tg.fake.text_update(STRANGER, "hello")
    second = tg.fake.text_update(user(4343, "Kim"), "hi")
    tg.fake.pending_updates = [first, second]
    await poll_until_idle(tg)
    (delete,) = tg.fake.sent("deleteWebhook")
    assert delete.params.get("drop_pending_updates") in (None, "False", "false")
    assert tg.fake.method_names().index("deleteWebhook") < tg.fake.method_names().index(
        "getUpdates"
    )
    after = str(second["update_id"] + 1)
    # first poll from the start, the next from past both updates; on the way out the final
    # offset was already confirmed by that poll, so no extra call is made
    assert offsets(tg) == [None, after]
    polls = [c for c in tg.fake.calls if c.method == "getUpdates"]
    assert polls[0].params["timeout"] == "30"
    assert polls[0].params["allowed_updates"] == ["message", "callback_query"]
    async with tg.run.server.app.db.transaction() as session:
        ids = set((await session.scalars(select(ProcessedEvent.event_id))).all())
    assert ids == {str(first["update_id"]), str(second["update_id"])}
    await tg.run.drain()
    assert len(tg.fake.texts()) == 2


async def test_a_stop_during_processing_leaves_the_rest_for_the_next_start(tg):
    updates = [tg.fake.text_update(STRANGER, f"hello {n}") for n in range(3)]
    tg.fake.pending_updates = list(updates)
    stop = asyncio.Event()
    adapter = tg.adapter
    real_process = adapter.process

    async def process_then_stop(update):
        await real_process(update)
        stop.set()  # stop asked for while the first update was being handled

    adapter.process = process_then_stop
    await asyncio.wait_for(adapter.poll(stop), timeout=10)
    # Only the first was stored, and only it was confirmed on the way out.
    assert offsets(tg) == [None, str(updates[0]["update_id"] + 1)]
    assert [u["update_id"] for u in tg.fake.pending_updates] == [
        u["update_id"] for u in updates[1:]
    ]


async def test_an_update_that_fails_is_fetched_again_not_skipped(tg):
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG)
    photo = tg.fake.update("photo")
    # A linked sender: a stranger's photo is never fetched (see test_stranger_uploads).
    await tg.run.user("li", platform="telegram", external_id=str(photo["message"]["from"]["id"]))
    tg.fake.pending_updates = [photo]
    tg.fake.fail(500, "Internal Server Error", method="getFile")
    tg.adapter.poll_backoff = (0.0,)
    await poll_until_idle(tg)
    after = str(photo["update_id"] + 1)
    assert offsets(tg) == [None, None, after]
    assert len(tg.fake.sent("getFile")) == 1  # the second attempt


# -- set-up ----------------------------------------------------------------------------------------


async def test_set_webhook_registers_the_secret_and_the_command_menus(tg):
    await tg.adapter.set_webhook("https://crm.example.com/telegram/webhook")
    (hook,) = tg.fake.sent("setWebhook")
    assert hook.params["url"] == "https://crm.example.com/telegram/webhook"
    assert hook.params["secret_token"] == tg.settings.telegram_webhook_secret.get_secret_value()
    assert hook.params["allowed_updates"] == ["message", "callback_query"]
    menus = tg.fake.sent("setMyCommands")
    assert [m.params.get("language_code") for m in menus] == [None, "zh"]
    names = [c["command"] for c in menus[0].params["commands"]]
    assert names[:3] == ["start", "help", "cancel"]
    assert {"find", "log", "today", "tasks", "deal"} <= set(names)
    assert [c["command"] for c in menus[1].params["commands"]] == names
    assert tg.fake.sent("setChatMenuButton") == []  # no https public URL: no Mini App


async def test_with_an_https_public_url_the_menu_button_opens_the_mini_app(settings, clock):
    with_url = settings.model_copy(update={"public_url": "https://crm.example.com"})
    async with telegram_rig(with_url, clock) as rig:
        await rig.adapter.set_webhook("https://crm.example.com/telegram/webhook")
        (button,) = rig.fake.sent("setChatMenuButton")
        menu = button.params["menu_button"]
        assert menu["type"] == "web_app"
        assert menu["web_app"]["url"] == "https://crm.example.com/app/"
        assert menu["text"] == "CRM"


async def test_a_refused_token_stops_the_start_without_showing_the_token(settings, clock):
    fake = FakeTelegram(now=timestamp(clock.now()))
    await fake.start()
    wrong = telegram_settings(settings, fake).model_copy(
        update={"telegram_token": SecretStr("7000000001:AAWrongTokenxxxxxxxxxxxxxxxxxxxxxxx")}
    )
    server = await build_server(wrong, clock)
    try:
        with pytest.raises(ConfigError) as refused:
            await server.adapters["telegram"].start()
        assert "AAWrongToken" not in str(refused.value)
        assert "CRMBOT_TELEGRAM_TOKEN" in str(refused.value)
    finally:
        await server.adapters["telegram"].close()
        await server.app.close()
        await fake.close()


async def test_an_unreachable_telegram_at_start_does_not_stop_the_webhook(settings, clock):
    fake = FakeTelegram(now=timestamp(clock.now()))
    await fake.start()
    fake.fail(502, "Bad Gateway", method="getMe")
    async with tg_running(telegram_settings(settings, fake), clock) as run:
        adapter = run.server.adapters["telegram"]
        assert isinstance(adapter, TelegramAdapter)
        assert adapter.me.username == ""
        response = await run.client.post(
            "/telegram/webhook",
            json=fake.text_update(STRANGER, "hello"),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status == 200
        await run.drain()
        assert len(fake.texts()) == 1
    await fake.close()


async def test_healthz_says_how_long_the_oldest_reply_has_waited(tg):
    assert (await tg.run.health())[1]["oldest_undelivered_seconds"] == 0
    await queue(tg, Text("waiting through an outage"))
    advance(tg, 300)
    _status, body = await tg.run.health()
    assert body["outbox_backlog"] == 1
    assert body["oldest_undelivered_seconds"] == 300


# -- a worker of its own for sending (PostgreSQL) ---------------------------------------------


@pytest.mark.postgresql_only
async def test_a_sending_worker_beside_one_that_only_takes_updates(settings, clock):
    """``crmbot serve --no-send`` beside ``crmbot send``: the replies to what the first took
    are delivered by the second, woken through PostgreSQL at once (its idle poll is an hour
    here), and the first never sends nor holds the sender's lease."""
    fake = FakeTelegram(now=timestamp(clock.now()))
    await fake.start()
    tg_settings = telegram_settings(settings, fake)
    people = [user(5000 + n, f"Person {n}") for n in range(5)]
    delivered = asyncio.Event()
    answer = fake._handlers["sendMessage"]

    def counting(params, files):
        result = answer(params, files)
        if len(fake.texts()) == len(people):
            delivered.set()
        return result

    fake._handlers["sendMessage"] = counting
    sending = await build_server(
        tg_settings, clock, sleep=clock_sleep(clock), duties=Duties(takes_updates=False)
    )
    sending.sender.policy = SenderPolicy(idle_poll=3600)
    whole_microsecond_sleeps(sending, clock)
    try:
        await sending.start_background()
        assert await sending.sender.holds_lease()
        async with tg_running(tg_settings, clock, Duties(sends=False)) as web:
            for person in people:
                response = await web.client.post(
                    "/telegram/webhook",
                    json=fake.text_update(person, "hello"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
                assert response.status == 200
            await asyncio.wait_for(delivered.wait(), timeout=20)
            assert all("isn't linked" in text for text in fake.texts())
            assert not await web.server.sender.holds_lease()  # it never even tries
            async with web.server.app.db.transaction(platform="test") as session:
                lease = await session.scalar(select(Lease).where(Lease.name == SENDER_LEASE))
            assert lease is not None
            assert lease.holder == sending.sender.holder
            assert (await web.health())[1]["outbox_backlog"] == 0
    finally:
        await sending.close()
        await fake.close()


@pytest.mark.postgresql_only
async def test_commits_made_while_a_wake_up_is_on_its_way_share_one_notice(settings, clock):
    """A worker taking hundreds of messages a second wakes the sending worker with a few
    notices, not one transaction per message."""
    web = await build_server(settings, clock, duties=Duties(sends=False))
    try:
        with executed() as sent:
            for _ in range(10):
                web.sender.wake()  # ten commits in a burst
            await web.sender.release()  # lets the notice on its way go
        assert [s.statement for s in sent if "pg_notify" in s.statement] == [
            "SELECT pg_notify($1, '')"
        ]
    finally:
        await web.close()


@pytest.mark.postgresql_only
async def test_a_run_of_replies_is_claimed_and_recorded_on_one_connection(tg):
    """Each reply's record of what was sent, and the claim before them, once checked a
    connection out of the pool each (about 150 µs of our CPU a reply); a run of them now
    keeps one (``store/lane.py``), and gives it back when the run is done."""
    await queue(tg, *(Text(f"part {n}") for n in range(5)))
    pool = tg.run.server.app.db.engine.sync_engine.pool
    checkouts = 0

    def counted(*_args: object) -> None:
        nonlocal checkouts
        checkouts += 1

    event.listen(pool, "checkout", counted)
    try:
        await tg.run.drain()
    finally:
        event.remove(pool, "checkout", counted)
    assert tg.fake.texts() == [f"part {n}" for n in range(5)]
    assert [row.state for row in await rows(tg)] == ["sent"] * 5
    # The connection that listens for other workers' wake-ups (kept while the lease is),
    # the first pass's claim and records, the second's empty claim. The lease's unit runs
    # on a connection the units keep (store/kept_connections.py), out since queue()'s.
    assert checkouts == 3
    assert tg.run.server.sender.wakeups.listening
    assert pool.checkedout() == 1 + tg.run.server.app.db.kept_idle  # the listening one


@pytest.mark.sqlite_only
async def test_only_postgresql_splits_taking_updates_from_sending(settings, clock):
    for duties in (Duties(sends=False), Duties(takes_updates=False)):
        with pytest.raises(ConfigError, match="needs PostgreSQL"):
            await build_server(settings, clock, duties=duties)
