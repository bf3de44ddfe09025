"""Assignment (issue 15): a manager gives customers to a rep by typing, by buttons, or a
segment's worth at once after confirming the count; the new owner gets a push, the old one
is told, and the record rules follow at once. Reps cannot assign; a manager only within
the team (an admin anywhere); a name that fits nobody or several people gets buttons.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai (tests/workspace.py):
Li (English) holds Acme Ltd, Acme Trading and Globex; 李娜 星辰科技 and 华信电子有限公司;
Zhang Hidden Co; Wang (Chinese) manages team East, all four of them.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.replies import from_json
from handlers.pool.actions import AssignTo
from store.models import AuditEntry, Company, Contact, Deal, OutboxMessage, PoolMove, User
from tests.harness import BotHarness, ChatUser, Response


async def owner_of(bot: BotHarness, company_id: int) -> str:
    return str(
        await bot.scalar(
            select(User.name)
            .join(Company, Company.owner_id == User.id)
            .where(Company.id == company_id)
        )
    )


async def assign_pushes(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("assign:%"), OutboxMessage.recipient_id == chat.user_id)
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def test_a_manager_assigns_by_typing_in_chinese_and_the_rules_follow(bot, ws):
    xc = ws.ids["星辰科技"]
    r = await ws.wang.send("把星辰科技分配给Zhang")
    assert "✅ 星辰科技：李娜 → Zhang。" in r.text
    assert await owner_of(bot, xc) == "zhang"
    # Its people and open deal went with it; 李娜 no longer sees it, Zhang does.
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["星辰 ERP"])) == (
        ws.zhang.user_id
    )
    assert await bot.scalar(select(Contact.owner_id).where(Contact.id == ws.ids["张伟"])) == (
        ws.zhang.user_id
    )
    r = await ws.na.send("/查 星辰科技")
    assert "🏢 星辰科技" not in r.text
    r = await ws.zhang.send("/find 星辰科技")
    assert "🏢 星辰科技" in r.text

    (new,) = await assign_pushes(bot, ws.zhang)
    assert "📥 Wang gave you 星辰科技" in new.text
    assert new.button("星辰科技") is not None
    (old,) = await assign_pushes(bot, ws.na)
    assert "↪️ Wang 把你的 1 个客户分配给了 Zhang" in old.text

    # Its history and the audit log say who did it.
    r = await ws.zhang.click(r.button("History"))
    assert "↪️ Wang assigned it: 李娜 → Zhang" in r.text
    assert await bot.all(select(PoolMove.reason)) == ["assigned"]
    owners = await bot.all(
        select(AuditEntry.user_id).where(
            AuditEntry.table_name == "companies",
            AuditEntry.record_id == xc,
            AuditEntry.field == "owner_id",
            AuditEntry.action == "update",
        )
    )
    assert owners == [ws.wang.user_id]

    r = await ws.wang.send("星辰科技转给Zhang")
    assert "星辰科技 已经归 Zhang 了。" in r.text


async def test_refusals_in_english_and_an_admin_beyond_the_team(bot, ws):
    zhao = await bot.user("zhao", team="West")
    ada = await bot.user("ada", role="admin")
    r = await ws.li.send("assign Acme Ltd to Zhang")
    assert "Only a manager or an admin can assign customers." in r.text
    r = await ws.li.send("/assign Acme Ltd")
    assert "Only a manager or an admin can assign customers." in r.text
    wang_en = await bot.user("wen", role="manager", team="East")
    r = await wang_en.send("assign Acme Ltd to Zhao")
    assert "Zhao is not in your team: only an admin can assign to them." in r.text
    assert await owner_of(bot, ws.ids["Acme Ltd"]) == "li"
    r = await ada.send("assign Acme Ltd to Zhao")
    assert "✅ Acme Ltd: Li → Zhao." in r.text
    r = await zhao.send("/find Acme Ltd")
    assert "🏢 Acme Ltd" in r.text
    r = await wang_en.send("assign Hidden Co to Li")  # from one of the team to another
    assert "✅ Hidden Co: Zhang → Li." in r.text
    r = await wang_en.send("assign Acme Ltd to Li")  # Zhao's now: not the team's any more
    assert "Which customer?" in r.text  # the team's customers of like names, not Acme Ltd
    assert [b.label for b in r.buttons] == ["Acme Trading"]
    r = await wang_en.send("assign Nothing Ltd to Li")
    assert "I couldn't find a customer called “Nothing Ltd” that you can assign." in r.text


async def test_unknown_and_ambiguous_names_and_the_buttons(bot, ws):
    await bot.user("zq1", team="East", display_name="张强")
    await bot.user("zq2", team="East", display_name="张强")
    r = await ws.wang.send("把华信电子有限公司分配给张强")
    assert "叫“张强”的不止一个人，是哪一位？" in r.text
    assert [b.label for b in r.buttons] == ["张强", "张强"]
    r = await ws.wang.click(r.buttons[1])
    assert "✅ 华信电子有限公司：李娜 → 张强。" in r.text
    assert await owner_of(bot, ws.ids["华信电子有限公司"]) == "zq2"

    r = await ws.wang.send("把星辰科技分配给王五")
    assert "这里没有叫“王五”的人。" in r.text
    assert "把 星辰科技 分配给谁？" in r.text
    r = await ws.wang.click(r.button("Li"))
    assert "✅ 星辰科技：李娜 → Li。" in r.text

    # /分配 with buttons: the customer, then the person.
    r = await ws.wang.send("/分配")
    assert "分配哪个客户？" in r.text
    r = await ws.wang.send("/分配 Acme")
    assert "分配哪个客户？" in r.text
    r = await ws.wang.click(r.button("Acme Trading"))
    assert "把 Acme Trading 分配给谁？" in r.text
    r = await ws.wang.click(r.button("Zhang"))
    assert "✅ Acme Trading：Li → Zhang。" in r.text

    # "转给张强" says no customer: which one? A log about a quote is left a log.
    r = await ws.wang.send("转给Zhang")
    assert "把哪个客户转给 Zhang？" in r.text
    r = await ws.na.send("把报价转给张总了")
    assert "只有经理" not in r.text


async def test_a_segment_in_bulk_after_confirming_the_count(bot, ws):
    r = await ws.wang.send("把分群30天无活动分配给Li")
    # No activity in 30 days: all but Acme Ltd; Li holds two of them already.
    assert "把“30天无活动”的 3 个客户分配给 Li？目前负责人：李娜 2、Zhang 1。" in r.text
    assert await owner_of(bot, ws.ids["星辰科技"]) == "na"  # nothing before the button
    r = await ws.wang.click(r.button("✅ 分配 3 个"))
    assert "✅ “30天无活动”的 3 个客户已分配给 Li。" in r.text
    for name in ("星辰科技", "华信电子有限公司", "Hidden Co"):
        assert await owner_of(bot, ws.ids[name]) == "li"
    (new,) = await assign_pushes(bot, ws.li)
    assert "📥 Wang gave you 3 customers" in new.text
    (old,) = await assign_pushes(bot, ws.na)
    assert "↪️ Wang 把你的 2 个客户分配给了 Li" in old.text

    # The button under a segment's results, in English: whom, then the count.
    wen = await bot.user("wen", role="manager", team="East")
    r = await wen.send("/segment No activity in 30 days")
    r = await wen.click(r.button("👥 Assign to…"))
    assert "Give the customers of “No activity in 30 days” to whom?" in r.text
    r = await wen.click(r.button("Zhang"))
    assert "Assign 5 customer(s) of “No activity in 30 days” to Zhang?" in r.text
    r = await wen.click(r.button("✅ Assign 5"))
    assert "✅ 5 customer(s) of “No activity in 30 days” are Zhang's now." in r.text

    r = await ws.li.send("/segment No activity in 30 days")  # a rep gets no such button
    assert not any("Assign" in b.label for b in r.buttons)
    r = await ws.li.send("assign segment No activity in 30 days to Zhang")
    assert "Only a manager or an admin can assign customers." in r.text


async def test_deals_and_tasks_go_to_whoever_sees_their_customer(bot, ws):
    r = await ws.wang.send("把星辰ERP项目分配给Li")
    assert "Li 看不到它所属的客户：请分配客户本身" in r.text
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["星辰 ERP"])) == (
        ws.na.user_id
    )
    r = await ws.wang.send("把星辰ERP项目分配给李娜")
    assert "星辰ERP项目 已经归 李娜 了。" in r.text

    wen = await bot.user("wen", role="manager", team="East")
    r = await wen.send("assign Acme ERP to Wang")  # the manager sees Li's customer
    assert "✅ Acme ERP: Li → Wang." in r.text
    assert await bot.scalar(select(Deal.owner_id).where(Deal.id == ws.ids["Acme ERP"])) == (
        ws.wang.user_id
    )
    (new,) = await assign_pushes(bot, ws.wang)
    assert "📥 Wen 把 Acme ERP 分配给了你" in new.text
    (old,) = await assign_pushes(bot, ws.li)
    assert "↪️ Wen gave your Acme ERP to Wang" in old.text

    r = await wen.send("/assign Book the demo")  # a task, by buttons
    assert "Give Book the demo to whom?" in r.text
    r = await wen.click(r.button("Wang"))
    assert "✅ Book the demo: Li → Wang." in r.text
    audit = await bot.all(
        select(AuditEntry.table_name).where(
            AuditEntry.field == "owner_id", AuditEntry.action == "update"
        )
    )
    assert sorted(audit) == ["deals", "tasks"]


async def test_customers_go_to_sales_people_only(bot, ws):
    """Typed or pressed, an admin's assignment goes to a rep or a manager (those the
    buttons offer), never to finance or a service person."""
    ada = await bot.user("ada", role="admin")
    fay = await bot.user("fay", role="finance", display_name="Fay")
    r = await ada.send("assign Hidden Co to Fay")
    assert "Fay doesn't hold customers: assign them to a rep or a manager." in r.text
    r = await ada.click(AssignTo(ws.ids["Hidden Co"], fay.user_id).encode())
    assert "Fay doesn't hold customers: assign them to a rep or a manager." in r.text
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "zhang"


async def test_a_customers_contracts_go_with_it(bot, ws):
    """Owned like its deals, a customer's contracts follow it to the new owner: Zhang sees
    Acme's contract in /contract list, Li no longer does (the review found them left
    behind, visible only to the old owner)."""
    from tests.test_contracts import contract_from_won_deal

    r = await contract_from_won_deal(ws)
    await ws.li.click(r.button("Submit"))
    r = await ws.wang.send("把Acme Ltd分配给Zhang")
    assert "Acme Ltd：Li → Zhang" in r.text
    r = await ws.zhang.send("/contract list")
    assert "• HT-2026-0001 · Acme Ltd" in r.text
    r = await ws.li.send("/contract list")
    assert r.text.startswith("No contracts yet.")
