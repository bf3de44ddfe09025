"""A rep's day on Telegram, end to end: the real server's webhook -> engine -> outbox ->
the local fake of the Bot API, with a frozen clock and a real database."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.clock import FrozenClock
from bot.events import Attachment
from bot.secret_key import invite_key
from store import sqlite_driver
from store.models import Activity, ChatIdentity, ProcessedEvent, Role, Task, User
from store.users import create_user, issue_invite
from tests import workspace
from tests.fakes.telegram_api import (
    WEBHOOK_SECRET,
    Rig,
    StoredMessage,
    group,
    telegram_rig,
    user,
)
from tests.harness import BotHarness
from tests.sql_trace import executed

LI = user(1001, "Li", last_name="Lei")
NA = user(1002, "娜", last_name="李", language_code="zh-hans")
STRANGER = user(4242, "Sam")
GROUP = group()


@pytest.fixture
async def tg(settings, clock):
    async with telegram_rig(settings, clock) as rig:
        yield rig


@pytest.fixture
async def ws(tg: Rig, settings, clock: FrozenClock):
    """The rep-workflow workspace, with Li and Na's Telegram accounts linked."""
    harness = BotHarness(tg.run.server.app, clock, settings)
    return await workspace.build_linked(
        harness, platform="telegram", li=str(LI["id"]), na=str(NA["id"])
    )


async def scalar(tg: Rig, stmt):
    async with tg.run.server.app.db.transaction() as session:
        return await session.scalar(stmt)


async def processed(tg: Rig) -> int:
    return int(await scalar(tg, select(func.count()).select_from(ProcessedEvent)))


def only(messages: list[StoredMessage]) -> StoredMessage:
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


# -- joining -------------------------------------------------------------------------------


async def test_an_unlinked_account_is_told_how_to_join(tg):
    reply = only(await tg.say(STRANGER, "hello"))
    assert "isn't linked to a crmbot account" in reply.text
    assert "/start CODE" in reply.text


async def test_the_deep_link_start_code_links_the_account_in_one_tap(tg, clock):
    app = tg.run.server.app
    async with app.db.transaction(platform="test") as session:
        chen = await create_user(session, "chen", role=Role.REP, now=clock.now(), lang=None)
        invite = await issue_invite(
            session, chen, now=clock.now(), ttl=timedelta(hours=72), key=invite_key(app.settings)
        )
    assert tg.adapter.deep_link(invite.code) == f"https://t.me/crm_bot?start={invite.code}"
    # Opening the link makes the client send "/start CODE" (the recorded update, with our code).
    update = tg.fake.update("start_deep_link", text=f"/start {invite.code}")
    await tg.deliver(update)
    reply = tg.fake.last(1003)
    assert "✅ 欢迎" in reply.text  # the client's language_code is zh-hans
    identity = await scalar(tg, select(ChatIdentity).where(ChatIdentity.platform == "telegram"))
    assert (identity.external_id, identity.user_id) == ("1003", chen.id)
    assert only(await tg.say(user(1003, "Chen"), "/me")).text.startswith("chen — sales rep")


# -- a rep's flows ---------------------------------------------------------------------------


async def test_one_message_log_answered_by_clicking_an_inline_button(tg, ws):
    question = only(
        await tg.say(LI, "called Acme, Wang wants a revised quote, follow up Friday 10am")
    )
    assert question.text.startswith("Which customer do you mean by “Acme”?")
    assert tg.fake.buttons(question)[:2] == ["Acme Ltd", "Acme Trading"]

    tg.fake.reset_calls()
    click = tg.fake.click(question, "Acme Ltd", LI)
    await tg.deliver(click)

    answers = tg.fake.sent("answerCallbackQuery")
    assert [a.params["callback_query_id"] for a in answers] == [click["callback_query"]["id"]]
    # The question now shows what was chosen, and its buttons are gone.
    assert question.text.endswith("\n→ Acme Ltd")
    assert question.reply_markup is None
    summary = tg.fake.last(1001)
    assert "✅ Logged: Call · Acme Ltd · Wang Lei" in summary.text
    assert "Follow-up: Fri 20 Nov 10:00" in summary.text
    assert tg.fake.buttons(summary) == ["↩️ Undo", "✏️ Edit"]
    # The edit went out before the summary, and nothing else was sent.
    assert tg.fake.method_names() == ["answerCallbackQuery", "editMessageText", "sendMessage"]

    task = await scalar(tg, select(Task).order_by(Task.id.desc()).limit(1))
    assert task.due_at == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    activity = await scalar(tg, select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.contact_id == ws.ids["Wang Lei"]

    await tg.click(summary, "↩️ Undo", LI)
    assert "\n→ ↩️ Undo" in summary.text
    assert await scalar(tg, select(Activity).where(Activity.id == activity.id)) is None


async def test_the_buttons_kept_with_the_reply_answer_a_typed_number(tg, ws):
    """The conversation's buttons are written with the reply (on PostgreSQL inside the
    outbox's INSERT, store.riders): "1" typed next presses the summary's first button."""
    tasks = select(func.count()).select_from(Task)
    before = await scalar(tg, tasks)
    with executed() as calls:
        summary = only(
            await tg.say(LI, "called Globex Corporation, Sarah wants a quote, follow up Friday")
        )
    assert summary.text.startswith("✅ Logged: Call · Globex Corporation"), summary.text
    assert tg.fake.buttons(summary) == ["↩️ Undo", "✏️ Edit"]
    conversation = [c.statement for c in calls if "UPDATE conversations" in c.statement]
    assert len(conversation) == 1, conversation
    if tg.run.server.app.db.engine.dialect.name == "postgresql":
        assert re.search(r"\)\s*INSERT INTO outbox", conversation[0]), conversation[0]
        # so do the undo row (its id drawn by the activity's INSERT) and the audit rows:
        # no statement of their own
        (outbox,) = [c.statement for c in calls if "INSERT INTO outbox" in c.statement]
        for table in ("undo_actions", "audit_log"):
            assert [c.statement for c in calls if f"INSERT INTO {table}" in c.statement] == [outbox]
    undone = only(await tg.say(LI, "1"))
    assert undone.text.startswith("↩️ Undone"), undone.text
    assert await scalar(tg, tasks) == before


async def test_find_shows_a_card_with_a_bold_title_and_the_full_phone_in_private(tg, ws):
    pick = only(await tg.say(LI, "/find acme"))
    assert tg.fake.buttons(pick) == ["Acme Ltd", "Acme Trading"]
    await tg.click(pick, "Acme Ltd", LI)
    card = tg.fake.last(1001)
    assert card.text.startswith("🏢 Acme Ltd\n")
    assert card.entities[0] == {"type": "bold", "offset": 0, "length": len("🏢 Acme Ltd") + 1}
    assert "Wang Lei Purchasing +86 139 1111 2222" in card.text
    assert "📝 Log" in tg.fake.buttons(card)


async def test_a_rep_works_in_chinese(tg, ws):
    summary = only(
        await tg.say(NA, "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进")
    )
    assert "✅ 已记录：拜访 · 星辰科技 · 张伟" in summary.text
    assert "跟进：11月24日（周二）15:00" in summary.text
    card = only(await tg.say(NA, "/查 xingchen"))
    assert card.text.startswith("🏢 星辰科技")
    assert "张伟 总经理 +86 138 0013 8000" in card.text
    assert tg.fake.buttons(card)[:3] == ["📝 记录", "💼 新商机", "🕘 历史"]
    # Three short labels share a row.
    assert tg.fake.rows(card)[0] == ["📝 记录", "💼 新商机", "🕘 历史"]


# -- groups ------------------------------------------------------------------------------------


async def test_group_chatter_not_addressed_to_the_bot_is_ignored(tg, ws):
    before = await processed(tg)
    assert await tg.say(LI, "lunch at 12? I'll send Acme the quote after", chat=GROUP) == []
    assert await tg.say(LI, "/find@weather_bot shanghai", chat=GROUP) == []
    assert await processed(tg) == before
    assert tg.fake.sent("sendMessage") == []


async def test_a_group_command_is_answered_with_phones_masked(tg, ws):
    card = only(await tg.say(LI, "/find@crm_bot Acme Ltd", chat=GROUP))
    assert card.chat_id == GROUP["id"]
    assert "Wang Lei Purchasing 139****2222" in card.text
    assert "1111" not in card.text
    private = only(await tg.say(LI, "/find Acme Ltd"))
    assert "+86 139 1111 2222" in private.text


async def test_a_mention_or_a_reply_to_the_bot_in_a_group_is_for_the_bot(tg, ws):
    card = only(await tg.say(LI, "👋 @crm_bot find globex", chat=GROUP))
    assert card.text.startswith("🏢 Globex Corporation")
    question = only(await tg.say(LI, "@crm_bot called Acme about the invoice", chat=GROUP))
    assert "Which customer" in question.text
    answer = only(await tg.say(LI, "2", chat=GROUP, reply_to=question))
    assert "Call · Acme Trading" in answer.text


# -- bad input ---------------------------------------------------------------------------------


async def good_request_still_served(tg: Rig) -> None:
    before = len(tg.fake.sent("sendMessage"))
    reply = only(await tg.say(STRANGER, "hello again"))
    assert "isn't linked" in reply.text
    assert len(tg.fake.sent("sendMessage")) == before + 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "tg-Webhook_secret-012345678"])
async def test_a_wrong_or_missing_secret_is_refused(tg, secret, caplog):
    update = tg.fake.text_update(STRANGER, "hello")
    status, _ = await tg.post(update, secret=secret)
    assert status == 403
    assert await processed(tg) == 0
    assert "secret" in caplog.text
    assert nothing_secret_in(caplog.text, tg)
    await good_request_still_served(tg)


def nothing_secret_in(text: str, tg: Rig) -> bool:
    return WEBHOOK_SECRET not in text and tg.fake.token not in text


async def test_a_body_over_one_megabyte_is_refused(tg, caplog):
    update = tg.fake.text_update(STRANGER, "x" * 1_100_000)
    status, _ = await tg.post(update)
    assert status == 413

    # Sent in chunks, without a Content-Length up front: refused while reading.
    async def chunks():
        body = b'{"update_id": 1, "message": {"text": "' + b"y" * 1_100_000 + b'"}}'
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    response = await tg.run.client.post(
        "/telegram/webhook",
        data=chunks(),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status == 413
    assert await processed(tg) == 0
    assert caplog.text.count("body over 1048576 bytes") == 2
    assert nothing_secret_in(caplog.text, tg)
    await good_request_still_served(tg)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'"update"',
        b"{}",
        b'{"update_id": "x", "message": 5}',
    ],
)
async def test_malformed_json_is_refused(tg, body, caplog):
    status, _ = await tg.post(body)
    assert status == 400
    assert await processed(tg) == 0
    assert "telegram webhook:" in caplog.text
    assert nothing_secret_in(caplog.text, tg)
    await good_request_still_served(tg)


async def test_updates_not_for_the_bot_are_acknowledged_and_dropped(tg):
    for name in ("edited_message", "my_chat_member", "channel_post"):
        status, body = await tg.post(tg.fake.update(name))
        assert (status, body) == (200, "{}")
    assert await processed(tg) == 0


async def test_a_redelivered_update_is_handled_and_answered_once(tg, ws):
    update = tg.fake.text_update(LI, "called Globex, they asked for a demo")
    for _ in range(3):
        await tg.deliver(update)
    assert len(tg.fake.sent("sendMessage")) == 1
    assert (
        await scalar(
            tg, select(func.count()).select_from(Activity).where(Activity.summary.like("%demo%"))
        )
        == 1
    )

    question = only(await tg.say(LI, "called Acme about the invoice"))
    click = tg.fake.click(question, "Acme Trading", LI)
    tg.fake.reset_calls()
    for _ in range(2):
        await tg.deliver(click)
    assert tg.fake.method_names() == ["answerCallbackQuery", "editMessageText", "sendMessage"]


async def test_a_failure_inside_answers_500_so_telegram_redelivers(tg, ws, monkeypatch):
    """Nothing stored -> 500 (Telegram redelivers); the callback is still answered, and the
    worker serves the next request."""
    question = only(await tg.say(LI, "called Acme about the invoice"))
    click = tg.fake.click(question, "Acme Ltd", LI)
    engine = tg.run.server.app.engine
    real_handle = engine.handle

    async def broken(event):
        raise RuntimeError("database went away")

    monkeypatch.setattr(engine, "handle", broken)
    status, _ = await tg.post(click)
    assert status == 500
    assert [c.method for c in tg.fake.calls[-1:]] == ["answerCallbackQuery"]
    monkeypatch.setattr(engine, "handle", real_handle)
    await tg.deliver(click)  # Telegram's redelivery
    assert "Call · Acme Ltd" in tg.fake.last(1001).text
    assert len(tg.fake.sent("answerCallbackQuery")) == 1


# -- photos ------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def events(tg, monkeypatch):
    """What reached the engine."""
    seen = []
    engine = tg.run.server.app.engine
    handle = engine.handle

    async def recording(event):
        seen.append(event)
        return await handle(event)

    monkeypatch.setattr(engine, "handle", recording)
    return seen


async def test_neither_token_nor_secret_reach_the_logs(tg, ws, caplog):
    """Request URLs carry the bot token: PTB logs its calls at DEBUG, and a library that logs
    a URL (httpx did, at INFO) must have the token blanked."""
    caplog.set_level(logging.DEBUG)
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG)
    await tg.deliver(tg.fake.update("photo"))
    question = only(await tg.say(LI, "called Acme about the invoice"))
    await tg.click(question, "Acme Ltd", LI)
    await tg.post(tg.fake.text_update(LI, "hi"), secret="wrong")
    for name in ("httpx", "aiohttp.client", "telegram.Bot"):
        logging.getLogger(name).info("GET %s/file/bot%s/photos/x.jpg", tg.fake.root, tg.fake.token)
    ours = [r for r in caplog.records if r.name != "aiohttp.access"]  # the fake's own log
    assert any(r.name == "telegram.Bot" and "sendMessage" in r.getMessage() for r in ours)
    assert sum("/file/bot<token>/photos/" in r.getMessage() for r in ours) == 3
    for record in ours:
        assert nothing_secret_in(record.getMessage(), tg), record.getMessage()


async def test_a_photo_is_downloaded_in_its_largest_size(tg, ws, events):
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG)
    await tg.deliver(tg.fake.update("photo"))
    assert [c.params["file_id"] for c in tg.fake.sent("getFile")] == ["AgACAgUAAxkBAAIBPmZ-y1280"]
    assert [c.params["path"] for c in tg.fake.sent("file")] == [
        "photos/AgACAgUAAxkBAAIBPmZ-y1280.jpg"
    ]
    (event,) = events
    assert event.kind == "image"
    assert event.text == "card from today's visit"
    assert event.attachments == (Attachment("image", PNG, "photo.jpg", "image/png"),)
    assert "couldn't open that photo" in tg.fake.last(1001).text


async def test_a_photo_over_20_mb_gets_a_clear_answer_without_downloading(tg, ws, events):
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG, reported_size=25 * 1_048_576)
    photo = tg.fake.update("photo")
    for size in photo["message"]["photo"]:
        size.pop("file_size")  # the update does not say; getFile does
    await tg.deliver(photo)
    assert [a.kind for e in events for a in e.attachments] == ["too_large"]
    assert "too large" in tg.fake.last(1001).text
    assert "20 MB" in tg.fake.last(1001).text
    assert tg.fake.sent("file") == []
    # The update itself says it is too big: not even getFile.
    big = tg.fake.update("photo")
    big["message"]["photo"][-1]["file_size"] = 21 * 1_048_576
    tg.fake.reset_calls()
    await tg.deliver(big)
    assert tg.fake.method_names() == ["sendMessage"]
    # Telegram itself refuses getFile past 20 MB: same answer.
    tg.fake.add_file("BQACAgUAAxkBAAIBQGZ-doc1", PNG, too_big=True)
    await tg.deliver(tg.fake.update("document_image"))
    assert "too large" in tg.fake.last(1001).text


async def test_a_file_that_is_not_an_image_gets_a_clear_answer(tg, ws, events):
    tg.fake.add_file("BQACAgUAAxkBAAIBQGZ-doc1", b"%PDF-1.7\n% not a photo at all")
    await tg.deliver(tg.fake.update("document_image"))  # says image/jpeg; the bytes are a PDF
    assert "isn't a photo I can read" in tg.fake.last(1001).text
    await tg.deliver(tg.fake.update("document_pdf"))
    assert "isn't a photo I can read" in tg.fake.last(1001).text
    assert len(tg.fake.sent("file")) == 1  # the honest PDF was not even downloaded
    assert [a.kind for e in events for a in e.attachments] == ["not_image", "not_image"]


async def test_a_spreadsheet_from_a_manager_is_downloaded_and_offered_for_import(
    tg, ws, events, tmp_path
):
    from tests.sheets import xlsx

    async with tg.run.server.app.db.transaction(platform="test") as session:
        person = await session.get(User, ws.li.user_id)
        assert person is not None
        person.role = Role.MANAGER
    data = xlsx(
        tmp_path / "clients.xlsx",
        [["Company", "Contact", "Mobile"], ["Contoso", "Ann Lee", "+86 137 0000 1111"]],
    ).read_bytes()
    tg.fake.add_file("BQACAgUAAxkBAAIBQWZ-pdf1", data)
    sheet = tg.fake.update("document_pdf")
    sheet["message"]["document"].update(
        file_name="clients.xlsx",
        mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_size=len(data),
    )
    await tg.deliver(sheet)
    assert [(a.kind, a.filename, a.data) for e in events for a in e.attachments] == [
        ("file", "clients.xlsx", data)
    ]
    report = tg.fake.last(1001)
    assert "Rows: 1 · to create 1 · duplicates 0 · errors 0" in report.text
    await tg.click(report, "📥 Import", LI)
    assert "✅ Import #1 done: 1 companies, 1 contacts" in tg.fake.last(1001).text
    assert await scalar(tg, select(func.count()).select_from(Activity)) == 7  # no note added


# -- checking in by sharing a location -------------------------------------------------------


async def test_a_shared_location_checks_in_on_the_visit_just_logged(tg, ws):
    await tg.say(LI, "met Globex CFO, showed the demo")
    await tg.deliver(tg.fake.update("venue", date=tg.fake.now))
    assert tg.fake.last(1001).text == (
        "📍 Checked in at Globex Corporation: Acme Ltd, 1601 Nanjing West Road, Shanghai"
    )
    visit = await scalar(tg, select(Activity).order_by(Activity.id.desc()).limit(1))
    assert visit.company_id == ws.ids["Globex Corporation"]
    assert (visit.latitude, visit.longitude) == (31.228611, 121.454722)


async def test_a_shared_location_with_nothing_logged_asks_which_customer(tg, ws):
    await tg.deliver(tg.fake.update("location", date=tg.fake.now))
    question = tg.fake.last(1001)
    assert question.text == "📍 Which customer are you with?"
    await tg.click(question, "Acme Ltd", LI)
    assert "📍 Checked in: a visit to Acme Ltd is logged (shared location)." in (
        tg.fake.last(1001).text
    )
    visit = await scalar(tg, select(Activity).order_by(Activity.id.desc()).limit(1))
    assert visit.company_id == ws.ids["Acme Ltd"]
    assert visit.latitude == pytest.approx(31.230416, abs=1e-5)


# -- a busy database (issue 21 item 11) ---------------------------------------------------------
# A locked database does not lose a message: the webhook answers 5xx so Telegram delivers it
# again, and it is handled once the database is free -- never "nothing was saved" with a 200
# that makes Telegram forget it.


@contextmanager
def write_locked(database_url: str) -> Iterator[None]:
    """Another process's connection holding SQLite's write lock (``BEGIN IMMEDIATE``)."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def count_where(tg: Rig, model, *where) -> int:
    async with tg.run.server.app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.sqlite_only
async def test_a_message_arriving_while_sqlite_is_locked_is_delivered_again_not_lost(
    tg, ws, monkeypatch, caplog
):
    monkeypatch.setattr(sqlite_driver, "BUSY_TIMEOUT_MS", 100)  # give up waiting quickly
    update = tg.fake.text_update(LI, "called Globex, they asked for a demo")
    sent_before = len(tg.fake.sent("sendMessage"))
    with write_locked(tg.settings.database_url):
        status, _ = await tg.post(update)
    assert status >= 500  # Telegram keeps the update and delivers it again
    await tg.run.drain()
    assert len(tg.fake.sent("sendMessage")) == sent_before  # no "nothing was saved"
    assert await count_where(tg, ProcessedEvent) == 0
    assert "the platform will deliver it again" in caplog.text

    await tg.deliver(update)  # Telegram's redelivery, the database free again
    reply = tg.fake.last(1001)
    assert "nothing was saved" not in reply.text.lower()
    assert await count_where(tg, Activity, Activity.summary.like("%demo%")) == 1
    assert len(tg.fake.sent("sendMessage")) == sent_before + 1


async def test_other_failures_still_get_the_apology(tg, ws, monkeypatch):
    """Only a busy database is left to the platform's retry: a bug is answered at once."""
    from bot import engine as engine_module

    async def broken(self, ctx):
        raise RuntimeError("a bug")

    monkeypatch.setattr(engine_module.Engine, "_dispatch", broken)
    reply = only(await tg.say(LI, "called Globex"))
    assert "nothing was saved" in reply.text


# -- export ----------------------------------------------------------------------------------


async def test_export_picks_with_buttons_and_arrives_as_a_document(tg, ws):
    pick = only(await tg.say(LI, "/export"))
    assert tg.fake.buttons(pick) == ["Companies", "Contacts", "Deals", "Activities"]
    await tg.click(pick, "Contacts", LI)
    question = tg.fake.last(1001)
    assert question.text == "📤 Contacts: as Excel or CSV?"
    await tg.click(question, "CSV", LI)
    (call,) = tg.fake.sent("sendDocument")
    upload = call.files["document"]
    assert upload.filename == "crmbot-contacts-2026-11-18.csv"
    text = upload.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Contact,Company,Title,Mobile")
    assert "Wang Lei,Acme Ltd,Purchasing,+8613911112222" in text
    assert "张伟" not in text  # Na's contact: not Li's to export
    assert call.params["caption"] == "📤 Contacts · rows: 2"
    assert tg.fake.last(1001).document is upload


async def test_export_in_chinese_as_excel(tg, ws):
    (sent,) = await tg.say(NA, "/导出 联系人 xlsx")
    assert sent.caption == "📤 联系人：1 行。"
    assert sent.document is not None
    assert sent.document.filename.endswith(".xlsx")
    assert sent.document.data.startswith(b"PK")  # a zip: an .xlsx workbook
