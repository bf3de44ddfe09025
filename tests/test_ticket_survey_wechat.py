"""The survey to the customer contact (issue 14): a WeChat Official Account follower who
sends the OA their phone is linked to that contact; when a ticket of theirs is closed the
survey goes to them as an OA text, and their reply ("4 很满意") is recorded against the
ticket. Without a linked follower the rep records the score, as before."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.adapters.memory.chat import LocalChat
from bot.config import Settings
from bot.replies import from_json
from store.models import AuditEntry, Contact, OutboxMessage, Ticket
from store.ticket_policy import read_routes
from tests.harness import BotHarness, Response
from tests.reminders_support import link_push
from tests.test_tickets import service_team


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "wechat_app_id": "wx0123456789",
            "wechat_app_secret": SecretStr("secret"),
            "wechat_token": SecretStr("token"),
            "ticket_routes": read_routes("Shanghai/repair=Service"),
        }
    )


def follower(bot: BotHarness, openid: str, lang: str | None = None) -> LocalChat:
    chat = LocalChat(
        bot.app.engine,
        bot.clock,
        platform="wechat",
        external_id=openid,
        display_name=openid,
        language_code=lang,
    )
    bot.chats.append(chat)
    return chat


async def surveys_to(bot: BotHarness, openid: str) -> list[str]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.platform == "wechat", OutboxMessage.chat_id == openid)
        .order_by(OutboxMessage.id)
    )
    return [from_json(row.body, row.image).text for row in rows]  # type: ignore[union-attr]


async def staff_pushes(bot: BotHarness, chat_id: str) -> list[Response]:
    """What a customer's answer pushed to a rep or manager (on their push platform: the
    answer came in on WeChat, not in their chat)."""
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("tk:%"), OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def test_a_linked_follower_gets_the_survey_and_their_answer_is_recorded(bot, ws):
    sun, _yu, _gao = await service_team(bot)
    na_push = await link_push(bot, ws.na)
    zhang = follower(bot, "oZhangWei")
    r = await zhang.send("13800138000")
    assert r.text == "谢谢，张伟：之后的服务满意度调查会发到这里。"
    [linked] = await bot.all(select(Contact.wechat_openid).where(Contact.name == "张伟"))
    assert linked == "oZhangWei"
    assert await bot.all(
        select(AuditEntry.new_value).where(AuditEntry.field == "wechat_openid")
    ) == ["oZhangWei"]

    await ws.na.send("星辰科技的打印机坏了，很急")
    [ticket] = await bot.all(select(Ticket))
    r = await sun.click(f"wc1:{ticket.id}")
    r = await sun.send("更换了定影器")
    assert "✅ 工单 #1 已关闭。" in r.text
    assert "⭐ 工单 #1 的满意度调查已通过微信发给张伟，回复会自动记录。" in r.text
    assert "5 ⭐" not in [b.label for b in r.buttons]
    [survey] = await surveys_to(bot, "oZhangWei")
    assert "张伟您好，星辰科技的工单 #1 已处理完毕：更换了定影器" in survey
    assert "请回复 1–5 分" in survey

    r = await zhang.send("很好")  # not a score: asked again, nothing recorded
    assert r.text == "请回复 1–5 分为工单 #1 评分，例如“4 很满意”。"
    r = await zhang.send("4 很满意")
    assert r.text == "谢谢！您的评分 4/5 已记录。"
    [ticket] = await bot.all(select(Ticket))
    assert (ticket.score, ticket.comment, ticket.status) == (4, "很满意", "closed")
    told = await staff_pushes(bot, na_push)
    assert "⭐ 张伟（星辰科技）在微信上为工单 #1 评分 4/5：很满意" in told[-1].text
    r = await zhang.send("5")
    assert r.text == "谢谢您的留言。目前没有需要您评价的服务。"


async def test_a_low_score_from_the_customer_reopens_and_reaches_the_managers(bot, ws):
    _sun, _yu, gao = await service_team(bot)
    gao_push = await link_push(bot, gao)
    wang_lei = follower(bot, "oWangLei", lang="en")  # a client that says it reads English
    r = await wang_lei.send("+86 139 1111 2222")  # Wang Lei at Acme Ltd
    assert r.text == "Thank you, Wang Lei: you will get our service surveys here."
    await ws.li.send("Acme Ltd's copier is not working")
    [ticket] = await bot.all(select(Ticket))
    await ws.li.click(f"wc1:{ticket.id}")
    r = await ws.li.send("Sun reset the copier")
    assert "⭐ The survey for ticket #1 went to Wang Lei on WeChat" in r.text
    [survey] = await surveys_to(bot, "oWangLei")  # the OA's language (zh by default)
    assert "Wang Lei您好，Acme Ltd的工单 #1 已处理完毕：Sun reset the copier" in survey
    r = await wang_lei.send("2, still jamming")
    assert r.text == "Thank you! Your score 2/5 is recorded."
    [ticket] = await bot.all(select(Ticket))
    assert (ticket.status, ticket.score, ticket.reopened) == ("open", 2, 1)
    [alert] = [p for p in await staff_pushes(bot, gao_push) if "🚨" in p.text]
    assert "🚨 Wang Lei (Acme Ltd) rated ticket #1 2/5 on WeChat (still jamming)" in alert.text
    assert [b.label for b in alert.buttons] == ["🎫 Open", "🔀 Reassign"]


async def test_strangers_and_unlinked_contacts_change_nothing(bot, ws):
    sun, _yu, _gao = await service_team(bot)
    stranger = follower(bot, "oStranger")
    r = await stranger.send("13900000000")
    assert r.text == "抱歉，没有找到这个号码。请发送您在客户经理处登记的手机号。"
    r = await stranger.send("5 很满意")  # not linked: only the usual prompt
    assert "很满意" not in r.text
    await ws.na.send("星辰科技的打印机坏了")
    [ticket] = await bot.all(select(Ticket))
    await sun.click(f"wc1:{ticket.id}")
    r = await sun.send("修好了")
    assert "⭐ 客户对工单 #1 的满意度？" in r.text  # no follower: the rep records it
    assert await surveys_to(bot, "oStranger") == []
