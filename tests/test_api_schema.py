"""The API against its own OpenAPI document, by schemathesis (issue 12: "tests validate
responses against it, e.g. schemathesis against the running app on the loopback, a bounded
number of cases").

The real server (``bot.server``, as ``crmbot serve`` builds it) listens on 127.0.0.1; a rep's
API token signs the requests; schemathesis generates requests for every operation from the
document the server publishes and sends them over HTTP. Each answer must not be a 5xx and
must conform to the document (documented status code, content type, body schema, headers).
Deterministic (hypothesis derandomised, no example database), bounded (``EXAMPLES`` per
operation), no network beyond the loopback. The requests are made from a worker thread
(schemathesis' transport is ``requests``, synchronous) while the event loop serves them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from bot.adapters.webapp.api import endpoints
from store.api_tokens import create_token
from store.models import User
from tests.server_harness import Running, running
from tests.webapp_support import Web, web_over

EXAMPLES = 12
"""Cases per operation, valid ones and invalid ones (which must be refused with a 4xx):
enough to reach each status an operation documents, few enough that the whole run stays
in seconds on a loaded two-core machine."""

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    served = settings.model_copy(
        update={"public_url": PUBLIC, "api_rate_per_minute": 100_000, "api_burst": 100_000}
    )
    async with running(served, clock) as run, web_over(run) as web:
        yield web


async def token_of(web: Web, name: str) -> str:
    async with web.bot.app.db.transaction(platform="test") as session:
        user = await session.get(User, (await web.bot.get_user(name)).id)
        assert user is not None
        _, token = await create_token(session, user, "schemathesis", now=web.bot.clock.now())
    return token


def base_url(run: Running) -> str:
    return str(run.client.make_url("/")).rstrip("/")


def exercise(
    document: dict[str, Any], url: str, token: str
) -> tuple[list[str], dict[str, set[int]]]:
    """Every operation, ``EXAMPLES`` generated cases each: the failures, described, and
    the statuses each operation answered (so a run that only met 404s shows)."""
    schema = schemathesis.openapi.from_dict(document)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        read = getattr(result, "ok", None)  # an Err: an operation schemathesis cannot read
        assert read is not None, result
        operation: Any = read()
        name = f"{operation.method.upper()} {operation.path}"
        statuses[name] = set()
        try:
            exercise_one(operation, url, headers, statuses[name])
        except Exception as failure:
            failures.append(f"{name}: {failure}")
    return failures, statuses


def exercise_one(operation: Any, url: str, headers: dict[str, str], seen: set[int]) -> None:
    """Valid and invalid requests for one operation; raises what schemathesis found."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy()
        | operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
    )
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=url, headers=headers, timeout=30)
        seen.add(response.status_code)
        case.validate_response(response, headers=headers)

    run()


async def test_every_operation_answers_as_its_document_says(web):
    document = (await (await web.browser()).get("/api/v1/openapi.json")).body
    token = await token_of(web, "li")
    failures, statuses = await asyncio.to_thread(exercise, document, base_url(web.run), token)
    assert failures == [], "\n\n".join(failures)
    assert len(statuses) == len(endpoints())
    answered = {status for seen in statuses.values() for status in seen}
    assert {200, 201, 404, 422} <= answered, statuses
    for operation in ("GET /api/v1/me", "GET /api/v1/my-day", "GET /api/v1/companies"):
        assert 200 in statuses[operation], statuses


async def test_a_search_with_a_nul_in_it_is_an_answer_not_a_500(web):
    """Found by the run above: FTS5 took a NUL for the end of its query."""
    li = await web.open_from_chat(web.ws.li)
    answer = await li.get("/api/v1/search?q=Ac%00me")
    assert answer.status == 200
    assert [h["name"] for h in answer.body["hits"]][:1] == ["Acme Ltd"]
    assert "Acme Ltd" in (await web.ws.li.send("/find Acme L\x00td")).text


async def test_an_id_past_what_the_database_holds_is_404_not_500(web):
    """Found by the run above on PostgreSQL: ids are 32-bit there, and a bigger one in a
    path, a filter or a cursor was an error from the database instead of "not found"."""
    li = await web.open_from_chat(web.ws.li)
    assert (await li.get("/api/v1/companies/57396685400179")).status == 404
    assert (await li.get("/api/v1/contacts/2147483648")).status == 404
    assert (await li.get("/api/v1/contacts?company_id=2147483648")).status == 422
    listed = await li.get("/api/v1/companies?cursor=99999999999")
    assert listed.status == 200
    assert [c["name"] for c in listed.body["items"]][-1] == "Acme Ltd"
