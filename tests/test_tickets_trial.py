"""Trial fixes for tickets (trial 5, #30–#35): a service person opens tickets for any
customer (reading only its name, region and contacts), closes one by saying so, and
free-text problems with typos and casual words still become tickets.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai. Li (English) owns Acme
Ltd, 李娜 (Chinese) owns 星辰科技; Sun (Chinese) and Yu (English) are service people.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from store.access import ReadOnly, ticket_intake
from store.models import Company, Deal, Ticket
from store.ticket_policy import read_routes
from tests.harness import BotHarness, ChatUser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"ticket_routes": read_routes("Shanghai/repair=Service;shanghai/complaint=Service")}
    )


async def service_people(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    sun = await bot.user("sun", role="service", team="Service", lang="zh")
    yu = await bot.user("yu", role="service", team="Service")
    return sun, yu


async def all_tickets(bot: BotHarness) -> list[Ticket]:
    return await bot.all(select(Ticket).order_by(Ticket.id))


async def test_a_service_person_opens_tickets_by_message_and_with_the_form(bot, ws):
    sun, yu = await service_people(bot)
    r = await sun.send("星辰科技的打印机坏了，很急")
    assert "🎫 已为星辰科技创建工单 #1" in r.text
    assert "客户负责人：李娜" in r.text
    r = await yu.send("/ticket")
    assert "customer" in r.text.lower()
    r = await yu.send("Acme")
    r = await yu.click(r.button("Acme Ltd"))
    r = await yu.send("the label printer jams")
    r = await yu.click(r.button("Repair")) if "type" in r.text else r
    r = await yu.click(r.button("Normal")) if "riority" in r.text else r
    assert "Ticket #2 opened for Acme Ltd" in r.text
    tickets = await all_tickets(bot)
    assert [(t.opened_by, t.owner_id) for t in tickets] == [
        (sun.user_id, ws.na.user_id),
        (yu.user_id, ws.li.user_id),
    ]


async def test_the_intake_view_reads_customers_only_and_writes_nothing(bot, ws):
    sun, _yu = await service_people(bot)
    session, mine = await bot.records_for(sun)
    async with session:
        view = ticket_intake(mine)
        assert list(await session.scalars(mine.select(Company))) == []
        companies = list(await session.scalars(view.select(Company)))
        assert {c.name for c in companies} >= {"Acme Ltd", "星辰科技"}
        assert list(await session.scalars(view.select(Deal))) == []
        with pytest.raises(ReadOnly):
            await view.update(companies[0], city="Beijing")
        assert ticket_intake(mine) is not mine
    session, li = await bot.records_for(ws.li)
    async with session:
        assert ticket_intake(li) is li  # a rep keeps their own view
