"""The survey by e-mail (issue 14): a closed ticket's contact with an e-mail and no WeChat
link gets the survey by mail (through the outbox, after the closing commits), follows its
signed single-use link to ``/survey`` on the real server and answers there; the answer is
recorded as a WeChat reply is. A reused, forged or expired link gets a clear page; a mail
server that stays down ends with the rep told to ask by phone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.adapters.mail import BadSmtpUrl, SmtpTarget
from bot.config import Settings
from bot.replies import from_json
from store.models import OutboxMessage, Ticket
from store.ticket_policy import read_routes
from tests.harness import BotHarness
from tests.reminders_support import link_push
from tests.server_harness import running
from tests.smtp_responder import Mailbox, mailbox
from tests.test_ticket_survey_wechat import staff_pushes
from tests.test_tickets import service_team
from tests.webapp_support import Web, web_over

SITE = "https://crm.example"
LINK = re.compile(re.escape(SITE) + r"/survey\?t=\S+")


@pytest.fixture
async def box() -> AsyncIterator[Mailbox]:
    async with mailbox() as box:
        yield box


@pytest.fixture
async def web(settings: Settings, clock, box: Mailbox) -> AsyncIterator[Web]:
    settings = settings.model_copy(
        update={
            "smtp_url": SecretStr(box.url),
            "secret_key": SecretStr("k" * 40),
            "public_url": SITE,
            "ticket_routes": read_routes("Shanghai/repair=Service"),
        }
    )
    async with running(settings, clock) as run, web_over(run) as web:
        yield web


def link_in(mail: EmailMessage) -> tuple[str, str]:
    """The survey page's path and the token its form posts."""
    body = mail.get_content()
    found = LINK.search(body)
    assert found, body
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}", parse_qs(url.query)["t"][0]


async def page(web: Web, path: str) -> tuple[int, str]:
    async with web.run.client.get(path) as response:
        return response.status, await response.text()


async def answer(web: Web, token: str, score: str, comment: str = "") -> tuple[int, str]:
    form = {"t": token, "score": score, "comment": comment}
    async with web.run.client.post("/survey", data=form, headers={"Origin": SITE}) as response:
        return response.status, await response.text()


async def test_the_survey_is_emailed_in_chinese_and_answered_once(web: Web, box: Mailbox):
    bot, ws = web.bot, web.ws
    sun, _yu, _gao = await service_team(bot)
    na_push = await link_push(bot, ws.na)
    await ws.na.send("星辰科技的打印机坏了，很急")
    [ticket] = await bot.all(select(Ticket))
    await sun.click(f"wc1:{ticket.id}")
    r = await sun.send("更换了定影器")
    assert "✅ 工单 #1 已关闭。" in r.text
    assert "⭐ 工单 #1 的满意度调查已通过邮件发给张伟（zhangwei@xingchen.cn）" in r.text
    assert "5 ⭐" not in [b.label for b in r.buttons]
    assert box.received == []  # nothing is sent inside the closing's transaction

    await web.run.drain()
    [mail] = box.received
    assert mail["To"] == "zhangwei@xingchen.cn"
    assert mail["From"] == "service@acme.com"
    assert mail["Subject"] == "请为我们的服务评分：星辰科技的工单 #1"
    assert "张伟您好" in mail.get_content()
    path, token = link_in(mail)

    status, html = await page(web, path)
    assert status == 200
    assert "星辰科技的工单 #1：更换了定影器" in html
    assert html.count('name="score"') == 5
    assert "<script" not in html
    assert "style=" not in html

    status, html = await answer(web, token, "4", "很满意")
    assert (status, "谢谢！您的评分 4/5 已记录。" in html) == (200, True)
    [ticket] = await bot.all(select(Ticket))
    assert (ticket.score, ticket.comment, ticket.status) == (4, "很满意", "closed")
    told = await staff_pushes(bot, na_push)
    assert "⭐ 张伟（星辰科技）通过邮件为工单 #1 评分 4/5：很满意" in told[-1].text

    status, html = await answer(web, token, "1", "again")  # the link is spent
    assert status == 410
    assert "此调查链接已经使用过了" in html
    status, html = await page(web, path)
    assert status == 410
    assert "此调查链接已经使用过了" in html
    [ticket] = await bot.all(select(Ticket))
    assert (ticket.score, ticket.comment) == (4, "很满意")


async def test_an_english_low_score_reopens_and_forged_or_old_links_are_refused(
    web: Web, box: Mailbox
):
    bot, ws = web.bot, web.ws
    _sun, _yu, gao = await service_team(bot)
    gao_push = await link_push(bot, gao)
    await ws.li.send("Globex Corporation's copier is not working, ask Sarah Lee")
    [ticket] = await bot.all(select(Ticket))
    await ws.li.click(f"wc1:{ticket.id}")
    r = await ws.li.send("Sun reset the copier")
    assert "⭐ The survey for ticket #1 was e-mailed to Sarah Lee (sarah@globex.com)" in r.text
    await web.run.drain()
    [mail] = box.received
    assert mail["Subject"] == "How did we do? Ticket #1 for Globex Corporation"
    path, token = link_in(mail)

    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    status, html = await answer(web, forged, "5")
    assert status == 400
    assert "This survey link is not valid." in html
    status, html = await answer(web, token, "9")
    assert status == 400
    assert "Please pick a score from 1 to 5." in html

    status, html = await answer(web, token, "2", "still jamming")
    assert status == 200
    assert "Thank you! Your score 2/5 is recorded." in html
    [ticket] = await bot.all(select(Ticket))
    assert (ticket.status, ticket.score, ticket.reopened) == ("open", 2, 1)
    [alert] = [p for p in await staff_pushes(bot, gao_push) if "🚨" in p.text]
    assert "🚨 Sarah Lee (Globex Corporation) rated ticket #1 2/5 by e-mail" in alert.text
    assert [b.label for b in alert.buttons] == ["🎫 Open", "🔀 Reassign"]

    web.run.clock.advance(timedelta(days=8))
    status, html = await page(web, path)
    assert status == 410
    assert "This survey link has expired" in html


async def test_a_mail_server_that_stays_down_ends_with_the_rep_told(web: Web, box: Mailbox):
    bot, ws = web.bot, web.ws
    li_push = await link_push(bot, ws.li)
    box.refuse = True
    await ws.li.send("Globex Corporation's copier is not working, ask Sarah Lee")
    [ticket] = await bot.all(select(Ticket))
    await ws.li.click(f"wc1:{ticket.id}")
    await ws.li.send("Sun reset the copier")
    await web.run.drain()
    [row] = await bot.all(select(OutboxMessage).where(OutboxMessage.platform == "email"))
    assert (row.state, row.last_error) == ("pending", "smtp: SMTPSenderRefused 451")
    for _ in range(30):  # retried with backoff for a day, then given up
        web.run.clock.advance(timedelta(hours=1))
        await web.run.drain()
    [row] = await bot.all(select(OutboxMessage).where(OutboxMessage.platform == "email"))
    assert row.state == "failed"
    assert box.received == []
    told = await failure_notes(bot, li_push)
    assert any(
        "⚠️ The survey e-mail for ticket #1 to Sarah Lee could not be sent." in t for t in told
    )


async def failure_notes(bot: BotHarness, chat_id: str) -> list[str]:
    """What the rep was told when a survey e-mail failed for good."""
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("svm-failed:%"), OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
    )
    return [from_json(row.body, row.image).text for row in rows]  # type: ignore[union-attr]


async def test_a_post_from_another_site_is_refused(web: Web, box: Mailbox):
    bot, ws = web.bot, web.ws
    await ws.li.send("Globex Corporation's copier is not working, ask Sarah Lee")
    [ticket] = await bot.all(select(Ticket))
    await ws.li.click(f"wc1:{ticket.id}")
    await ws.li.send("Sun reset the copier")
    await web.run.drain()
    _, token = link_in(box.received[0])
    form = {"t": token, "score": "1"}
    headers = {"Origin": "https://evil.example"}
    async with web.run.client.post("/survey", data=form, headers=headers) as response:
        assert response.status == 403
    [ticket] = await bot.all(select(Ticket))
    assert ticket.score is None


def test_the_smtp_password_never_shows():
    target = SmtpTarget.parse("smtp://user:s3cret@mail.acme.com:587?starttls=1&from=a@acme.com")
    assert (target.host, target.port, target.starttls, target.password) == (
        "mail.acme.com",
        587,
        True,
        "s3cret",
    )
    assert "s3cret" not in repr(target)
    with pytest.raises(BadSmtpUrl) as bad:
        SmtpTarget.parse("smtp://user:s3cret@mail.acme.com:587")  # no from=
    assert "s3cret" not in str(bad.value)
    assert "s3cret" not in repr(Settings(smtp_url=SecretStr("smtp://u:s3cret@h?from=a@b.c")))
