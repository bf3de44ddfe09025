"""WeChat Official Account end to end: signed (and encrypted) callbacks into the real server,
replies as passive XML and through a local fake of the customer-service API.

Callbacks are signed with the frozen clock's time (the adapter checks ages against the
injected clock). Safe mode uses the sample Token / EncodingAESKey / AppID of wechatpy's own
crypto tests, and every message is encrypted by wechatpy, as WeChat would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.adapters.wechat.render import TEXT_BYTES, split_text
from bot.outbox import enqueue
from bot.secret_key import invite_key
from store.models import (
    Activity,
    ChatIdentity,
    Company,
    OutboxMessage,
    PlatformToken,
    Role,
    Task,
    User,
)
from store.users import create_user, issue_invite, link_identity
from tests import workspace
from tests.fakes.wechat_api import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    TOKEN,
    FakeWeixinApi,
    WeChatPerson,
    WeChatServer,
    message_text,
    signature,
    wechat_settings,
    xml_message,
)
from tests.harness import BotHarness
from tests.server_harness import running

NA = "oNA_openid_000000000000001"


@pytest.fixture
async def api() -> AsyncIterator[FakeWeixinApi]:
    fake = FakeWeixinApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def wechat(settings, clock, api) -> AsyncIterator[WeChatServer]:
    async with running(wechat_settings(settings, api), clock) as server:
        yield WeChatServer(server, api)


@pytest.fixture
async def team(wechat):
    """The rep-workflow workspace, with Na (Chinese) following the account."""
    server = wechat.running
    app = server.server.app
    ws = await workspace.build(BotHarness(app, server.clock, app.settings))
    async with app.db.transaction(platform="test") as session:
        user = await session.get(User, ws.na.user_id)
        assert user is not None
        await link_identity(
            session, user, platform="wechat", external_id=NA, now=server.clock.now()
        )
    return ws


@pytest.fixture
def na(wechat: WeChatServer, team) -> WeChatPerson:
    return wechat.person(NA)


async def count(wechat: WeChatServer, model, *where) -> int:
    async with wechat.running.server.app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def rows(wechat: WeChatServer) -> list[OutboxMessage]:
    async with wechat.running.server.app.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


# ------------------------------------------------------------------ URL verification


async def test_get_verification_echoes_echostr(wechat):
    params = {**wechat.query(), "echostr": "8123456789"}
    async with wechat.running.client.get("/wechat", params=params) as r:
        assert (r.status, await r.text()) == (200, "8123456789")


async def test_get_verification_with_a_wrong_signature_is_403(wechat):
    params = {**wechat.query(), "echostr": "8123456789"}
    params["signature"] = signature("not-our-token", params["timestamp"], params["nonce"])
    async with wechat.running.client.get("/wechat", params=params) as r:
        assert r.status == 403
        assert "8123456789" not in await r.text()


# ----------------------------------------------------------------- conversations


async def test_invite_and_start_in_chinese_over_safe_mode(wechat):
    app = wechat.running.server.app
    now = wechat.running.clock.now()
    async with app.db.transaction(platform="test") as session:
        mei = await create_user(session, "mei", role=Role("rep"), now=now, lang="zh")
        invite = await issue_invite(
            session, mei, now=now, ttl=timedelta(hours=1), key=invite_key(app.settings)
        )
    person = wechat.person("oMEI_openid")
    said = await person.say(f"/start {invite.code}")
    assert said.answer.status == 200
    assert said.answer.body.startswith("<xml>")
    assert "<Encrypt>" in said.answer.body
    assert "✅ 欢迎" in (said.answer.reply or "")
    assert await count(wechat, ChatIdentity, ChatIdentity.external_id == "oMEI_openid") == 1
    said = await person.say("/我")
    assert "mei" in said.text


async def test_a_stranger_gets_the_invite_prompt(wechat):
    said = await wechat.person("oSTRANGER").say("你好")
    assert "isn't linked" in (said.answer.reply or "")
    assert said.messages == []


async def test_following_the_account_unlinked_says_how_to_link(wechat):
    said = await wechat.person("oSTRANGER").event("subscribe", EventKey="")
    assert "/start" in (said.answer.reply or "")


async def test_one_message_chinese_log_with_follow_up(wechat, na):
    text = "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进"
    said = await na.say(text)
    reply = said.answer.reply or ""
    assert "✅ 已记录：拜访 · 星辰科技 · 张伟" in reply
    assert "跟进：11月24日（周二）15:00" in reply
    assert "1. " in reply  # its buttons, as numbers to type
    assert await count(wechat, Activity, Activity.source_text == text) == 1
    async with wechat.running.server.app.db.transaction() as session:
        task = await session.scalar(select(Task).order_by(Task.id.desc()))
    assert task is not None
    assert task.due_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    undo = next(line for line in reply.splitlines() if "撤销" in line)
    said = await na.say(undo.split(".")[0])  # typing the number presses the button
    assert "已撤销" in (said.answer.reply or "")
    assert await count(wechat, Activity, Activity.source_text == text) == 0


async def test_lookup_choice_by_msgmenu_when_the_answer_goes_through_the_api(wechat, na, team):
    app = wechat.running.server.app
    session, records = await BotHarness(app, wechat.running.clock, app.settings).records_for(
        team.na
    )
    async with session, session.begin():
        await records.create(Company, name="星辰贸易", city="Shanghai")
    wechat.running.server.adapters["wechat"].passive_budget = 0  # the engine "took too long"
    said = await na.say("/查 星辰")
    assert said.answer.body == "success"
    assert said.messages[0]["msgtype"] == "msgmenu"
    option = said.option("星辰科技")
    assert option["id"].startswith("lk:") or option["id"]
    said = await na.click(said, "星辰科技")
    assert "张伟" in said.text
    assert api_tokens_used(wechat) == {"ACCESS-1"}


def api_tokens_used(wechat: WeChatServer) -> set[str]:
    return {c.token for c in wechat.api.calls if c.token}


async def test_a_retried_msgid_is_acted_on_once(wechat, na):
    fields = na.fields("text", Content="今天拜访了星辰科技张总，聊得不错", MsgId=55501)
    first = await wechat.post_xml(xml_message(fields))
    second = await wechat.post_xml(xml_message(fields))
    assert "✅" in (first.reply or "")
    assert (second.status, second.body) == (200, "success")
    assert (
        await count(
            wechat, Activity, Activity.source_text.like("今天拜访了星辰科技张总，聊得不错%")
        )
        == 1
    )


async def test_plain_mode_works_too(settings, clock, api):
    config = wechat_settings(settings, api)
    config = config.model_copy(update={"wechat_aes_key": None})
    async with running(config, clock) as server:
        wechat = WeChatServer(server, api, safe_mode=False)
        said = await wechat.person("oSTRANGER").say("hi")
        assert said.answer.body.startswith("<xml>")
        assert "isn't linked" in (said.answer.reply or "")


# ----------------------------------------------------------------------- refusals


async def test_a_forged_signature_is_403_and_nothing_happens(wechat, na):
    params = wechat.query()
    params["signature"] = signature("forged", params["timestamp"], params["nonce"])
    fields = na.fields("text", Content="今天拜访了星辰科技", MsgId=1)
    answer = await wechat.post_xml(xml_message(fields), query=params, encrypt=False)
    assert answer.status == 403
    forged = WeChatCrypto("forged-token", AES_KEY, APP_ID)
    answer = await wechat.post_xml(xml_message(fields), crypto=forged)
    assert answer.status == 403
    # Safe mode: a query whose plain signature is forged is refused before the body is
    # read, even with a body that would decrypt.
    answer = await wechat.post_xml(xml_message(fields), query=params)
    assert answer.status == 403
    assert await count(wechat, Activity, Activity.source_text == "今天拜访了星辰科技") == 0
    assert await rows(wechat) == []


async def test_a_stale_timestamp_is_refused(wechat, na):
    old = wechat.now() - 301
    fields = na.fields("text", Content="hello", MsgId=2)
    assert (await wechat.post_xml(xml_message(fields), timestamp=old)).status == 403
    assert (await wechat.post_xml(xml_message(fields), timestamp=old, encrypt=False)).status == 403


async def test_a_wrong_app_id_inside_the_cipher_text_is_403(wechat, na):
    other = WeChatCrypto(TOKEN, AES_KEY, "wx0000000000000000")
    fields = na.fields("text", Content="hello", MsgId=3)
    answer = await wechat.post_xml(xml_message(fields), crypto=other)
    assert answer.status == 403
    assert await rows(wechat) == []


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content></xml>"
)


async def test_billion_laughs_is_refused_without_expanding(wechat):
    started = time.perf_counter()
    plain = await wechat.post_xml(BILLION_LAUGHS, encrypt=False)
    inside = await wechat.post_xml(BILLION_LAUGHS)
    assert (plain.status, inside.status) == (400, 400)
    assert time.perf_counter() - started < 2
    assert await rows(wechat) == []


async def test_malformed_xml_is_400(wechat):
    for body in ("<xml><ToUserName>", "not xml at all", "<other/>", "<xml><A>1</A></xml>"):
        assert (await wechat.post_xml(body, encrypt=False)).status == 400, body
        assert (await wechat.post_xml(body)).status == 400, body
    params = {**wechat.query(), "encrypt_type": "aes", "msg_signature": "x"}
    async with wechat.running.client.post(
        "/wechat", params=params, data=xml_message({"Encrypt": "bm90IGNpcGhlcg=="})
    ) as r:
        assert r.status == 403  # the signature is checked before anything is decrypted


async def test_an_oversize_body_is_413(wechat, na):
    fields = na.fields("text", Content="字" * 400_000, MsgId=4)
    assert (await wechat.post_xml(xml_message(fields), encrypt=False)).status == 413


async def test_an_unknown_msg_type_gets_a_polite_answer(wechat, na):
    said = await na.send(na.fields("video", MediaId="V1", ThumbMediaId="T1", MsgId=5))
    assert "暂时还不支持" in (said.answer.reply or "")
    said = await na.send(na.fields("hologram", MsgId=6))
    assert "暂时还不支持" in (said.answer.reply or "")


# ---------------------------------------------------------------------- media


async def test_voice_with_recognition_is_read_as_typed(wechat, na):
    said = await na.voice("今天拜访了星辰科技张总，聊得不错")
    reply = said.answer.reply or ""
    assert reply.startswith("🎤 “今天拜访了星辰科技张总，聊得不错”")
    assert "✅ 已记录" in reply


async def test_voice_without_recognition_says_so(wechat, na):
    said = await na.voice(None)
    assert "没能识别这条语音" in (said.answer.reply or "")


# --------------------------------------------------------- token, window, delivery


async def test_the_access_token_is_kept_in_the_database_and_refreshed_once(wechat, na):
    await na.voice(None)  # nothing to send: no token yet
    assert wechat.api.token_fetches == 0
    wechat.running.server.adapters["wechat"].passive_budget = 0
    await na.say("/查 星辰")
    async with wechat.running.server.app.db.transaction() as session:
        row = await session.get(PlatformToken, "wechat")
    assert row is not None
    assert row.token == "ACCESS-1"
    assert row.expires_at == wechat.running.clock.now() + timedelta(seconds=7200)
    # Another worker refreshed it: ours is refused once (40001), refreshed, retried.
    wechat.api.tokens.append("ACCESS-OTHER")
    said = await na.say("/查 星辰")
    assert said.messages
    assert wechat.api.token_fetches == 2
    assert [c.token for c in wechat.api.called("cgi-bin/message/custom/send")][-2:] == [
        "ACCESS-1",
        "ACCESS-2",
    ]


async def test_a_push_outside_the_48_hour_window_waits_for_the_next_message(wechat, na):
    await na.say("/我")
    wechat.running.clock.advance(timedelta(hours=49))
    app = wechat.running.server.app
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wechat",
            chat_id=NA,
            replies=[_text("⏰ 提醒一")],
            now=wechat.running.clock.now(),
            event_id="rm:1",
        )
        enqueue(
            session,
            platform="wechat",
            chat_id=NA,
            replies=[_text("⏰ 提醒二")],
            now=wechat.running.clock.now(),
            event_id="rm:2",
        )
    assert await wechat.deliveries() == []
    assert (await wechat.running.health())[1]["waiting_for_window"] == 2
    said = await na.say("/我")
    texts = [m["text"]["content"] for m in said.messages if m["msgtype"] == "text"]
    assert texts[:2] == ["⏰ 提醒一", "⏰ 提醒二"]
    assert (await wechat.running.health())[1]["waiting_for_window"] == 0


async def test_a_window_closed_answer_from_wechat_also_waits(wechat, na):
    await na.say("/我")
    wechat.api.fail_next("cgi-bin/message/custom/send", 45015, "response out of time limit")
    app = wechat.running.server.app
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wechat",
            chat_id=NA,
            replies=[_text("⏰ 提醒")],
            now=wechat.running.clock.now(),
            event_id="rm:3",
        )
    await wechat.deliveries()  # refused: 45015
    assert [r.state for r in await rows(wechat)][-1] == "waiting"
    said = await na.say("/我")
    assert said.messages[0]["text"]["content"] == "⏰ 提醒"


async def test_a_template_message_carries_a_push_outside_the_window(settings, clock, api):
    config = wechat_settings(settings, api, wechat_template_id="TPL-REMIND")
    async with running(config, clock) as server:
        wechat = WeChatServer(server, api)
        ws = await workspace.build(BotHarness(server.server.app, clock, server.server.app.settings))
        async with server.server.app.db.transaction(platform="test") as session:
            user = await session.get(User, ws.na.user_id)
            assert user is not None
            await link_identity(session, user, platform="wechat", external_id=NA, now=clock.now())
            enqueue(
                session,
                platform="wechat",
                chat_id=NA,
                replies=[_text("⏰ 跟进星辰科技\n带上报价")],
                now=clock.now(),
                event_id="rm:4",
            )
        sent = await wechat.deliveries()
        assert len(sent) == 1
        assert sent[0]["template_id"] == "TPL-REMIND"
        assert sent[0]["data"]["first"]["value"] == "⏰ 跟进星辰科技"
        assert sent[0]["data"]["remark"]["value"] == "回复任意消息查看详情。"


async def test_replies_held_for_a_passive_answer_go_out_if_the_worker_died(wechat, na):
    """Rows of an event wait a few seconds for the passive answer; nobody claims them
    (a crash) -> the sender sends them all when the hold runs out."""
    app = wechat.running.server.app
    app.engine.reply_hold["wechat"] = timedelta(seconds=6)
    await na.say("/我")  # a message: the window is open
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wechat",
            chat_id=NA,
            replies=[_text("held")],
            now=wechat.running.clock.now(),
            event_id="crashed",
            due=wechat.running.clock.now() + timedelta(seconds=6),
        )
    assert await wechat.deliveries() == []
    wechat.running.clock.advance(timedelta(seconds=7))
    sent = await wechat.deliveries()
    assert [m["text"]["content"] for m in sent] == ["held"]


def _text(text: str):
    from bot.replies import Text

    return Text(text)


async def test_account_name_is_ours(wechat):
    assert ACCOUNT.startswith("gh_")


# ------------------------------------------------------------- card photos, charts, menu


@pytest.fixture
def memo(monkeypatch):
    from tests.cardset.memo import memoise_scans

    memoise_scans(monkeypatch)


async def test_a_card_photo_is_downloaded_and_read(wechat, na, memo):
    from tests import cardset

    card = cardset.make_card(0)
    said = await na.photo(card.jpeg)
    assert wechat.api.called("cgi-bin/media/get")[0].params["media_id"].startswith("MEDIA")
    assert f"公司：{card.truth['company']}" in said.text


async def test_a_photo_that_is_not_an_image_gets_a_clear_answer(wechat, na):
    said = await na.photo(b"<html>not a photo</html>")
    assert said.text
    assert "公司：" not in said.text


async def test_a_chart_goes_out_as_an_uploaded_image_with_its_summary(wechat, na):
    wechat.running.server.adapters["wechat"].passive_budget = 0
    said = await na.say("/管道")
    kinds = [m["msgtype"] for m in said.messages]
    assert "image" in kinds
    image = next(m for m in said.messages if m["msgtype"] == "image")
    assert wechat.api.uploads[image["image"]["media_id"]].startswith(b"\x89PNG")
    assert said.texts[-1]  # the text summary follows the picture


async def test_menu_clicks_run_commands_and_set_menu_creates_it(wechat, na):
    said = await na.event("CLICK", EventKey="cmd:tasks")
    assert said.text
    assert "/tasks" not in said.text
    menu = await wechat.running.server.adapters["wechat"].set_menu()
    created = wechat.api.called("cgi-bin/menu/create")[0].body
    assert created == menu
    names = [b["name"] for b in menu["button"]]
    assert names == ["今日任务", "记录拜访", "更多"]
    assert [b["key"] for b in menu["button"][2]["sub_button"]] == [
        "cmd:find",
        "cmd:pipeline",
        "cmd:help",
    ]


async def test_a_reminder_due_outside_the_48_hour_window_waits_then_arrives(wechat, na):
    said = await na.say("提醒我下周一上午10点给星辰科技发合同")
    assert "11月23日（周一）10:00" in said.text
    wechat.running.clock.set(datetime(2026, 11, 23, 2, 0, 30, tzinfo=UTC))  # Monday 10:00:30
    assert await wechat.running.server.reminders.service.tick() == 1
    assert await wechat.deliveries() == []
    assert (await wechat.running.health())[1]["waiting_for_window"] == 1
    said = await na.say("在吗")
    assert "给星辰科技发合同" in message_text(said.messages[0])
    assert (await wechat.running.health())[1]["waiting_for_window"] == 0


async def test_a_location_checks_in_on_the_visit_just_logged(wechat, na):
    await na.say("今天拜访了星辰科技张总，聊得不错")
    said = await na.location(31.2304, 121.4737, "上海市浦东新区")
    assert "📍 已签到：星辰科技，上海市浦东新区" in said.text
    async with wechat.running.server.app.db.transaction() as session:
        visit = await session.scalar(select(Activity).order_by(Activity.id.desc()))
    assert visit is not None
    assert (visit.latitude, visit.longitude, visit.place) == (31.2304, 121.4737, "上海市浦东新区")


async def test_a_location_asks_which_customer_when_unclear(wechat, na):
    wechat.running.server.adapters["wechat"].passive_budget = 0
    await na.say("今天拜访了星辰科技张总，聊得不错")
    await na.say("今天拜访了华信电子有限公司，送了样品")
    said = await na.location(31.2304, 121.4737, "上海市浦东新区")
    assert "你在拜访哪位客户" in said.text
    said = await na.click(said, "华信")
    assert "📍 已签到：华信电子有限公司，上海市浦东新区" in said.text


async def test_a_location_with_nothing_logged_offers_the_reps_customers(wechat, na):
    wechat.running.server.adapters["wechat"].passive_budget = 0
    said = await na.location(31.2304, 121.4737, "")
    assert "你在拜访哪位客户" in said.text
    said = await na.click(said, "星辰科技")
    assert "📍 已签到：已记录拜访 星辰科技（共享的位置）。" in said.text
    assert await count(wechat, Activity, Activity.latitude == 31.2304) == 1


@pytest.mark.postgresql_only
async def test_two_workers_needing_a_token_fetch_it_once(wechat):
    """Each worker has its own WeixinApi; the advisory lock lets one fetch, the other reads."""
    import asyncio

    from bot.adapters.wechat.api import WeixinApi

    app = wechat.running.server.app
    adapter = wechat.running.server.adapters["wechat"]
    workers = [
        WeixinApi(
            platform="wechat",
            root=wechat.api.url,
            db=app.db,
            clock=app.clock,
            fetch_token=adapter._fetch_token,
        )
        for _ in range(3)
    ]
    try:
        tokens = await asyncio.gather(*(w.token() for w in workers))
    finally:
        for w in workers:
            await w.close()
    assert tokens == ["ACCESS-1"] * 3
    assert wechat.api.token_fetches == 1


# ------------------------------------------------------------ split replies resume


LONG = "\n".join(f"第{i}行：" + "星辰科技拜访记录" * 8 for i in range(40))


async def enqueue_long(wechat: WeChatServer) -> list[str]:
    """A reply WeChat must take in several messages; its parts."""
    async with wechat.running.server.app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wechat",
            chat_id=NA,
            replies=[_text(LONG)],
            now=wechat.running.clock.now(),
        )
    parts = split_text(LONG, TEXT_BYTES)
    assert len(parts) >= 3
    return parts


async def test_a_split_reply_failing_part_way_resumes_after_the_parts_sent(wechat, na):
    await na.say("/我")
    parts = await enqueue_long(wechat)
    wechat.api.fail_next("cgi-bin/message/custom/send", -1, "system busy", skip=1)
    tried = await wechat.deliveries()
    assert [message_text(m) for m in tried] == parts[:2]  # the second one failed
    wechat.running.clock.advance(timedelta(seconds=5))
    resumed = await wechat.deliveries()
    assert [message_text(m) for m in resumed] == parts[1:]  # the first is not shown twice
    (row,) = [r for r in await rows(wechat) if r.state == "sent" and len(r.message_ids) > 1]
    assert row.message_ids == [f"custom:{i}" for i in range(len(parts))]


async def test_a_window_closing_part_way_keeps_the_rest_for_their_next_message(wechat, na):
    await na.say("/我")
    parts = await enqueue_long(wechat)
    wechat.api.fail_next("cgi-bin/message/custom/send", 45015, "out of time limit", skip=1)
    tried = await wechat.deliveries()
    assert [message_text(m) for m in tried] == parts[:2]
    said = await na.say("/我")
    texts = [message_text(m) for m in said.messages]
    assert texts[: len(parts) - 1] == parts[1:]
    assert parts[0] not in texts


# ------------------------------------------------- a passive answer that never arrived


async def test_a_passive_reply_whose_connection_dropped_goes_through_the_api(
    wechat, na, monkeypatch
):
    """WeChat hangs up (it gives up after 5 s) while the engine works: the reply meant for
    the HTTP answer cannot be written, so it is not marked sent but sent through the API."""
    first = await na.say("/我")  # the 48-hour window is open
    assert first.answer.reply  # answered passively when the connection holds
    app = wechat.running.server.app
    entered, go_on = asyncio.Event(), asyncio.Event()
    handle = app.engine.handle

    async def slow(event):
        entered.set()
        await go_on.wait()
        return await handle(event)

    monkeypatch.setattr(app.engine, "handle", slow)
    msg_id = wechat.next_msg_id()
    body = xml_message(na.fields("text", Content="/我", MsgId=msg_id)).encode()
    server = wechat.running.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"POST /wechat?{urlencode(wechat.query())} HTTP/1.1\r\nHost: {server.host}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    await entered.wait()
    writer.close()  # WeChat stops waiting
    await writer.wait_closed()
    assert await reader.read() == b""  # nothing was answered
    go_on.set()
    sent = await wechat.deliveries()
    assert [m["touser"] for m in sent] == [NA]
    assert message_text(sent[0]).splitlines()[0] == first.answer.reply.splitlines()[0]
    (row,) = [r for r in await rows(wechat) if r.event_id == str(msg_id)]
    assert row.state == "sent"
    assert row.message_ids == ["custom:0"]  # not "passive"


async def test_a_passive_reply_not_known_to_be_written_is_sent_after_its_hold(
    wechat, na, monkeypatch
):
    """The process dies between claiming the passive reply and learning whether it was
    written: after the hold the sender sends it (twice at worst, never lost)."""
    await na.say("/我")
    adapter = wechat.running.server.adapters["wechat"]

    async def died(row_id, slot):
        return None

    monkeypatch.setattr(adapter, "_settle_passive", died)
    said = await na.say("/我")
    assert said.answer.reply
    assert said.messages == []
    wechat.running.clock.advance(timedelta(seconds=61))
    sent = await wechat.deliveries()
    assert [m["touser"] for m in sent] == [NA]


async def test_export_says_the_official_account_takes_no_files(wechat, na):
    said = await na.say("/导出 联系人 csv")
    assert "这个聊天应用无法接收我发送的文件" in said.text
    assert "crmbot export contacts --format csv --out 文件名" in said.text
    assert not any(c.path == "cgi-bin/media/upload" for c in wechat.api.calls)
