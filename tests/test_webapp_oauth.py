"""Opening the quick-lookup page from WeChat and WeCom, signed in by their OAuth against
the fake platform (issue 12): ``snsapi_base`` code -> openid, WeCom code -> UserID; a
forged state, a reused code or an account not linked lands on the page signed out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from store.models import User
from store.users import link_identity
from tests.fakes.wechat_api import APP_ID, CORP_ID, FakeWeixinApi, wechat_settings, wecom_settings
from tests.server_harness import running
from tests.webapp_support import Web, WebUser, web_over

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def weixin() -> AsyncIterator[FakeWeixinApi]:
    api = FakeWeixinApi()
    await api.start()
    yield api
    await api.close()


async def link(web: Web, platform: str, external_id: str) -> None:
    async with web.bot.db.transaction() as session:
        li = await session.get(User, web.ws.li.user_id)
        await link_identity(
            session, li, platform=platform, external_id=external_id, now=web.bot.clock.now()
        )


@pytest.fixture
async def wechat_web(settings, clock, weixin) -> AsyncIterator[Web]:
    configured = wechat_settings(settings, weixin, public_url=PUBLIC)
    async with running(configured, clock) as run, web_over(run) as web:
        await link(web, "wechat", "oLI-openid")
        yield web


@pytest.fixture
async def wecom_web(settings, clock, weixin) -> AsyncIterator[Web]:
    configured = wecom_settings(settings, weixin, public_url=PUBLIC)
    async with running(configured, clock) as run, web_over(run) as web:
        await link(web, "wecom", "LiWei")
        yield web


async def follow(browser: WebUser, path: str) -> tuple[int, str, Any]:
    async with browser.client.get(path, allow_redirects=False) as response:
        return response.status, response.headers.get("Location", ""), response.headers


async def start(browser: WebUser, platform: str) -> dict[str, list[str]]:
    status, location, _ = await follow(browser, f"/app/oauth/{platform}/start")
    assert status == 302
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    return parse_qs(urlsplit(location).query)


async def test_a_rep_opens_the_page_from_the_wechat_menu(wechat_web, weixin):
    browser = await wechat_web.browser()
    query = await start(browser, "wechat")
    assert query["appid"] == [APP_ID]
    assert query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [f"{PUBLIC}/app/oauth/wechat"]
    code = weixin.oauth_code("oLI-openid")
    status, location, headers = await follow(
        browser, f"/app/oauth/wechat?code={code}&state={query['state'][0]}"
    )
    assert (status, location) == (302, "/app/")
    assert "HttpOnly" in headers["Set-Cookie"]
    me = await browser.get("/app/session")
    assert (me.status, me.body["name"]) == (200, "li")
    browser.csrf = me.body["csrf"]
    done = await browser.post(f"/api/v1/tasks/{wechat_web.ws.ids['task today']}/done")
    assert done.status == 200


async def test_a_forged_state_or_a_reused_code_signs_nobody_in(wechat_web, weixin):
    browser = await wechat_web.browser()
    query = await start(browser, "wechat")
    code = weixin.oauth_code("oLI-openid")
    status, location, headers = await follow(
        browser, f"/app/oauth/wechat?code={code}&state=forged.state"
    )
    assert (status, location) == (302, "/app/")
    assert "Set-Cookie" not in headers
    state = query["state"][0]
    assert (await follow(browser, f"/app/oauth/wechat?code={code}&state={state}"))[0] == 302
    assert (await browser.get("/app/session")).status == 200  # the first use signed in
    again = await wechat_web.browser()
    _, _, headers = await follow(again, f"/app/oauth/wechat?code={code}&state={state}")
    assert "Set-Cookie" not in headers  # WeChat refuses a code used before
    assert (await again.get("/app/session")).status == 401


async def test_an_openid_not_linked_is_signed_out(wechat_web, weixin):
    browser = await wechat_web.browser()
    query = await start(browser, "wechat")
    code = weixin.oauth_code("o-stranger")
    _, _, headers = await follow(
        browser, f"/app/oauth/wechat?code={code}&state={query['state'][0]}"
    )
    assert "Set-Cookie" not in headers
    answer = await browser.get("/app/session")
    assert answer.status == 401
    assert answer.body["error"]["code"] == "signed_out"


async def test_a_wecom_member_opens_the_page_from_the_app_menu(wecom_web, weixin):
    browser = await wecom_web.browser()
    query = await start(browser, "wecom")
    assert query["appid"] == [CORP_ID]
    assert query["agentid"]
    code = weixin.oauth_code("LiWei")
    status, location, _ = await follow(
        browser, f"/app/oauth/wecom?code={code}&state={query['state'][0]}"
    )
    assert (status, location) == (302, "/app/")
    me = await browser.get("/app/session")
    assert (me.status, me.body["name"]) == (200, "li")
    assert weixin.called("cgi-bin/auth/getuserinfo")[0].params["code"] == code


async def test_a_state_made_for_wechat_does_not_sign_in_through_wecom(wecom_web, weixin):
    browser = await wecom_web.browser()
    state = wecom_web.run.server.app  # the server's own signer, as if for the other platform
    from bot.adapters.webapp.site import WebApp

    forged = WebApp(state).tokens.oauth_state("wechat")
    code = weixin.oauth_code("LiWei")
    _, _, headers = await follow(browser, f"/app/oauth/wecom?code={code}&state={forged}")
    assert "Set-Cookie" not in headers


async def test_set_menu_adds_the_quick_lookup_page_under_more(wechat_web, weixin):
    menu = await wechat_web.run.server.adapters["wechat"].set_menu()
    more = menu["button"][2]["sub_button"]
    view = [b for b in more if b.get("type") == "view"]
    assert view == [{"type": "view", "name": "快速查询", "url": f"{PUBLIC}/app/oauth/wechat/start"}]
