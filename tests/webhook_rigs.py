"""The real server for one platform at a time, wired to that platform's local fake, as
pytest fixtures (``tg``, ``slack``, ``wechat``, ``wecom``; import them into a test module)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import FakeSlackApi, SlackWorkspace, slack_settings
from tests.fakes.telegram_api import Rig, telegram_rig
from tests.fakes.wechat_api import (
    FakeWeixinApi,
    WeChatServer,
    WeComServer,
    wechat_settings,
    wecom_settings,
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
    try:
        async with running(slack_settings(settings, api), clock) as server:
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
    async with running(wechat_settings(settings, weixin), clock) as server:
        yield WeChatServer(server, weixin)


@pytest.fixture
async def wecom(settings, clock, weixin) -> AsyncIterator[WeComServer]:
    async with running(wecom_settings(settings, weixin), clock) as server:
        yield WeComServer(server, weixin)
