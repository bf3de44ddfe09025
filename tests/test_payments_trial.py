"""Trial 5 fixes for money in by text (#36, #37, #39) and requests to the bot (#9).

"received ¥200k from 星辰科技 today" for a customer with no contract says so and offers what
can be done; more than is due is asked about, never spread; a message that names no
currency for a contract in another one asks which, and records nothing until tapped.
The workspace and clock are test_contracts' (Wednesday 18 November 2026, 10:00 Shanghai).
"""

from __future__ import annotations

from sqlalchemy import select, update

from store.models import Contract, ContractPayment, Task
from tests.test_contract_payments_edits import active_acme_with_plan


async def paid_rows(bot):
    rows = await bot.all(select(ContractPayment).order_by(ContractPayment.id))
    return [(p.paid_cents, p.paid_on is not None) for p in rows]


async def test_no_contract_says_so_and_offers_a_contract(bot, ws):
    fay = await bot.user("fay", role="finance", display_name="Fay")
    fei = await bot.user("fei", role="finance", lang="zh", display_name="费会计")
    r = await fay.send("received ¥200k from 星辰科技 today")
    assert (
        "星辰科技 has no active contract with an instalment to mark — nothing recorded." in r.text
    )
    assert r.button("New contract")
    r = await fei.send("星辰科技今天打了5万过来")
    assert "星辰科技 没有可标记回款的生效合同分期——未做任何记录。" in r.text
    assert r.button("新建合同")
    r = await ws.li.send("Acme Ltd PO received, 500k")  # a log, not a payment
    assert "no active contract" not in r.text
    assert await paid_rows(bot) == []


async def test_more_than_due_is_asked_about_not_spread(bot, ws):
    await active_acme_with_plan(ws)
    fay = await bot.user("fay", role="finance", display_name="Fay")
    r = await fay.send("received 250k from Acme Ltd")
    assert "¥250k is more than the ¥100k still due on Acme Ltd's instalment of 15 Dec 2026" in (
        r.text
    )
    assert "How should it be split?" in r.text
    r = await ws.li.send("Acme Ltd今天打了4万过来")
    assert "◐ Part payment of ¥40k for HT-2026-0001 recorded" in r.text
    assert await paid_rows(bot) == [(4_000_000, False), (0, False)]


async def test_another_currency_is_asked_and_nothing_recorded_until_tapped(bot, ws):
    await active_acme_with_plan(ws)
    async with bot.db.transaction() as session:  # the customer's contract is in US dollars
        await session.execute(update(Contract).values(currency="USD"))
    r = await ws.li.send("got 100k from acme ltd 🎉")
    assert "100,000 from Acme Ltd — in which currency?" in r.text
    assert await paid_rows(bot) == [(0, False), (0, False)]
    r = await ws.li.click(r.button("USD"))
    assert "Payment of $100k for HT-2026-0001 recorded" in r.text
    assert await paid_rows(bot) == [(10_000_000, True), (0, False)]
    assert await bot.all(select(Task).where(Task.title.like("%got%"))) == []


async def test_a_loosely_written_payer_is_still_found(bot, ws):
    await active_acme_with_plan(ws)
    fay = await bot.user("fay", role="finance", display_name="Fay")
    r = await fay.send("got 100k from acme ltdd today 🎉")
    assert "Payment of ¥100k for HT-2026-0001 recorded (18 Nov 2026)" in r.text


async def test_a_request_to_send_something_is_never_a_task(bot, ws):
    r = await ws.wang.send("把我团队今天的跟进建议发我一份")
    assert "未保存任何记录" in r.text
    r = await ws.li.send("show me my next steps for today")
    assert "nothing was saved" in r.text
    assert await bot.all(select(Task).where(Task.title.like("%发我%"))) == []
    assert await bot.all(select(Task).where(Task.title.like("%show me%"))) == []
