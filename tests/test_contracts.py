"""Contracts and payments (issue 14): from a won deal or ``/contract``, approval by level,
the payment plan, overdue and renewal reminders, on the customer card and in history.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai. Li (English) owns Acme
Ltd and its ¥300k deal Acme ERP; 李娜 (Chinese) owns 星辰科技; Wang (Chinese) manages team
East; Ada is the admin.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_settings
from bot.replies import from_json
from store.audit_view import AuditQuery, read_audit
from store.models import (
    AuditEntry,
    Contract,
    ContractApproval,
    ContractPayment,
    OutboxMessage,
    Task,
)
from tests import workspace
from tests.harness import PLATFORM, BotHarness, ChatUser, Response
from tests.reminders_support import link_push, pushes

SH = ZoneInfo("Asia/Shanghai")


def labels(r: Response) -> list[str]:
    return [b.label for b in r.buttons]


async def contract_pushes(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(
            OutboxMessage.event_id.like("ka:%"),
            OutboxMessage.kind == "send",
            OutboxMessage.chat_id == f"id-{chat.name}",
        )
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def in_a_group(bot: BotHarness, rep: ChatUser) -> ChatUser:
    """The same linked account, in a group chat instead of its private chat."""
    user = await bot.get_user(rep.name)
    chat = ChatUser(
        bot,
        user,
        platform=PLATFORM,
        external_id=f"id-{user.name}",
        display_name=user.display_name,
        chat_id="group-sales",
        is_private=False,
    )
    bot.chats.append(chat)
    return chat


async def contracts_in_db(bot: BotHarness) -> list[Contract]:
    return await bot.all(select(Contract).order_by(Contract.id))


async def win_acme(ws: workspace.Workspace) -> Response:
    """Li marks Acme ERP (¥300k) won from its card."""
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Won"))
    return await ws.li.click(r.button("Price"))


async def contract_from_won_deal(ws: workspace.Workspace, won: Response | None = None) -> Response:
    r = won or await win_acme(ws)
    r = await ws.li.click(r.button("Contract"))
    assert r.text.startswith("Start date?")
    r = await ws.li.click(r.button("Today"))
    assert r.text.startswith("End date?")
    r = await ws.li.click(r.button("1 year"))
    assert r.text == "Which type of contract?"
    assert labels(r) == ["Sale", "Service", "Framework"]
    return await ws.li.click(r.button("Sale"))


async def test_won_deal_to_active_contract_to_payment_to_overdue_reminder(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    await link_push(bot, ws.wang)
    r = await win_acme(ws)
    assert "📄 Contract" in labels(r)  # on the won confirmation's deal card

    r = await contract_from_won_deal(ws, r)
    assert "📄 Contract HT-2026-0001 drafted." in r.text
    for part in (
        "📄 HT-2026-0001 · Acme Ltd",
        "Deal: Acme ERP",
        "Type: Sale",
        "Amount: ¥300k",
        "Term: 18 Nov 2026 – 17 Nov 2027",
        "Status: Draft",
    ):
        assert part in r.text, part
    r = await ws.li.click(r.button("Submit"))
    assert "HT-2026-0001 needs no approval — it is active now." in r.text
    assert "Status: Active" in r.text
    assert "Signed: 18 Nov 2026" in r.text

    r = await ws.li.click(r.button("Payment plan"))
    assert r.text.startswith("Payment plan for HT-2026-0001 (¥300k)")
    r = await ws.li.send("2026-12-15 100k\n2027-03-15 200k")
    assert "2 instalment(s) planned for HT-2026-0001." in r.text
    assert "• 15 Dec 2026 ¥100k — ⏳ due" in r.text
    assert "Received ¥0 of ¥300k · outstanding ¥300k" in r.text

    r = await ws.li.send("received ¥100k from Acme Ltd today")
    assert "Payment of ¥100k for HT-2026-0001 recorded (18 Nov 2026)" in r.text
    assert "Outstanding: ¥200k" in r.text
    assert "• 15 Dec 2026 ¥100k — ✅ paid 18 Nov 2026" in r.text
    paid = await bot.all(select(ContractPayment).where(ContractPayment.paid_on.is_not(None)))
    assert [p.amount_cents for p in paid] == [10_000_000]

    # 17 March 2027: the second instalment is two days overdue.
    clock.set(datetime(2027, 3, 17, 10, 0, tzinfo=SH))
    await worker.sweep_rules()
    overdue = await bot.all(select(Task).where(Task.title.like("💰%")).order_by(Task.owner_id))
    assert [t.owner_id for t in overdue] == [ws.li.user_id, ws.wang.user_id]  # owner, manager
    await worker.tick()
    [li_push] = [p for p in await pushes(bot, ws.li) if "overdue" in p.text]
    assert "💰 Payment overdue: HT-2026-0001 · Acme Ltd · ¥200k was due 15 Mar 2027" in li_push.text
    assert li_push.labels[0] == "✅ Done"
    [wang_push] = [p for p in await pushes(bot, ws.wang) if "逾期" in p.text]
    assert "回款逾期：HT-2026-0001 · Acme Ltd · ¥20万" in wang_push.text
    await worker.sweep_rules()
    assert len(await bot.all(select(Task).where(Task.title.like("💰%")))) == 2  # once each

    audited = await bot.all(
        select(AuditEntry.table_name).where(AuditEntry.table_name.like("contract%")).distinct()
    )
    assert set(audited) == {"contracts", "contract_payments"}
    async with bot.db.transaction(platform="test") as session:
        trail = await read_audit(session, AuditQuery.parse(record="payment:1", user=None, limit=10))
    assert any("paid_on: ∅ → 2026-11-18" in line for line in trail), trail


async def test_two_level_approval_in_chinese(bot, ws):
    admin = await bot.user("ada", role="admin")
    r = await ws.na.send("/合同 星辰科技")
    assert r.text == "合同金额？（如 60万、¥600k、$8万）"
    r = await ws.na.send("60万")
    r = await ws.na.send("12月1日")
    assert r.text.startswith("结束日期？")
    r = await ws.na.click(r.button("2年"))
    r = await ws.na.click(r.button("服务合同"))
    assert "合同 HT-2026-0001 已起草" in r.text
    assert "期限：2026年12月1日 – 2028年11月30日" in r.text
    r = await ws.na.click(r.button("提交审批"))
    assert "HT-2026-0001（¥60万）需要审批：第 1/2 级，经理（Wang）" in r.text
    assert "状态：审批中" in r.text

    [ask] = await contract_pushes(bot, ws.wang)
    assert "合同审批 1/2：HT-2026-0001" in ask.text
    assert "客户：星辰科技" in ask.text
    r = await ws.wang.click(ask.button("批准"))
    assert "第 1 级已批准：HT-2026-0001 转交管理员（Ada）" in r.text

    told = await contract_pushes(bot, ws.na)
    assert "Wang批准了 HT-2026-0001 第 1/2 级；现转交管理员（Ada）" in told[-1].text
    [ask2] = await contract_pushes(bot, admin)
    assert "Contract approval 2/2: HT-2026-0001" in ask2.text
    r = await admin.send("/approvals")
    assert "Contracts waiting for your approval (1)" in r.text
    r = await admin.click(ask2.button("Approve"))
    assert "Approved: HT-2026-0001 (¥600k) is active." in r.text
    told = await contract_pushes(bot, ws.na)
    assert "Ada批准了 HT-2026-0001（¥60万）：合同已生效。" in told[-1].text

    [contract] = await contracts_in_db(bot)
    assert contract.status == "active"
    rows = await bot.all(select(ContractApproval).order_by(ContractApproval.id))
    assert [(a.level, a.role, a.state) for a in rows] == [
        (1, "manager", "approved"),
        (2, "admin", "approved"),
    ]
    again = await ws.wang.click(ask.button("批准"))
    assert "这一步已由Wang处理" in again.text
    r = await ws.na.click(f"ko1:{contract.id}")
    assert "审批：✅ 经理（Wang） · ✅ 管理员（Ada）" in r.text


async def test_rejection_sends_it_back_to_draft_with_the_reason(bot, ws):
    await bot.user("ada", role="admin")
    r = await ws.li.send("/contract Acme Ltd")
    r = await ws.li.send("600k")
    r = await ws.li.send("1 Dec")
    r = await ws.li.send("2027-11-30")
    r = await ws.li.click(r.button("Framework"))
    r = await ws.li.click(r.button("Submit"))
    assert "step 1/2, manager (Wang)" in r.text
    [ask] = await contract_pushes(bot, ws.wang)
    r = await ws.wang.click(ask.button("驳回"))
    assert "驳回 HT-2026-0001 的原因" in r.text
    r = await ws.wang.send("折扣太大")
    assert "已驳回：HT-2026-0001 退回草稿。已告知原因：折扣太大" in r.text
    told = await contract_pushes(bot, ws.li)
    assert "Wang rejected HT-2026-0001 at step 1/2. Reason: 折扣太大. It is a draft again." in (
        told[-1].text
    )
    [contract] = await contracts_in_db(bot)
    assert contract.status == "draft"
    r = await ws.li.click(f"ko1:{contract.id}")
    assert "Approval: ❌ manager (Wang)" in r.text
    assert "Submit for approval" in " ".join(labels(r))


async def test_refusals_end_before_start_negative_amount_unknown_customer(bot, ws):
    r = await ws.li.send("/contract Nosuch Industries")
    assert "I don't know a customer called “Nosuch Industries”" in r.text
    r = await ws.li.send("Acme Ltd")
    assert r.text.startswith("Contract amount?")
    r = await ws.li.send("-50000")
    assert r.text == "⚠️ The amount must be more than zero."
    r = await ws.li.send("50k")
    r = await ws.li.send("2027-01-01")
    r = await ws.li.send("2026-12-01")
    assert r.text == (
        "⚠️ The end date must be after the start date (1 Jan 2027). Please type the end date again."
    )
    r = await ws.li.send("2027-12-31")
    r = await ws.li.click(r.button("Sale"))
    assert "Term: 1 Jan 2027 – 31 Dec 2027" in r.text
    assert len(await contracts_in_db(bot)) == 1


async def test_refusals_in_chinese(bot, ws):
    r = await ws.na.send("/合同 不存在公司")
    assert "没有找到客户“不存在公司”" in r.text
    r = await ws.na.send("星辰科技")
    r = await ws.na.send("负100")
    assert r.text == "⚠️ 金额必须大于零。"
    r = await ws.na.send("10万")
    r = await ws.na.send("2027-01-01")
    r = await ws.na.send("2026-06-01")
    assert (
        "结束日期必须晚于开始日期（2027年1月1日）" in r.text or "结束日期必须晚于开始日期" in r.text
    )
    assert await contracts_in_db(bot) == []


async def test_a_payment_plan_bigger_than_the_contract_is_refused(bot, ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Payment plan"))
    r = await ws.li.send("15 Dec 200k\n15 Jan 200k")
    assert "would add up to more than the contract amount (¥300k). Nothing was added." in r.text
    assert await bot.all(select(ContractPayment)) == []


async def test_received_in_chinese_and_a_wrong_amount_is_not_guessed(bot, ws):
    r = await ws.na.send("/合同 星辰科技")
    await ws.na.send("30万")
    await ws.na.send("今天")
    r = await ws.na.send("2027-11-17")
    r = await ws.na.click(r.button("销售合同"))
    r = await ws.na.click(r.button("提交审批"))
    assert "无需审批，已生效" in r.text
    r = await ws.na.click(r.button("回款计划"))
    r = await ws.na.send("12月15日 10万\n2027-03-15 20万")
    assert "已为 HT-2026-0001 安排 2 期回款" in r.text
    r = await ws.na.send("今天收到星辰科技15万回款")  # more than the first, not the second
    assert "¥15万 超过了 星辰科技 2026年12月15日 到期这一期尚未回款的 ¥10万" in r.text
    r = await ws.na.send("今天收到星辰科技10万回款")
    assert "已记录 HT-2026-0001 回款 ¥10万（2026年11月18日）。未回款：¥20万。" in r.text
    r = await ws.na.send("/find 星辰科技")
    assert "📄 HT-2026-0001 · 生效 · 已回款 ¥10万 / ¥30万" in r.text
    r = await ws.na.click(r.button("HT-2026-0001"))
    assert "📄 合同 HT-2026-0001 · 星辰科技" in r.text


async def test_renewal_reminder_and_renewal_links_the_next_contract(bot, ws, worker, clock):
    await link_push(bot, ws.li)
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Submit"))
    [old] = await contracts_in_db(bot)
    clock.set(datetime(2027, 11, 1, 10, 0, tzinfo=SH))  # 16 days before the end: nothing yet
    await worker.sweep_rules()
    assert not await bot.all(select(Task).where(Task.title.like("%renew%")))
    clock.set(datetime(2027, 11, 3, 10, 0, tzinfo=SH))  # 14 days before
    await worker.sweep_rules()
    await worker.tick()
    [push] = [p for p in await pushes(bot, ws.li) if "renew" in p.text]
    assert "🔁 Contract HT-2026-0001 · Acme Ltd ends 17 Nov 2027 — renew it?" in push.text
    r = await ws.li.click(f"ko1:{old.id}")
    r = await ws.li.click(r.button("Renew"))
    assert "Renewal HT-2027-0001 drafted for 18 Nov 2027 – 16 Nov 2028, linked to HT-2026-0001" in (
        r.text
    )
    assert "Renews: HT-2026-0001" in r.text
    r = await ws.li.click(r.button("Submit"))
    assert "active now" in r.text
    old_now, new = await contracts_in_db(bot)
    assert (old_now.status, new.status, new.renewal_of_id) == ("renewed", "active", old.id)
    r = await ws.li.click(f"kn1:{old.id}")
    assert "only an active or expired contract can be renewed" in r.text


async def test_contracts_in_history_and_list_and_records_rules(bot, ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Submit"))
    r = await ws.li.click(r.button("Payment plan"))
    await ws.li.send("1 Dec 300k")
    await ws.li.send("received 300k from Acme Ltd")
    r = await ws.li.send("/find Acme Ltd")
    assert "📄 HT-2026-0001 · Active · received ¥300k of ¥300k" in r.text, r.text  # the card
    r = await ws.li.click(r.button("History"))
    assert "📄 HT-2026-0001 · ¥300k · Active (18 Nov 2026 – 17 Nov 2027)" in r.text
    assert "💰 18 Nov 2026 received ¥300k · HT-2026-0001" in r.text
    r = await ws.li.send("/contract list")
    assert r.text.splitlines() == [
        "📄 Contracts (1):",
        "• HT-2026-0001 · Acme Ltd · ¥300k · Active",
    ]
    [contract] = await contracts_in_db(bot)
    r = await ws.zhang.click(f"ko1:{contract.id}")  # another rep: not theirs to see
    assert "HT-2026-0001" not in r.text
    r = await ws.zhang.send("/contract list")
    assert r.text.startswith("No contracts yet.")


async def test_help_mentions_contracts(bot, ws):
    r = await ws.li.send("/help")
    assert "/contract — new contract" in r.text
    r = await ws.na.send("/帮助")
    assert "/合同 — 新建合同" in r.text


async def test_amounts_are_hidden_in_a_group_chat(bot, ws):
    r = await contract_from_won_deal(ws)
    [contract] = await contracts_in_db(bot)
    group = await in_a_group(bot, ws.li)
    r = await group.click(f"ko1:{contract.id}")
    assert "Amount: ***" in r.text
    assert "300k" not in r.text
    r = await ws.li.click(f"ko1:{contract.id}")
    assert "Amount: ¥300k" in r.text


async def test_a_rep_sees_their_contract_waiting_and_can_terminate_an_active_one(bot, ws):
    r = await ws.li.send("/contract Acme Ltd")
    await ws.li.send("600k")
    await ws.li.send("today")
    r = await ws.li.send("2027-11-17")
    r = await ws.li.click(r.button("Sale"))
    r = await ws.li.click(r.button("Submit"))
    again = await ws.li.click(r.button("Payment plan"))
    assert again.text.startswith("Payment plan for HT-2026-0001")
    await ws.li.send("/cancel")
    [contract] = await contracts_in_db(bot)
    r = await ws.li.click(f"ks1:{contract.id}")
    assert r.text.startswith("HT-2026-0001 is In approval — only a draft can be submitted.")
    r = await ws.li.send("/approvals")
    assert "Your contracts in approval: HT-2026-0001 (¥600k)" in r.text
    r = await ws.li.click(f"kt1:{contract.id}")
    assert "only an active contract can be terminated" in r.text
    [ask] = await contract_pushes(bot, ws.wang)
    r = await ws.li.click(ask.button("批准"))  # the owner can't approve their own
    assert r.text == "You can't decide this step of HT-2026-0001."


def test_approval_levels_are_configurable_and_checked():
    settings = load_settings(contract_approval_levels="500000=manager>admin;100000=manager")
    policy = settings.contracts
    assert policy.roles_for(20_000_000, "CNY") == ("manager",)
    assert policy.roles_for(60_000_000, "CNY") == ("manager", "admin")
    assert policy.roles_for(10_000_000, "USD") == ("manager", "admin")  # $100k ≈ ¥710k
    assert policy.roles_for(5_000_000, "CNY") == ()
    assert load_settings(contract_approval_levels="").contracts.roles_for(10**12, "CNY") == ()
    with pytest.raises(ConfigError, match="CRMBOT_CONTRACT_APPROVAL_LEVELS"):
        load_settings(contract_approval_levels="500000=boss")
    with pytest.raises(ConfigError, match="CRMBOT_CONTRACT_NUMBER_PATTERN"):
        load_settings(contract_number_pattern="HT-{year}")


async def test_a_customer_with_a_contract_and_no_activities_has_a_history(bot, ws):
    await ws.na.send("/合同 华信电子")
    await ws.na.send("8万")
    await ws.na.send("今天")
    r = await ws.na.send("2027-05-31")
    r = await ws.na.click(r.button("框架协议"))
    r = await ws.na.send("/find 华信电子")
    r = await ws.na.click(r.button("历史"))
    assert r.text.splitlines()[:2] == [
        "🕘 华信电子有限公司 — 合同与回款（暂无跟进记录）",
        "📄 HT-2026-0001 · ¥8万 · 草稿（2026年11月18日 – 2027年5月31日）",
    ]


async def test_received_without_an_unpaid_instalment_is_an_ordinary_log(bot, ws):
    r = await ws.li.send("visited Acme Ltd, received the signed PO, 50k")
    assert r.text == "“Acme ERP” is ¥300k. Change it to ¥50k?"  # the logging's own question
    assert await bot.all(select(ContractPayment)) == []


async def test_the_signing_date_is_typed_and_kept_when_it_becomes_active(bot, ws):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Signed"))
    assert r.text == "When was HT-2026-0001 signed? (e.g. today, 20 Nov)"
    r = await ws.li.send("2026-12-24")
    assert r.text == (
        "⚠️ The signing date can't be after today (18 Nov 2026) or after the contract ends."
    )
    r = await ws.li.send("16 Nov")
    assert "Signed: 16 Nov 2026" in r.text
    r = await ws.li.click(r.button("Submit"))
    assert "Signed: 16 Nov 2026" in r.text
    r = await ws.na.send("/合同 星辰科技")
    await ws.na.send("5万")
    await ws.na.send("今天")
    r = await ws.na.click((await ws.na.send("2027-11-17")).button("销售合同"))
    r = await ws.na.click(r.button("签订日期"))
    r = await ws.na.click(r.button("今天"))
    assert "签订：2026年11月18日" in r.text


async def test_an_expired_contract_still_takes_its_last_payment_and_can_be_renewed(bot, ws, clock):
    r = await contract_from_won_deal(ws)
    r = await ws.li.click(r.button("Submit"))
    r = await ws.li.click(r.button("Payment plan"))
    r = await ws.li.send("2027-11-01 300k")
    clock.set(datetime(2027, 12, 1, 10, 0, tzinfo=SH))
    [contract] = await contracts_in_db(bot)
    r = await ws.li.click(f"ko1:{contract.id}")
    assert "Status: Expired" in r.text
    assert "• 1 Nov 2027 ¥300k — ⚠️ overdue" in r.text
    assert [b.label for b in r.buttons] == ["✅ Paid 1 Nov 2027", "🔁 Renew"]
    r = await ws.li.click(r.button("Paid"))
    assert "Payment of ¥300k for HT-2026-0001 recorded (1 Dec 2027). Outstanding: ¥0." in r.text


async def test_the_other_admins_copy_shows_who_decided(bot, ws):
    ada = await bot.user("ada", role="admin")
    bo = await bot.user("bo", role="admin", lang="zh")
    r = await ws.li.send("/contract Acme Ltd")
    await ws.li.send("600k")
    await ws.li.send("today")
    r = await ws.li.click((await ws.li.send("2027-11-17")).button("Sale"))
    await ws.li.click(r.button("Submit"))
    [ask] = await contract_pushes(bot, ws.wang)
    await ws.wang.click(ask.button("批准"))
    async with bot.db.transaction(platform="test") as session:
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_id.like("ka:%:ask:%"))
        ):
            row.state, row.message_ids = "sent", [f"m-{row.chat_id}"]
    [ada_ask] = await contract_pushes(bot, ada)
    r = await ada.click(ada_ask.button("Reject"))
    await ada.send("price too low")
    edits = await bot.all(select(OutboxMessage).where(OutboxMessage.kind == "choice"))
    assert [(e.chat_id, e.body["label"]) for e in edits] == [(f"id-{bo.name}", "❌ Ada已驳回")]
    [bo_ask] = await contract_pushes(bot, bo)
    r = await bo.click(bo_ask.button("批准"))
    assert r.text == "HT-2026-0001：这一步已由Ada处理。"
