"""Reports add up deals in several currencies in the viewer's own, at rates an admin set."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from charts.kinds import LeaderboardChart
from handlers.reports.routes import Viewer, build
from store.fx import Rates, load_rates, set_rate
from store.models import Deal, User

SH = ZoneInfo("Asia/Shanghai")


async def won_usd_deal(bot, ws):
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        await records.create(
            Deal,
            company_id=ws.ids["Globex Corporation"],
            title="Globex rollout",
            stage="won",
            amount_cents=80_100_000,  # $801k
            currency="USD",
            probability=100,
            stage_changed_at=bot.clock.now(),
        )


async def test_without_rates_other_currencies_stay_apart(bot, ws):
    await won_usd_deal(bot, ws)
    r = await ws.wang.send("/leaderboard")
    assert "$801k" in r.text or "$80.1万" in r.text


async def test_with_a_rate_usd_wins_count_in_the_viewers_currency(bot, ws):
    await won_usd_deal(bot, ws)
    async with bot.db.transaction() as session:
        await set_rate(session, "USD", Decimal("7.2"), bot.clock.now())
    r = await ws.wang.send("/leaderboard")
    assert "共 ¥577万" in r.text  # $801k x 7.2 = ¥576.72万, in the manager's CNY
    async with bot.db.transaction() as session:
        user = await session.get(User, ws.li.user_id)
        user.currency = "USD"
    r = await ws.li.send("/leaderboard")
    assert "$801k" in r.text


def test_conversion_goes_through_the_base_and_never_guesses():
    rates = Rates("CNY", {"USD": Decimal("7.2"), "SGD": Decimal("5.4")})
    assert rates.convert(100, "USD", "CNY") == 720
    assert rates.convert(720, "CNY", "USD") == 100
    assert rates.convert(100, "USD", "SGD") == round(100 * 7.2 / 5.4)
    assert rates.convert(100, "EUR", "CNY") is None


async def test_rates_are_stored_and_dated(bot):
    async with bot.db.transaction() as session:
        await set_rate(session, "USD", Decimal("7.2"), bot.clock.now())
        await set_rate(session, "USD", Decimal("7.1"), bot.clock.now())
    async with bot.db.transaction() as session:
        rates = await load_rates(session, "CNY")
    assert rates.per_unit == {"USD": Decimal("7.1")}
    assert rates.set_on["USD"] == bot.clock.now().date()


async def test_a_usd_reps_wins_without_a_rate_are_dollars_never_zero_yuan(bot, ws):
    """Issue 18.1: the leaderboard said "¥0" for a rep whose $801k had no rate."""
    await won_usd_deal(bot, ws)
    session, records = await bot.records_for(ws.na)
    async with session, session.begin():
        for title in ("星辰一期", "星辰二期"):
            await records.create(
                Deal,
                company_id=ws.ids["星辰科技"],
                title=title,
                stage="won",
                amount_cents=100_000_00,
                currency="CNY",
                probability=100,
                stage_changed_at=bot.clock.now(),
            )
    r = await ws.wang.send("/排行")
    assert "赢单 3 个商机，共 ¥20万，另有其他币种 $80.1万 USD (1)" in r.text
    assert "销冠：李娜，2 个商机，¥20万。" in r.text
    assert "¥0" not in r.text
    session, records = await bot.records_for(ws.wang)
    async with session, session.begin():
        user = await session.get(User, ws.wang.user_id)
        viewer = Viewer(user, records, bot.settings, bot.app.translator, "zh", SH, bot.clock.now())
        spec, _ = await build(viewer, "leaderboard")
    assert isinstance(spec, LeaderboardChart)
    [row] = [row for row in spec.rows if row.name == "Li"]
    assert (row.won_cents, row.won_count, row.won_other) == (0, 1, "$80.1万 USD")


async def test_pipeline_stage_counts_are_the_deals_in_their_amounts(bot, ws):
    """Issue 18.1: "¥0 (1)" on a stage whose only deal was in dollars, and a total count
    that included deals its amount did not."""
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        await records.create(
            Deal,
            company_id=ws.ids["Globex Corporation"],
            title="Globex rollout",
            stage="negotiation",
            amount_cents=10_000_000,
            currency="USD",
            probability=75,
        )
    r = await ws.li.send("/pipeline")
    assert r.text.splitlines()[0] == (
        "Open pipeline (Your deals): ¥300k in 1 deal + $100k USD (1) in other currencies."
    )
    async with bot.db.transaction() as session:
        await set_rate(session, "USD", Decimal("7.2"), bot.clock.now())
    r = await ws.li.send("/pipeline")
    assert r.text.splitlines()[0] == "Open pipeline (Your deals): ¥1.02m in 2 deals."


async def test_a_viewer_currency_without_a_rate_is_drawn_in_the_base(bot, ws):
    """Rates exist, but none for the viewer's own currency: the report is in the currency
    the rates are quoted in, every rated amount converted, not all of it "not converted"."""
    await won_usd_deal(bot, ws)
    async with bot.db.transaction() as session:
        await set_rate(session, "USD", Decimal("7.2"), bot.clock.now())
        user = await session.get(User, ws.li.user_id)
        user.currency = "EUR"
    r = await ws.li.send("/leaderboard")
    assert "Top seller: Li, ¥5.77m in 1 deal." in r.text, r.text
