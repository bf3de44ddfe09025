"""Reports add up deals in several currencies in the viewer's own, at rates an admin set."""

from __future__ import annotations

from decimal import Decimal

from store.fx import Rates, load_rates, set_rate
from store.models import Deal, User


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
