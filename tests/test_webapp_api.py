"""The API behind the quick-lookup page (issue 12), called as the rep the chat signs in:
the same lookup as ``/find``, the customer card, "my day", the quick log through the chat's
own code, the record rules on every endpoint, API tokens and their rate limit, and every
answer valid against the OpenAPI document the server publishes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from bot.adapters.webapp import page
from store.api_tokens import create_token, revoke
from store.models import ApiToken, AuditEntry, User
from tests.server_harness import running
from tests.webapp_support import Answer, Web, WebUser, web_over

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": PUBLIC}), clock) as run,
        web_over(run) as web,
    ):
        yield web


async def check(web: Web, answer: Answer, method: str, path: str) -> None:
    """``answer`` is what the OpenAPI document says ``method path`` returns."""
    document = (await (await web.browser()).get("/api/v1/openapi.json")).body
    operation = document["paths"][path][method.lower()]
    schema = operation["responses"][str(answer.status)]["content"]["application/json"]["schema"]
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:api", resource)
    validator = Draft202012Validator(
        {"$ref": "urn:api#/components/schemas/" + schema["$ref"].rsplit("/", 1)[-1]},
        registry=registry,
    )
    validator.validate(answer.body)


# ---- search and the customer card ------------------------------------------------------


async def test_search_in_pinyin_finds_what_find_finds(web):
    na = await web.open_from_chat(web.ws.na)
    answer = await na.get("/api/v1/search?q=xingchen")
    assert answer.status == 200
    assert answer.body["hits"][0]["name"] == "星辰科技"
    await check(web, answer, "GET", "/api/v1/search")
    chat = await web.ws.na.send("/find xingchen")
    assert "星辰科技" in chat.text


async def test_search_sees_only_what_the_rep_may_see(web):
    li = await web.open_from_chat(web.ws.li)
    assert (await li.get("/api/v1/search?q=xingchen")).body["hits"] == []
    assert (await li.get("/api/v1/search?q=hidden")).body["hits"] == []
    wang = await web.open_from_chat(web.ws.wang)  # the team's manager
    names = [h["name"] for h in (await wang.get("/api/v1/search?q=hidden")).body["hits"]]
    assert names == ["Hidden Co"]


async def test_an_empty_search_is_422_naming_the_field(web):
    li = await web.open_from_chat(web.ws.li)
    answer = await li.get("/api/v1/search?q=")
    assert answer.status == 422
    assert answer.body["error"]["fields"] == ["q"]


async def test_the_customer_card_has_tap_to_call_deals_activities_and_next_task(web):
    li = await web.open_from_chat(web.ws.li)
    path = "/api/v1/companies/{company_id}"
    answer = await li.get(f"/api/v1/companies/{web.ws.ids['Acme Ltd']}")
    assert answer.status == 200
    card = answer.body
    assert card["company"]["name"] == "Acme Ltd"
    assert card["contacts"][0]["tel"] == "tel:+86-139-1111-2222"
    assert [d["title"] for d in card["open_deals"]] == ["Acme ERP"]
    assert card["open_deals"][0]["amount"] == "300000"
    assert len(card["activities"]) == 5
    assert card["activities"][0]["summary"] == "call number 7"
    assert card["next_task"]["title"] == "Send the revised quote"
    await check(web, answer, "GET", path)


async def test_a_deal_shows_its_stage_history(web):
    li = await web.open_from_chat(web.ws.li)
    deal_id = web.ws.ids["Acme ERP"]
    moved = await li.call("PATCH", f"/api/v1/deals/{deal_id}", {"stage": "negotiation"})
    assert moved.status == 200, moved.body
    answer = await li.get(f"/api/v1/deals/{deal_id}")
    assert [h["to_stage"] for h in answer.body["history"]][-1] == "negotiation"
    assert answer.body["history"][-1]["from_stage"] == "proposal"
    await check(web, answer, "GET", "/api/v1/deals/{deal_id}")


# ---- record rules: someone else's records are 404 through every endpoint ---------------


async def test_a_rep_cannot_reach_another_reps_customer_through_any_endpoint(web):
    li = await web.open_from_chat(web.ws.li)
    hidden = web.ws.ids["Hidden Co"]
    na_contact, na_deal = web.ws.ids["张伟"], web.ws.ids["星辰 ERP"]
    attempts = [
        ("GET", f"/api/v1/companies/{hidden}", None),
        ("PATCH", f"/api/v1/companies/{hidden}", {"name": "Mine now"}),
        ("GET", f"/api/v1/contacts/{na_contact}", None),
        ("PATCH", f"/api/v1/contacts/{na_contact}", {"title": "x"}),
        ("GET", f"/api/v1/deals/{na_deal}", None),
        ("PATCH", f"/api/v1/deals/{na_deal}", {"stage": "won"}),
        ("POST", "/api/v1/log", {"company_id": hidden, "note": "sneaky"}),
        ("POST", "/api/v1/deals", {"company_id": hidden, "title": "sneaky"}),
        ("POST", "/api/v1/contacts", {"company_id": hidden, "name": "sneaky"}),
    ]
    for method, path, body in attempts:
        answer = await li.call(method, path, body)
        assert answer.status == 404, (method, path, answer.body)
        assert answer.body["error"]["code"] == "not_found"
    listed = await li.get(f"/api/v1/contacts?company_id={web.ws.ids['星辰科技']}")
    assert listed.body["items"] == []
    async with web.bot.db.transaction() as session:
        hidden_name = await session.scalar(
            select(AuditEntry.new_value).where(AuditEntry.record_id == hidden).limit(1)
        )
    assert hidden_name != "Mine now"


async def test_a_rep_cannot_complete_another_reps_task(web):
    na = await web.open_from_chat(web.ws.na)
    answer = await na.post(f"/api/v1/tasks/{web.ws.ids['task today']}/done")
    assert answer.status == 404


async def test_a_missing_id_and_a_hidden_id_look_the_same(web):
    li = await web.open_from_chat(web.ws.li)
    missing = await li.get("/api/v1/companies/999999")
    hidden = await li.get(f"/api/v1/companies/{web.ws.ids['Hidden Co']}")
    assert (missing.status, missing.body) == (hidden.status, hidden.body)


async def test_lists_are_scoped_and_paginated_with_cursors(web):
    li = await web.open_from_chat(web.ws.li)
    first = await li.get("/api/v1/companies?limit=2")
    assert first.status == 200
    assert len(first.body["items"]) == 2
    second = await li.get(f"/api/v1/companies?limit=2&cursor={first.body['next_cursor']}")
    names = [c["name"] for c in first.body["items"] + second.body["items"]]
    assert sorted(names) == ["Acme Ltd", "Acme Trading", "Globex Corporation"]
    assert second.body["next_cursor"] is None
    await check(web, first, "GET", "/api/v1/companies")


async def test_create_and_update_go_through_the_record_rules(web):
    li = await web.open_from_chat(web.ws.li)
    made = await li.post("/api/v1/companies", {"name": "Initech", "city": "Austin"})
    assert made.status == 201
    assert made.body["owner_id"] == web.ws.li.user_id
    await check(web, made, "POST", "/api/v1/companies")
    changed = await li.call("PATCH", f"/api/v1/companies/{made.body['id']}", {"city": "Dallas"})
    assert changed.body["city"] == "Dallas"
    unknown = await li.post("/api/v1/companies", {"name": "X", "colour": "red"})
    assert unknown.status == 422
    assert unknown.body["error"]["fields"] == ["colour"]


# ---- the quick log, my day, tasks: the chat's own code ---------------------------------


async def test_the_quick_log_is_the_chats_log_and_the_chat_sees_it(web):
    li = await web.open_from_chat(web.ws.li)
    follow_up = (web.bot.clock.now() + timedelta(days=1)).replace(microsecond=0)
    answer = await li.post(
        "/api/v1/log",
        {
            "company_id": web.ws.ids["Globex Corporation"],
            "kind": "visit",
            "note": "Visited Sarah, demo went well",
            "follow_up": follow_up.isoformat(),
        },
    )
    assert answer.status == 201, answer.body
    assert answer.body["activity"]["kind"] == "visit"
    assert answer.body["task"]["due_at"] is not None
    assert "Globex Corporation" in answer.body["message"]
    await check(web, answer, "POST", "/api/v1/log")
    card = await web.ws.li.send("/find Globex")
    assert "Visited Sarah, demo went well" in card.text
    history = await web.ws.li.send("/tasks")
    assert "Globex" in history.text
    async with web.bot.db.transaction() as session:
        platforms = set(
            await session.scalars(
                select(AuditEntry.platform).where(AuditEntry.table_name == "activities")
            )
        )
    assert "web" in platforms


async def test_the_log_form_refuses_a_bad_kind_with_the_field_named(web):
    li = await web.open_from_chat(web.ws.li)
    answer = await li.post(
        "/api/v1/log", {"company_id": web.ws.ids["Acme Ltd"], "kind": "fax", "note": "x"}
    )
    assert answer.status == 422
    assert answer.body["error"]["fields"] == ["kind"]


async def test_my_day_lists_todays_task_and_done_works_like_the_chat_button(web):
    li = await web.open_from_chat(web.ws.li)
    day = await li.get("/api/v1/my-day")
    assert [t["title"] for t in day.body["tasks"]] == ["Send the revised quote"]
    await check(web, day, "GET", "/api/v1/my-day")
    task_id = day.body["tasks"][0]["id"]
    done = await li.post(f"/api/v1/tasks/{task_id}/done")
    assert done.status == 200
    assert done.body["task"]["done"] is True
    assert "Send the revised quote" in done.body["message"]
    today = await web.ws.li.send("/today")
    assert "Send the revised quote" not in today.text


async def test_snooze_moves_a_task_to_tomorrow_at_the_follow_up_time(web):
    li = await web.open_from_chat(web.ws.li)
    task_id = web.ws.ids["task today"]
    answer = await li.post(f"/api/v1/tasks/{task_id}/snooze", {"until": "tomorrow"})
    assert answer.status == 200
    due = datetime.fromisoformat(answer.body["task"]["due_at"])
    assert due.astimezone(web.ws.li.harness.clock.now().tzinfo) > web.bot.clock.now()
    assert (await li.get("/api/v1/my-day")).body["tasks"] == []


# ---- API tokens ------------------------------------------------------------------------


async def token_for(web: Web, name: str) -> tuple[int, str]:
    async with web.bot.db.transaction() as session:
        user = await session.scalar(select(User).where(User.name == name))
        row, secret = await create_token(session, user, "erp", now=web.bot.clock.now())
        return row.id, secret


async def test_a_reps_token_sees_a_reps_records(web):
    _, secret = await token_for(web, "li")
    erp = WebUser((await web.browser()).client, token=secret)
    mine = await erp.get(f"/api/v1/companies/{web.ws.ids['Acme Ltd']}")
    assert mine.status == 200
    assert (await erp.get(f"/api/v1/companies/{web.ws.ids['Hidden Co']}")).status == 404
    made = await erp.post("/api/v1/contacts", {"name": "Bob", "company_id": web.ws.ids["Acme Ltd"]})
    assert made.status == 201  # no CSRF token needed: no cookie is involved
    async with web.bot.db.transaction() as session:
        row = await session.scalar(select(ApiToken))
        assert row.last_used_at == web.bot.clock.now()
        assert secret not in row.token_hash


async def test_a_revoked_or_unknown_token_is_401(web):
    token_id, secret = await token_for(web, "li")
    async with web.bot.db.transaction() as session:
        await revoke(session, token_id, now=web.bot.clock.now())
    revoked = WebUser((await web.browser()).client, token=secret)
    assert (await revoked.get("/api/v1/me")).status == 401
    guessed = WebUser((await web.browser()).client, token="crm_guessed")
    assert (await guessed.get("/api/v1/me")).status == 401


async def test_a_token_over_its_rate_gets_429_with_retry_after(web):
    _, secret = await token_for(web, "li")
    erp = WebUser((await web.browser()).client, token=secret)
    statuses = [(await erp.get("/api/v1/me")).status for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    limited = await erp.get("/api/v1/me")
    assert int(limited.headers["Retry-After"]) >= 1
    web.bot.advance(seconds=5)
    assert (await erp.get("/api/v1/me")).status == 200


# ---- the document ----------------------------------------------------------------------


async def test_the_document_describes_every_endpoint_the_page_calls(web):
    document = (await (await web.browser()).get("/api/v1/openapi.json")).body
    assert document["openapi"] == "3.1.0"
    script = page._static("app.js").decode()
    called = {
        re.sub(r"\$\{[^}]+\}", "{id}", p) for p in re.findall(r"[`\"](/api/v1/[^`\"?]*)", script)
    }
    documented = {re.sub(r"\{[^}]+\}", "{id}", p) for p in document["paths"]}
    assert called, script[:200]
    assert called <= documented, called - documented
    docs = await (await web.browser()).get("/api/v1/docs")
    assert docs.status == 200
    assert "/api/v1/log" in docs.body


async def test_the_check_against_the_document_does_refuse_a_wrong_answer(web):
    from jsonschema import ValidationError

    with pytest.raises(ValidationError):
        await check(
            web, Answer(200, {"query": "x", "hits": [{"id": "1"}]}, {}), "GET", "/api/v1/search"
        )


async def test_a_manager_sees_the_pipeline_chart_of_the_team(web):
    import base64

    wang = await web.open_from_chat(web.ws.wang)
    answer = await wang.get("/api/v1/report?kind=pipeline")
    assert answer.status == 200, answer.body
    assert base64.b64decode(answer.body["png"]).startswith(b"\x89PNG")
    assert answer.body["summary"]
    await check(web, answer, "GET", "/api/v1/report")
    chat = await web.ws.wang.send("/pipeline")
    assert answer.body["summary"] in chat.text or chat.text.startswith(answer.body["summary"][:20])
    funnel = await wang.get("/api/v1/report?kind=funnel")
    assert funnel.status == 200
    assert (await wang.get("/api/v1/report?kind=secrets")).status == 422


async def test_emptying_a_required_field_is_422_not_a_crash(web):
    li = await web.open_from_chat(web.ws.li)
    acme = web.ws.ids["Acme Ltd"]
    answer = await li.call("PATCH", f"/api/v1/companies/{acme}", {"name": None})
    assert answer.status == 422
    assert answer.body["error"]["fields"] == ["body.name"]
    broken = await li.call("POST", "/api/v1/log", None)
    assert broken.status == 422
    not_json = await li.client.post(
        "/api/v1/log",
        data=b"{not json",
        headers={"X-CSRF-Token": li.csrf or "", "Content-Type": "application/json"},
    )
    assert not_json.status == 400
    assert (await not_json.json())["error"]["code"] == "bad_request"
