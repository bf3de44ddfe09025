"""Slack's pure halves: recorded payloads -> events, replies -> Block Kit, errors -> outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from bot.adapters.slack.adapter import classify
from bot.adapters.slack.parse import parse, shared_files, slack_to_plain, strip_mention
from bot.adapters.slack.render import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    escape,
    render,
    render_choice,
    render_upload,
    split_text,
)
from bot.events import EventKind
from bot.replies import Button, Card, Choices, Image, Text
from tests.fakes.slack_api import PAYLOADS, payload

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def command_body(**changes: str) -> dict[str, str]:
    fields = dict(parse_qsl((PAYLOADS / "slash_command.form").read_text().strip()))
    fields.update(changes)
    return fields


# ---------------------------------------------------------------------------- parse


def test_a_dm_is_a_private_message():
    event = parse(payload("dm_message"), now=NOW)
    assert event is not None
    assert (event.kind, event.event_id, event.platform) == (
        EventKind.MESSAGE,
        "Ev0DMMESSAGE1",
        "slack",
    )
    assert (event.actor.platform_user_id, event.actor.language_code) == ("T0CRMTEAM/U0LI", None)
    assert (event.chat.chat_id, event.chat.is_private) == ("D0LIDM", True)
    assert event.text == "called Acme, Wang wants a revised quote, follow up Friday 10am"
    assert event.sent_at == datetime.fromtimestamp(1794967200.0001, UTC)


def test_an_account_is_keyed_by_workspace_and_another_workspace_is_refused():
    grid = payload("dm_message")
    grid["enterprise_id"] = "E0ORG"
    event = parse(grid, now=NOW)
    assert event is not None
    assert event.actor.platform_user_id == "E0ORG/T0CRMTEAM/U0LI"
    shared = payload("dm_message")
    shared["event"]["user_team"] = "T0OTHER"  # a shared channel's guest from elsewhere
    assert parse(shared, now=NOW) is None
    elsewhere = payload("dm_message")
    elsewhere["team_id"] = elsewhere["event"]["team"] = "T0OTHER"
    elsewhere["authorizations"][0]["team_id"] = "T0OTHER"
    assert parse(elsewhere, now=NOW) is not None  # the app installed there too...
    assert parse(elsewhere, now=NOW, team="T0CRMTEAM") is None  # ...but not ours
    assert parse(command_body(team_id="T0OTHER"), now=NOW, team="T0CRMTEAM") is None
    click = payload("block_actions")
    click["user"]["team_id"] = "T0OTHER"
    assert parse(click, now=NOW) is None


def test_a_mention_in_a_channel_loses_the_mention_and_is_not_private():
    event = parse(payload("app_mention"), now=NOW)
    assert event is not None
    assert event.text == "find Acme Ltd"
    assert (event.chat.chat_id, event.chat.is_private) == ("C0SALES", False)


@pytest.mark.parametrize("name", ["channel_message", "bot_message", "message_changed"])
def test_what_the_bot_does_not_answer(name):
    assert parse(payload(name), now=NOW) is None


def test_a_mention_inside_a_dm_is_left_to_the_message_event():
    data = payload("app_mention")
    data["event"]["channel"] = "D0LIDM"
    assert parse(data, now=NOW) is None


def test_a_file_shared_in_a_dm_is_an_image_event():
    data = payload("file_share_dm")
    event = parse(data, now=NOW)
    assert event is not None
    assert event.kind is EventKind.IMAGE
    assert event.attachments == ()  # the adapter downloads and attaches
    [file] = shared_files(data)
    assert (file.file_id, file.mimetype, file.size) == ("F0CARD01", "image/png", 2048)
    assert file.url.endswith("/download/card.png")


def test_slash_commands():
    event = parse(command_body(), now=NOW)
    assert event is not None
    assert (event.command, event.args, event.sent_at) == ("find", "acme", NOW)
    assert event.event_id == "7788990011223.1122334455.6f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert (event.chat.chat_id, event.chat.is_private) == ("D0LIDM", True)
    assert event.actor.display_name == "li.wei"

    for text, expected in (
        ("", ("help", "")),
        ("log called Acme about the invoice", ("log", "called Acme about the invoice")),
        ("查 星辰", ("查", "星辰")),
        ("/find acme", ("find", "acme")),
    ):
        event = parse(command_body(text=text), now=NOW)
        assert event is not None
        assert (event.command, event.args) == expected, text

    event = parse(command_body(channel_id="C0SALES", channel_name="sales"), now=NOW)
    assert event is not None
    assert not event.chat.is_private
    event = parse(command_body(command="/find", text="acme"), now=NOW)
    assert event is not None
    assert (event.command, event.args) == ("find", "acme")


def test_a_button_click():
    event = parse(payload("block_actions"), now=NOW)
    assert event is not None
    assert (event.kind, event.payload) == (EventKind.BUTTON, "f:quick_log:co1")
    assert event.event_id == "act7788990022334.1122334455.0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
    assert event.origin is not None
    assert (event.origin.message_id, event.origin.label) == ("1794967201.000100", "Acme Ltd")
    assert event.origin.text == "Which customer do you mean by “Acme”?"
    assert event.sent_at == datetime.fromtimestamp(1794967210.123456, UTC)
    assert event.chat.is_private


@pytest.mark.parametrize(
    "body",
    [
        {"type": "event_callback", "event": "not an object"},
        {"type": "event_callback", "event": {"type": "message", "channel_type": "im"}},
        {"type": "block_actions", "actions": "nope", "user": {"id": "U1"}},
        {"type": "block_actions", "actions": [{"type": "button"}], "user": {"id": "U1"}},
        {"command": "/crm", "text": "find"},
        {"type": "view_submission"},
    ],
)
def test_odd_shapes_are_ignored_not_raised(body):
    assert parse(body, now=NOW) is None


def test_slack_markup_becomes_what_was_typed():
    text = (
        "mail <mailto:wang@acme.cn|wang@acme.cn>, call <tel:+8613911112222|+86 139 1111 2222>, "
        "see <https://acme.cn/q?a=1&amp;b=2|the quote> in <#C0SALES|sales> &lt;3 &amp;amp; <!here>"
    )
    assert slack_to_plain(text) == (
        "mail wang@acme.cn, call +86 139 1111 2222, see the quote in #sales <3 &amp; @here"
    )
    assert strip_mention("<@U0CRMBOT>: find acme", "U0CRMBOT") == "find acme"
    assert strip_mention("<@U0CRMBOT> ask <@U0NA>", None) == "ask <@U0NA>"


# --------------------------------------------------------------------------- render


def test_short_text_is_one_section_with_its_fallback():
    [message] = render(Text("Tom & Jerry <!channel>"))
    assert message.text == "Tom &amp; Jerry &lt;!channel&gt;"
    assert message.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Tom &amp; Jerry &lt;!channel&gt;"}}
    ]


def test_long_text_is_split_at_lines_within_the_section_limit():
    text = "\n".join(f"{i:05d} " + "x" * 94 for i in range(100))  # 10,000 characters
    [message] = render(Text(text))
    sections = [b["text"]["text"] for b in message.blocks]
    assert len(sections) == 4
    assert all(len(s) <= SECTION_LIMIT for s in sections)
    assert "\n".join(sections) == text
    assert split_text("a" * 7000) == ["a" * 3000, "a" * 3000, "a" * 1000]


def test_huge_text_spreads_over_messages_within_every_limit():
    messages = render(Text("word " * 60_000))  # 300,000 characters
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        assert len(message.text) <= 40_000
        assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in message.blocks)


def test_choices_become_rows_of_at_most_25_buttons():
    buttons = tuple(Button(f"Company {i}", f"co:{i}") for i in range(30))
    [message] = render(Choices("Which one?", buttons))
    section, first, second = message.blocks
    assert section["text"]["text"] == "Which one?"
    assert (first["type"], len(first["elements"]), len(second["elements"])) == ("actions", 25, 5)
    elements = first["elements"] + second["elements"]
    assert [e["value"] for e in elements] == [f"co:{i}" for i in range(30)]
    assert len({e["action_id"] for e in elements}) == 30
    assert message.text == "Which one?"


def test_a_card_has_a_bold_escaped_title_lines_and_buttons():
    card = Card("R&D <Labs>", ("Shanghai", "👤 Wang"), (Button("📝 Log", "lg.co:1"),))
    [message] = render(card)
    title, lines, actions = message.blocks
    assert title["text"]["text"] == "*R&amp;D &lt;Labs&gt;*"
    assert lines["text"]["text"] == "Shanghai\n👤 Wang"
    assert actions["elements"][0]["text"] == {"type": "plain_text", "text": "📝 Log", "emoji": True}
    assert message.text == "R&amp;D &lt;Labs&gt;\nShanghai\n👤 Wang"


def test_long_button_labels_are_cut_to_slacks_limit():
    [message] = render(Choices("?", (Button("x" * 100, "p"),)))
    label = message.blocks[1]["elements"][0]["text"]["text"]
    assert len(label) == 75
    assert label.endswith("…")


def test_a_chosen_button_replaces_the_buttons_with_a_context_line():
    message = render_choice("Which customer do you mean by “Acme”?", "Acme <Ltd>")
    section, context = message.blocks
    assert section["text"]["text"] == "Which customer do you mean by “Acme”?"
    assert context == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "→ Acme &lt;Ltd&gt;"}],
    }


def test_an_image_upload():
    upload = render_upload(Image(b"png", caption="Q4 & more", filename="chart.png"))
    assert (upload.filename, upload.title, upload.initial_comment) == (
        "chart.png",
        "Q4 & more",
        "Q4 &amp; more",
    )
    assert render_upload(Image(b"png")).initial_comment is None
    assert escape("<&>") == "&lt;&amp;&gt;"


# --------------------------------------------------------------------- error mapping


def test_slack_errors_in_the_outboxs_terms():
    limited = classify(429, "ratelimited", "30")
    assert (limited.retry_after, limited.permanent) == (30.0, False)
    assert classify(429, "", None).retry_after == 1.0
    for status, code in ((503, ""), (500, ""), (200, "internal_error"), (200, "fatal_error")):
        error = classify(status, code)
        assert (error.retry_after, error.permanent) == (None, False), (status, code)
    for code in (
        "channel_not_found",
        "not_in_channel",
        "account_inactive",
        "is_archived",
        "invalid_auth",
        "invalid_blocks",
    ):
        error = classify(200, code)
        assert error.permanent, code
        assert code in str(error)
