"""Customer tiers (issue 15): computed by rules from won deals and tags, shown on the card,
a change pushed to the owner (old → new and why), segments by tier; in both languages.

The people and the frozen clock are tests/test_book.py's: Li (English) owns Acme Ltd, Acme
Trading and Globex; 李娜 (na, Chinese) owns 星辰科技 and 华信电子有限公司.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from store.models import CompanyTag, Contract, CustomerTier, Deal, Task
from store.tier_rules import BadTierRules, TierRule, read_tier_rules
from store.tiers import Standing, decide, standings
from tests.harness import BotHarness, ChatUser
from tests.reminders_support import link_push, pushes, service
from tests.test_book import add, edit

SH = ZoneInfo("Asia/Shanghai")


async def won(
    bot: BotHarness, owner: ChatUser, company_id: int, yuan: int, **extra: object
) -> None:
    await add(
        bot,
        owner,
        Deal,
        company_id=company_id,
        title=f"Order {yuan}",
        stage="won",
        amount_cents=yuan * 100,
        currency="CNY",
        stage_changed_at=bot.clock.now(),
        **extra,
    )


async def test_the_card_shows_the_tier_and_why(bot, ws):
    r = await ws.li.send("/find Acme Ltd")
    assert "⭐ Tier: Potential · no won deal yet" in r.text
    await won(bot, ws.li, ws.ids["Acme Ltd"], 120_000)
    r = await ws.li.send("/find Acme Ltd")
    assert "⭐ Tier: Normal · 1 won deal(s)" in r.text
    await won(bot, ws.li, ws.ids["Acme Ltd"], 400_000)
    r = await ws.li.send("/find Acme Ltd")
    assert "⭐ Tier: VIP · won ¥520k in 12 months" in r.text

    r = await ws.na.send("/查 星辰科技")
    assert "⭐ 等级：潜在客户 · 尚无成交" in r.text
    await ws.na.send("标签 星辰科技 VIP")  # a manual tier tag is an input to the rules
    r = await ws.na.send("/查 星辰科技")
    assert "⭐ 等级：VIP客户 · 标签：VIP" in r.text
    await ws.na.send("标签 华信电子有限公司 普通")
    r = await ws.na.send("/查 华信电子有限公司")
    assert "⭐ 等级：普通客户 · 标签：普通" in r.text


async def test_a_change_is_pushed_to_the_owner_once(bot, ws):
    await link_push(bot, ws.li)
    await link_push(bot, ws.na)
    worker = service(bot.db, bot.clock, bot.settings, bot.app)
    assert await worker.plan_tiers() == 0  # the first night only records: nobody pushed
    assert len(await bot.all(select(CustomerTier))) == 6  # every customer, Zhang's too

    await won(bot, ws.li, ws.ids["Acme Ltd"], 520_000)  # a win: recomputed on the next round
    bot.clock.advance(timedelta(minutes=5))
    assert await worker.plan_tiers() == 1
    (push,) = await pushes(bot, ws.li)
    assert push.text.splitlines() == [
        "⭐ Acme Ltd: new tier",
        "Tier: Potential → VIP",
        "Why: won ¥520k in 12 months",
    ]
    r = await ws.li.click(push.button("Open"))
    assert "🏢 Acme Ltd" in r.text
    assert await worker.plan_tiers() == 0  # told once

    await ws.na.send("标签 星辰科技 VIP")
    bot.clock.advance(timedelta(days=1))  # the nightly recompute sees the tag
    assert await worker.plan_tiers() == 1
    (push,) = await pushes(bot, ws.na)
    assert push.text.splitlines() == [
        "⭐ 星辰科技：客户等级变化",
        "等级：潜在客户 → VIP客户",
        "原因：标签：VIP",
    ]
    assert push.labels == ["🏢 打开客户"]

    await ws.na.send("untag 星辰科技 VIP")
    bot.clock.advance(timedelta(days=1))
    assert await worker.plan_tiers() == 1
    assert (await pushes(bot, ws.na))[-1].text.splitlines()[1] == "等级：VIP客户 → 潜在客户"
    assert await worker.plan_tiers() == 0  # the night is done once
    tagged = await bot.all(select(CompanyTag))
    assert tagged == []  # the computation never writes tags: the rep's untag stands


async def test_segments_by_tier(bot, ws):
    await edit(bot, ws.li, ws.ids["Acme Ltd"], city="Shenzhen")
    await edit(bot, ws.li, ws.ids["Acme Trading"], city="Shenzhen")
    await won(bot, ws.li, ws.ids["Acme Ltd"], 600_000)  # VIP by its deals, no tag
    await won(bot, ws.li, ws.ids["Acme Trading"], 1_000)  # normal
    r = await ws.li.send("VIP customers in Shenzhen")
    assert r.text.startswith("🔎 Shenzhen · VIP: 1 customer(s)")
    assert r.buttons[0].label == "Acme Ltd · Shenzhen"
    r = await ws.li.send("normal customers")
    assert r.text.startswith("🔎 Normal: 1 customer(s)")
    assert r.buttons[0].label.startswith("Acme Trading")
    r = await ws.li.send("/segment potential")
    assert r.text.startswith("🔎 Potential: 1 customer(s)")  # Globex: no win

    await edit(bot, ws.na, ws.ids["星辰科技"], city="深圳")
    await ws.na.send("标签 星辰科技 VIP")
    r = await ws.na.send("深圳的VIP客户")
    assert r.text.startswith("🔎 深圳 · VIP客户：1 个客户")
    r = await ws.na.send("潜在客户")
    assert r.text.startswith("🔎 潜在客户：1 个客户")
    assert r.buttons[0].label.startswith("华信电子")


def test_rules_are_read_from_the_settings_and_bad_ones_refused():
    rules = read_tier_rules("vip=won>=100万|tag:VIP; key=orders>=3; normal=orders>=1")
    assert rules == (
        TierRule("vip", min_won=Decimal(1_000_000), tags=("VIP",)),
        TierRule("key", min_orders=3),
        TierRule("normal", min_orders=1),
    )
    assert decide(rules, Standing(won_cents=90_000_000, orders=3)).tier == "key"
    assert decide(rules, Standing(orders=1, tags=frozenset({"VIP"}))).reason == "tag:VIP"
    assert decide(rules, Standing()).tier == "potential"
    for bad in ("vip", "vip=lots", "vip=won>=many", "vip=orders>=two"):
        with pytest.raises(BadTierRules):
            read_tier_rules(bad)


def test_tier_rules_in_the_environment(monkeypatch):
    from bot.config import ConfigError, load_settings

    monkeypatch.setenv("CRMBOT_TIER_RULES", "vip=won>=1m")
    assert load_settings().tier_rules == (TierRule("vip", min_won=Decimal(1_000_000)),)
    monkeypatch.setenv("CRMBOT_TIER_RULES", "vip=won>=lots")
    with pytest.raises(ConfigError, match="CRMBOT_TIER_RULES: 'lots' is not an amount"):
        load_settings()


# --------------------------------------------------------------------------- next steps


async def test_the_morning_digest_suggests_next_steps(bot, ws, worker, clock):
    """Li: a follow-up snoozed and due again, a contract ending in 10 days, a deal stuck in
    Qualified for 20 days, a VIP with no visit this month; 李娜: her VIP with no visit."""
    await link_push(bot, ws.li)
    await link_push(bot, ws.na)
    now = clock.now()  # Wednesday 18 November, 10:00 in Shanghai
    await add(
        bot,
        ws.li,
        Task,
        company_id=ws.ids["Globex Corporation"],
        title="Call Globex back",
        due_at=now,
    )
    await worker.tick()  # due: pushed
    push = next(p for p in await pushes(bot, ws.li) if "Call Globex back" in p.text)
    await ws.li.click(push.button("+1 h"))
    clock.advance(timedelta(hours=1))
    await worker.tick()  # due again, still not done: it slipped twice
    await add(
        bot,
        ws.li,
        Contract,
        number="HT-2026-007",
        company_id=ws.ids["Acme Trading"],
        kind="sale",
        amount_cents=10_000_000,
        currency="CNY",
        starts_on=date(2025, 11, 29),
        ends_on=date(2026, 11, 29),
        status="active",
    )
    await add(
        bot,
        ws.li,
        Deal,
        company_id=ws.ids["Globex Corporation"],
        title="Globex pilot",
        stage="qualified",
        stage_changed_at=now - timedelta(days=20),
    )
    await ws.li.send("tag Acme Trading VIP")
    await ws.na.send("标签 星辰科技 VIP")

    clock.set(datetime(2026, 11, 19, 8, 30, tzinfo=SH))
    assert await worker.plan_digests() == 2
    await worker.tick()
    digest = next(p for p in await pushes(bot, ws.li) if p.text.startswith("☀️"))
    lines = digest.text.splitlines()
    steps = lines[lines.index("💡 Suggested next steps (4):") + 1 :]
    assert steps == [
        "• Follow-up “Call Globex back” has slipped 2 times — do it or drop it",
        "• Contract HT-2026-007 ends in 10 day(s) — time to talk renewal",
        "• Globex pilot has been in Qualified for 20 days — move it on",
        "• VIP Acme Trading: no visit this month — plan one",
    ]
    assert digest.labels == [
        "✅ Call Globex back",
        "📄 HT-2026-007",
        "💼 Globex pilot",
        "📝 Visit Acme Trading",
    ]
    r = await ws.li.click(digest.button("Globex pilot"))
    assert "Globex pilot" in r.text
    r = await ws.li.click(digest.button("HT-2026-007"))
    assert "HT-2026-007" in r.text
    r = await ws.li.click(digest.button("Visit Acme Trading"))
    assert r.text == "What was it?"  # the log for Acme Trading, a visit among the kinds
    r = await ws.li.click(digest.button("Call Globex back"))
    assert "Call Globex back" in r.text

    digest = next(p for p in await pushes(bot, ws.na) if p.text.startswith("☀️"))
    assert "• VIP客户 星辰科技 本月还没拜访——安排一次" in digest.text.splitlines()
    assert "📝 拜访 星辰科技" in digest.labels


async def test_the_stuck_deal_suggestion_follows_the_stale_deal_rule(bot, ws, worker, clock):
    """An admin's ``/rules stale_deal 25``: Li's deal 20 days in its stage is not suggested
    any more; 李娜's, 30 days in, still is (in Chinese)."""
    await link_push(bot, ws.li)
    await link_push(bot, ws.na)
    admin = await bot.user("ada", role="admin")
    r = await admin.send("/rules stale_deal 25")
    assert r.text.startswith("✅ Changed: • stale_deal: on, after 25 days")
    now = clock.now()
    for owner, company, title, days in (
        (ws.li, "Globex Corporation", "Globex pilot", 20),
        (ws.na, "星辰科技", "星辰二期", 30),
    ):
        await add(
            bot,
            owner,
            Deal,
            company_id=ws.ids[company],
            title=title,
            stage="qualified",
            stage_changed_at=now - timedelta(days=days),
        )
    clock.set(datetime(2026, 11, 19, 8, 30, tzinfo=SH))
    await worker.plan_digests()
    await worker.tick()
    assert not any("Globex pilot" in p.text for p in await pushes(bot, ws.li))
    digest = next(p for p in await pushes(bot, ws.na) if p.text.startswith("☀️"))
    lines = digest.text.splitlines()
    assert any(line.startswith("• 星辰二期 停在") and "已 30 天" in line for line in lines)


async def test_standings_of_more_customers_than_one_statement_takes(bot, ws):
    """An admin's export asks the standing of every customer they see: more ids than a
    statement may carry (32,767 parameters on PostgreSQL, 32,766 on SQLite) are read a
    page at a time, not refused."""
    await won(bot, ws.li, ws.ids["Acme Ltd"], 120_000)
    wanted = [ws.ids["Acme Ltd"], *range(10_000_000, 10_040_000)]
    async with bot.db.transaction() as session:
        found = await standings(session, bot.clock.now(), wanted)
    assert found == {ws.ids["Acme Ltd"]: Standing(12_000_000, 1)}


async def test_a_card_reads_its_tags_and_its_tier_in_one_statement(bot, ws):
    """The card had read its customer and its tags; the tier used to read both again (three
    statements), then its won deals after the tags (two): now one statement, the won deals
    with the tags alongside, and the tier still counts a tag as an input. The custom
    fields' values are read once, for their lines and the 🧩 button, and not at all while
    customers have no fields (the names read with the sender say so)."""
    import re

    from tests.sql_trace import executed

    await ws.na.send("标签 星辰科技 VIP")
    with executed() as calls:
        r = await ws.na.send("/查 星辰科技")
    assert "⭐ 等级：VIP客户 · 标签：VIP" in r.text
    assert "🧩" not in r.text
    seen = [c.statement for c in calls]
    tagged = [s for s in seen if "company_tags" in s]
    assert len(tagged) == 1, tagged
    assert "FROM deals" in tagged[0]
    assert not [s for s in seen if re.match(r"\s*SELECT companies\.id\s+FROM companies", s)]
    # no fields: no read of values (the names read with the sender are another's column)
    assert not [s for s in seen if re.match(r"\s*SELECT custom_fields\.", s)]
    ada = await bot.user("ada", role="admin")
    await ada.send("/field add company text 产品型号/Product model")
    with executed() as calls:
        r = await ws.na.send("/查 星辰科技")
    assert [b for b in r.buttons if b.label == "🧩 字段"], r.buttons
    seen = [c.statement for c in calls]
    assert len([s for s in seen if re.match(r"\s*SELECT custom_fields\.", s)]) == 1
