"""``/healthz`` says up or down to anyone, and how busy the team is only to the operator's
monitoring, which holds ``CRMBOT_HEALTH_TOKEN`` (issue 21 item 16)."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_api import telegram_rig
from tests.server_harness import HEALTH_TOKEN


@pytest.fixture
async def tg(settings, clock):
    async with telegram_rig(settings, clock) as rig:
        yield rig


async def test_anonymous_callers_hear_only_up_or_down(tg):
    assert await tg.run.health(token=None) == (200, {"status": "ok"})
    assert await tg.run.health(token="guessed") == (200, {"status": "ok"})


async def test_the_token_shows_the_details(tg):
    status, body = await tg.run.health(token=HEALTH_TOKEN)
    assert status == 200
    assert body == {
        "platforms": ["telegram"],
        "outbox_backlog": 0,
        "waiting_for_window": 0,
        "oldest_undelivered_seconds": 0,
        "database": True,
        "status": "ok",
    }


async def test_a_database_down_is_503_for_anyone_without_details(tg, monkeypatch):
    app = tg.run.server.app

    def down(**_kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(app.db, "transaction", down)
    assert await tg.run.health(token=None) == (503, {"status": "unavailable"})
    status, body = await tg.run.health()
    assert (status, body["database"]) == (503, False)


async def test_without_a_configured_token_nobody_sees_the_details(settings, clock):
    async with telegram_rig(settings, clock) as rig:
        rig.run.server.app.settings = rig.run.server.app.settings.model_copy(
            update={"health_token": None}
        )
        assert await rig.run.health(token=HEALTH_TOKEN) == (200, {"status": "ok"})
