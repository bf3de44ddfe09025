"""Opening the quick-lookup page signed in (issue 12): the single-use link the bot sends on
``/app`` (Slack, WeChat, WeCom, the console) and Telegram's Mini App ``initData``; forged,
stale or reused sign-ins get 401 with a JSON error, and the session is a safe cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from store.models import User
from store.users import link_identity
from tests.fakes.slack_api import FakeSlackApi, SlackPerson, SlackWorkspace, slack_settings
from tests.fakes.telegram_api import telegram_rig
from tests.server_harness import running
from tests.webapp_support import LINK, Web, init_data, web_over

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": PUBLIC}), clock) as run,
        web_over(run) as web,
    ):
        yield web


async def test_a_rep_opens_the_page_from_the_link_the_bot_sends(web):
    browser = await web.open_from_chat(web.ws.li)
    assert browser.me["name"] == "li"
    me = await browser.get("/api/v1/me")
    assert me.status == 200
    assert (me.body["name"], me.body["role"]) == ("li", "rep")


async def test_the_session_cookie_is_httponly_and_lax(web):
    browser = await web.browser()
    answer = await browser.sign_in({"token": await web.link_for(web.ws.li)})
    cookie = answer.headers["Set-Cookie"]
    assert "crmbot_app=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain http here


async def test_over_https_the_cookie_is_secure(settings, clock):
    https = settings.model_copy(update={"public_url": "https://crm.example.com"})
    async with running(https, clock) as run, web_over(run) as web:
        browser = await web.browser()
        answer = await browser.sign_in({"token": await web.link_for(web.ws.li)})
        assert answer.status == 200
        assert "Secure" in answer.headers["Set-Cookie"]
        assert "max-age" in answer.headers["Strict-Transport-Security"]


async def test_a_link_used_twice_is_refused(web):
    token = await web.link_for(web.ws.li)
    first = await (await web.browser()).sign_in({"token": token})
    assert first.status == 200
    again = await (await web.browser()).sign_in({"token": token})
    assert again.status == 401
    assert again.body["error"]["code"] == "link_used"
    assert "/app" in again.body["error"]["message"]


async def test_a_link_older_than_ten_minutes_is_refused(web):
    token = await web.link_for(web.ws.li)
    web.bot.advance(minutes=10, seconds=1)
    answer = await (await web.browser()).sign_in({"token": token})
    assert answer.status == 401
    assert answer.body["error"]["code"] == "link_expired"


async def test_a_forged_link_is_refused(web):
    token = await web.link_for(web.ws.li)
    head, _, signature = token.rpartition(".")
    forged = head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    answer = await (await web.browser()).sign_in({"token": forged})
    assert answer.status == 401
    assert answer.body["error"]["code"] == "link_invalid"


async def test_the_link_is_bound_to_who_asked(web):
    browser = await web.open_from_chat(web.ws.na)
    assert browser.me["name"] == "na"
    assert browser.me["lang"] == "zh"


async def test_without_a_session_the_api_says_401_in_json(web):
    answer = await (await web.browser()).get("/api/v1/me")
    assert answer.status == 401
    assert answer.body["error"]["code"] == "signed_out"


async def test_a_write_without_the_csrf_token_is_refused(web):
    browser = await web.open_from_chat(web.ws.li)
    browser.csrf = None
    answer = await browser.post(f"/api/v1/tasks/{web.ws.ids['task today']}/done")
    assert answer.status == 403
    assert answer.body["error"]["code"] == "csrf"


async def test_a_session_ends_after_its_lifetime(web):
    browser = await web.open_from_chat(web.ws.li)
    web.bot.advance(hours=8, minutes=1)
    assert (await browser.get("/api/v1/me")).status == 401


async def test_a_chinese_rep_hears_the_errors_in_chinese(web):
    browser = await web.open_from_chat(web.ws.na)
    answer = await browser.get(f"/api/v1/companies/{web.ws.ids['Hidden Co']}")
    assert answer.status == 404
    assert answer.body["error"]["message"] == "未找到。"


async def test_without_a_public_url_the_bot_says_the_app_is_not_set_up(bot, ws):
    reply = await ws.li.send("/app")
    assert "CRMBOT_PUBLIC_URL" in reply.text


# ---- Telegram Mini App -----------------------------------------------------------------


@pytest.fixture
async def tg_web(settings, clock) -> AsyncIterator[tuple[Web, str]]:
    async with (
        telegram_rig(settings.model_copy(update={"public_url": PUBLIC}), clock) as rig,
        web_over(rig.run) as web,
    ):
        async with web.bot.db.transaction() as session:
            li = await session.get(User, web.ws.li.user_id)
            await link_identity(
                session, li, platform="telegram", external_id="4242", now=web.bot.clock.now()
            )
        token = rig.settings.telegram_token
        assert isinstance(token, SecretStr)
        yield web, token.get_secret_value()


async def test_a_mini_app_signs_in_with_telegrams_init_data(tg_web):
    web, bot_token = tg_web
    now = int(web.bot.clock.now().timestamp())
    browser = await web.browser()
    answer = await browser.sign_in({"initData": init_data(bot_token, 4242, now)})
    assert answer.status == 200, answer.body
    assert answer.body["name"] == "li"
    assert (await browser.get("/api/v1/me")).body["name"] == "li"


async def test_forged_init_data_is_refused(tg_web):
    web, bot_token = tg_web
    now = int(web.bot.clock.now().timestamp())
    other_bot = init_data("999:another-bots-token", 4242, now)
    answer = await (await web.browser()).sign_in({"initData": other_bot})
    assert answer.status == 401
    assert answer.body["error"]["code"] == "bad_init_data"
    tampered = init_data(bot_token, 4242, now).replace("4242", "4243")
    assert (await (await web.browser()).sign_in({"initData": tampered})).status == 401


async def test_init_data_older_than_a_day_is_refused(tg_web):
    web, bot_token = tg_web
    then = web.bot.clock.now() - timedelta(hours=24, minutes=1)
    answer = await (await web.browser()).sign_in(
        {"initData": init_data(bot_token, 4242, int(then.timestamp()))}
    )
    assert answer.status == 401


async def test_a_telegram_account_not_linked_gets_401(tg_web):
    web, bot_token = tg_web
    now = int(web.bot.clock.now().timestamp())
    answer = await (await web.browser()).sign_in({"initData": init_data(bot_token, 777, now)})
    assert answer.status == 401
    assert answer.body["error"]["code"] == "not_linked"


# ---- Slack: the link the bot sends on /crm app -----------------------------------------


@pytest.fixture
async def slack_web(settings, clock) -> AsyncIterator[tuple[Web, SlackPerson]]:
    api = FakeSlackApi()
    await api.start()
    try:
        configured = slack_settings(settings, api, public_url=PUBLIC)
        async with running(configured, clock) as run, web_over(run) as web:
            async with web.bot.db.transaction() as session:
                li = await session.get(User, web.ws.li.user_id)
                await link_identity(
                    session, li, platform="slack", external_id="U0LI", now=web.bot.clock.now()
                )
            yield web, SlackWorkspace(run, api).person("U0LI", "D0LIDM", "li.wei")
    finally:
        await api.close()


async def test_a_rep_opens_the_page_from_slack(slack_web):
    web, li = slack_web
    said = await li.command("app")
    found = LINK.search(said.text)
    assert found, said.text
    token = parse_qs(urlsplit(found.group(0).rstrip(">|")).query)["t"][0]
    browser = await web.browser()
    assert (await browser.sign_in({"token": token})).status == 200
    assert (await browser.get("/api/v1/me")).body["name"] == "li"


async def test_used_links_are_forgotten_once_they_have_expired(bot, worker):
    from sqlalchemy import func, select

    from store.app_links import use_once
    from store.models import AppLinkUse

    li = await bot.user("li")
    now = bot.clock.now()
    async with bot.db.transaction() as session:
        assert await use_once(
            session, "nonce-1", user_id=li.user_id, expires_at=now + timedelta(minutes=10), now=now
        )
        assert not await use_once(
            session, "nonce-1", user_id=li.user_id, expires_at=now + timedelta(minutes=10), now=now
        )
    await worker.reconcile()
    assert await bot.scalar(select(func.count()).select_from(AppLinkUse)) == 1
    bot.advance(minutes=11)
    await worker.reconcile()
    assert await bot.scalar(select(func.count()).select_from(AppLinkUse)) == 0


async def test_a_lookup_card_has_a_button_that_sends_the_link(web):
    card = await web.ws.li.send("/find Acme Ltd")
    reply = await web.ws.li.click(card.button("App"))
    found = LINK.search(reply.text)
    assert found, reply.text
    token = parse_qs(urlsplit(found.group(0)).query)["t"][0]
    assert (await (await web.browser()).sign_in({"token": token})).status == 200


async def test_without_a_public_url_the_card_has_no_app_button(bot, ws):
    card = await ws.li.send("/find Acme Ltd")
    assert not [b for b in card.buttons if "App" in b.label]
