"""The quick-lookup page in a real headless Chromium (Debian's ``chromium``, driven by
Playwright), against the real server and database (issue 12): a Chinese rep opens it from
the link the bot sends, finds a customer by pinyin, calls up the card with its tap-to-call
link, taps Done on a task and logs a visit — and the chat sees it; a Telegram user opens it
as a Mini App with ``initData`` and the chat app's theme. A screenshot of each view is kept
in the test's temp dir (``*.png``) and its size checked."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Page, async_playwright, expect
from pydantic import SecretStr
from sqlalchemy import select

from bot.events import EventKind, Location
from store.models import Task, User
from store.users import link_identity
from tests.fakes.telegram_api import telegram_rig
from tests.server_harness import running
from tests.webapp_support import Web, init_data, web_over

CHROMIUM = shutil.which("chromium")
"""The system's Chromium (Debian's, in CI), else Playwright's own (``dev.py test`` fetches
it when there is no system one)."""
TIMEOUT_MS = 20_000


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=1
        )
        opened = await context.new_page()
        opened.set_default_timeout(TIMEOUT_MS)
        # The page's own waits and expect()'s assertions wait alike: expect's 5 s default ran
        # out on a CI machine stalling on its disk, with the element on the page.
        expect.set_options(timeout=TIMEOUT_MS)
        errors: list[str] = []
        opened.on("pageerror", lambda exc: errors.append(str(exc)))

        def console(message: Any) -> None:
            # A refused request is logged by the browser itself; the page shows it.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                errors.append(message.text)

        opened.on("console", console)
        yield opened
        await browser.close()
        assert errors == []  # no script error, no CSP violation


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": "http://127.0.0.1"}), clock) as run,
        web_over(run) as web,
    ):
        yield web


def base_url(web: Web) -> str:
    return str(web.run.client.server.make_url("")).rstrip("/")


async def shot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert 5_000 < path.stat().st_size < 2_000_000, (name, path.stat().st_size)
    return path


async def test_a_chinese_rep_searches_opens_a_card_completes_a_task_and_logs(web, page, tmp_path):
    na, ids = web.ws.na, web.ws.ids
    session, records = await web.bot.records_for(na)
    async with session, session.begin():
        task = await records.create(
            Task,
            company_id=ids["星辰科技"],
            title="给张总发报价单",
            due_at=web.bot.clock.now() + timedelta(hours=2),
        )
        task_id = task.id
    token = await web.link_for(na)
    await page.goto(f"{base_url(web)}/app?t={quote(token)}")

    day = page.locator("#tasks .task")
    await expect(day).to_contain_text("给张总发报价单")
    await expect(page.locator("#nav-day")).to_have_text("我的一天")
    await shot(page, tmp_path, "my-day")
    await expect(page.locator("#nav-reports")).to_be_hidden()  # a rep has no team charts
    assert "t=" not in page.url  # the spent link is taken out of the address bar

    await day.locator("button.done").click()
    await expect(page.locator("#tasks li.sub")).to_contain_text("给张总发报价单")
    async with web.bot.db.transaction() as check:
        assert (await check.get(Task, task_id)).done_at is not None

    await page.locator("#q").fill("xingchen")
    hit = page.locator("#hits .hit").first
    await expect(hit).to_contain_text("星辰科技")
    await shot(page, tmp_path, "search")

    await hit.click()
    await expect(page.locator("#company-name")).to_have_text("星辰科技")
    call = page.locator("a.call").first
    assert (await call.get_attribute("href")) == "tel:+86-138-0013-8000"
    await shot(page, tmp_path, "card")

    await page.locator("#log-here").click()
    await page.locator("#kind").select_option("visit")
    await page.locator("#note").fill("拜访了张总，演示很顺利")
    await page.locator("#save").click()
    await expect(page.locator("#log-result")).to_contain_text("已记录")
    await shot(page, tmp_path, "log")

    chat = await na.send("/find 星辰科技")
    assert "拜访了张总，演示很顺利" in chat.text


@pytest.fixture
async def tg_web(settings, clock) -> AsyncIterator[tuple[Web, str]]:
    async with (
        telegram_rig(settings.model_copy(update={"public_url": "http://127.0.0.1"}), clock) as rig,
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


async def test_a_telegram_user_opens_the_mini_app_in_the_chats_theme(tg_web, page, tmp_path):
    web, bot_token = tg_web
    data = init_data(bot_token, 4242, int(web.bot.clock.now().timestamp()))
    theme: dict[str, Any] = {"bg_color": "#17212b", "text_color": "#f5f5f5"}  # a dark theme
    theme |= {"button_color": "#5288c1", "button_text_color": "#ffffff"}  # (no secondary_bg)
    fragment = f"tgWebAppData={quote(data)}&tgWebAppThemeParams={quote(json.dumps(theme))}"
    await page.goto(f"{base_url(web)}/app/#{fragment}")
    await expect(page.locator("#tasks .task")).to_contain_text("Send the revised quote")
    await expect(page.locator("#nav-day")).to_have_text("My day")  # li reads English
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    card = await page.evaluate(
        "getComputedStyle(document.querySelector('li.task')).backgroundColor"
    )
    assert card == "rgb(31, 41, 55)"  # dark, not the light default, where Telegram said nothing
    await shot(page, tmp_path, "telegram-dark")
    async with web.bot.db.transaction() as session:
        assert await session.scalar(select(User.name).where(User.id == web.ws.li.user_id)) == "li"


async def test_a_spent_link_shows_the_ask_again_page(web, page, tmp_path):
    token = await web.link_for(web.ws.li)
    assert (await (await web.browser()).sign_in({"token": token})).status == 200
    await page.goto(f"{base_url(web)}/app?t={quote(token)}")
    await expect(page.locator("#signin-error")).to_contain_text("/app")
    await shot(page, tmp_path, "link-used")


async def test_my_days_visits_show_each_check_in_with_a_link_to_the_maps_app(web, page, tmp_path):
    li = await web.open_from_chat(web.ws.li)
    await li.post(
        "/api/v1/log",
        {"company_id": web.ws.ids["Acme Ltd"], "kind": "visit", "note": "Showed the demo"},
    )
    chat = web.ws.li
    shared = replace(
        chat.event(), kind=EventKind.LOCATION, location=Location(31.2304, 121.4737, "Jing'an")
    )
    await chat.deliver(shared)
    token = await web.link_for(chat)
    await page.goto(f"{base_url(web)}/app?t={quote(token)}")

    day = page.locator("section.visit-day")
    await expect(day.locator("h3")).to_have_count(1)
    visit = day.locator("li.visit")
    await expect(visit).to_contain_text("Acme Ltd")
    await expect(visit).to_contain_text("Showed the demo")
    link = visit.locator("a.map")
    await expect(link).to_contain_text("Jing'an")
    assert (await link.get_attribute("href")) == (
        "geo:31.230400,121.473700?q=31.230400,121.473700(Jing%27an)"
    )
    await shot(page, tmp_path, "visits")
