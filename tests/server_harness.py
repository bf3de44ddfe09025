"""Running the real aiohttp server (``bot.server``) in a test, against local platform fakes.

``clock_sleep`` makes the sender's waiting advance the frozen clock instead of sleeping, so
rate limits and ``retry_after`` are exercised with no real waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.clock import FrozenClock
from bot.config import Settings
from bot.server import Duties, Server, build_server, http_options
from store.models import Role
from store.users import add_member, create_user, ensure_team, link_identity
from tests.clocks import clock_sleep

HEALTH_TOKEN = "health-token-for-tests"


@dataclass
class Running:
    server: Server
    client: TestClient[Any, Any]
    clock: FrozenClock

    async def drain(self, rounds: int = 50) -> int:
        """Deliver everything that is due now or becomes due while the clock is advanced."""
        total = 0
        for _ in range(rounds):
            handled = await self.server.sender.deliver_due()
            total += handled
            if handled == 0:
                break
        return total

    async def health(self, token: str | None = HEALTH_TOKEN) -> tuple[int, dict[str, Any]]:
        """``/healthz`` as the operator's monitoring sees it (with the token), or as anyone
        does (``token=None``): the status and the JSON body."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.client.get("/healthz", headers=headers) as response:
            return response.status, await response.json()

    async def user(
        self,
        name: str,
        *,
        platform: str,
        external_id: str,
        role: str = "rep",
        lang: str | None = "en",
        team: str | None = None,
    ) -> int:
        now = self.clock.now()
        async with self.server.app.db.transaction(platform="test") as session:
            user = await create_user(session, name, role=Role(role), now=now, lang=lang)
            if team:
                await add_member(session, await ensure_team(session, team, now), user)
            await link_identity(session, user, platform=platform, external_id=external_id, now=now)
            return user.id


@asynccontextmanager
async def running(
    settings: Settings, clock: FrozenClock, duties: Duties | None = None
) -> AsyncIterator[Running]:
    if settings.health_token is None:
        settings = settings.model_copy(update={"health_token": SecretStr(HEALTH_TOKEN)})
    server = await build_server(settings, clock, sleep=clock_sleep(clock), duties=duties)
    test_server = TestServer(server.webapp, host="127.0.0.1")
    await test_server.start_server(**http_options(settings))  # serve's own timeouts
    client: TestClient[Any, Any] = TestClient(test_server)
    await client.start_server()
    for adapter in server.adapters.values():
        await adapter.start()
    try:
        yield Running(server, client, clock)
    finally:
        await client.close()
        for adapter in server.adapters.values():
            await adapter.close()
        await server.sender.release()  # as Server.close does: the lease and its listener
        await server.app.close()
