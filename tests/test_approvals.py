"""Big deals need a manager's yes before they are won, on every path to won.

The workspace's rep Li owns Acme ERP (¥300k, proposal); the tests raise it past the ¥500k
threshold. Wang (Chinese) manages team East; pushes to him and back to Li are read from
the outbox as their chats would show them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.replies import from_json, reply_text
from store.models import AuditEntry, Company, Deal, DealApproval, DealStageChange, OutboxMessage
from tests import workspace
from tests.audit_trail import field_changes
from tests.harness import BotHarness, ChatUser, Response


async def set_amount(bot: BotHarness, deal_id: int, cents: int, currency: str = "CNY") -> None:
    async with bot.db.transaction(platform="test") as session:
        await session.execute(
            update(Deal).where(Deal.id == deal_id).values(amount_cents=cents, currency=currency)
        )


async def deal_of(bot: BotHarness, deal_id: int) -> Deal:
    deal = await bot.scalar(select(Deal).where(Deal.id == deal_id))
    assert isinstance(deal, Deal)
    return deal


async def approvals(bot: BotHarness) -> list[DealApproval]:
    return await bot.all(select(DealApproval).order_by(DealApproval.id))


async def pushes_to(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("ap:%"), OutboxMessage.chat_id == f"id-{chat.name}")
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def won_moves(bot: BotHarness, deal_id: int) -> list[DealStageChange]:
    return await bot.all(
        select(DealStageChange).where(
            DealStageChange.deal_id == deal_id, DealStageChange.to_stage == "won"
        )
    )


async def ask_by_button(ws: workspace.Workspace) -> Response:
    """Li presses Won on the deal card and gives a reason."""
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Won"))
    return await ws.li.click(r.button("Price"))


async def asked(bot: BotHarness, ws: workspace.Workspace) -> Response:
    """Acme ERP raised to ¥600k and Li pressed Won: the push Wang got."""
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    await ask_by_button(ws)
    [push] = await pushes_to(bot, ws.wang)
    return push


async def test_won_button_on_a_big_deal_goes_to_the_manager(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    r = await ask_by_button(ws)
    assert "sent to your manager for approval (Wang)" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    [row] = await approvals(bot)
    assert (row.state, row.reason, row.amount_cents) == ("pending", "Price", 60_000_000)
    [push] = await pushes_to(bot, ws.wang)
    assert "待审批：Acme ERP" in push.text
    for part in ("公司：Acme Ltd", "金额：¥60万", "负责人：Li", "当前阶段：方案 → 赢单"):
        assert part in push.text, part
    assert [b.label for b in push.buttons] == ["✅ 批准", "❌ 驳回"]


async def test_approve_moves_it_to_won_tells_the_rep_and_audits(bot, ws):
    push = await asked(bot, ws)
    r = await ws.wang.click(push.button("批准"))
    assert "已批准：Acme ERP" in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.close_reason, deal.probability) == ("won", "Price", 100)
    [move] = await won_moves(bot, deal.id)
    assert move.changed_by == ws.wang.user_id
    [told] = await pushes_to(bot, ws.li)
    assert told.text == "✅ Wang approved: Acme ERP is won (¥600k). Well done!"
    [row] = await approvals(bot)
    assert (row.state, row.decided_by) == ("approved", ws.wang.user_id)
    audit = await bot.all(select(AuditEntry).where(AuditEntry.table_name == "deal_approvals"))
    assert {(action, f, new) for action, f, _, new in field_changes(audit)} >= {
        ("create", "state", "pending"),
        ("update", "state", "approved"),
        ("update", "decided_by", str(ws.wang.user_id)),
    }
    assert {a.user_id for a in audit if a.action == "update"} == {ws.wang.user_id}
    deal_audit = await bot.all(
        select(AuditEntry.new_value).where(
            AuditEntry.table_name == "deals",
            AuditEntry.field == "stage",
            AuditEntry.action == "update",
        )
    )
    assert deal_audit == ["won"]


async def test_double_click_and_a_second_approver_are_handled_once(bot, ws):
    admin = await bot.user("ada", role="admin")
    push = await asked(bot, ws)
    first = await ws.wang.click(push.button("批准"))
    again = await ws.wang.click(push.button("批准"))
    late = await admin.click(push.button("批准").payload.replace("ap.ok", "ap.no"))
    assert "已批准" in first.text
    assert again.text == "Acme ERP 已由 Wang 批准。"
    assert late.text == "Acme ERP was already approved by Wang."
    assert len(await won_moves(bot, ws.ids["Acme ERP"])) == 1
    assert len(await pushes_to(bot, ws.li)) == 1


async def test_reject_asks_why_and_the_rep_hears_the_reason(bot, ws):
    push = await asked(bot, ws)
    r = await ws.wang.click(push.button("驳回"))
    assert "为什么驳回 Acme ERP" in r.text
    r = await ws.wang.send("合同还没盖章")
    assert r.text == "❌ 已驳回：Acme ERP 保持在方案阶段。已告知原因：合同还没盖章"
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    [told] = await pushes_to(bot, ws.li)
    assert told.text == (
        "❌ Wang did not approve marking Acme ERP won (it stays at Proposal). Reason: 合同还没盖章"
    )
    [row] = await approvals(bot)
    assert (row.state, row.note) == ("rejected", "合同还没盖章")
    assert await won_moves(bot, ws.ids["Acme ERP"]) == []


async def test_reject_with_a_reason_button(bot, ws):
    push = await asked(bot, ws)
    r = await ws.wang.click(push.button("驳回"))
    r = await ws.wang.click(r.button("折扣太大"))
    assert "已驳回" in r.text
    [told] = await pushes_to(bot, ws.li)
    # Picked from a button in Chinese, read by Li in English: the same reason, in his.
    assert told.text.endswith("(it stays at Proposal). Reason: Discount too deep")


async def test_typed_won_goes_through_the_same_gate(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    r = await ws.li.send("Acme Ltd deal won")
    r = await ws.li.click(r.button("Relationship"))
    assert "sent to your manager for approval" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"


async def test_logged_call_with_won_is_saved_but_the_deal_waits(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    r = await ws.li.send("called Acme Ltd, deal won")
    assert "sent to your manager for approval" in r.text
    assert "Why did" not in r.text  # no reason question while it waits
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    assert len(await approvals(bot)) == 1


async def test_asking_twice_keeps_one_request(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    await ask_by_button(ws)
    r = await ask_by_button(ws)
    assert "already waiting for approval (Wang)" in r.text
    assert len(await approvals(bot)) == 1
    assert len(await pushes_to(bot, ws.wang)) == 1


async def test_small_deals_and_small_foreign_amounts_need_no_approval(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 6_000_000, "USD")  # $60k ≈ ¥426k
    r = await ask_by_button(ws)
    assert "is Won" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"
    assert await approvals(bot) == []


async def test_foreign_currency_is_compared_at_the_static_rate(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 8_000_000, "USD")  # $80k ≈ ¥568k
    r = await ask_by_button(ws)
    assert "sent to your manager for approval" in r.text


async def test_a_rep_cannot_approve(bot, ws):
    push = await asked(bot, ws)
    r = await ws.li.click(push.button("批准"))
    assert r.text == "Only the deal owner's manager (or an admin) can approve this."
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    [row] = await approvals(bot)
    assert row.state == "pending"


async def test_a_manager_of_another_team_cannot_approve(bot, ws):
    chen = await bot.user("chen", role="manager", team="West")
    push = await asked(bot, ws)
    assert await pushes_to(bot, chen) == []
    r = await chen.click(push.button("批准"))
    assert r.text == "Not found, or you don't have access to it."
    [row] = await approvals(bot)
    assert row.state == "pending"


async def test_a_manager_marks_a_team_deal_won_without_asking(bot, ws):
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    r = await ws.wang.click(f"dl.mv:{ws.ids['Acme ERP']}:won")
    r = await ws.wang.click(r.buttons[0])
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"
    assert await approvals(bot) == []


async def test_a_managers_own_big_deal_goes_to_the_admin(bot, ws):
    admin = await bot.user("ada", role="admin")
    async with bot.db.transaction(platform="test") as session:
        await session.execute(
            update(Deal).where(Deal.id == ws.ids["Acme ERP"]).values(owner_id=ws.wang.user_id)
        )
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    r = await ws.wang.click(f"dl.mv:{ws.ids['Acme ERP']}:won")
    r = await ws.wang.click(r.buttons[0])
    assert "已提交给你的经理审批（Ada）" in r.text
    [push] = await pushes_to(bot, admin)
    r = await admin.click(push.button("Approve"))
    assert "Approved: Acme ERP" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"
    [told] = await pushes_to(bot, ws.wang)
    assert "Ada 已批准" in reply_text(told.replies[0])


async def test_a_rep_without_a_manager_or_admin_is_not_stuck(bot):
    solo = await bot.user("solo")
    session, records = await bot.records_for(solo)
    async with session, session.begin():
        company = await records.create(Company, name="Solo Ltd")
        deal = await records.create(
            Deal,
            company_id=company.id,
            title="Solo deal",
            stage="negotiation",
            amount_cents=90_000_000,
            currency="CNY",
        )
    r = await solo.click(f"dl.mv:{deal.id}:won")
    r = await solo.click(r.buttons[0])
    assert (await deal_of(bot, deal.id)).stage == "won"
    assert await approvals(bot) == []


async def test_a_new_deal_logged_as_won_starts_at_the_last_open_stage(bot, ws):
    r = await ws.li.send("called Globex Corporation, deal won 80万")
    assert "sent to your manager for approval" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.company_id == ws.ids["Globex Corporation"]))
    assert (deal.stage, deal.amount_cents) == ("negotiation", 80_000_000)
    [row] = await approvals(bot)
    assert (row.deal_id, row.to_stage) == (deal.id, "won")
    [push] = await pushes_to(bot, ws.wang)
    await ws.wang.click(push.button("批准"))
    assert (await deal_of(bot, deal.id)).stage == "won"


async def test_approvals_lists_what_waits_with_its_buttons(bot, ws):
    r = await ws.wang.send("/审批")
    assert r.text == "没有待审批的事项。"
    await asked(bot, ws)
    r = await ws.wang.send("/审批")
    assert r.text.startswith("🖊 等你审批：1 项")
    assert "待审批：Acme ERP" in r.text
    assert "申请人：Li" in r.text
    assert [b.label for b in r.buttons] == ["✅ 批准", "❌ 驳回"]
    r = await ws.wang.click(r.button("批准"))
    assert "已批准：Acme ERP" in r.text
    assert (await ws.wang.send("/审批")).text == "没有待审批的事项。"


async def test_approvals_for_a_rep_and_for_another_teams_manager(bot, ws):
    chen = await bot.user("chen", role="manager", team="West")
    await asked(bot, ws)
    r = await ws.li.send("/approvals")
    assert r.text == "⏳ Your requests still waiting: Acme ERP (¥600k)"
    assert r.buttons == []
    # Chen manages another team: Li's deal is not his to see, let alone decide.
    assert (await chen.send("/approvals")).text == "Nothing is waiting for approval."


async def test_the_other_approvers_copies_show_who_decided(bot, ws):
    zhou = await bot.user("zhou", role="manager", team="East")
    await asked(bot, ws)
    async with bot.db.transaction(platform="test") as session:
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_id.like("ap:%:ask:%"))
        ):
            row.state, row.message_ids = "sent", [f"m-{row.chat_id}"]
    [push] = await pushes_to(bot, ws.wang)
    await ws.wang.click(push.button("批准"))
    edits = await bot.all(select(OutboxMessage).where(OutboxMessage.kind == "choice"))
    # Wang's own copy is edited by the engine for his click; Zhou's loses its buttons here.
    assert [(e.chat_id, e.target_message_id, e.body["label"]) for e in edits] == [
        (f"id-{zhou.name}", f"m-id-{zhou.name}", "✅ Approved by Wang")
    ]
    assert edits[0].body["text"].startswith("🖊 Approval needed: Acme ERP")
    r = await zhou.click(push.button("批准").payload)
    assert r.text == "Acme ERP was already approved by Wang."


# --- the rule holds on the state, and a yes binds to the amount seen (issue 21) ------------


async def edit_amount(ws: workspace.Workspace, typed: str) -> Response:
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Amount"))
    return await ws.li.send(typed)


async def test_winning_small_then_raising_the_amount_asks_again(bot, ws):
    """¥300k is won without asking; raising it to ¥9m afterwards (the old card's Amount
    button) would leave a big won deal nobody approved: it goes back to the last open stage
    and the manager is asked."""
    r = await ws.li.send("Acme Ltd deal won")
    r = await ws.li.click(r.button("Relationship"))
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"
    # The Amount button of the card shown before it was won still works:
    r = await ws.li.click(f"dl.amt:{ws.ids['Acme ERP']}")
    r = await ws.li.send("9000000")
    assert "¥300k → ¥9m" in r.text
    assert "sent to your manager for approval (Wang)" in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.amount_cents) == ("negotiation", 900_000_000)
    [row] = await approvals(bot)
    assert (row.state, row.amount_cents, row.reason) == ("pending", 900_000_000, "Relationship")
    [push] = await pushes_to(bot, ws.wang)
    assert "¥900万" in push.text
    r = await ws.wang.click(push.button("批准"))
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"


async def test_changing_a_waiting_deals_amount_voids_the_old_request(bot, ws):
    old_push = await asked(bot, ws)  # asked at ¥600k
    r = await edit_amount(ws, "900000000")  # then raised to ¥900m
    assert "sent to your manager for approval" in r.text
    rows = await approvals(bot)
    assert [(a.state, a.amount_cents) for a in rows] == [
        ("superseded", 60_000_000),
        ("pending", 90_000_000_000),
    ]
    r = await ws.wang.click(old_push.button("批准"))
    assert "过期" in r.text  # the old button wins nothing
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    new_push = (await pushes_to(bot, ws.wang))[-1]
    assert "¥9亿" in new_push.text


async def test_lowering_a_waiting_deal_below_the_line_withdraws_the_request(bot, ws):
    await asked(bot, ws)
    r = await edit_amount(ws, "200000")
    assert "withdrawn" in r.text
    [row] = await approvals(bot)
    assert row.state == "superseded"
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"  # not won unasked


async def test_approve_binds_to_the_amount_the_approver_saw(bot, ws):
    """However the amount changed after the request (here behind the chat's back), the old
    ✅ does not win the deal at the new figure: it is refused and asked again."""
    push = await asked(bot, ws)  # ¥600k
    await set_amount(bot, ws.ids["Acme ERP"], 90_000_000_000)  # ¥900m
    r = await ws.wang.click(push.button("批准"))
    for part in ("未批准", "¥60万", "¥9亿"):
        assert part in r.text, part
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"
    assert await won_moves(bot, ws.ids["Acme ERP"]) == []
    rows = await approvals(bot)
    assert [(a.state, a.amount_cents) for a in rows] == [
        ("superseded", 60_000_000),
        ("pending", 90_000_000_000),
    ]
    assert rows[1].requested_by == ws.li.user_id
    fresh = (await pushes_to(bot, ws.wang))[-1]
    assert "¥9亿" in fresh.text
    r = await ws.wang.click(fresh.button("批准"))
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"


async def test_copies_of_a_request_are_found_by_their_approval_not_their_event_id(bot, ws):
    """The copies carry the request and the person in columns (an indexed equality): a copy
    whose event id says nothing about approvals is still closed when the request is decided."""
    zhou = await bot.user("zhou", role="manager", team="East")
    await asked(bot, ws)
    [request] = await approvals(bot)
    async with bot.db.transaction(platform="test") as session:
        copies = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.approval_id == request.id)
            )
        )
        assert sorted(c.recipient_id for c in copies) == sorted([ws.wang.user_id, zhou.user_id])
        for row in copies:
            row.state, row.message_ids = "sent", [f"m-{row.chat_id}"]
            row.event_id = f"renamed-{row.id}"
    [push] = await pushes_to_chat(bot, ws.wang)
    await ws.wang.click(push.button("批准"))
    edits = await bot.all(select(OutboxMessage).where(OutboxMessage.kind == "choice"))
    assert [(e.chat_id, e.body["label"]) for e in edits] == [
        (f"id-{zhou.name}", "✅ Approved by Wang")
    ]


async def pushes_to_chat(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == f"id-{chat.name}", OutboxMessage.approval_id.is_not(None))
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def test_the_threshold_converts_at_the_admins_fx_rate(bot, ws):
    """Issue 18.1: one rate for reports and approvals. $65k is ¥461.5k at the static 7.1
    (no approval) but ¥520k at the rate the admin set (crmbot fx set USD 8): asked."""
    from decimal import Decimal

    from store.fx import set_rate

    await set_amount(bot, ws.ids["Acme ERP"], 6_500_000, "USD")
    async with bot.db.transaction() as session:
        await set_rate(session, "USD", Decimal(8), bot.clock.now())
    r = await ask_by_button(ws)
    assert "sent to your manager for approval" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"


async def test_a_manager_moving_the_waiting_deal_to_won_approves_it(bot, ws):
    """Issue 18.6: Wang wins the deal from its card instead of pressing Approve: that move is
    the approval — the request closes, Li is told, the pushed copy loses its buttons."""
    await asked(bot, ws)
    r = await ws.wang.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.wang.click(r.button("赢单"))
    r = await ws.wang.click(r.button("价格"))
    assert "这也批准了 Acme ERP 的待审批申请" in r.text
    [row] = await approvals(bot)
    assert (row.state, row.decided_by) == ("approved", ws.wang.user_id)
    [told] = await pushes_to(bot, ws.li)
    assert told.text == "✅ Wang approved: Acme ERP is won (¥600k). Well done!"
    push = (await pushes_to(bot, ws.wang))[0]
    late = await ws.wang.click(push.button("驳回"))
    assert late.text == "Acme ERP 已由 Wang 批准。"
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"


async def test_a_move_by_someone_who_may_not_approve_cancels_the_request(bot, ws):
    """Issue 18.6: Li moves his waiting deal back to negotiation: nothing is left to
    approve, the request is cancelled and the managers' copy says so."""
    push = await asked(bot, ws)
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Stage"))
    r = await ws.li.click(r.button("Negotiation"))
    assert (
        "The waiting approval request for Acme ERP is closed: it is at Negotiation now." in r.text
    )
    [row] = await approvals(bot)
    assert row.state == "cancelled"
    late = await ws.wang.click(push.button("批准"))
    assert late.text == "Acme ERP：Li 已调整该商机的阶段，这个申请已关闭。"
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "negotiation"


async def test_an_admin_losing_the_deal_cancels_and_tells_the_rep(bot, ws):
    admin = await bot.user("ada", role="admin", display_name="Ada")
    await asked(bot, ws)
    r = await admin.send("Acme Ltd deal lost, reason: budget cut")
    assert "The waiting approval request for Acme ERP is closed: it is at Lost now." in r.text
    [row] = await approvals(bot)
    assert (row.state, row.decided_by) == ("cancelled", admin.user_id)
    [told] = await pushes_to(bot, ws.li)
    assert told.text == "⏹ Ada moved Acme ERP to Lost, so your approval request is closed."


async def test_a_reject_never_leaves_the_deal_won(bot, ws):
    """Issue 18.6: a deal won while its request still waited (an older row, or a path that
    skipped the gate) is taken back to the last open stage by the "no"."""
    push = await asked(bot, ws)
    async with bot.db.transaction(platform="test") as session:
        await session.execute(update(Deal).where(Deal.id == ws.ids["Acme ERP"]).values(stage="won"))
    r = await ws.wang.click(push.button("驳回"))
    r = await ws.wang.click(r.button("折扣太大"))
    assert r.text == "❌ 已驳回：Acme ERP 保持在谈判阶段。已告知原因：折扣太大"
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert deal.stage == "negotiation"
    [told] = await pushes_to(bot, ws.li)
    assert "(it stays at Negotiation). Reason: Discount too deep" in told.text


async def test_the_reps_reason_reaches_the_manager_in_chinese(bot, ws):
    """Issue 18.6: Li picked "Price" (English); Wang reads 价格 on the request."""
    push = await asked(bot, ws)
    assert "赢单原因：价格" in push.text
    assert "Price" not in push.text


async def test_a_won_deal_takes_its_won_date_as_close_date(bot, ws):
    """Issue 18.6: expected close becomes the day it was won (the mover's local date)."""
    async with bot.db.transaction(platform="test") as session:
        await session.execute(
            update(Deal)
            .where(Deal.id == ws.ids["Acme ERP"])
            .values(expected_close=bot.clock.now().date().replace(year=2027))
        )
    push = await asked(bot, ws)
    await ws.wang.click(push.button("批准"))
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    local_day = bot.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert (deal.stage, deal.expected_close) == ("won", local_day)


async def test_the_sender_is_told_every_chat_a_message_wrote_to(bot, ws):
    """After its commit the engine tells the outbox sender which chats it wrote rows for:
    the rep's reply and the manager's push. The sender claims nothing for a chat it is
    serving (issue 20), so a chat left out here would wait for the idle poll."""
    told: list[frozenset[tuple[str, str]] | None] = []
    engine = bot.app.engine
    engine.outbox_platforms = frozenset({"memory"})  # as a server's platforms are
    engine.on_outbox = lambda chats=None: told.append(chats)
    await set_amount(bot, ws.ids["Acme ERP"], 60_000_000)
    await ask_by_button(ws)
    assert told[-1] == frozenset({("memory", "id-li"), ("memory", "id-wang")})
    [push] = await pushes_to(bot, ws.wang)
    assert "待审批：Acme ERP" in push.text
