"""Contracts, the rest of issue 14: partial payments, editing a contract's amount or dates
(old → new, confirmed, audited), the finance role as an approval level, and the contract
value / received / outstanding report by team and period.

The workspace and clock are test_contracts' (Wednesday 18 November 2026, 10:00 Shanghai).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from store.models import AuditEntry, ContractPayment, Task
from tests.reminders_support import link_push, pushes
from tests.test_contracts import contract_from_won_deal, contracts_in_db

SH = ZoneInfo("Asia/Shanghai")


async def active_acme_with_plan(ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Submit"))
    r = await ws.li.click(r.button("Payment plan"))
    return await ws.li.send("2026-12-15 100k\n2027-03-15 200k")


async def test_partial_payments_in_english(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await active_acme_with_plan(ws)
    r = await ws.li.send("received 40k from Acme Ltd today")
    assert (
        "◐ Part payment of ¥40k for HT-2026-0001 recorded (18 Nov 2026); ¥60k of the instalment"
        " due 15 Dec 2026 is still to come. Outstanding: ¥260k." in r.text
    )
    assert "• 15 Dec 2026 ¥100k — ⏳ due · ¥40k received" in r.text
    assert "Received ¥40k of ¥300k · outstanding ¥260k" in r.text
    r = await ws.li.send("received 250k from Acme Ltd")  # more than is due on the first
    assert "¥250k is more than the ¥60k still due on Acme Ltd's instalment" in r.text
    # 17 December: the rest of the first instalment is overdue, and said as what is left.
    clock.set(datetime(2026, 12, 17, 10, 0, tzinfo=SH))
    await worker.sweep_rules()
    await worker.tick()
    [push] = [p for p in await pushes(bot, ws.li) if "overdue" in p.text]
    assert "HT-2026-0001 · Acme Ltd · ¥60k was due 15 Dec 2026" in push.text
    r = await ws.li.send("received 60k from Acme Ltd")
    assert "Payment of ¥60k for HT-2026-0001 recorded (17 Dec 2026). Outstanding: ¥200k." in r.text
    assert "• 15 Dec 2026 ¥100k — ✅ paid 17 Dec 2026" in r.text
    rows = await bot.all(select(ContractPayment).order_by(ContractPayment.id))
    assert [(p.paid_cents, p.paid_on is not None) for p in rows] == [
        (10_000_000, True),
        (0, False),
    ]
    r = await ws.li.send("/find Acme Ltd")
    r = await ws.li.click(r.button("History"))
    assert "💰 17 Dec 2026 received ¥100k · HT-2026-0001" in r.text
    assert len(await bot.all(select(Task).where(Task.title.like("💰%")))) >= 1


async def test_partial_payment_in_chinese_and_the_paid_button_pays_the_rest(bot, ws):
    r = await ws.na.send("/合同 星辰科技")
    await ws.na.send("30万")
    await ws.na.send("今天")
    r = await ws.na.send("2027-11-17")
    r = await ws.na.click(r.button("销售合同"))
    r = await ws.na.click(r.button("提交审批"))
    r = await ws.na.click(r.button("回款计划"))
    r = await ws.na.send("12月15日 10万\n2027-03-15 20万")
    r = await ws.na.send("今天收到星辰科技3万回款")
    assert "◐ 已记录 HT-2026-0001 部分回款 ¥3万（2026年11月18日）" in r.text
    assert "还差 ¥7万" in r.text
    assert "⏳ 待回款 · 已回款 ¥3万" in r.text
    r = await ws.na.click(r.button("已回款"))
    assert "已记录 HT-2026-0001 回款 ¥7万（2026年11月18日）。未回款：¥20万。" in r.text
    [first, _] = await bot.all(select(ContractPayment).order_by(ContractPayment.id))
    assert (first.paid_cents, first.paid_on is not None) == (10_000_000, True)
    [contract] = await contracts_in_db(bot)
    assert contract.status == "active"


async def test_editing_amount_and_dates_is_confirmed_and_audited(bot, ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Edit"))
    assert r.text == "What do you want to change on HT-2026-0001?"
    assert [b.label for b in r.buttons] == ["Amount", "Start date", "End date"]
    r = await ws.li.click(r.button("Amount"))
    r = await ws.li.send("-5k")
    assert r.text == "⚠️ The amount must be more than zero."
    r = await ws.li.send("350k")
    assert r.text == "HT-2026-0001 — Amount: ¥300k → ¥350k. Save?"
    r = await ws.li.click(r.button("Save"))
    assert "✏️ HT-2026-0001 — Amount: ¥300k → ¥350k. Saved." in r.text
    assert "Amount: ¥350k" in r.text
    r = await ws.li.click(r.button("Edit"))
    r = await ws.li.click(r.button("End date"))
    r = await ws.li.send("2026-11-01")
    assert r.text == (
        "⚠️ The contract would run 18 Nov 2026 – 1 Nov 2026: the end must be after the start."
        " Type the date again."
    )
    r = await ws.li.send("2027-12-31")
    assert r.text == "HT-2026-0001 — End date: 17 Nov 2027 → 31 Dec 2027. Save?"
    r = await ws.li.click(r.button("Cancel"))
    assert r.text == "Nothing was changed."
    [contract] = await contracts_in_db(bot)
    assert (contract.amount_cents, contract.ends_on.isoformat()) == (35_000_000, "2027-11-17")
    trail = await bot.all(
        select(AuditEntry).where(
            AuditEntry.table_name == "contracts", AuditEntry.field == "amount_cents"
        )
    )
    assert [(a.old_value, a.new_value) for a in trail][-1] == ("30000000", "35000000")
    r = await ws.zhang.click(f"kw1:{contract.id}")  # not theirs to see
    assert "HT-2026-0001" not in r.text


async def test_a_bigger_amount_needing_approval_sends_an_active_contract_back(bot, ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Submit"))
    r = await ws.li.click(r.button("Payment plan"))
    r = await ws.li.send("15 Dec 300k")
    r = await ws.li.click(r.button("Edit"))
    r = await ws.li.click(r.button("Amount"))
    r = await ws.li.send("200k")
    assert r.text == "⚠️ The instalments already planned add up to ¥300k: the amount can't be less."
    r = await ws.li.send("600k")
    r = await ws.li.click(r.button("Save"))
    assert "⚠️ HT-2026-0001 needs approval for the new amount: it is a draft again" in r.text
    assert "Status: Draft" in r.text
    r = await ws.li.click(r.button("Submit"))
    assert "step 1/2, manager (Wang)" in r.text


async def test_editing_a_date_in_chinese(bot, ws):
    r = await ws.na.send("/合同 星辰科技")
    await ws.na.send("10万")
    await ws.na.send("今天")
    r = await ws.na.send("2027-11-17")
    r = await ws.na.click(r.button("销售合同"))
    r = await ws.na.click(r.button("修改"))
    r = await ws.na.click(r.button("开始日期"))
    r = await ws.na.send("12月1日")
    assert r.text == "HT-2026-0001 — 开始日期：2026年11月18日 → 2026年12月1日。保存吗？"
    r = await ws.na.click(r.button("保存"))
    assert "✏️ HT-2026-0001 — 开始日期：2026年11月18日 → 2026年12月1日。已保存。" in r.text
    assert "期限：2026年12月1日 – 2027年11月17日" in r.text


async def test_the_contract_value_report_by_team_and_period(bot, ws):
    await active_acme_with_plan(ws)
    await ws.li.send("received 100k from Acme Ltd")
    r = await ws.na.send("/合同 星辰科技")
    await ws.na.send("10万")
    await ws.na.send("今天")
    r = await ws.na.click((await ws.na.send("2027-11-17")).button("销售合同"))
    await ws.na.click(r.button("提交审批"))
    await ws.na.send("/合同 华信电子")  # a draft: not value yet
    r = await ws.wang.send("/合同 报表")
    lines = r.text.splitlines()
    assert lines[:3] == [
        "📄 2026年：2 份合同，金额 ¥40万",
        "💰 已回款 ¥10万（25%）· 未回款 ¥30万",
        "• East：¥40万 · 已回款 ¥10万 · 未回款 ¥30万",
    ]
    r = await ws.li.send("/contract report")
    assert r.text.splitlines()[:2] == [
        "📄 2026: 1 contract(s) worth ¥300k",
        "💰 Received ¥100k (33%) · outstanding ¥200k",
    ]
    r = await ws.li.send("/contract report last year")
    assert r.text.startswith("📄 2025: no contracts signed.")
    r = await ws.li.send("/contract report someday")
    assert "someday" in r.text
