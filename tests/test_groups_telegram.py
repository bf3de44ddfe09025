"""Telegram groups and topics: a team shares one chat with the bot, and the bot behaves
there (issue 22). The real server, its webhook and outbox, and the local fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.secret_key import invite_key
from store.models import ChatIdentity, Role, Task
from store.users import create_user, issue_invite
from tests.fakes.telegram_api import Rig, StoredMessage, group, user
from tests.test_telegram import GROUP, LI, NA, STRANGER, tg, ws

__all__ = ["tg", "ws"]  # fixtures: the real server and Li's team, linked on Telegram


async def task(tg: Rig, task_id: int) -> Task:
    async with tg.run.server.app.db.transaction() as session:
        found = await session.get(Task, task_id)
        assert found is not None
        return found


def card_titled(messages: list[StoredMessage], title: str) -> StoredMessage:
    return next(m for m in messages if title in m.text)


def alerts(tg: Rig) -> list[dict[str, Any]]:
    return [c.params for c in tg.fake.sent("answerCallbackQuery")]


# -- 1. someone else's press -------------------------------------------------------------------


@pytest.mark.parametrize("presser", [NA, STRANGER], ids=["colleague", "stranger"])
async def test_someone_elses_press_leaves_the_card_and_answers_only_them(tg, ws, presser):
    shown = await tg.say(LI, "/tasks@crm_bot", chat=GROUP)
    card = card_titled(shown, "Send the revised quote")
    before = (card.text, card.reply_markup)
    tg.fake.reset_calls()

    click = tg.fake.click(card, "✅ Done", presser)
    await tg.deliver(click)

    # The card is as it was, buttons and all, and the task is still open.
    assert (card.text, card.reply_markup) == before
    assert (await task(tg, ws.ids["task today"])).done_at is None
    # Nothing was posted to the group; the presser alone saw why, as an alert.
    assert tg.fake.method_names() == ["answerCallbackQuery"]
    (answer,) = alerts(tg)
    assert answer["callback_query_id"] == click["callback_query"]["id"]
    assert answer["show_alert"] in (True, "true")
    assert answer["text"]

    # Li's own press still works on the untouched card.
    tg.fake.reset_calls()
    await tg.click(card, "✅ Done", LI)
    assert (await task(tg, ws.ids["task today"])).done_at is not None
    assert card.reply_markup is None


async def test_a_stranger_in_a_group_is_told_privately_how_to_join(tg, ws):
    shown = await tg.say(LI, "/tasks@crm_bot", chat=GROUP)
    card = card_titled(shown, "Send the revised quote")
    tg.fake.reset_calls()
    await tg.click(card, "✅ Done", STRANGER)
    (answer,) = alerts(tg)
    assert "/start" in answer["text"]
    assert tg.fake.sent("sendMessage") == []


async def test_a_refused_press_in_a_private_chat_still_answers_in_the_chat(tg, ws):
    """Alone with the bot, the answer is a message as before — but the card is not
    edited to show a choice that did not happen."""
    shown = await tg.say(LI, "/tasks")
    card = card_titled(shown, "Send the revised quote")
    before = (card.text, card.reply_markup)
    forged = tg.fake.click(card, "✅ Done", LI)
    forged["callback_query"]["data"] = "garbage"
    await tg.deliver(forged)
    assert (card.text, card.reply_markup) == before
    assert "no longer works" in tg.fake.last(1001).text


# -- 4. other bots' commands, and 6. /start in a group ---------------------------------------


async def test_another_bots_bare_command_gets_no_answer_in_a_group(tg, ws):
    assert await tg.say(LI, "/roll 2d6", chat=GROUP) == []
    assert await tg.say(STRANGER, "/roll", chat=GROUP) == []  # nor the invite prompt
    # Ours still work bare, in English and Chinese, and "@us" makes any command ours.
    assert "Send the revised quote" in "\n".join(
        m.text for m in await tg.say(LI, "/tasks", chat=GROUP)
    )
    assert await tg.say(NA, "/任务", chat=GROUP)
    (unknown,) = await tg.say(LI, "/roll@crm_bot", chat=GROUP)
    assert "roll" in unknown.text
    # Alone with the bot, an unknown command is still explained.
    (private,) = await tg.say(LI, "/roll")
    assert "roll" in private.text


async def test_start_with_a_code_in_a_group_links_nobody_and_points_to_a_private_chat(
    tg, ws, clock
):
    app = tg.run.server.app
    async with app.db.transaction(platform="test") as session:
        mei = await create_user(session, "mei", role=Role.REP, now=clock.now(), lang="en")
        invite = await issue_invite(
            session, mei, now=clock.now(), ttl=timedelta(hours=72), key=invite_key(app.settings)
        )
    mei_account = user(3003, "Mei")
    (answer,) = await tg.say(mei_account, f"/start {invite.code}", chat=GROUP)
    assert "https://t.me/crm_bot" in answer.text
    assert "mei" not in answer.text.lower().replace("message me", "")  # nothing announced
    async with app.db.transaction() as session:
        assert (
            await session.scalar(select(ChatIdentity).where(ChatIdentity.user_id == mei.id)) is None
        )
    # The code was not used up: in private it links her.
    (linked,) = await tg.say(mei_account, f"/start {invite.code}")
    assert "mei" in linked.text


# -- 5. a photo while a question is open -----------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


async def test_a_photo_sent_while_a_question_waits_goes_to_the_card_reader(tg, ws):
    (question,) = await tg.say(LI, "called Acme, Wang wants a revised quote")
    assert tg.fake.buttons(question)[:2] == ["Acme Ltd", "Acme Trading"]
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG)
    # Its caption looks like an answer to the question: it is not taken as one.
    await tg.deliver(tg.fake.update("photo", caption="1", date=tg.fake.now))
    assert [c.params["file_id"] for c in tg.fake.sent("getFile")] == ["AgACAgUAAxkBAAIBPmZ-y1280"]
    answer = tg.fake.last(1001)
    assert "couldn't open that photo" in answer.text
    assert "Logged" not in "\n".join(tg.fake.texts(1001))


# -- 6. said without words -------------------------------------------------------------------


def without_words(tg: Rig, who: dict[str, Any], **content: Any) -> dict[str, Any]:
    update = tg.fake.text_update(who, "")
    message = update["message"]
    del message["text"]
    message.update(content)
    return update


async def test_a_voice_note_or_a_sticker_gets_a_polite_answer_and_keeps_the_question(tg, ws):
    (question,) = await tg.say(LI, "called Acme, Wang wants a revised quote")
    assert "Which customer" in question.text
    voice = {"file_id": "AwACAgUAAxkBvoice", "file_unique_id": "AgADvoice", "duration": 4}
    await tg.deliver(without_words(tg, LI, voice=voice))
    assert "can't listen to voice notes" in tg.fake.last(1001).text
    sticker = tg.fake.update("sticker")["message"]["sticker"]
    await tg.deliver(without_words(tg, LI, sticker=sticker))
    assert "/find" in tg.fake.last(1001).text
    # The question still waits: its answer logs the call.
    (answer,) = await tg.say(LI, "1")
    assert "Logged: Call · Acme Ltd" in answer.text


async def test_a_shared_contact_becomes_a_contact_through_the_card_review(tg, ws):
    contact = {"phone_number": "+8613912345678", "first_name": "Chen", "last_name": "Jie"}
    await tg.deliver(without_words(tg, LI, contact=contact))
    review = tg.fake.last(1001)
    assert "Chen Jie" in review.text
    assert "139 1234 5678" in review.text
    assert "shared in the chat" in review.text
    assert "Save" in " ".join(tg.fake.buttons(review))


async def test_a_sticker_in_a_group_not_for_the_bot_is_ignored(tg, ws):
    sticker = tg.fake.update("sticker")["message"]["sticker"]
    update = without_words(tg, LI, sticker=sticker)
    update["message"]["chat"] = GROUP
    await tg.deliver(update)
    assert tg.fake.sent("sendMessage") == []


# -- 3. forum topics ---------------------------------------------------------------------------

FORUM = {**group(-1001555000111, "Sales floor"), "is_forum": True}


async def test_answers_stay_in_the_forum_topic_they_were_asked_in(tg, ws):
    shown = await tg.say(LI, "/tasks@crm_bot", chat=FORUM, topic=77)
    assert shown
    assert {m.topic for m in shown} == {77}
    # A press on a card in the topic answers in the topic too.
    card = card_titled(shown, "Send the revised quote")
    await tg.click(card, "+1 h", LI)
    snoozed = tg.fake.last(FORUM["id"])
    assert "Snoozed" in snoozed.text
    assert snoozed.topic == 77
    # The General topic (no thread id) is answered in General.
    general = await tg.say(LI, "/tasks@crm_bot", chat=FORUM)
    assert {m.topic for m in general} == {None}


# -- recorded update shapes, each with what must happen ----------------------------------------

PRIVATE, IN_GROUP, IN_TOPIC, NOTHING = "private", "group", "topic 77", "nothing"


@pytest.mark.parametrize(
    ("fixture", "outcome", "says"),
    [
        ("private_text", PRIVATE, "Which customer"),
        ("voice", PRIVATE, "voice notes"),
        ("video_note", PRIVATE, "voice notes"),
        ("sticker", PRIVATE, "/find"),
        ("contact", PRIVATE, "Chen Jie"),
        ("location", PRIVATE, ""),
        ("venue", PRIVATE, ""),
        ("group_command", IN_GROUP, ""),
        ("group_mention", IN_GROUP, ""),
        ("group_bare_command_ours", IN_GROUP, "Send the revised quote"),
        ("group_start_code", IN_GROUP, "https://t.me/crm_bot"),
        ("forum_topic_command", IN_TOPIC, "Send the revised quote"),
        ("group_chatter", NOTHING, ""),
        ("group_command_other_bot", NOTHING, ""),
        ("group_bare_command_other_bot", NOTHING, ""),
        ("group_sticker", NOTHING, ""),
        ("group_anonymous_admin", NOTHING, ""),
        ("forum_topic_created", NOTHING, ""),
        ("edited_message", NOTHING, ""),
        ("channel_post", NOTHING, ""),
        ("my_chat_member", NOTHING, ""),
    ],
)
async def test_each_recorded_update_shape_gets_its_answer(tg, ws, fixture, outcome, says):
    update = tg.fake.update(fixture)
    body = next(k for k in update if k != "update_id")
    if "date" in update[body]:
        update[body]["date"] = tg.fake.now
    await tg.deliver(update)
    sent = tg.fake.sent("sendMessage")
    if outcome == NOTHING:
        assert sent == []
        return
    assert sent, f"{fixture}: no answer"
    chats = {c.params["chat_id"] for c in sent}
    topics = {c.params.get("message_thread_id") for c in sent}
    expected_chat = {PRIVATE: 1001, IN_GROUP: GROUP["id"], IN_TOPIC: FORUM["id"]}[outcome]
    assert {int(c) for c in chats} == {expected_chat}
    assert {int(t) if t else None for t in topics} == ({77} if outcome == IN_TOPIC else {None})
    assert says in "\n".join(str(c.params.get("text", "")) for c in sent)
