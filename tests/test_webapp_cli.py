"""Opening the page from the console and API tokens from the command line (issue 12):
``/app`` in ``crmbot chat`` prints a link that signs the page in, and ``crmbot token``
makes, lists and revokes the tokens an integration calls the API with."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.cli import main
from bot.clock import SystemClock
from bot.config import load_settings
from bot.server import build_server


@pytest.fixture
def crmbot(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("CRMBOT_PUBLIC_URL", "http://127.0.0.1")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def call(method: str, path: str, *, json=None, headers=None) -> tuple[int, Any]:
    """One request to a server on the same database, as ``crmbot serve`` would answer it."""

    async def go() -> tuple[int, Any]:
        server = await build_server(load_settings(slow_work_processes=0), SystemClock())
        client = TestClient(TestServer(server.webapp, host="127.0.0.1"))
        await client.start_server()
        try:
            async with client.request(method, path, json=json, headers=headers) as response:
                return response.status, await response.json()
        finally:
            await client.close()
            await server.app.close()

    return asyncio.run(go())


def test_the_console_opens_the_page_through_app(crmbot):
    crmbot("user", "invite", "li", "--role", "rep")
    out = crmbot("chat", "--as", "li", input="/app\n/quit\n").output
    found = re.search(r"http://127\.0\.0\.1/app\?t=\S+", out)
    assert found, out
    token = parse_qs(urlsplit(found.group(0)).query)["t"][0]
    status, body = call("POST", "/app/session", json={"token": token})
    assert status == 200, body
    assert body["name"] == "li"


def test_a_token_is_shown_once_used_listed_and_revoked(crmbot):
    crmbot("user", "invite", "li", "--role", "rep")
    out = crmbot("token", "create", "erp-sync", "--as", "li").output
    token = re.search(r"^crm_\S+$", out, re.M)
    assert token, out
    assert "not shown again" in out
    assert "last used never" in crmbot("token", "list").output
    headers = {"Authorization": f"Bearer {token.group(0)}"}
    status, body = call("GET", "/api/v1/me", headers=headers)
    assert (status, body["name"]) == (200, "li")
    listing = crmbot("token", "list").output
    assert "erp-sync  as li" in listing
    assert "last used never" not in listing
    assert token.group(0) not in listing
    row = re.search(r"^(\d+)\s+erp-sync", listing, re.M)
    assert row is not None
    assert "revoked" in crmbot("token", "revoke", row.group(1)).output
    assert call("GET", "/api/v1/me", headers=headers)[0] == 401
    assert "revoked" in crmbot("token", "list").output
    assert "no API token 99" in crmbot("token", "revoke", "99", ok=False).output


def test_a_token_for_nobody_is_a_clear_error(crmbot):
    result = crmbot("token", "create", "x", "--as", "nobody", ok=False)
    assert result.exit_code == 1
    assert "no user named 'nobody'" in result.output
