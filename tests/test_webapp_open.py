"""The 📱 App button on a lookup card opens the quick-lookup page (issue 12, round 2): a Mini
App on Telegram in a private chat (signed in by the initData Telegram hands it), a link
button on Slack, the link itself in the text on WeChat, WeCom and the console; in a
Telegram group, where Telegram refuses web_app buttons, it still sends a link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from bot.adapters.console.render import render_all
from bot.adapters.wechat.render import Send, plain
from bot.adapters.wechat.render import render as wechat
from bot.adapters.wecom.render import Message
from bot.adapters.wecom.render import render as wecom
from bot.replies import Button, Card, from_json, to_json
from handlers.webapp.actions import OpenApp
from store.models import User
from store.users import link_identity
from tests.fakes.slack_api import FakeSlackApi, SlackPerson, SlackWorkspace, slack_settings
from tests.fakes.telegram_api import Rig, group, telegram_rig, user
from tests.server_harness import running
from tests.webapp_support import LINK, Web, init_data, web_over

HTTPS = "https://crm.example"
LI = user(4242, "Li")


@dataclass
class TelegramWeb:
    rig: Rig
    web: Web
    bot_token: str


@pytest.fixture
async def tg(settings, clock) -> AsyncIterator[TelegramWeb]:
    async with (
        telegram_rig(settings.model_copy(update={"public_url": HTTPS}), clock) as rig,
        web_over(rig.run) as web,
    ):
        async with web.bot.db.transaction() as session:
            li = await session.get(User, web.ws.li.user_id)
            await link_identity(
                session, li, platform="telegram", external_id="4242", now=web.bot.clock.now()
            )
        token = rig.settings.telegram_token
        assert isinstance(token, SecretStr)
        yield TelegramWeb(rig, web, token.get_secret_value())


def app_button(markup: dict[str, Any] | None) -> dict[str, Any]:
    assert markup, "the card has no buttons"
    return next(b for row in markup["inline_keyboard"] for b in row if b["text"] == "📱 App")


async def test_on_telegram_the_app_button_opens_the_mini_app_signed_in_as_the_presser(tg):
    messages = await tg.rig.say(LI, "/find Acme Ltd")
    card = next(m for m in messages if "Acme Ltd" in m.text)
    button = app_button(card.reply_markup)
    assert "callback_data" not in button
    url = button["web_app"]["url"]
    assert url.startswith(f"{HTTPS}/app?t=")
    # Telegram opens the page with initData of whoever pressed; the page signs in with it.
    now = int(tg.web.bot.clock.now().timestamp())
    browser = await tg.web.browser()
    answer = await browser.sign_in({"initData": init_data(tg.bot_token, 4242, now)})
    assert answer.status == 200, answer.body
    assert answer.body["name"] == "li"


async def test_in_a_telegram_group_the_app_button_still_sends_a_link(tg):
    team = group()
    messages = await tg.rig.say(LI, "/find@crm_bot Acme Ltd", chat=team)
    card = next(m for m in messages if "Acme Ltd" in m.text)
    button = app_button(card.reply_markup)
    assert "web_app" not in button
    assert button["callback_data"]
    answered = await tg.rig.say(LI, "/find@crm_bot Acme Ltd", chat=team)  # a fresh card
    card = next(m for m in answered if "Acme Ltd" in m.text)
    before = {m.message_id for m in tg.rig.fake.messages.values()}
    await tg.rig.click(card, "📱 App", LI)
    sent = [m for m in tg.rig.fake.messages.values() if m.message_id not in before]
    assert any(LINK.search(m.text) for m in sent), [m.text for m in sent]


@pytest.fixture
async def slack(settings, clock) -> AsyncIterator[tuple[Web, SlackPerson]]:
    api = FakeSlackApi()
    await api.start()
    try:
        configured = slack_settings(settings, api, public_url=HTTPS)
        async with running(configured, clock) as run, web_over(run) as web:
            async with web.bot.db.transaction() as session:
                li = await session.get(User, web.ws.li.user_id)
                await link_identity(
                    session, li, platform="slack", external_id="U0LI", now=web.bot.clock.now()
                )
            yield web, SlackWorkspace(run, api).person("U0LI", "D0LIDM", "li.wei")
    finally:
        await api.close()


async def test_on_slack_the_app_button_is_a_link_that_signs_in(slack):
    web, li = slack
    said = await li.command("find Acme Ltd")
    _, button = said.button("App")
    assert "value" not in button
    token = parse_qs(urlsplit(button["url"]).query)["t"][0]
    answer = await (await web.browser()).sign_in({"token": token})
    assert (answer.status, answer.body["name"]) == (200, "li")
    # Slack reports the press of a link button too: acknowledged, and nothing more is said.
    pressed = await li.click(said, "App")
    assert pressed.answer.status == 200
    assert pressed.messages == []


async def test_in_the_console_the_card_shows_the_link_and_its_number_still_works(
    settings, clock, tmp_path
):
    async with (
        running(settings.model_copy(update={"public_url": HTTPS}), clock) as run,
        web_over(run) as web,
    ):
        card = await web.ws.li.send("/find Acme Ltd")
        text = "\n".join(render_all(card.replies, tmp_path))
        found = LINK.search(text)
        assert found, text
        assert found.group(0).startswith(f"{HTTPS}/app?t=")
        assert "📱 App" in text
        again = await web.ws.li.click(card.button("App"))
        assert LINK.search(again.text), again.text


def test_wechat_and_wecom_show_the_link_in_the_text():
    card = Card("🏢 Acme", ("👤 Zhang",), (Button("📱 App", OpenApp(), f"{HTTPS}/app?t=x"),))
    assert f"📱 App: {HTTPS}/app?t=x" in plain(card)
    (menu,) = [c.body["msgmenu"] for c in wechat(card) if isinstance(c, Send)]
    assert f"{HTTPS}/app?t=x" in menu["head_content"]
    (message,) = [c.body for c in wecom(card, ["t1"]) if isinstance(c, Message)]
    assert f"{HTTPS}/app?t=x" in message["template_card"]["sub_title_text"]


def test_a_button_that_opens_a_page_survives_the_outbox():
    opens = Button("📱 App", OpenApp(), f"{HTTPS}/app?t=x")
    card = Card("🏢 Acme", (), (opens, Button("Log", "l")))
    back = from_json(to_json(card))
    assert back == card
    assert isinstance(back, Card)
    assert back.buttons[0].url == f"{HTTPS}/app?t=x"
    assert "url" not in to_json(card)["buttons"][1]
    with pytest.raises(ValueError, match="http"):
        Button("📱 App", OpenApp(), "javascript:alert(1)")
