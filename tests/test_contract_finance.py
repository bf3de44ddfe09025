"""The finance role as a contract approval level (issue 14): with
``CRMBOT_CONTRACT_APPROVAL_LEVELS=500000=manager>finance`` a big contract goes to the
owner's manager, then to finance, each with ✅ / ❌ (workspace and clock of test_contracts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.config import Settings, load_settings
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
