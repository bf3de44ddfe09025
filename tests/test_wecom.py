"""WeCom self-built app end to end: encrypted callbacks into the real server, app messages
and card updates out to the local fake API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.wechat.render import TEXT_BYTES, split_text
from bot.adapters.wecom.adapter import MEMBER_HOURLY, WeComAdapter
from bot.delivery.limits import RateLimiter
from bot.outbox import enqueue
from bot.replies import Text
from bot.secret_key import invite_key
from store.models import Activity, ChatIdentity, Company, OutboxMessage, Role, Task, User
from store.users import create_user, issue_invite, link_identity
from tests import workspace
from tests.clocks import clock_sleep
from tests.fakes.wechat_api import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    CORP_SECRET,
    TOKEN,
    FakeWeixinApi,
    WeComMember,
    WeComServer,
    message_text,
    wecom_settings,
    xml_message,
)
from tests.harness import BotHarness
from tests.server_harness import running
from tests.sheets import xlsx
from tests.test_wechat import BILLION_LAUGHS

NA = "li.na"


@pytest.fixture
async def api() -> AsyncIterator[FakeWeixinApi]:
    fake = FakeWeixinApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def wecom(settings, clock, api) -> AsyncIterator[WeComServer]:
    async with running(wecom_settings(settings, api), clock) as server:
        yield WeComServer(server, api)


@pytest.fixture
async def team(wecom):
    server = wecom.running
    app = server.server.app
    ws = await workspace.build(BotHarness(app, server.clock, app.settings))
    async with app.db.transaction(platform="test") as session:
        user = await session.get(User, ws.na.user_id)
        assert user is not None
        await link_identity(session, user, platform="wecom", external_id=NA, now=server.clock.now())
    return ws


@pytest.fixture
def na(wecom: WeComServer, team) -> WeComMember:
    return wecom.member(NA)


async def count(wecom: WeComServer, model, *where) -> int:
    async with wecom.running.server.app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def outbox(wecom: WeComServer) -> list[OutboxMessage]:
    async with wecom.running.server.app.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


# ------------------------------------------------------------------ verification


async def test_get_verification_decrypts_and_echoes(wecom):
    ts, nonce = str(wecom.now()), "77"
    envelope = wecom.crypto().encrypt_message("<xml/>", nonce, ts)
    from tests.fakes.wechat_api import _fields

    fields = _fields(envelope)
    # WeCom's echostr is the bare cipher text of a random string.
    echostr = fields["Encrypt"]
    params = {"msg_signature": fields["MsgSignature"], "timestamp": ts, "nonce": nonce}
    async with wecom.running.client.get("/wecom", params={**params, "echostr": echostr}) as r:
        assert (r.status, await r.text()) == (200, "<xml/>")
    params["msg_signature"] = "0" * 40
    async with wecom.running.client.get("/wecom", params={**params, "echostr": echostr}) as r:
        assert r.status == 403


# ----------------------------------------------------------------- conversations


async def test_invite_start_and_a_chinese_log_with_follow_up(wecom):
    app = wecom.running.server.app
    now = wecom.running.clock.now()
    async with app.db.transaction(platform="test") as session:
        mei = await create_user(session, "mei", role=Role("rep"), now=now, lang="zh")
        invite = await issue_invite(
            session, mei, now=now, ttl=timedelta(hours=1), key=invite_key(app.settings)
        )
        session.add(
            Company(
                name="星辰科技", owner_id=mei.id, city="Shanghai", created_at=now, updated_at=now
            )
        )
    member = wecom.member("mei.chen")
    said = await member.say(f"/start {invite.code}")
    assert (said.answer.status, said.answer.body) == (200, "")
    assert "✅ 欢迎" in said.text
    assert said.messages[0]["agentid"] == AGENT_ID
    assert said.messages[0]["enable_duplicate_check"] == 1
    text = "今天拜访了星辰科技，聊得不错，下周二下午3点跟进"
    said = await member.say(text)
    assert "✅ 已记录：拜访 · 星辰科技" in said.text
    assert "跟进：11月24日（周二）15:00" in said.text
    assert any(m["msgtype"] == "template_card" for m in said.messages)
    async with app.db.transaction() as session:
        task = await session.scalar(select(Task).order_by(Task.id.desc()))
    assert task is not None
    assert task.due_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    said = await member.click(said, "撤销")
    assert "已撤销" in said.text
    assert said.updates[0]["button"] == {"replace_name": "✓ ↩️ 撤销"}


async def test_lookup_choice_by_card_click_updates_the_card(wecom, na, team):
    app = wecom.running.server.app
    session, records = await BotHarness(app, wecom.running.clock, app.settings).records_for(team.na)
    async with session, session.begin():
        await records.create(Company, name="星辰贸易", city="Shanghai")
    said = await na.say("/查 星辰")
    card = said.messages[-1]
    assert card["msgtype"] == "template_card"
    assert card["template_card"]["card_type"] == "button_interaction"
    labels = [b["text"] for b in card["template_card"]["button_list"]]
    assert labels == ["星辰科技", "星辰贸易"]
    said = await na.click(said, "星辰科技")
    assert "张伟" in said.text
    update = said.updates[0]
    assert update["response_code"].startswith("RC-crm")
    assert update["button"] == {"replace_name": "✓ 星辰科技"}
    assert update["userids"] == [NA]


async def test_typing_the_number_works_too(wecom, na, team):
    app = wecom.running.server.app
    session, records = await BotHarness(app, wecom.running.clock, app.settings).records_for(team.na)
    async with session, session.begin():
        await records.create(Company, name="星辰贸易", city="Shanghai")
    await na.say("/查 星辰")
    said = await na.say("1")
    assert "张伟" in said.text


async def test_an_admin_can_link_a_member_directly(wecom, team, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setenv("CRMBOT_DATABASE_URL", wecom.running.server.app.settings.database_url)
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, main, ["user", "link", "li", "--wecom", "li.wei"]
    )
    assert result.exit_code == 0, result.output
    assert "li is linked to WeCom member li.wei" in result.output
    said = await wecom.member("li.wei").say("/me")
    assert "li" in said.text
    taken = await asyncio.to_thread(
        runner.invoke, main, ["user", "link", "zhang", "--wecom", "li.wei"]
    )
    assert taken.exit_code != 0
    assert await count(wecom, ChatIdentity, ChatIdentity.external_id == "li.wei") == 1


async def test_messages_to_one_member_are_paced(wecom, na):
    app = wecom.running.server.app
    start = wecom.running.clock.now()
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wecom",
            chat_id=NA,
            replies=[Text(f"第{i}条") for i in range(5)],
            now=start,
        )
    await wecom.deliveries()
    elapsed = wecom.running.clock.now() - start
    assert elapsed >= timedelta(seconds=8)  # 2 s apart: within 30 a minute


async def enqueue_texts(wecom: WeComServer, chat_id: str, texts: list[str]) -> None:
    app = wecom.running.server.app
    async with app.db.transaction(platform="test") as session:
        enqueue(
            session,
            platform="wecom",
            chat_id=chat_id,
            replies=[Text(t) for t in texts],
            now=wecom.running.clock.now(),
        )


async def test_a_member_over_the_hourly_cap_waits_in_the_outbox(wecom, na):
    adapter = wecom.running.server.adapters["wecom"]
    assert adapter.limits.per_chat_hour == MEMBER_HOURLY
    adapter.limits = replace(adapter.limits, per_chat_hour=3)
    start = wecom.running.clock.now()
    await enqueue_texts(wecom, NA, [f"第{i}条" for i in range(5)])
    sent = await wecom.deliveries()
    assert [message_text(c.body) for c in sent] == ["第0条", "第1条", "第2条"]
    waiting = [r for r in await outbox(wecom) if r.state == "pending"]
    assert len(waiting) == 2
    assert all(r.attempts == 0 for r in waiting)  # waiting is not failing
    due = min(r.next_attempt_at for r in waiting)
    assert start + timedelta(hours=1) <= due <= start + timedelta(hours=1, minutes=2)
    wecom.running.clock.advance(timedelta(minutes=30))
    assert await wecom.deliveries() == []
    wecom.running.clock.advance(due - wecom.running.clock.now())
    sent = await wecom.deliveries()
    assert [message_text(c.body) for c in sent] == ["第3条", "第4条"]
    assert {r.state for r in await outbox(wecom)} == {"sent"}


def test_the_hourly_cap_is_about_a_thousand_per_member(clock):
    limiter = RateLimiter(clock, clock_sleep(clock))
    limits = WeComAdapter.limits
    first = clock.now()
    for _ in range(MEMBER_HOURLY):
        assert limiter.take("wecom", NA, limits) is None
        clock.advance(timedelta(seconds=2))
    room = limiter.take("wecom", NA, limits)
    assert room is not None
    assert first + timedelta(hours=1) <= room <= first + timedelta(hours=1, minutes=2)
    assert limiter.take("wecom", "someone.else", limits) is None  # per member
    clock.advance(room - clock.now())
    assert limiter.take("wecom", NA, limits) is None


async def test_the_apps_daily_cap_holds_messages_until_the_next_day(settings, clock, api):
    async with running(wecom_settings(settings, api, wecom_daily_limit=3), clock) as server:
        wecom = WeComServer(server, api)
        start = clock.now()
        await enqueue_texts(wecom, NA, ["一", "二"])
        await enqueue_texts(wecom, "li.wei", ["三", "四"])
        sent = await wecom.deliveries()
        assert len(sent) == 3
        waiting = [r for r in await outbox(wecom) if r.state == "pending"]
        assert len(waiting) == 1
        assert waiting[0].next_attempt_at >= start + timedelta(hours=24)
        clock.advance(timedelta(hours=12))
        assert await wecom.deliveries() == []
        clock.advance(waiting[0].next_attempt_at - clock.now())
        assert len(await wecom.deliveries()) == 1
        assert {r.state for r in await outbox(wecom)} == {"sent"}


# ----------------------------------------------------------------------- refusals


async def test_refusals(wecom, na):
    fields = na.fields("text", Content="今天拜访了星辰科技", MsgId=1)
    forged = wecom.crypto(token="forged")
    assert (await wecom.post_xml(xml_message(fields), crypto=forged)).status == 403
    other_corp = wecom.crypto(corp_id="ww0000000000000000")
    assert (await wecom.post_xml(xml_message(fields), crypto=other_corp)).status == 403
    stale = wecom.now() - 301
    assert (await wecom.post_xml(xml_message(fields), timestamp=stale)).status == 403
    started = time.perf_counter()
    assert (await wecom.post_xml(BILLION_LAUGHS)).status == 400
    assert time.perf_counter() - started < 2
    assert (await wecom.post_xml("<xml><ToUserName>")).status == 400
    plain = xml_message(fields).encode()
    now = str(wecom.now())
    # No msg_signature: refused before the body is read.
    assert (await wecom.post_raw(plain, {"timestamp": now})).status == 403
    assert (await wecom.post_raw(plain, {"timestamp": now, "msg_signature": "x"})).status == 400
    huge = na.fields("text", Content="字" * 400_000, MsgId=2)
    signed = {"timestamp": now, "msg_signature": "x"}
    assert (await wecom.post_raw(xml_message(huge).encode(), signed)).status == 413
    assert await outbox(wecom) == []
    assert await count(wecom, Activity, Activity.source_text == "今天拜访了星辰科技") == 0


async def test_a_retried_message_is_acted_on_once(wecom, na):
    fields = na.fields("text", Content="今天拜访了星辰科技张总，聊得不错", MsgId=99)
    await wecom.post_xml(xml_message(fields))
    await wecom.post_xml(xml_message(fields))
    await wecom.deliveries()
    logged = Activity.source_text.like("今天拜访了星辰科技张总%")
    assert await count(wecom, Activity, logged) == 1


async def test_unknown_type_and_unlinked_member(wecom, na):
    said = await na.send(na.fields("video", MediaId="v", ThumbMediaId="t", MsgId=3))
    assert "暂时还不支持" in said.text
    said = await wecom.member("stranger").say("你好")
    assert "isn't linked" in said.text
    said = await wecom.member("stranger").send(
        wecom.member("stranger").fields("event", Event="subscribe")
    )
    assert "/start" in said.text


async def test_a_managers_report_also_goes_to_the_team_group(wecom, team, monkeypatch):
    import base64
    import hashlib

    from click.testing import CliRunner

    from bot.cli import main

    app = wecom.running.server.app
    async with app.db.transaction(platform="test") as session:
        wang = await session.get(User, team.wang.user_id)
        assert wang is not None
        await link_identity(
            session, wang, platform="wecom", external_id="wang.lei", now=wecom.running.clock.now()
        )
    monkeypatch.setenv("CRMBOT_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("CRMBOT_WECOM_API_URL", wecom.api.url)
    url = f"{wecom.api.url}/cgi-bin/webhook/send?key=GROUPKEY"
    runner = CliRunner()
    added = await asyncio.to_thread(runner.invoke, main, ["wecom", "add-group-bot", "East", url])
    assert added.exit_code == 0, added.output
    refused = await asyncio.to_thread(
        runner.invoke, main, ["wecom", "add-group-bot", "East", "https://example.com/hook"]
    )
    assert refused.exit_code != 0
    said = await wecom.member("wang.lei").say("/订阅 每周 漏斗")
    assert "已订阅" in said.text
    wecom.running.clock.set(datetime(2026, 11, 23, 1, 0, 30, tzinfo=UTC))  # Monday 9:00
    service = wecom.running.server.reminders.service
    await service.plan_digests()
    await service.tick()
    said_to_wang = await wecom.deliveries()
    assert any(c.body.get("touser") == "wang.lei" for c in said_to_wang)
    posts = wecom.api.called("cgi-bin/webhook/send")
    assert [p.params["key"] for p in posts] == ["GROUPKEY", "GROUPKEY"]
    assert posts[0].body["msgtype"] == "markdown"
    image = posts[1].body["image"]
    data = base64.b64decode(image["base64"])
    assert data.startswith(b"\x89PNG")
    assert image["md5"] == hashlib.md5(data).hexdigest()  # noqa: S324


async def test_a_card_photo_and_a_voice_message(wecom, na, monkeypatch):
    from tests import cardset
    from tests.cardset.memo import memoise_scans

    memoise_scans(monkeypatch)
    card = cardset.make_card(0)
    media_id = wecom.api.add_media(card.jpeg)
    photo = na.fields("image", PicUrl="http://p", MediaId=media_id, MsgId=wecom.next_msg_id())
    said = await na.send(photo)
    assert f"公司：{card.truth['company']}" in said.text
    voice = na.fields("voice", MediaId="v1", Format="amr", MsgId=wecom.next_msg_id())
    said = await na.send(voice)
    assert "没能识别这条语音" in said.text


async def test_a_chart_is_uploaded_and_sent_as_an_image(wecom, na):
    said = await na.say("/管道")
    image = next(m for m in said.messages if m["msgtype"] == "image")
    assert wecom.api.uploads[image["image"]["media_id"]].startswith(b"\x89PNG")
    assert said.messages[-1]["msgtype"] == "text"  # the summary after the picture


async def test_a_split_reply_failing_part_way_resumes_after_the_parts_sent(wecom, na):
    long = "\n".join(f"第{i}行：" + "星辰科技拜访记录" * 8 for i in range(40))
    parts = split_text(long, TEXT_BYTES)
    assert len(parts) >= 3
    await enqueue_texts(wecom, NA, [long])
    wecom.api.fail_next("cgi-bin/message/send", -1, "system busy", skip=1)
    tried = await wecom.deliveries()
    assert [message_text(c.body) for c in tried] == parts[:2]  # the second one failed
    wecom.running.clock.advance(timedelta(seconds=5))
    resumed = await wecom.deliveries()
    assert [message_text(c.body) for c in resumed] == parts[1:]  # the first is not resent
    (row,) = await outbox(wecom)
    assert row.state == "sent"
    assert len(row.message_ids) == len(parts)


async def test_set_menu_creates_the_apps_menu_whose_clicks_run_commands(
    wecom, na, settings, monkeypatch
):
    from click.testing import CliRunner

    from bot.cli import main

    for name, value in {
        "DATABASE_URL": settings.database_url,
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_SECRET": CORP_SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_AES_KEY": AES_KEY,
        "WECOM_API_URL": wecom.api.url,
        "SLOW_WORK_PROCESSES": "0",
    }.items():
        monkeypatch.setenv(f"CRMBOT_{name}", value)
    result = await asyncio.to_thread(CliRunner().invoke, main, ["wecom", "set-menu"])
    assert result.exit_code == 0, result.output
    (created,) = wecom.api.called("cgi-bin/menu/create")
    assert created.params == {"agentid": str(AGENT_ID)}
    assert created.token in wecom.api.tokens
    assert [b["name"] for b in created.body["button"]] == ["今日任务", "记录拜访", "更多"]
    assert [b["key"] for b in created.body["button"][2]["sub_button"]] == [
        "cmd:find",
        "cmd:pipeline",
        "cmd:help",
    ]
    assert "今日任务" in result.output
    said = await na.send(na.fields("event", Event="click", EventKey="cmd:today"))
    assert said.text == "今天没有待办事项。🎉"  # the click ran /today


async def test_export_goes_out_as_an_uploaded_file(wecom, na):
    said = await na.say("/导出")
    assert "导出哪类数据" in said.text
    said = await na.click(said, "联系人")
    assert "导出为 Excel 还是 CSV" in said.text
    said = await na.click(said, "CSV")
    upload = next(c for c in wecom.api.calls if c.path == "cgi-bin/media/upload")
    assert upload.params["type"] == "file"
    assert upload.body["filename"] == "crmbot-contacts-2026-11-18.csv"
    assert said.messages[0]["text"]["content"] == "📤 联系人：1 行。"  # caption first
    file = said.messages[-1]
    assert file["msgtype"] == "file"
    data = wecom.api.uploads[file["file"]["media_id"]].decode("utf-8-sig")
    assert data.splitlines()[0].startswith("联系人,公司名称,职位,手机")
    assert "张伟,星辰科技,总经理,+8613800138000" in data


async def test_a_spreadsheet_sent_to_the_app_starts_the_import(wecom, team, tmp_path):
    app = wecom.running.server.app
    async with app.db.transaction(platform="test") as session:
        wang = await session.get(User, team.wang.user_id)
        assert wang is not None
        await link_identity(
            session, wang, platform="wecom", external_id="wang.lei", now=app.clock.now()
        )
    manager = wecom.member("wang.lei")
    sheet = xlsx(
        tmp_path / "客户.xlsx",
        [["公司名称", "联系人", "手机"], ["金桥物流有限公司", "赵敏", "13700001111"]],
    )
    media_id = wecom.api.add_media(sheet.read_bytes(), "application/octet-stream")
    fields = manager.fields(
        "file", MediaId=media_id, FileName="客户.xlsx", MsgId=wecom.next_msg_id()
    )
    said = await manager.send(fields)
    assert "共 1 行 · 新建 1" in said.text
    said = await manager.click(said, "导入")
    assert "✅ 导入 #1 完成：新建公司 1 个、联系人 1 个" in said.text
    assert await count(wecom, Company, Company.name == "金桥物流有限公司") == 1

    pdf = wecom.api.add_media(b"%PDF-1.7", "application/pdf")
    fields = manager.fields("file", MediaId=pdf, FileName="报价.pdf", MsgId=wecom.next_msg_id())
    said = await manager.send(fields)
    assert "这不是我能识别的图片" in said.text  # as on Slack and Telegram
    assert [c.params.get("media_id") for c in wecom.api.calls if c.path == "cgi-bin/media/get"] == [
        media_id
    ]  # the PDF was never fetched
