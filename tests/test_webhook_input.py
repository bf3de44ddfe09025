"""Malformed but authenticated payloads, through the real server: never a 500.

A 500 makes Telegram, Slack, WeChat and WeCom deliver the same request again and again, so
a request that can never succeed must be answered 200 (logged once, without a traceback) or
400. Each case is signed or carries the secret as the platform would; a well-formed request
is served right after it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.slack_api import SlackWorkspace, sign
from tests.fakes.telegram_api import Rig, user
from tests.fakes.wechat_api import xml_message
from tests.webhook_rigs import slack, tg, wechat, wecom, weixin

__all__ = ["slack", "tg", "wechat", "wecom", "weixin"]  # fixtures

SAM = user(4242, "Sam")
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


# -- Telegram ---------------------------------------------------------------------------------


async def served_on_telegram(tg: Rig) -> None:
    messages = await tg.say(SAM, "hello")
    assert "isn't linked" in messages[-1].text


def _text_update(tg: Rig, **message: Any) -> dict[str, Any]:
    update = tg.fake.text_update(SAM, "hello")
    update["message"].update(message)
    return update


@pytest.mark.parametrize(
    "change",
    [
        {"text": 5},
        {"text": ["a", "list"]},
        {"text": {"an": "object"}},
        {"text": None, "caption": 7, "photo": [{"file_id": "x", "width": 1, "height": 1}]},
        {"chat": None},
        {"chat": "a string"},
        {"chat": {"id": 1}},
        {"from": {"id": "not a number", "first_name": 5, "is_bot": False}},
        {"date": 1e300},
        {"entities": [{"type": "bot_command", "offset": "x", "length": None}]},
    ],
    ids=repr,
)
async def test_an_odd_telegram_message_is_answered_200_and_logged_once(tg, change, caplog):
    update = _text_update(tg, **change)
    if change.get("chat") is None and "chat" in change:
        del update["message"]["chat"]
    status, _ = await tg.post(update)
    assert status in (200, 400), status
    if status == 200:
        assert caplog.text.count("telegram: ignored update") == 1
    no_traceback(caplog)
    await served_on_telegram(tg)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b'{"update_id": 1, "message": ' + DEEP + b"}"])
async def test_deeply_nested_json_to_telegram_is_400(tg, body, caplog):
    assert len(body) < tg.settings.max_body_bytes
    status, _ = await tg.post(body)
    assert status == 400
    no_traceback(caplog)
    await served_on_telegram(tg)


async def test_an_odd_callback_query_is_answered_200(tg, caplog):
    update = tg.fake.update("callback_query")
    update["callback_query"]["message"] = {"message_id": 1, "chat": 5, "date": 0}
    status, _ = await tg.post(update)
    assert status in (200, 400)
    update = tg.fake.update("callback_query")
    update["callback_query"]["from"] = "someone"
    status, _ = await tg.post(update)
    assert status in (200, 400)
    no_traceback(caplog)
    await served_on_telegram(tg)


# -- Slack ------------------------------------------------------------------------------------


async def served_on_slack(slack: SlackWorkspace) -> None:
    said = await slack.person("U0SAM", "D0SAMDM").say("hello")
    assert said.answer.status == 200
    assert "isn't linked" in said.text


def _dm(slack: SlackWorkspace, **event: Any) -> dict[str, Any]:
    data = slack.person("U0SAM", "D0SAMDM").dm_event("hello")
    data["event"].update(event)
    return data


@pytest.mark.parametrize(
    "event",
    [
        {"event_ts": "1e300", "ts": "1e300"},
        {"event_ts": 1e300},
        {"event_ts": "inf"},
        {"event_ts": "nan"},
        {"event_ts": -1e300},
        {"text": ["a", "list"]},
        {"text": 12},
        {"user": 5},
        {"channel": {"id": "D0SAMDM"}},
    ],
    ids=repr,
)
async def test_an_odd_slack_event_is_not_a_500(slack, event, caplog):
    answer = await slack.send_json(_dm(slack, **event))
    assert answer.status in (200, 400), answer
    await slack.settle()
    no_traceback(caplog)
    await served_on_slack(slack)


async def test_a_slack_file_of_size_1e400_is_not_a_500(slack, caplog):
    data = slack.event("file_share_dm", event={"user": "U0SAM", "channel": "D0SAMDM"})
    data["event"]["files"][0]["url_private_download"] = slack.api.add_file(b"\x89PNG\r\n\x1a\n")
    body = json.dumps(data).replace('"size": ', '"size": 1e400, "was": ', 1).encode()
    assert b"1e400" in body
    answer = await slack.post(body)
    assert answer.status in (200, 400)
    await slack.settle()
    no_traceback(caplog)
    await served_on_slack(slack)


@pytest.mark.parametrize(
    "actions", [5, "a string", {"type": "button", "value": "x"}, [5, None], None, [{"value": []}]]
)
async def test_slack_actions_that_are_not_a_list_of_buttons_are_not_a_500(slack, actions, caplog):
    click = {
        "type": "block_actions",
        "user": {"id": "U0SAM"},
        "channel": {"id": "D0SAMDM"},
        "trigger_id": "1.2.3",
        "actions": actions,
    }
    answer = await slack.send_form({"payload": json.dumps(click)})
    assert answer.status in (200, 400)
    await slack.settle()
    no_traceback(caplog)
    await served_on_slack(slack)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
async def test_deeply_nested_json_to_slack_is_400(slack, body, caplog):
    assert (await slack.post(body)).status == 400
    form = b"payload=" + DEEP
    assert (await slack.post(form, content_type="application/x-www-form-urlencoded")).status == 400
    no_traceback(caplog)
    await served_on_slack(slack)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": ""},
        {"X-Slack-Request-Timestamp": "soon"},
        {"X-Slack-Request-Timestamp": "1e9"},
        {"X-Slack-Request-Timestamp": "9" * 5000},
        {"X-Slack-Request-Timestamp": "-0"},
        {"X-Slack-Signature": "v0=é"},
        {"X-Slack-Signature": ""},
    ],
    ids=repr,
)
async def test_an_odd_slack_timestamp_or_signature_is_401(slack, headers, caplog):
    body = json.dumps(_dm(slack)).encode()
    all_headers = {"Content-Type": "application/json", **sign(body), **headers}
    async with slack.running.client.post("/slack/events", data=body, headers=all_headers) as r:
        assert r.status == 401
    no_traceback(caplog)
    await served_on_slack(slack)


# -- WeChat and WeCom ---------------------------------------------------------------------


ODD_WEIXIN = [
    {"CreateTime": "1" + "0" * 30},
    {"CreateTime": "-99999999999999"},
    {"CreateTime": "1e300"},
    {"MsgType": "location", "Location_X": "nan", "Location_Y": "inf"},
    {"MsgType": "location", "Location_X": "1e400", "Location_Y": "0"},
    {"MsgType": "event", "Event": "CLICK", "EventKey": ""},
    {"MsgType": "event", "Event": "template_card_event", "EventKey": "a¦b", "CreateTime": "9" * 30},
]


@pytest.mark.parametrize("fields", ODD_WEIXIN, ids=repr)
async def test_an_odd_wechat_message_is_not_a_500(wechat, fields, caplog):
    person = wechat.person("oSAM")
    message = {**person.fields("text", Content="hello", MsgId=wechat.next_msg_id()), **fields}
    answer = await wechat.post_xml(xml_message(message))
    assert answer.status in (200, 400), answer
    await wechat.running.server.adapters["wechat"].settle()
    no_traceback(caplog)
    said = await person.say("hello")
    assert "isn't linked" in said.text


@pytest.mark.parametrize("fields", ODD_WEIXIN, ids=repr)
async def test_an_odd_wecom_message_is_not_a_500(wecom, fields, caplog):
    member = wecom.member("sam")
    message = {**member.fields("text", Content="hello", MsgId=wecom.next_msg_id()), **fields}
    answer = await wecom.post_xml(xml_message(message))
    assert answer.status in (200, 400), answer
    await wecom.running.server.adapters["wecom"].settle()
    no_traceback(caplog)
    said = await member.say("hello")
    assert "isn't linked" in said.text


async def test_deeply_nested_xml_is_400_or_ignored(wechat, wecom, caplog):
    deep = "<a>" * 100_000 + "</a>" * 100_000
    person = wechat.person("oSAM")
    message = xml_message(person.fields("text", Content="x", MsgId=wechat.next_msg_id()))
    nested = message.replace("</xml>", deep + "</xml>")
    assert (await wechat.post_xml(nested)).status in (200, 400)
    assert (await wechat.post_xml(nested, encrypt=False)).status in (200, 400)
    member = wecom.member("sam")
    message = xml_message(member.fields("text", Content="x", MsgId=wecom.next_msg_id()))
    assert (await wecom.post_xml(message.replace("</xml>", deep + "</xml>"))).status in (200, 400)
    no_traceback(caplog)
