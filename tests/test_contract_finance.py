"""The finance role as a contract approval level (issue 14): with
``CRMBOT_CONTRACT_APPROVAL_LEVELS=500000=manager>finance`` a big contract goes to the
owner's manager, then to finance, each with ✅ / ❌ (workspace and clock of test_contracts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.config import Settings, load_settings
from store import tickets
from store.access import Records, principal_for
from store.models import Deal, User
from tests.test_contract_payments_edits import active_acme_with_plan
from tests.test_contracts import contract_pushes, contracts_in_db


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"contract_approval_levels": ((Decimal(500_000), ("manager", "finance")),)}
    )


async def test_manager_then_finance_approve_a_big_contract(bot, ws):
    fei = await bot.user("fei", role="finance", lang="zh", display_name="费会计")
    r = await ws.li.send("/contract Acme Ltd")
    await ws.li.send("600k")
    await ws.li.send("today")
    r = await ws.li.click((await ws.li.send("2027-11-17")).button("Sale"))
    r = await ws.li.click(r.button("Submit"))
    assert "step 1/2, manager (Wang)" in r.text
    [ask] = await contract_pushes(bot, ws.wang)
    r = await ws.wang.click(ask.button("批准"))
    assert "第 1 级已批准：HT-2026-0001 转交财务（费会计）" in r.text
    r = await fei.send("/审批")
    assert "等待你审批的合同（1）" in r.text or "HT-2026-0001" in r.text
    [ask2] = await contract_pushes(bot, fei)
    assert "合同审批 2/2：HT-2026-0001" in ask2.text
    r = await fei.click(ask2.button("批准"))
    assert "HT-2026-0001" in r.text
    [contract] = await contracts_in_db(bot)
    assert contract.status == "active"
    r = await ws.li.click(f"ko1:{contract.id}")
    assert "Approval: ✅ manager (Wang) · ✅ finance (费会计)" in r.text
    r = await fei.send("/帮助")
    assert "财务" in r.text


def test_finance_is_a_known_approval_role():
    settings = load_settings(contract_approval_levels="100000=finance")
    assert settings.contracts.roles_for(20_000_000, "CNY") == ("finance",)


async def test_finance_reads_everything_but_changes_only_payments_and_approvals(bot, ws):
    fay = await bot.user("fay", role="finance", display_name="Fay")
    fei = await bot.user("fei", role="finance", lang="zh", display_name="费会计")
    await active_acme_with_plan(ws)
    r = await fay.send("received 40k from Acme Ltd today")
    assert "◐ Part payment of ¥40k for HT-2026-0001 recorded" in r.text
    r = await fay.send("/find Acme Ltd")
    assert "Acme Ltd" in r.text
    r = await fay.click(f"dl:{ws.ids['星辰 ERP']}")  # a rep's deal: shown
    assert "💼 星辰ERP项目" in r.text
    assert r.buttons == []  # nothing to press that would only be refused
    r = await fay.click(f"da1:{ws.ids['星辰 ERP']}")  # an old Amount button, pressed anyway
    r = await fay.send("800k")
    assert r.text == (
        "🔒 You can read this, not change it: finance changes contracts and payments only."
    )
    r = await fei.send("星辰科技项目金额改成80万")
    assert r.text == "🔒 你可以查看，但不能修改：财务只能处理合同审批和回款。"
    amount = await bot.scalar(select(Deal.amount_cents).where(Deal.id == ws.ids["星辰 ERP"]))
    assert amount == 0  # unchanged
    r = await fei.send("今天和星辰科技张总电话沟通回款")  # a collection call is still logged
    assert r.text.startswith("✅ 已记录：电话 · 星辰科技")
    # No tickets for finance unless the setting says so.
    await ws.li.send("Acme Ltd's printer is broken")
    r = await fay.send("/ticket list")
    assert r.text == "No tickets here."
    async with bot.db.transaction(platform="test") as session:
        user = await session.get(User, fay.user_id)
        assert user is not None
        for sees, count in ((False, 0), (True, 1)):
            principal = await principal_for(session, user, finance_sees_tickets=sees)
            records = Records(session, principal, bot.clock.now())
            assert len(await tickets.visible(records)) == count
