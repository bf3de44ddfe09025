"""The lead pool (公海, issue 15): release from the card, claim from /pool within the
per-rep limit, the pool's team and city, the history it leaves, and the daily round that
warns a quiet customer's holder and then returns it — in both languages, frozen clock.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai (tests/workspace.py:
Li holds three customers, 李娜 two, Zhang one; all in team East). Here a rep may hold three
customers and a customer returns after 30 days without activity.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.replies import from_json
from charts.kinds import LeaderboardChart, PipelineChart
from handlers.common.actions import Claim
from handlers.reports.routes import Viewer, build
from scheduler.pool import PoolReturns
from store.models import (
    Activity,
    AuditEntry,
    Company,
    Contact,
    Deal,
    OutboxMessage,
    PoolMove,
    User,
)
from store.pool import POOL_DISPLAY, POOL_NAME
from tests.harness import BotHarness, ChatUser, Response
from tests.reminders_support import link_push

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        pool_hold_limit=3,
        pool_return_days=30,
    )


async def owner_of(bot: BotHarness, company_id: int) -> str:
    return str(
        await bot.scalar(
            select(User.name)
            .join(Company, Company.owner_id == User.id)
            .where(Company.id == company_id)
        )
    )


async def release(chat: ChatUser, name: str, *, zh: bool) -> Response:
    card = await chat.send(f"/查 {name}" if zh else f"/find {name}")
    asked = await chat.click(card.button("🌊"))
    return await chat.click(asked.button("🌊"))


async def pool_pushes(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("pool:%"), OutboxMessage.recipient_id == chat.user_id)
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def test_released_in_chinese_claimed_in_english_within_the_limit(bot, ws):
    xc = ws.ids["星辰科技"]
    card = await ws.na.send("/查 星辰科技")
    asked = await ws.na.click(card.button("🌊 退回公海"))
    assert "把 星辰科技 退回公海？联系人、进行中的商机和待办会一起退回" in asked.text
    assert await owner_of(bot, xc) == "na"  # nothing happens before the confirmation
    r = await ws.na.click(asked.button("🌊 确认退回"))
    assert "🌊 星辰科技 已退回公海。" in r.text
    # The customer's people and open deal went with it; nobody's book holds it now.
    assert await owner_of(bot, xc) == POOL_NAME
    pool_id = await bot.scalar(select(User.id).where(User.name == POOL_NAME))
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["星辰 ERP"])) == pool_id
    assert await bot.scalar(select(Contact.owner_id).where(Contact.id == ws.ids["张伟"])) == pool_id
    r = await ws.na.send("/查 星辰科技")
    assert "🏢 星辰科技" not in r.text

    # Li holds three, the limit: a clear refusal naming both numbers, nothing moved.
    r = await ws.li.send("/pool")
    assert "🌊 Lead pool: 1 customer(s). Tap one to claim it." in r.text
    r = await ws.li.click(r.button("✋ Claim 星辰科技"))
    assert "You already hold 3 customers; the limit is 3." in r.text
    assert await owner_of(bot, xc) == POOL_NAME

    # 李娜 holds one now: she claims it back, in Chinese.
    r = await ws.na.send("/公海")
    assert "🌊 公海：1 个客户，点一个即可领取。" in r.text
    r = await ws.na.click(r.button("✋ 领取 星辰科技"))
    assert "✅ 星辰科技 归你了。你现在有 2/3 个客户。" in r.text
    assert await owner_of(bot, xc) == "na"
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["星辰 ERP"])) == (
        ws.na.user_id
    )
    r = await ws.na.send("/公海")
    assert "🌊 公海暂时没有客户。" in r.text

    # The history says who held it and why it moved; both moves are audited.
    card = await ws.na.send("/查 星辰科技")
    r = await ws.na.click(card.button("历史"))
    assert "✋ 李娜 从公海领取" in r.text
    assert "🌊 李娜 退回公海" in r.text
    reasons = await bot.all(select(PoolMove.reason).order_by(PoolMove.id))
    assert reasons == ["released", "claimed"]
    moves = await bot.all(select(AuditEntry.id).where(AuditEntry.table_name == "pool_moves"))
    assert len(moves) >= 2
    owners = await bot.all(
        select(AuditEntry.new_value).where(
            AuditEntry.table_name == "companies",
            AuditEntry.record_id == xc,
            AuditEntry.action == "update",
            AuditEntry.field == "owner_id",
        )
    )
    assert owners == [str(pool_id), str(ws.na.user_id)]


async def test_a_pool_is_its_teams_and_filters_by_city(bot, ws):
    zhao = await bot.user("zhao", team="West")
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        globex = await records.get(Company, ws.ids["Globex Corporation"])
        await records.update(globex, city="Beijing")
    r = await release(ws.li, "Globex Corporation", zh=False)
    assert "🌊 Globex Corporation is back in the lead pool." in r.text
    await release(ws.li, "Acme Trading", zh=False)

    r = await ws.zhang.send("/pool")
    assert "🌊 Lead pool: 2 customer(s)." in r.text
    r = await ws.zhang.click(r.button("📍 Beijing"))
    assert "🌊 Lead pool in Beijing: 1 customer(s)." in r.text
    assert [b.label for b in r.buttons] == ["✋ Claim Globex Corporation · Beijing"]
    r = await ws.zhang.send("/pool shanghai")  # typed in any case
    assert "🌊 Lead pool in shanghai: 1 customer(s)." in r.text

    # Another team's rep does not see team East's pool, nor can a forged button claim.
    r = await zhao.send("/pool")
    assert "🌊 The lead pool is empty." in r.text
    r = await zhao.click(Claim(ws.ids["Acme Trading"]).encode())
    assert "no longer in the pool" in r.text
    assert await owner_of(bot, ws.ids["Acme Trading"]) == POOL_NAME


async def test_only_the_holder_sees_release_and_a_manager_may_not_claim_beyond_the_pool(bot, ws):
    r = await ws.wang.send("/查 星辰科技")  # the manager sees the team's customer
    assert "🏢 星辰科技" in r.text
    assert not any("🌊" in b.label for b in r.buttons)
    r = await ws.li.click(Claim(ws.ids["星辰科技"]).encode())  # held, not pooled
    assert "no longer in the pool" in r.text
    assert await owner_of(bot, ws.ids["星辰科技"]) == "na"


async def add_activity(bot: BotHarness, chat: ChatUser, company_id: int, when: Any) -> None:
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        await records.create(
            Activity, company_id=company_id, kind="visit", summary="visit", occurred_at=when
        )


async def test_a_quiet_customer_is_warned_about_then_returns(bot, ws, worker):
    await link_push(bot, ws.na)
    await link_push(bot, ws.li)
    round_ = PoolReturns(worker)
    bot.advance(days=26)
    assert await round_.run() == (0, 0)  # 26 quiet days: nothing yet

    bot.advance(days=1)  # 27 days: three days before the return
    warned, returned = await round_.run()
    assert returned == 0
    assert warned == 6  # every customer: Acme Ltd's last call was 28 days ago
    na_push = (await pool_pushes(bot, ws.na))[0]
    assert "⏳ 星辰科技 将在 3 天后退回公海" in na_push.text
    assert "记一次拜访就能保留" in na_push.text
    li_texts = [p.text for p in await pool_pushes(bot, ws.li)]
    assert any("⏳ Acme Trading returns to the pool in 3 days" in t for t in li_texts)
    assert any("log a visit to keep it" in t for t in li_texts)
    assert await round_.run() == (0, 0)  # asked again the same day: nothing twice

    # 李娜 keeps 星辰科技 from the push, and visits 华信电子; Li does nothing.
    r = await ws.na.click(na_push.button("📌 保留"))
    assert "📌 已保留 星辰科技：30 天从今天重新计算。" in r.text
    await add_activity(bot, ws.na, ws.ids["华信电子有限公司"], bot.clock.now())

    bot.advance(days=3)
    warned, returned = await round_.run()
    assert returned == 4  # Li's three, and Hidden Co (Zhang has no push account)
    for name in ("Acme Ltd", "Acme Trading", "Globex Corporation", "Hidden Co"):
        assert await owner_of(bot, ws.ids[name]) == POOL_NAME
    for name in ("星辰科技", "华信电子有限公司"):
        assert await owner_of(bot, ws.ids[name]) == "na"
    li_texts = [p.text for p in await pool_pushes(bot, ws.li)]
    assert any("🌊 Acme Ltd went back to the lead pool" in t for t in li_texts)
    assert any("No activity in 30 days." in t for t in li_texts)
    # The open deal and tasks went with Acme Ltd; the history says why.
    pool_id = await bot.scalar(select(User.id).where(User.name == POOL_NAME))
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["Acme ERP"])) == pool_id
    ada = await bot.user("ada", role="admin")
    card = await ada.send("/find Acme Ltd")
    r = await ada.click(card.button("History"))
    assert "🌊 back to the pool from Li: no activity" in r.text
    reasons = await bot.all(select(PoolMove.reason).where(PoolMove.reason == "inactive"))
    assert len(reasons) == 4

    # A week on, 李娜's kept customer is quiet again: warned again before it goes.
    bot.advance(days=24)
    warned, returned = await round_.run()
    assert returned == 0
    texts = [p.text for p in await pool_pushes(bot, ws.na)]
    assert sum("⏳ 星辰科技" in t for t in texts) == 2


async def test_the_round_waits_for_working_hours_and_is_off_by_default(bot, ws, worker):
    bot.advance(days=27, hours=-3)  # 07:00 in Shanghai
    assert await PoolReturns(worker).run() == (0, 0)
    bot.advance(hours=3)
    off = worker.settings.model_copy(update={"pool_return_days": 0})
    worker.settings = off
    assert await PoolReturns(worker).run() == (0, 0)


async def test_the_pool_is_nobody_in_an_admins_reports(bot, ws):
    """A released customer's deals are the pool's, but the pool is no seller: the
    leaderboard and the pipeline's people never list 公海 Pool."""
    session, records = await bot.records_for(ws.na)
    async with session, session.begin():
        await records.create(
            Deal,
            company_id=ws.ids["星辰科技"],
            title="星辰一期",
            stage="won",
            amount_cents=100_000_00,
            currency="CNY",
            probability=100,
            stage_changed_at=bot.clock.now(),
        )
    await release(ws.na, "星辰科技", zh=True)
    ada = await bot.user("ada", role="admin")
    r = await ada.send("/leaderboard")
    assert "Pool" not in r.text
    assert "公海" not in r.text
    session, records = await bot.records_for(ada)
    async with session, session.begin():
        user = await session.get(User, ada.user_id)
        viewer = Viewer(user, records, bot.settings, bot.app.translator, "en", SH, bot.clock.now())
        board, _ = await build(viewer, "leaderboard")
        pipeline, _ = await build(viewer, "pipeline")
    assert isinstance(board, LeaderboardChart)
    assert isinstance(pipeline, PipelineChart)
    assert POOL_DISPLAY not in {row.name for row in board.rows}
    assert {"Li", "李娜"} <= {row.name for row in board.rows}
    assert POOL_DISPLAY not in {owner.name for owner in pipeline.owners}


async def test_creating_a_pooled_customer_offers_to_claim_it_not_to_ask_the_pool(bot, ws):
    """The duplicate check (查重) finds a pooled customer: it is in the pool, to claim,
    never a colleague called 公海 Pool to ask for a handover."""
    await release(ws.zhang, "Hidden Co", zh=False)
    r = await ws.na.send("/newcompany Hidden Co., Ltd.")
    assert "• Hidden Co——在公海里（名称相同），发 /pool 可领取" in r.text
    assert "Pool" not in r.text
    labels = [b.label for b in r.buttons]
    assert labels[0] == "✋ 领取 Hidden Co"
    assert not any("转交" in label or "申请权限" in label for label in labels)
    r = await ws.na.click(r.button("✋ 领取 Hidden Co"))
    assert "✅ Hidden Co 归你了。你现在有 3/3 个客户。" in r.text
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "na"
    assert (
        await bot.scalar(select(Company.id).where(Company.name.like("Hidden Co%")))
        == (ws.ids["Hidden Co"])
    )  # nothing new was created


async def test_an_admin_assigning_pooled_customers_is_told_they_are_the_pools(bot, ws):
    """Where a record's holder is named, the pool is "the pool" / 公海 in the reader's
    language, never the row's "公海 Pool"."""
    await release(ws.zhang, "Hidden Co", zh=False)
    ada = await bot.user("ada", role="admin")
    r = await ada.send("assign segment No activity in 30 days to Li")
    assert "Now held by: 李娜 2, the pool 1." in r.text
    assert "Pool" not in r.text
    r = await ada.click(r.button("✅ Assign 3"))
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "li"


async def test_a_customers_tickets_go_with_it(bot, ws):
    """A ticket's owner is its customer's owner (store/models.py, Ticket): released, the
    old holder no longer sees the customer's tickets; claimed, the new one does."""
    r = await ws.li.send("/ticket Globex Corporation")
    r = await ws.li.send("question about the API limits")
    r = await ws.li.click(r.button("Normal")) if "Priority?" in r.text else r
    assert "Ticket #1 opened for Globex Corporation" in r.text
    r = await release(ws.li, "Globex Corporation", zh=False)
    assert "Globex Corporation is back in the lead pool" in r.text
    r = await ws.li.send("/ticket list")
    assert r.text == "No tickets here."
    r = await ws.zhang.send("claim Globex Corporation")
    assert r.text.startswith("✅ Globex Corporation is yours")
    r = await ws.zhang.send("/ticket list")
    assert "Globex" in r.text
    r = await ws.li.send("/ticket list")
    assert r.text == "No tickets here."


async def test_finance_and_service_people_do_not_claim_from_the_pool(bot, ws):
    """Reps claim leads (a manager or an admin may too); finance reads every customer and
    changes none, service people work tickets: neither takes a customer from the pool."""
    await release(ws.zhang, "Hidden Co", zh=False)
    for role in ("finance", "service"):
        person = await bot.user(f"{role}1", role=role, team="East")
        r = await person.send("/pool")
        assert "Hidden Co" in r.text
        assert not any("Claim" in b.label for b in r.buttons)
        r = await person.click(Claim(ws.ids["Hidden Co"]).encode())
        assert "Only sales people claim customers from the lead pool." in r.text
        r = await person.send("claim Hidden Co")
        assert "Only sales people claim customers from the lead pool." in r.text
        assert await owner_of(bot, ws.ids["Hidden Co"]) == POOL_NAME


async def test_a_pool_with_a_long_city_still_lists(bot, ws):
    """A city too long for a button's 64 bytes (an address typed as the city) gets no city
    button; the pool is listed all the same (it failed for everyone who looked)."""
    long_city = "上海市浦东新区陆家嘴金融贸易区世纪大道一百号"
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        (await records.get(Company, ws.ids["Acme Trading"])).city = long_city
    await release(ws.li, "Acme Trading", zh=False)
    await release(ws.zhang, "Hidden Co", zh=False)
    r = await ws.na.send("/公海")
    assert "🌊 公海：2 个客户" in r.text
    assert r.button("✋ 领取 Hidden Co")
    assert r.button("📍 Shanghai")
    assert not any(long_city[:10] in b.label for b in r.buttons if b.label.startswith("📍"))


async def test_a_typed_claim_of_a_name_two_pooled_customers_share_asks_which(bot, ws):
    """Two customers called 星辰科技 (深圳 and 广州) both in the pool: "认领星辰科技" takes
    neither by chance; it asks, a button each with the city, and the one pressed is claimed."""
    from tests.test_book import add, edit

    await edit(bot, ws.na, ws.ids["星辰科技"], city="深圳")
    other = await add(bot, ws.zhang, Company, name="星辰科技", city="广州")
    await release(ws.na, "星辰科技", zh=True)
    card = await ws.zhang.send("/find 星辰科技")
    asked = await ws.zhang.click(card.button("🌊"))
    await ws.zhang.click(asked.button("🌊"))
    assert await owner_of(bot, other) == POOL_NAME
    assert await owner_of(bot, ws.ids["星辰科技"]) == POOL_NAME

    r = await ws.na.send("我要认领星辰科技")
    assert r.text.startswith("公海里有几个同名客户，要领取哪一个？")
    assert await owner_of(bot, other) == POOL_NAME  # nothing moves before the button
    r = await ws.zhang.send("claim 星辰科技 pls")
    assert r.text.startswith("Several customers in the lead pool have that name. Which one?")
    r = await ws.zhang.click(r.button("广州"))
    assert "星辰科技" in r.text
    assert await owner_of(bot, other) == "zhang"
    assert await owner_of(bot, ws.ids["星辰科技"]) == POOL_NAME


@pytest.mark.postgresql_only
async def test_two_first_uses_of_the_pool_at_once_share_its_one_row(db, clock):
    """The pool's user row is made on first use; a second first use while the first has not
    committed waits on the unique name and then takes the first's row, instead of failing
    its whole message."""
    import asyncio

    from sqlalchemy import func, text

    from store.pool import POOL_NAME, pool_owner

    async def waiting_on_a_lock() -> bool:
        async with db.transaction() as probe:
            waits = await probe.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
        return bool(waits)

    async def second_use() -> int:
        async with db.transaction() as session:
            return await pool_owner(session, clock.now())

    async with db.transaction() as first:
        first_id = await pool_owner(first, clock.now())
        second = asyncio.create_task(second_use())
        while not await waiting_on_a_lock():  # the second insert waits on the first's row
            assert not second.done(), second.exception()
    assert await second == first_id
    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.name == POOL_NAME)
        )
    assert count == 1
