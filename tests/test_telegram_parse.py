"""Recorded, real-format Telegram updates -> InboundEvent (pure; no server, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.adapters.telegram.parse import (
    BotIdentity,
    FileRef,
    event_from_update,
    file_to_fetch,
    parse_update,
)
from bot.events import Actor, Attachment, ButtonOrigin, Chat, EventKind, Location

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "telegram"
ME = BotIdentity(7000000001, "crm_bot")
NOW = datetime(2026, 11, 18, 2, 0, 30, tzinfo=UTC)
SENT = datetime(2026, 11, 18, 1, 59, 55, tzinfo=UTC)


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text("utf-8"))
    return data


def parse(name_or_data: str | dict[str, Any], me: BotIdentity = ME):
    data = payload(name_or_data) if isinstance(name_or_data, str) else name_or_data
    return parse_update(data, me, received_at=NOW)


def with_text(name: str, text: str, entities: list[dict[str, Any]] | None = None):
    data = payload(name)
    data["message"]["text"] = text
    data["message"]["entities"] = entities or []
    return data


def test_a_private_text_message():
    event = parse("private_text")
    assert event is not None
    assert event.event_id == "731090001"
    assert (event.platform, event.kind) == ("telegram", EventKind.MESSAGE)
    assert event.actor == Actor("1001", "Li Lei", "en")
    assert event.chat == Chat("1001", is_private=True)
    assert event.sent_at == SENT  # when the user sent it, not when it arrived
    assert event.text == "called Acme, Wang wants a revised quote, follow up Friday 10am"
    assert (event.command, event.payload) == (None, None)
    assert isinstance(event.raw, Update)


def test_the_deep_link_start_command_carries_the_code():
    event = parse("start_deep_link")
    assert (event.command, event.args) == ("start", "K7QX-M2PD")
    assert event.actor == Actor("1003", "Chen", "zh-hans")


def test_a_group_command_with_our_name():
    event = parse("group_command")
    assert (event.command, event.args) == ("find", "acme")
    assert event.chat == Chat("-1001987654321", is_private=False)


def test_a_group_command_without_a_name_is_for_us_too():
    event = parse(
        with_text("group_command", "/today", [{"offset": 0, "length": 6, "type": "bot_command"}])
    )
    assert event.command == "today"


def test_another_bots_command_is_not_for_us():
    assert parse("group_command_other_bot") is None


def test_group_chatter_not_addressed_to_the_bot_is_dropped():
    assert parse("group_chatter") is None
    assert parse("group_chatter", BotIdentity()) is None


def test_a_mention_in_a_group_is_for_us_and_removed_from_the_text():
    # "👋 @crm_bot find globex": the emoji is two UTF-16 units, so the mention is at 3.
    event = parse("group_mention")
    assert event.text == "👋 find globex"
    mixed_case = with_text(
        "group_mention", "@CRM_Bot, called Acme", [{"offset": 0, "length": 8, "type": "mention"}]
    )
    assert parse(mixed_case).text == "called Acme"


def test_a_mention_then_a_command():
    data = with_text(
        "group_mention",
        "@crm_bot /find acme",
        [
            {"offset": 0, "length": 8, "type": "mention"},
            {"offset": 9, "length": 5, "type": "bot_command"},
        ],
    )
    event = parse(data)
    assert (event.command, event.args) == ("find", "acme")


def test_someone_elses_mention_is_not_for_us():
    data = with_text(
        "group_mention", "@lilei_sales call Acme", [{"offset": 0, "length": 12, "type": "mention"}]
    )
    assert parse(data) is None


def test_a_mention_is_not_recognised_until_we_know_our_name():
    assert parse("group_mention", BotIdentity()) is None


def test_a_reply_to_one_of_our_messages_in_a_group_is_for_us():
    event = parse("group_reply_to_bot")
    assert event.text == "2"
    assert parse("group_reply_to_bot", BotIdentity(123, "other_bot")) is None


def test_a_full_width_slash_command_in_a_group():
    event = parse(with_text("group_chatter", "／查 星辰"))
    assert (event.command, event.args) == ("查", "星辰")


def test_a_button_press():
    event = parse("callback_query")
    assert event.event_id == "cb4382097314587126783"
    assert (event.kind, event.payload) == (EventKind.BUTTON, "f:quick_log:co1")
    assert event.actor == Actor("1001", "Li Lei", "en")
    assert event.chat == Chat("1001", is_private=True)
    assert event.sent_at == NOW  # Telegram gives no time for a press
    assert event.origin == ButtonOrigin("53", "Which customer do you mean by “Acme”?", "Acme Ltd")


def test_a_button_press_keeps_the_messages_formatting_for_the_edit():
    event = parse("callback_card")
    assert event.origin == ButtonOrigin("54", "<b>🏢 A&lt;B &amp; Co</b>\nShanghai", "🕘 History")


def test_a_press_on_a_message_too_old_to_read_has_no_origin():
    event = parse("callback_inaccessible")
    assert (event.payload, event.origin) == ("tk.done:3", None)


def test_a_photo_becomes_an_image_event_and_names_the_largest_size():
    data = payload("photo")
    event = parse(data)
    assert event.kind == EventKind.IMAGE
    assert event.text == "card from today's visit"
    assert event.attachments == ()  # the adapter downloads it
    ref = file_to_fetch(Update.de_json(data, None))
    assert ref == FileRef("AgACAgUAAxkBAAIBPmZ-y1280", 157300, "photo.jpg", "image/jpeg")


def test_a_document_with_an_image_type_is_treated_like_a_photo():
    data = payload("document_image")
    assert parse(data).kind == EventKind.IMAGE
    assert file_to_fetch(Update.de_json(data, None)) == FileRef(
        "BQACAgUAAxkBAAIBQGZ-doc1", 2483120, "IMG_2041.JPG", "image/jpeg"
    )


def test_any_other_document_is_answered_as_not_an_image():
    data = payload("document_pdf")
    event = parse(data)
    assert event.attachments == (
        Attachment("not_image", filename="quote-v2.pdf", mime_type="application/pdf"),
    )
    assert file_to_fetch(Update.de_json(data, None)) is None


def test_a_photo_in_a_group_needs_addressing_too():
    data = payload("photo")
    data["message"]["chat"] = {"id": -1001987654321, "title": "East sales", "type": "supergroup"}
    assert parse(data) is None
    data["message"]["caption"] = "@crm_bot card from today"
    data["message"]["caption_entities"] = [{"offset": 0, "length": 8, "type": "mention"}]
    assert parse(data).text == "card from today"


def test_a_shared_location_is_a_check_in():
    event = parse("location")
    assert event is not None
    assert (event.kind, event.chat, event.text) == (EventKind.LOCATION, Chat("1001", True), "")
    assert event.location == Location(31.230416, 121.473701, "")
    assert event.sent_at == SENT


def test_a_venue_is_a_check_in_labelled_with_its_name_and_address():
    event = parse("venue")
    assert event.location == Location(
        31.228611, 121.454722, "Acme Ltd, 1601 Nanjing West Road, Shanghai"
    )


def test_a_location_in_a_group_counts_only_as_a_reply_to_us():
    data = payload("location")
    data["message"]["chat"] = {"id": -1001987654321, "title": "East sales", "type": "supergroup"}
    assert parse(data) is None
    data["message"]["reply_to_message"] = payload("group_reply_to_bot")["message"][
        "reply_to_message"
    ]
    assert parse(data).kind == EventKind.LOCATION


@pytest.mark.parametrize(
    "name",
    ["edited_message", "my_chat_member", "channel_post", "group_anonymous_admin"],
)
def test_updates_that_are_not_for_the_engine(name):
    assert parse(name) is None


def test_event_from_update_takes_what_get_updates_returns():
    update = Update.de_json(payload("private_text"), None)
    event = event_from_update(update, ME, received_at=NOW)
    assert event is not None
    assert event.event_id == "731090001"


@pytest.mark.parametrize(
    "data", [{}, {"update_id": 5, "message": "hello"}, {"update_id": 5, "message": {"text": "x"}}]
)
def test_an_object_that_is_not_an_update_raises(data):
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        parse(data)
