"""'This week's visits' on the quick-lookup page (issue 12, round 2): no map (its tiles would
come from the internet), but the visits grouped by day with the place each was checked in
at and a geo: link that opens it in the phone's maps app."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.adapters.webapp.visits import geo_uri
from bot.events import EventKind, Location
from tests.server_harness import running
from tests.test_webapp_api import check
from tests.webapp_support import Web, web_over

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": PUBLIC}), clock) as run,
        web_over(run) as web,
    ):
        yield web


async def share_location(web: Web, where: Location) -> str:
    """Li shares a location in the chat, as a phone's chat app sends one."""
    chat = web.ws.li
    event = dataclasses.replace(chat.event(), kind=EventKind.LOCATION, location=where)
    return (await chat.deliver(event)).text


async def test_this_weeks_visits_are_grouped_by_day_with_the_check_in_place_and_a_maps_link(web):
    li = await web.open_from_chat(web.ws.li)
    logged = await li.post(
        "/api/v1/log",
        {"company_id": web.ws.ids["Acme Ltd"], "kind": "visit", "note": "Showed the demo"},
    )
    assert logged.status == 201, logged.body
    said = await share_location(web, Location(31.2304, 121.4737, "People's Square"))
    assert "Acme Ltd" in said
    web.bot.clock.advance(timedelta(days=1))  # Wednesday -> Thursday, the same week
    li = await web.open_from_chat(web.ws.li)
    await li.post(
        "/api/v1/log",
        {"company_id": web.ws.ids["Globex Corporation"], "kind": "meeting", "note": "Budget"},
    )

    day = await li.get("/api/v1/my-day")
    assert day.status == 200
    await check(web, day, "GET", "/api/v1/my-day")
    days = day.body["days"]
    assert [d["day"] for d in days] == ["2026-11-18", "2026-11-19"]
    (visit,) = days[0]["visits"]
    assert (visit["company_name"], visit["summary"]) == ("Acme Ltd", "Showed the demo")
    assert visit["place"] == "People's Square"
    assert visit["map_url"] == (
        "geo:31.230400,121.473700?q=31.230400,121.473700(People%27s%20Square)"
    )
    (meeting,) = days[1]["visits"]
    assert meeting["company_name"] == "Globex Corporation"
    assert (meeting["place"], meeting["map_url"]) == (None, None)


async def test_a_visit_of_another_week_is_not_shown(web):
    li = await web.open_from_chat(web.ws.li)
    await li.post(
        "/api/v1/log",
        {"company_id": web.ws.ids["Acme Ltd"], "kind": "visit", "note": "Last week's"},
    )
    web.bot.clock.advance(timedelta(days=7))
    li = await web.open_from_chat(web.ws.li)
    assert (await li.get("/api/v1/my-day")).body["days"] == []


def test_a_geo_link_needs_a_real_point():
    assert geo_uri(None, 121.0, "x") is None
    assert geo_uri(91.0, 121.0, "x") is None
    assert geo_uri(31.0, 121.0, None) == "geo:31.000000,121.000000?q=31.000000,121.000000"
    named = geo_uri(31.0, 121.0, "人民广场 (东)")
    assert named is not None
    assert named.endswith("(%E4%BA%BA%E6%B0%91%E5%B9%BF%E5%9C%BA%20%28%E4%B8%9C%29)")
