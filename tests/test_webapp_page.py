"""The quick-lookup page itself (issue 12): served gzipped and small, in both languages,
with the security headers a scanner expects and a CSP without inline scripts."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest

from tests.server_harness import running
from tests.webapp_support import Web, web_over

FIRST_VIEW_BUDGET = 100 * 1024


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": "http://127.0.0.1"}), clock) as run,
        web_over(run) as web,
    ):
        yield web


async def fetch(web: Web, path: str, **headers: str):
    client = (await web.browser()).client
    response = await client.get(path, headers=headers, auto_decompress=False, allow_redirects=False)
    body = await response.read()
    return response, body


async def test_the_first_view_is_gzipped_and_under_100_kb(web):
    total = 0
    response, body = await fetch(web, "/app/", **{"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    total += len(body)
    html = (await (await web.browser()).client.get("/app/")).text
    for asset in re.findall(r'(?:src|href)="(/app/static/[^"]+)"', await html()):
        asset_response, asset_body = await fetch(web, asset, **{"Accept-Encoding": "gzip"})
        assert asset_response.status == 200
        assert asset_response.headers["Content-Encoding"] == "gzip"
        total += len(asset_body)
    assert 1000 < total < FIRST_VIEW_BUDGET


async def test_the_page_carries_both_languages_and_speaks_the_browsers(web):
    client = (await web.browser()).client
    response = await client.get("/app/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text = await response.text()
    assert '<html lang="zh">' in text
    block = re.search(r'id="words">(.*?)</script>', text, re.S)
    assert block is not None
    words = json.loads(block.group(1))
    assert words["zh"]["search"] == "搜索"
    assert words["en"]["search"] == "Search"
    assert set(words["zh"]) == set(words["en"])


async def test_every_answer_has_the_security_headers(web):
    for path in ("/app/", "/app/static/app.js", "/api/v1/me", "/api/v1/openapi.json"):
        response, _ = await fetch(web, path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors" in csp


async def test_the_page_has_no_inline_script(web):
    _, body = await fetch(web, "/app/")
    scripts = re.findall(rb"<script([^>]*)>(.*?)</script>", body, re.S)
    for attributes, content in scripts:
        assert b'src="' in attributes or b'type="application/json"' in attributes
        assert b"src=" in attributes or content.strip().startswith(b"{")


async def test_a_sign_in_link_keeps_its_token_through_the_redirect(web):
    response, _ = await fetch(web, "/app?t=abc.def")
    assert response.status == 302
    assert response.headers["Location"] == "/app/?t=abc.def"


async def test_an_unknown_file_is_a_json_404(web):
    response, body = await fetch(web, "/app/static/../../etc/passwd")
    assert response.status == 404
    response, body = await fetch(web, "/app/static/secret.py")
    assert response.status == 404
    assert json.loads(body)["error"]["code"] == "not_found"
