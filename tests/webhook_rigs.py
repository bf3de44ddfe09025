"""The real server for one platform at a time, wired to that platform's local fake, as
pytest fixtures (``tg``, ``slack``, ``wechat``, ``wecom``; import them into a test module)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, SlackWorkspace
from tests.fakes.telegram_api import Rig, telegram_rig
from tests.fakes.wechat_api import (
    AES_KEY,
    AGENT_ID,
    APP_ID,
    APP_SECRET,
    CORP_ID,
    CORP_SECRET,
    TOKEN,
    FakeWeixinApi,
    WeChatServer,
    WeComServer,
)
from tests.server_harness import running


@pytest.fixture
async def tg(settings, clock) -> AsyncIterator[Rig]:
    async with telegram_rig(settings, clock) as rig:
        yield rig


@pytest.fixture
async def slack(settings, clock) -> AsyncIterator[SlackWorkspace]:
    api = FakeSlackApi()
    await api.start()
    config = Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api.api_url,
    )
    try:
        async with running(config, clock) as server:
            yield SlackWorkspace(server, api)
    finally:
        await api.close()


@pytest.fixture
async def weixin() -> AsyncIterator[FakeWeixinApi]:
    fake = FakeWeixinApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def wechat(settings, clock, weixin) -> AsyncIterator[WeChatServer]:
    config = Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_api_url=weixin.url,
    )
    async with running(config, clock) as server:
        yield WeChatServer(server, weixin)


@pytest.fixture
async def wecom(settings, clock, weixin) -> AsyncIterator[WeComServer]:
    config = Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=CORP_SECRET,
        wecom_token=TOKEN,
        wecom_aes_key=AES_KEY,
        wecom_api_url=weixin.url,
    )
    async with running(config, clock) as server:
        yield WeComServer(server, weixin)
