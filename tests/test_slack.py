"""Slack end to end: signed requests into the real server, replies out to a local fake API.

Slack's signature check runs on the real time (slack_sdk's verifier), so requests are signed
with ``time.time()``; everything the bot does runs on the frozen clock, and payload times
(``event_ts``, ``action_ts``) are taken from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.outbox import enqueue
from bot.replies import Image, Text
from bot.secret_key import invite_key
from store.models import (
    Activity,
    ChatIdentity,
    Contact,
    OutboxMessage,
    ProcessedEvent,
    ResponseUrl,
    Role,
    Task,
    User,
)
from store.users import create_user, issue_invite, link_identity
from tests import workspace
from tests.fakes.slack_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlackApi,
    Said,
    SlackPerson,
    SlackWorkspace,
    payload,
    sign,
    slack_settings,
)
from tests.harness import BotHarness
from tests.server_harness import running
from tests.sheets import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def slack(settings, clock, api) -> AsyncIterator[SlackWorkspace]:
    async with running(slack_settings(settings, api), clock) as server:
        yield SlackWorkspace(server, api)


@pytest.fixture
async def team(slack):
    """The rep-workflow workspace, with Li and Na also linked to Slack accounts."""
    server = slack.running
    harness = BotHarness(server.server.app, server.clock, server.server.app.settings)
    return await workspace.build_linked(harness, platform="slack", li="U0LI", na="U0NA")


@pytest.fixture
def li(slack: SlackWorkspace, team) -> SlackPerson:
    return slack.person("U0LI", "D0LIDM", "li.wei")


@pytest.fixture
def na(slack: SlackWorkspace, team) -> SlackPerson:
    return slack.person("U0NA", "D0NADM", "li.na")


async def count(slack: SlackWorkspace, model, *where) -> int:
    async with slack.running.server.app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def outbox_rows(slack: SlackWorkspace) -> list[OutboxMessage]:
    async with slack.running.server.app.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


# ------------------------------------------------------------------ conversations


async def test_url_verification_is_answered(slack):
    data = payload("url_verification")
    answer = await slack.send_json(data)
    assert answer.status == 200
    assert json.loads(answer.body) == {"challenge": data["challenge"]}


async def test_an_unlinked_user_gets_the_invite_prompt(slack):
    stranger = slack.person("U0STRANGER", "D0STRANGER")
    said = await stranger.say("hello")
    assert said.answer.status == 200
    assert [m.channel for m in said.messages] == ["D0STRANGER"]
    assert "isn't linked to a crmbot account" in said.text


async def test_crm_start_links_the_account(slack):
    app = slack.running.server.app
    async with app.db.transaction(platform="test") as session:
        mei = await create_user(
            session, "mei", role=Role("rep"), now=slack.running.clock.now(), lang="en"
        )
        invite = await issue_invite(
            session,
            mei,
            now=slack.running.clock.now(),
            ttl=timedelta(hours=1),
            key=invite_key(app.settings),
        )
    person = slack.person("U0MEI", "D0MEIDM", "mei.chen")
    said = await person.command(f"start {invite.code}")
    assert said.answer.status == 200
    assert "✅ Welcome" in said.text
    assert (
        await count(
            slack,
            ChatIdentity,
            ChatIdentity.platform == "slack",
            ChatIdentity.external_id == "T0CRMTEAM/U0MEI",  # keyed by workspace too
        )
        == 1
    )
    said = await person.say("/help")
    assert "isn't linked" not in said.text
    assert "/crm find" in said.text


# ------------------------------------------------------------------ workspaces


def from_team(person: SlackPerson, text: str, team: str, *, installed: str = TEAM_ID):
    """A DM event from ``person``'s user id in workspace ``team``; the app installed in
    ``installed`` (a shared channel brings people of other workspaces to it)."""
    data = person.dm_event(
        text,
        team_id=installed,
        authorizations=[{"team_id": installed, "user_id": "U0CRMBOT", "is_bot": True}],
    )
    data["event"].update(team=team, user_team=team)
    return data


async def test_the_same_user_id_in_another_workspace_is_not_the_same_person(slack, li, team):
    await li.say("/help")  # Li, from the app's own workspace, is linked
    # A person of another workspace, with Li's user id, in a channel shared with ours.
    answer = await slack.send_json(from_team(li, "/find Acme Ltd", "T0OTHER"))
    assert answer.status == 200
    assert await slack.deliveries() == []
    # Another workspace where the app is installed too: a stranger there, not Li.
    answer = await slack.send_json(from_team(li, "/find Acme Ltd", "T0OTHER", installed="T0OTHER"))
    said = Said(await slack.deliveries(), answer)
    assert "isn't linked to a crmbot account" in said.text
    assert "Acme Ltd" not in said.text
    # A slash command and a click from the other workspace are refused as well.
    command = li.command_form("find Acme Ltd")
    command["team_id"] = "T0OTHER"
    await slack.send_form(command)
    assert await slack.deliveries() == []
    card = await li.say("/find Acme Ltd")
    click = li.click_payload(*card.button("History"))
    click["user"]["team_id"] = "T0OTHER"
    await slack.send_form({"payload": json.dumps(click)})
    assert await slack.deliveries() == []
    assert "activities" in (await li.click(card, "History")).text  # Li's own click works


async def test_a_configured_workspace_refuses_every_other_one(settings, clock, api, team):
    config = slack_settings(settings, api, slack_team_id=TEAM_ID)
    async with running(config, clock) as server:
        workspace_ = SlackWorkspace(server, api)
        li = workspace_.person("U0LI", "D0LIDM", "li.wei")
        answer = await workspace_.send_json(
            from_team(li, "/find Acme Ltd", "T0OTHER", installed="T0OTHER")
        )
        assert answer.status == 200
        assert await workspace_.deliveries() == []  # not even an invite prompt
        said = await li.say("/find Acme Ltd")
        assert said.last.plain.startswith("*🏢 Acme Ltd*")


async def test_an_account_linked_by_bare_user_id_keeps_working(slack, li, team):
    """Linked before the workspace was part of the key (the ``team`` fixture links ``U0LI``):
    the first message from the app's workspace re-keys it, and pushes still reach it."""
    said = await li.say("/find Acme Ltd")
    assert said.last.plain.startswith("*🏢 Acme Ltd*")
    keys = await count(slack, ChatIdentity, ChatIdentity.external_id == f"{TEAM_ID}/U0LI")
    assert keys == 1
    assert await count(slack, ChatIdentity, ChatIdentity.external_id == "U0LI") == 0
    await _enqueue(slack, f"{TEAM_ID}/U0LI", Text("Reminder: call Acme"))
    [pushed] = await slack.deliveries()
    assert pushed.channel == "U0LI"  # the Web API takes the user id


async def test_one_message_log_asks_which_acme_and_a_button_answers(slack, li, team):
    said = await li.say("called Acme, Wang wants a revised quote, follow up Friday 10am")
    question = said.last
    assert "Which customer do you mean by “Acme”?" in question.plain
    assert question.labels[:2] == ["Acme Ltd", "Acme Trading"]
    assert len({b["action_id"] for b in question.buttons}) == len(question.buttons)

    said = await li.click(question, "Acme Ltd")
    assert said.answer.status == 200
    [edited] = slack.api.updated
    assert (edited.channel, edited.ts) == ("D0LIDM", question.ts)
    assert edited.buttons == []
    assert "→ Acme Ltd" in edited.plain
    assert "Which customer do you mean" in edited.plain
    summary = said.last
    assert "✅ Logged: Call · Acme Ltd · Wang Lei" in summary.plain
    assert "Follow-up: Fri 20 Nov 10:00" in summary.plain
    assert summary.labels == ["↩️ Undo", "✏️ Edit"]
    assert await count(slack, Activity, Activity.contact_id == team.ids["Wang Lei"]) == 1
    assert await count(slack, Task, Task.activity_id.is_not(None)) == 1

    said = await li.click(summary, "Undo")
    assert await count(slack, Activity, Activity.contact_id == team.ids["Wang Lei"]) == 0


async def test_crm_find_and_chinese_alias(slack, li, na):
    said = await li.command("find acme")
    assert "Several customers match “acme”" in said.text
    assert said.last.labels == ["Acme Ltd", "Acme Trading"]
    said = await li.click(said, "Acme Trading")
    assert "Acme Trading" in said.text

    said = await na.command("查 星辰")
    assert "星辰科技" in said.text

    said = await li.command("")
    assert "/crm find" in said.text  # /crm alone is help


async def test_slash_command_text_may_contain_the_word_payload(slack, li):
    said = await li.command("find payload")
    assert said.answer.status == 200
    assert said.messages, "a form parser keyed on the word would have dropped this command"


async def test_mention_in_a_channel_masks_phones_which_a_dm_shows(slack, li):
    said = await li.mention("Acme Ltd", "C0SALES")
    card = said.last
    assert card.channel == "C0SALES"
    assert card.plain.startswith("*🏢 Acme Ltd*")
    assert "139****2222" in card.plain
    assert "1111" not in card.plain
    assert "1111" not in card.text

    said = await li.say("/find Acme Ltd")
    assert said.last.channel == "D0LIDM"
    assert "+86 139 1111 2222" in said.last.plain


async def test_a_mention_that_starts_with_a_command_runs_it(slack, li):
    said = await li.mention("find Acme Ltd", "C0SALES")
    assert said.last.channel == "C0SALES"
    assert said.last.plain.startswith("*🏢 Acme Ltd*")
    said = await li.mention("查 Acme Ltd", "C0SALES")
    assert said.last.plain.startswith("*🏢 Acme Ltd*")
    # Without a command word the mention stays free text: a name looks the customer up too,
    # and "finder" is not "find".
    said = await li.mention("finder Acme", "C0SALES")
    assert not said.last.plain.startswith("*🏢 Acme Ltd*")


async def test_a_command_in_a_channel_the_app_is_not_in_is_answered_there(slack, li):
    slack.api.outside.add("C0ELSEWHERE")
    said = await li.command("find Acme Ltd", channel="C0ELSEWHERE")
    assert said.answer.status == 200
    card = said.last
    assert card.channel == "C0ELSEWHERE"
    assert card.plain.startswith("*🏢 Acme Ltd*")
    assert "139****2222" in card.plain  # a channel: masked, as any group reply
    assert slack.api.responses[-1]["response_type"] == "in_channel"
    # Kept in the database, where the worker that holds the sender lease finds it.
    async with slack.running.server.app.db.transaction() as session:
        kept = (await session.execute(select(ResponseUrl.chat_id, ResponseUrl.url))).all()
    assert [chat for chat, _ in kept] == ["C0ELSEWHERE"]
    assert kept[0][1].startswith("http://127.0.0.1:")  # the local fake's response_url
    # Where the app is a member, it posts as usual.
    said = await li.command("find Acme Ltd", channel="C0SALES")
    assert said.last.channel == "C0SALES"
    assert len(slack.api.responses) == 1


async def test_a_response_url_off_slack_is_never_called(slack, li, monkeypatch):
    slack.api.outside.add("C0ELSEWHERE")
    monkeypatch.setattr(
        slack.api, "response_url", lambda channel: "https://evil.example/commands/x"
    )
    said = await li.command("find Acme Ltd", channel="C0ELSEWHERE")
    assert said.answer.status == 200
    assert said.messages == []
    assert slack.api.responses == []


async def test_chatter_the_bot_is_not_addressed_in_is_ignored(slack, li):
    for name in ("channel_message", "bot_message", "message_changed"):
        answer = await slack.send_json(slack.event(name))
        assert answer.status == 200, name
    assert await slack.deliveries() == []
    assert await count(slack, ProcessedEvent) == 0


async def test_a_slack_retry_is_answered_once(slack, li):
    data = li.dm_event("/find Acme Ltd")
    retried = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    # Slack retries while the first delivery may still be running: send both at once,
    # then a late second retry.
    first, retry = await asyncio.gather(
        slack.send_json(data), slack.send_json(data, headers=retried)
    )
    late = await slack.send_json(data, headers={**retried, "X-Slack-Retry-Num": "2"})
    assert (first.status, retry.status, late.status) == (200, 200, 200)
    said = await slack.deliveries()
    assert len(said) == 1
    assert await count(slack, ProcessedEvent, ProcessedEvent.event_id == data["event_id"]) == 1


async def test_the_web_api_is_not_called_on_the_request_path(slack, li):
    await slack.send_json(li.dm_event("hello"))
    assert slack.api.calls == []  # no auth.test: authorize= answers locally
    await slack.deliveries()
    assert [c.method for c in slack.api.calls] == ["chat.postMessage"]
    assert slack.api.calls[0].token == BOT_TOKEN


# ----------------------------------------------------------- Slack's 3-second ack


class _Released(Exception):
    """Ends a held transaction (rolled back, so the held event is then handled as usual)."""


@contextlib.asynccontextmanager
async def engine_held(slack: SlackWorkspace, event_id: str) -> AsyncIterator[None]:
    """The engine cannot store ``event_id`` until the block ends: an open transaction has
    claimed it (on SQLite it also holds the one writer's turn; on PostgreSQL the engine's
    claim waits for this row's fate). The claim is rolled back at the end."""
    app = slack.running.server.app
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        with contextlib.suppress(_Released):
            async with app.db.transaction(platform="test") as session:
                now = slack.running.clock.now()
                session.add(ProcessedEvent(platform="slack", event_id=event_id, processed_at=now))
                await session.flush()
                holding.set()
                await release.wait()
                raise _Released

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def test_a_slash_command_is_acknowledged_before_the_engine_gets_to_it(slack, li):
    fields = li.command_form("find Acme Ltd")
    async with engine_held(slack, fields["trigger_id"]):
        # Slack gives a command 3 seconds; the engine cannot even start here.
        async with asyncio.timeout(3):
            answer = await slack.send_form(fields)
        assert (answer.status, answer.body) == (200, "")
        assert slack.api.posted == []
    said = await slack.deliveries()  # the answer follows through chat.postMessage
    assert said[-1].plain.startswith("*🏢 Acme Ltd*")


async def test_a_click_is_acknowledged_before_the_engine_gets_to_it(slack, li):
    question = (await li.command("find acme")).last
    body = li.click_form(question, "Acme Trading")
    trigger = json.loads(body["payload"])["trigger_id"]
    async with engine_held(slack, f"act{trigger}"):
        async with asyncio.timeout(3):
            answer = await slack.send_form(body)
        assert (answer.status, answer.body) == (200, "")
        assert slack.api.updated == []
    said = await slack.deliveries()
    assert "Acme Trading" in "\n".join(m.plain for m in said)
    [edited] = slack.api.updated
    assert edited.ts == question.ts
    assert "→ Acme Trading" in edited.plain


async def test_an_event_is_answered_once_stored_not_when_its_slow_work_is_done(slack, li):
    """An Events API 200 still means "committed" (Slack retries otherwise), but a chart is
    drawn after the event's transaction, and Slack does not wait for it."""
    data = li.dm_event("/pipeline")
    answer = await slack.send_json(data)
    assert answer.status == 200
    assert await count(slack, ProcessedEvent, ProcessedEvent.event_id == data["event_id"]) == 1
    assert await count(slack, OutboxMessage) == 0  # the chart is still being drawn
    await slack.settle()
    assert await count(slack, OutboxMessage) == 1
    await slack.deliveries()
    assert [c.method for c in slack.api.calls][-1] == "files.completeUploadExternal"


# ---------------------------------------------------------------------- bad input


async def _served_after(slack: SlackWorkspace, li: SlackPerson) -> None:
    assert await count(slack, ProcessedEvent) == 0, "bad input reached the engine"
    assert await slack.deliveries() == []
    said = await li.say("/find Acme Ltd")
    assert said.answer.status == 200
    assert "Acme Ltd" in said.text


async def test_a_bad_signature_is_401(slack, li, caplog):
    answer = await slack.send_json(li.dm_event("hello"), secret="not-the-secret")
    assert answer.status == 401
    assert "signature does not verify" in caplog.text
    assert SIGNING_SECRET not in caplog.text
    await _served_after(slack, li)


async def test_a_missing_signature_is_401(slack, li):
    body = json.dumps(li.dm_event("hello")).encode()
    async with slack.running.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 401
    await _served_after(slack, li)


async def test_an_old_timestamp_is_401_even_when_signed(slack, li, caplog):
    answer = await slack.send_json(li.dm_event("hello"), timestamp=int(time.time()) - 6 * 60)
    assert answer.status == 401
    assert "timestamp" in caplog.text
    await _served_after(slack, li)


async def test_a_body_over_1mb_is_413(slack, li, caplog):
    body = json.dumps(li.dm_event("x" * (1_100_000))).encode()
    answer = await slack.post(body)
    assert answer.status == 413
    assert "413" in caplog.text

    async def chunks():  # no Content-Length up front: refused while reading
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    headers = {"Content-Type": "application/json", **sign(body)}
    async with slack.running.client.post("/slack/events", data=chunks(), headers=headers) as r:
        assert r.status == 413
    await _served_after(slack, li)


async def test_malformed_json_is_400_when_signed_and_401_when_not(slack, li, caplog):
    garbage = b'{"type": "event_callback", "event": {'
    answer = await slack.post(garbage)
    assert answer.status == 400
    assert "unparseable" in caplog.text
    answer = await slack.post(garbage, secret="not-the-secret")
    assert answer.status == 401
    answer = await slack.post(b"[1, 2, 3]")
    assert answer.status == 400
    answer = await slack.post(b"\xff\xfe{}", content_type="text/plain")
    assert answer.status == 401  # not UTF-8: cannot be Slack's, whatever its signature
    await _served_after(slack, li)


# --------------------------------------------------------------------------- outbox


async def test_429_is_waited_out_then_delivered(slack, li):
    slack.api.fail_next(status=429, retry_after=30, method="chat.postMessage")
    said = await li.say("/find Acme Ltd")
    assert said.messages == []
    [row] = await outbox_rows(slack)
    assert row.state == "pending"
    assert row.next_attempt_at == slack.running.clock.now() + timedelta(seconds=30)
    slack.running.clock.advance(timedelta(seconds=29))
    assert await slack.deliveries() == []
    slack.running.clock.advance(timedelta(seconds=1))
    [delivered] = await slack.deliveries()
    assert "Acme Ltd" in delivered.plain
    [row] = await outbox_rows(slack)
    assert (row.state, row.attempts, row.message_ids) == ("sent", 2, [delivered.ts])


async def test_5xx_is_retried_with_backoff(slack, li):
    slack.api.fail_next(2, status=503)
    said = await li.say("/find Acme Ltd")
    assert said.messages == []
    slack.running.clock.advance(timedelta(seconds=2))
    assert await slack.deliveries() == []  # second 503
    slack.running.clock.advance(timedelta(seconds=4))
    [delivered] = await slack.deliveries()
    [row] = await outbox_rows(slack)
    assert (row.state, row.attempts) == ("sent", 3)
    assert "503" in (row.last_error or "") or row.last_error is None
    assert delivered.channel == "D0LIDM"


async def test_channel_not_found_fails_for_good(slack, li):
    slack.api.fail_next(error="channel_not_found")
    await li.say("/find Acme Ltd")
    [row] = await outbox_rows(slack)
    assert row.state == "failed"
    assert "channel_not_found" in (row.last_error or "")
    calls = len(slack.api.calls)
    slack.running.clock.advance(timedelta(hours=1))
    assert await slack.deliveries() == []
    assert len(slack.api.calls) == calls


async def _enqueue(slack: SlackWorkspace, chat_id: str, reply) -> None:
    async with slack.running.server.app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="slack",
            chat_id=chat_id,
            replies=[reply],
            now=slack.running.clock.now(),
        )


async def test_text_over_3000_characters_is_split_into_sections(slack):
    lines = [f"line {i:04d} " + "·" * 60 for i in range(110)]  # ≈ 7,500 characters
    await _enqueue(slack, "D0LIDM", Text("\n".join(lines)))
    [message] = await slack.deliveries()
    sections = [b["text"]["text"] for b in message.blocks]
    assert len(sections) == 3
    assert all(len(s) <= 3000 for s in sections)
    assert "\n".join(sections) == "\n".join(lines)
    assert message.text == "\n".join(lines)


async def test_an_image_is_uploaded_with_files_upload_v2(slack):
    await _enqueue(
        slack, "D0LIDM", Image(PNG, caption="Pipeline <this week>", filename="chart.png")
    )
    await slack.deliveries()
    methods = [c.method for c in slack.api.calls]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    [upload] = slack.api.uploads.values()
    assert (upload.data, upload.filename, upload.channel) == (PNG, "chart.png", "D0LIDM")
    assert upload.initial_comment == "Pipeline &lt;this week&gt;"
    [row] = await outbox_rows(slack)
    assert (row.state, row.message_ids) == ("sent", [upload.file_id])


# -------------------------------------------------------------------- files in a DM


def _file_event(slack: SlackWorkspace, person: SlackPerson, **file: object) -> dict[str, Any]:
    data = slack.event("file_share_dm", event={"user": person.user_id, "channel": person.dm})
    data["event"]["files"][0].update(file)
    return data


async def test_a_photo_shared_in_a_dm_is_downloaded_and_handed_over(slack, li):
    url = slack.api.add_file(PNG)
    data = _file_event(slack, li, url_private_download=url, size=len(PNG))
    answer = await slack.send_json(data)
    assert answer.status == 200
    said = await slack.deliveries()
    assert slack.api.downloads == [("F0FILE0001", BOT_TOKEN)]
    assert "couldn't open that photo" in said[-1].plain


async def test_a_shared_file_that_is_not_an_image_gets_a_clear_reply(slack, li):
    url = slack.api.add_file(b"%PDF-1.7 quote", name="quote.pdf", mimetype="application/pdf")
    data = _file_event(slack, li, url_private_download=url, mimetype="application/pdf")
    await slack.send_json(data)
    said = await slack.deliveries()
    assert "isn't a photo I can read" in said[-1].plain
    assert slack.api.downloads == []  # refused on its declared type, never fetched

    url = slack.api.add_file(b"<html>not a png</html>")
    await slack.send_json(_file_event(slack, li, url_private_download=url, size=22))
    said = await slack.deliveries()
    assert "isn't a photo I can read" in said[-1].plain  # sniffed after download


async def test_a_shared_file_too_large_gets_a_clear_reply(slack, li):
    url = slack.api.add_file(PNG)
    data = _file_event(slack, li, url_private_download=url, size=25 * 1_048_576)
    await slack.send_json(data)
    said = await slack.deliveries()
    assert "too large" in said[-1].plain
    assert "20 MB" in said[-1].plain
    assert slack.api.downloads == []


async def test_a_shared_file_reaches_the_engine_with_its_checked_attachment(slack, li):
    """The adapter's half of the file cases, independent of how the handlers answer."""
    seen = []
    engine = slack.running.server.app.engine
    handle = engine.handle

    async def spy(event):
        seen.append(event)
        return await handle(event)

    engine.handle = spy
    png = slack.api.add_file(PNG)
    html = slack.api.add_file(b"<html>login</html>")
    for data in (
        _file_event(slack, li, url_private_download=png, size=len(PNG)),
        _file_event(slack, li, url_private_download=html, size=18),
        _file_event(slack, li, url_private_download=png, size=30 * 1_048_576),
        _file_event(slack, li, url_private_download=png, mimetype="application/zip"),
        _file_event(slack, li, url_private_download="https://evil.example/x.png", size=9),
    ):
        assert (await slack.send_json(data)).status == 200
    await slack.settle()
    # Downloads finish in their own order; the ids were handed out in sending order.
    seen.sort(key=lambda e: e.event_id)
    assert [e.attachments[0].kind for e in seen] == [
        "image",
        "not_image",
        "too_large",
        "not_image",
        "unavailable",
    ]
    assert {str(e.kind) for e in seen} == {"image"}
    assert seen[0].attachments[0].data == PNG
    assert seen[0].attachments[0].mime_type == "image/png"
    assert [t for _, t in slack.api.downloads] == [BOT_TOKEN, BOT_TOKEN]  # never to evil.example


# ------------------------------------------------------------- a good citizen in channels


async def test_someone_elses_press_in_a_channel_is_answered_to_them_alone(slack, li, na):
    said = await li.mention("tasks", "C0SALES")
    card = next(m for m in said.messages if "Send the revised quote" in m.plain)
    before = list(card.blocks)

    pressed = await na.click(card, "Done")

    assert pressed.messages == []  # nothing posted to the channel
    assert slack.api.updated == []  # and li's card keeps its buttons
    assert slack.api.messages[(card.channel, card.ts)].blocks == before
    (notice,) = slack.api.ephemeral
    assert (notice["channel"], notice["user"]) == ("C0SALES", "U0NA")
    assert notice["text"]
    async with slack.running.server.app.db.transaction() as session:
        task = await session.get(Task, await _task_id(session))
        assert task is not None
        assert task.done_at is None

    # A stranger's press: the same, and the invite prompt goes to them alone.
    stranger = slack.person("U0STRANGER", "D0STRANGER")
    pressed = await stranger.click(card, "Done")
    assert pressed.messages == []
    assert slack.api.ephemeral[-1]["user"] == "U0STRANGER"
    assert "start" in slack.api.ephemeral[-1]["text"]


async def _task_id(session) -> int:
    return int(await session.scalar(select(Task.id).where(Task.title == "Send the revised quote")))


async def test_a_mention_inside_a_thread_is_answered_in_that_thread(slack, li):
    said = await li.mention("tasks", "C0SALES", thread_ts="1794967000.000100")
    assert said.messages
    assert {m.thread_ts for m in said.messages} == {"1794967000.000100"}
    card = next(m for m in said.messages if "Send the revised quote" in m.plain)
    pressed = await li.click(card, "+1 h")
    assert pressed.last.thread_ts == "1794967000.000100"
    # A mention at the top of the channel is answered there, not in a thread.
    top = await li.mention("tasks", "C0SALES")
    assert {m.thread_ts for m in top.messages} == {None}


# ------------------------------------------------------------------- every Slack surface


def interaction(name: str, **changes: Any) -> dict[str, str]:
    """A recorded interactivity payload as the form Slack posts it."""
    return {"payload": json.dumps({**payload(name), **changes})}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("view_submission", ""),  # an empty 200 closes the view
        ("view_closed", ""),
        ("block_suggestion", '{"options": []}'),
    ],
)
async def test_interactions_we_do_not_use_are_acknowledged_not_404(slack, li, name, body):
    answer = await slack.send_form(interaction(name))
    assert answer.status == 200
    assert answer.body.replace(" ", "") == body.replace(" ", "")
    assert await slack.deliveries() == []


async def test_app_rate_limited_is_acknowledged_and_logged(slack, caplog):
    answer = await slack.send_json(payload("app_rate_limited"))
    assert answer.status == 200
    assert "holding back events" in caplog.text


async def test_a_message_shortcut_logs_that_message_and_answers_in_the_dm(slack, li):
    answer = await slack.send_form(interaction("message_shortcut"))
    assert answer.status == 200
    posted = await slack.deliveries()
    assert posted
    assert {m.channel for m in posted} == {"D0LIDM"}  # the DM conversations.open gave
    assert "Logged: Visit · Acme Ltd" in "\n".join(m.plain for m in posted)
    assert await count(slack, Activity, Activity.summary.contains("revised quote")) == 1
    # Slack may deliver the same shortcut twice: one activity.
    await slack.send_form(interaction("message_shortcut"))
    await slack.deliveries()
    assert await count(slack, Activity, Activity.summary.contains("revised quote")) == 1


async def test_a_global_shortcut_shows_what_the_bot_does_in_the_dm(slack, li):
    answer = await slack.send_form(interaction("global_shortcut"))
    assert answer.status == 200
    posted = await slack.deliveries()
    assert [m.channel for m in posted] == ["D0LIDM"]
    assert "/crm find acme" in posted[0].plain
    assert "/crm me" in posted[0].plain


@pytest.mark.parametrize("name", ["app_uninstalled", "tokens_revoked"])
async def test_a_workspace_that_removed_the_app_gets_nothing_more_until_it_is_back(
    slack, li, name, caplog
):
    assert (await slack.send_json(payload(name))).status == 200
    assert "removed crmbot" in caplog.text
    # A reminder due meanwhile is not sent (Slack would refuse it anyway): it fails at
    # once, without a call.
    before = len(slack.api.calls)
    await _enqueue(slack, f"{TEAM_ID}/U0LI", Text("Reminder: call Acme"))
    assert await slack.deliveries() == []
    assert [c.method for c in slack.api.calls[before:]] == []
    rows = await outbox_rows(slack)
    assert rows[-1].state == "failed"
    assert "removed" in (rows[-1].last_error or "")
    # Reinstalled: the workspace talks to the app again, and answers flow again.
    said = await li.say("/find Acme Ltd")
    assert said.last.plain.startswith("*🏢 Acme Ltd*")
    assert "uses crmbot again" in caplog.text


# ------------------------------------------------------------------------- export


async def test_export_is_uploaded_to_the_dm_with_files_upload_v2(slack, li, na):
    said = await li.command("export")
    assert said.last.labels == ["Companies", "Contacts", "Deals", "Activities"]
    said = await li.click(said, "Deals")
    assert said.last.labels == ["Excel (.xlsx)", "CSV"]
    await li.click(said, "CSV")
    [upload] = slack.api.uploads.values()
    assert upload.filename == "crmbot-deals-2026-11-18.csv"
    assert upload.data is not None
    text = upload.data.decode("utf-8-sig")
    assert "Acme ERP,Acme Ltd,Proposal,300000,CNY" in text
    assert upload.initial_comment == "📤 Deals · rows: 1"
    assert upload.channel == "D0LIDM"

    await na.command("导出 公司 csv")
    upload = list(slack.api.uploads.values())[-1]
    assert upload.channel == "D0NADM"
    assert upload.data is not None
    assert "星辰科技" in upload.data.decode("utf-8-sig")
    assert upload.initial_comment == "📤 公司：2 行。"


# ------------------------------------------------------------ import from a shared file


async def wang_on_slack(slack: SlackWorkspace, team) -> SlackPerson:
    """The team's manager (who may import), linked to a Slack account."""
    app = slack.running.server.app
    async with app.db.transaction(platform="test") as session:
        wang = await session.get(User, team.wang.user_id)
        assert wang is not None
        await link_identity(
            session, wang, platform="slack", external_id="U0WANG", now=slack.running.clock.now()
        )
    return slack.person("U0WANG", "D0WANGDM", "wang.lei")


async def test_a_spreadsheet_shared_in_a_dm_starts_the_import(slack, team, tmp_path):
    wang = await wang_on_slack(slack, team)
    sheet = xlsx(
        tmp_path / "客户.xlsx",
        [["公司名称", "联系人", "手机"], ["金桥物流有限公司", "赵敏", "13700001111"]],
    )
    url = slack.api.add_file(sheet.read_bytes(), name="客户.xlsx", mimetype=XLSX)
    await slack.send_json(
        _file_event(slack, wang, url_private_download=url, name="客户.xlsx", mimetype=XLSX)
    )
    said = await slack.deliveries()
    assert slack.api.downloads == [("F0FILE0001", BOT_TOKEN)]
    assert "共 1 行 · 新建 1" in said[-1].plain
    assert said[-1].labels == ["📥 导入", "取消", "✏️ 调整列"]
    said = await wang.click(said[-1], "导入")
    assert "✅ 导入 #1 完成：新建公司 1 个、联系人 1 个" in said.text
    assert await count(slack, Contact, Contact.name == "赵敏") == 1
