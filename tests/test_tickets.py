"""After-sales tickets (issue 14): opened in one message or with ``/ticket``, routed by
region and type with round robin in a service group, a queue with Take, SLA escalation,
close with a resolution, the survey (a low score reopens as escalated), on the customer
card and history, the report, and refusals.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai. Li (English) owns Acme
Ltd, 李娜 (Chinese) owns 星辰科技 (contact 张伟); every company is in Shanghai. Sun (Chinese)
and Yu (English) are service people in the group "Service", managed by Gao; the assignment
table sends repairs and complaints from Shanghai to "Service", everything else to the queue.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings, load_settings
from bot.replies import from_json
from store.models import Activity, AuditEntry, OutboxMessage, Task, Ticket
from store.ticket_policy import read_routes
from tests.harness import BotHarness, ChatUser, Response
from tests.reminders_support import link_push, pushes


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"ticket_routes": read_routes("Shanghai/repair=Service;shanghai/complaint=Service")}
    )


async def service_team(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    sun = await bot.user("sun", role="service", team="Service", lang="zh")
    yu = await bot.user("yu", role="service", team="Service")
    gao = await bot.user("gao", role="manager", team="Service")
    return sun, yu, gao


async def ticket_pushes(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(
            OutboxMessage.event_id.like("tk:%"),
            OutboxMessage.kind == "send",
            OutboxMessage.chat_id == f"id-{chat.name}",
        )
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def all_tickets(bot: BotHarness) -> list[Ticket]:
    return await bot.all(select(Ticket).order_by(Ticket.id))


async def test_one_message_in_chinese_is_routed_taken_closed_and_rated(bot, ws):
    sun, yu, _gao = await service_team(bot)
    r = await ws.na.send("星辰科技的打印机坏了，很急")
    assert "🎫 已为星辰科技创建工单 #1，指派给Sun。" in r.text
    for part in (
        "🎫 工单 #1 · 星辰科技",
        "星辰科技的打印机坏了，很急",
        "联系人：张伟",
        "类型：维修 · 优先级：🔴 紧急",
        "区域：Shanghai",
        "处理人：Sun · Service",
        "客户负责人：李娜",
        "状态：处理中",
    ):
        assert part in r.text, part
    [ticket] = await all_tickets(bot)
    assert (ticket.kind, ticket.priority, ticket.status) == ("repair", "urgent", "open")
    assert ticket.resolve_by - ticket.created_at == timedelta(hours=8)  # urgent: 1 h / 8 h

    [ask] = await ticket_pushes(bot, sun)
    assert "🎫 星辰科技的工单 #1 指派给你（紧急" in ask.text
    r = await sun.click(ask.button("开始处理"))
    assert "👍 工单 #1 由你处理。" in r.text
    told = await ticket_pushes(bot, ws.na)
    assert "👍 Sun认领了工单 #1（星辰科技）。" in told[-1].text

    r = await sun.click(r.button("关闭"))
    assert r.text == "工单 #1 是怎么解决的？"
    r = await sun.send("更换了定影器，已恢复打印")
    assert "✅ 工单 #1 已关闭。" in r.text
    assert "⭐ 客户对工单 #1 的满意度？" in r.text
    told = await ticket_pushes(bot, ws.na)
    assert "✅ Sun关闭了工单 #1（星辰科技）：更换了定影器，已恢复打印" in told[-1].text
    r = await sun.click(r.button("5 ⭐"))
    assert r.text.startswith("客户有什么意见吗？")
    r = await sun.send("响应很快")
    assert "⭐ 谢谢 — 工单 #1 评分 5/5。" in r.text
    assert "满意度：5/5 — 响应很快" in r.text
    [ticket] = await all_tickets(bot)
    assert (ticket.status, ticket.score, ticket.assignee_id) == ("closed", 5, sun.user_id)

    # The next repair in the group goes to the other service person (round robin).
    r = await ws.li.send("Acme Ltd's printer is broken")
    assert "Ticket #2 opened for Acme Ltd and assigned to Yu." in r.text
    assert "Type: Repair · Priority: 🟢 normal" in r.text
    assert yu.user_id == (await all_tickets(bot))[1].assignee_id

    audited = await bot.all(
        select(AuditEntry.field).where(AuditEntry.table_name == "tickets").distinct()
    )
    assert {"resolution", "score", "status", "responded_at"} <= set(audited)


async def test_ordinary_logs_stay_logs(bot, ws):
    await service_team(bot)
    r = await ws.li.send("called Acme Ltd, their printer is broken, follow up Friday 10am")
    assert r.text.startswith("✅ Logged: Call · Acme Ltd")
    r = await ws.na.send("今天拜访了星辰科技张总，打印机坏了，下周二跟进")
    assert r.text.startswith("✅ 已记录：拜访 · 星辰科技")
    r = await ws.li.send("the printer is broken")  # no customer: not a ticket either
    assert "Ticket" not in r.text
    assert await all_tickets(bot) == []
    kinds = await bot.all(select(Activity.kind).where(Activity.summary.like("%printer%")))
    assert kinds == ["call"]


async def test_sla_escalation_reaches_the_assignees_manager(bot, ws, worker, clock):
    sun, _yu, gao = await service_team(bot)
    await link_push(bot, gao)
    r = await ws.li.send("Acme Ltd complaint: the delivery was damaged, urgent")
    assert "assigned to Sun" in r.text
    clock.set(clock.now() + timedelta(minutes=30))
    await worker.sweep_rules()
    assert await bot.all(select(Task).where(Task.title.like("🚨%"))) == []
    clock.set(clock.now() + timedelta(minutes=45))  # 1 h 15 min: no response in time
    await worker.sweep_rules()
    [task] = await bot.all(select(Task).where(Task.title.like("🚨%")))
    assert task.owner_id == gao.user_id
    await worker.tick()
    [push] = [p for p in await pushes(bot, gao) if "🚨" in p.text]
    assert "🚨 Ticket #1 · Acme Ltd is past its response target" in push.text
    assert push.labels[:3] == ["🔀 Reassign", "📂 Open", "🙋 Take"]
    assert "+1 h" in push.labels
    r = await ws.li.click(f"wo1:{(await all_tickets(bot))[0].id}")
    assert "Status: ⚠️ no response in time" in r.text
    await worker.sweep_rules()
    assert len(await bot.all(select(Task).where(Task.title.like("🚨%")))) == 1  # once
    # Taken, but still open after 8 hours: the resolution target is escalated too.
    await sun.click(f"wt1:{(await all_tickets(bot))[0].id}")
    clock.set(clock.now() + timedelta(hours=8))
    await worker.sweep_rules()
    titles = [t.title for t in await bot.all(select(Task).where(Task.title.like("🚨%")))]
    assert any("resolution target" in t for t in titles), titles


async def test_the_escalation_push_acts_for_the_manager_and_refuses_others(bot, ws, worker, clock):
    sun, yu, gao = await service_team(bot)
    await link_push(bot, gao)
    await ws.li.send("Acme Ltd complaint: the delivery was damaged, urgent")
    clock.set(clock.now() + timedelta(hours=2))
    await worker.sweep_rules()
    await worker.sweep_rules()  # a second sweep records nothing more
    await worker.tick()
    [push] = [p for p in await pushes(bot, gao) if "🚨" in p.text]
    escalations = await bot.all(
        select(AuditEntry.new_value).where(
            AuditEntry.table_name == "tickets", AuditEntry.field == "escalated_for"
        )
    )
    assert escalations == ["response"]

    r = await ws.li.click(push.button("Reassign"))  # the customer's rep: not theirs to do
    assert r.text == "Only a manager or an admin can reassign a ticket."
    r = await ws.zhang.click(push.button("Open"))  # another rep does not see the ticket
    assert "Acme" not in r.text
    r = await yu.click(push.button("Take"))  # service, but it is Sun's: refused
    assert "#1" in r.text
    assert "👍" not in r.text
    assert (await all_tickets(bot))[0].assignee_id == sun.user_id

    r = await gao.click(push.button("Open"))
    assert "🎫 #1 · Acme Ltd" in r.text
    assert "Status: ⚠️ no response in time" in r.text
    r = await gao.click(push.button("Reassign"))
    assert r.text.startswith("Give ticket #1 to whom?")
    r = await gao.click(r.button("Yu"))
    assert "🔀 Ticket #1 given to Yu." in r.text
    assert (await all_tickets(bot))[0].assignee_id == yu.user_id
    [task] = await bot.all(select(Task).where(Task.title.like("🚨%")))
    assert task.done_at is not None  # handled: the escalation is off the manager's list
    r = await ws.li.send("/find Acme Ltd")
    r = await ws.li.click(r.button("History"))
    assert "ticket #1 escalated to the managers: past its response target" in r.text


async def test_a_low_score_reopens_as_escalated_and_the_manager_reassigns(bot, ws):
    sun, yu, gao = await service_team(bot)
    r = await ws.li.send("Acme Ltd's copier is not working")
    ticket_id = (await all_tickets(bot))[0].id
    r = await ws.li.click(f"wc1:{ticket_id}")  # the customer's owner may close it too
    assert r.text == "How was ticket #1 resolved?"
    r = await ws.li.send("Sun reset the copier")
    r = await ws.li.click(r.button("2 ⭐"))
    r = await ws.li.send("took three days")
    assert "🚨 Score 2/5: ticket #1 is open again and escalated to the managers." in r.text
    assert "Status: escalated" in r.text
    [ticket] = await all_tickets(bot)
    assert (ticket.status, ticket.reopened, ticket.score) == ("open", 1, 2)
    assert ticket.escalated_at is not None
    [alert] = [p for p in await ticket_pushes(bot, gao) if "🚨" in p.text]
    assert "🚨 Ticket #1 (Acme Ltd) scored 2/5 (took three days) and is open again" in alert.text
    r = await gao.click(alert.button("Reassign"))
    assert r.text.startswith("Give ticket #1 to whom?")
    assert "Yu" in [b.label for b in r.buttons]
    r = await gao.click(r.button("Yu"))
    assert "🔀 Ticket #1 given to Yu." in r.text
    assert (await all_tickets(bot))[0].assignee_id == yu.user_id
    assert any("改派给Yu" in p.text for p in await ticket_pushes(bot, sun))
    r = await ws.li.click(f"wa1:{ticket_id}")  # a rep cannot reassign
    assert r.text == "Only a manager or an admin can reassign a ticket."


async def test_refusals_unknown_customer_empty_summary_bad_priority(bot, ws):
    r = await ws.li.send("/ticket Nosuch Industries")
    assert "I don't know a customer called “Nosuch Industries”" in r.text
    r = await ws.li.send("Acme Ltd")
    assert r.text == "What is the problem? (e.g. the printer is broken, urgent)"
    r = await ws.li.send("   .   ")
    assert r.text == "⚠️ The summary can't be empty. What is the problem?"
    r = await ws.li.send("they want a new invoice layout")
    assert r.text == "Which type of ticket?"
    assert [b.label for b in r.buttons] == ["Repair", "Complaint", "Question"]
    r = await ws.li.click(r.button("Question"))
    assert r.text == "Priority?"
    r = await ws.li.send("super mega")
    assert "⚠️ That isn't a priority. Pick urgent, high, normal or low." in r.text
    r = await ws.li.send("high")
    assert "Ticket #1 opened for Acme Ltd. It waits in the service queue" in r.text
    assert "Assigned to: queue" in r.text
    assert "Type: Question · Priority: 🟠 high" in r.text


async def test_refusals_in_chinese_and_an_empty_summary(bot, ws):
    r = await ws.na.send("/工单 不存在公司")
    assert "没有找到客户“不存在公司”" in r.text
    r = await ws.na.send("星辰科技")
    assert r.text == "什么问题？（如：打印机坏了，很急）"
    r = await ws.na.send("。")
    assert r.text == "⚠️ 问题描述不能为空。是什么问题？"
    r = await ws.na.send("客户投诉发票开错了")
    assert r.text == "优先级？"
    r = await ws.na.send("超级")
    assert "⚠️ 这不是优先级" in r.text
    r = await ws.na.send("低")
    assert "类型：投诉 · 优先级：⚪ 低" in r.text
    assert "指派给" in r.text or "队列" in r.text


async def test_the_queue_take_button_and_record_rules(bot, ws):
    sun, _yu, _gao = await service_team(bot)
    r = await ws.li.send("/ticket Globex Corporation")
    r = await ws.li.send("question about the API limits")
    r = await ws.li.click(r.button("Normal")) if "Priority?" in r.text else r
    [ticket] = await all_tickets(bot)
    assert ticket.assignee_id is None
    r = await sun.send("/工单 队列")
    assert "🎫 队列中待认领（1）：" in r.text
    r = await sun.click(r.button("#1"))
    assert "Globex" in r.text
    r = await sun.click(r.button("认领"))
    assert "👍 工单 #1 由你处理。" in r.text
    r = await ws.zhang.click(f"wo1:{ticket.id}")  # another rep: not theirs to see
    assert "Globex" not in r.text
    r = await ws.zhang.send("/ticket list")
    assert r.text == "No tickets here."
    r = await ws.li.click(f"wt1:{ticket.id}")  # a rep does not take tickets
    assert r.text == "Ticket #1 isn't yours to change."


async def test_priority_is_editable_and_tickets_are_on_the_card_and_history(bot, ws):
    await service_team(bot)
    r = await ws.li.send("Acme Ltd's server is down, urgent")
    r = await ws.li.click(r.button("Priority"))
    assert r.text.startswith("Ticket #1 is 🔴 urgent. New priority?")
    r = await ws.li.click(r.button("low"))
    assert "⚡ Ticket #1: priority 🔴 urgent → ⚪ low." in r.text
    [ticket] = await all_tickets(bot)
    assert ticket.resolve_by - ticket.created_at == timedelta(hours=168)
    r = await ws.li.send("/find Acme Ltd")
    assert "🎫 #1 Acme Ltd's server is down, urgent · open" in r.text
    r = await ws.li.click(r.button("History"))
    assert "ticket #1 opened: Acme Ltd's server is down, urgent" in r.text
    changes = await bot.all(
        select(AuditEntry.new_value).where(
            AuditEntry.table_name == "tickets", AuditEntry.field == "priority"
        )
    )
    assert changes[-1] == "low"


async def test_the_service_report_and_help(bot, ws):
    sun, _yu, _gao = await service_team(bot)
    await ws.na.send("星辰科技的打印机坏了，很急")
    await ws.li.send("Acme Ltd's copier is not working")
    [first, _second] = await all_tickets(bot)
    await sun.click(f"wc1:{first.id}")
    r = await sun.send("修好了")
    r = await sun.click(r.button("4 ⭐"))
    await sun.click(r.button("跳过"))
    r = await ws.wang.send("/售后")
    assert "🎫 最近8周：共 2 个工单，1 个未关闭，0 个已升级" in r.text
    assert "⏱ 已关闭 1 个，1 个在期限内解决（100%）" in r.text
    assert "⭐ 1 份满意度，平均 4.0，0 份低分（1–2）" in r.text
    r = await ws.li.send("/ticket report")
    assert "1 ticket(s), 1 open" in r.text
    r = await ws.li.send("/help")
    assert "/ticket — step by step" in r.text
    r = await sun.send("/帮助")
    assert "售后服务" in r.text
    assert "/工单" in r.text


def test_ticket_settings_are_checked():
    settings = load_settings(ticket_sla="urgent=2/6", ticket_routes="*/repair=Field")
    assert settings.tickets.targets("urgent") == (timedelta(hours=2), timedelta(hours=6))
    assert settings.tickets.team_for("Beijing", "repair") == "Field"
    assert settings.tickets.team_for("Beijing", "question") is None
    with pytest.raises(ConfigError, match="CRMBOT_TICKET_SLA"):
        load_settings(ticket_sla="soon=1/2")
    with pytest.raises(ConfigError, match="CRMBOT_TICKET_ROUTES"):
        load_settings(ticket_routes="Beijing=Field")


async def test_escalation_and_a_low_score_in_chinese(bot, ws, worker, clock):
    sun = await bot.user("sun", role="service", team="Service", lang="zh")
    gao = await bot.user("gao", role="manager", team="Service", lang="zh", display_name="高经理")
    await link_push(bot, gao)
    r = await ws.na.send("星辰科技投诉安装延误，尽快处理")
    assert "指派给Sun" in r.text
    assert "类型：投诉 · 优先级：🟠 高" in r.text
    clock.set(clock.now() + timedelta(hours=5))  # high: respond within 4 h
    await worker.sweep_rules()
    await worker.tick()
    [push] = [p for p in await pushes(bot, gao) if "🚨" in p.text]
    assert "🚨 工单 #1 · 星辰科技 已超过响应期限" in push.text
    assert push.labels[:3] == ["🔀 改派", "📂 打开", "🙋 认领"]
    r = await ws.na.click(push.button("改派"))  # the rep who owns the customer: refused
    assert r.text == "只有经理或管理员可以改派工单。"
    r = await gao.click(push.button("打开"))
    assert "🎫 工单 #1 · 星辰科技" in r.text
    r = await ws.na.send("/查 星辰科技")
    r = await ws.na.click(r.button("历史"))
    assert "工单 #1 超过响应期限，已升级给经理" in r.text
    [ticket] = await all_tickets(bot)
    r = await sun.click(f"wc1:{ticket.id}")
    r = await sun.send("已上门道歉")
    r = await sun.click(r.button("1 ⭐"))
    r = await sun.send("还是很慢")
    assert "🚨 评分 1/5：工单 #1 已重新打开并升级给经理。" in r.text
    assert "状态：已升级" in r.text or "状态：⚠️" in r.text
    [alert] = [p for p in await ticket_pushes(bot, gao) if "满意度" in p.text]
    assert "🚨 工单 #1（星辰科技）满意度 1/5（还是很慢），已重新打开并升级。" in alert.text
    assert [b.label for b in alert.buttons] == ["🎫 查看", "🔀 改派"]
    told = await ticket_pushes(bot, ws.na)
    assert any("满意度 1/5" in p.text for p in told)


async def test_connection_and_crash_words_open_tickets_and_the_follow_up_is_kept(bot, ws):
    r = await ws.na.send("星辰科技的系统连不上了，下个月再看")
    assert "🎫 已为星辰科技创建工单 #1" in r.text
    assert "🔁 工单 #1 的跟进：12月1日（周二）9:00（已加入你的任务）。" in r.text
    r = await ws.li.send("Acme Ltd can't connect to the server, follow up next month")
    assert "🎫 Ticket #2 opened for Acme Ltd" in r.text
    assert "🔁 Follow-up on ticket #2: Tue 1 Dec 9:00 (in your tasks)." in r.text
    follow_ups = await bot.all(select(Task).where(Task.title.like("🔁%")).order_by(Task.id))
    assert [(t.owner_id, t.title) for t in follow_ups] == [
        (ws.na.user_id, "🔁 跟进工单 #1：星辰科技的系统连不上了，下个月再看"),
        (
            ws.li.user_id,
            "🔁 Follow up ticket #2: Acme Ltd can't connect to the server, follow up next month",
        ),
    ]
    for text in (
        "Acme Ltd's app keeps crashing",
        "Acme Ltd's packing machine won't start",
        "Acme Ltd无法连接VPN",
    ):
        r = await ws.li.send(text)
        assert "opened for Acme Ltd" in r.text or "已为Acme Ltd创建工单" in r.text, text
    for text in ("星辰科技的账号登不上", "星辰科技的网页打不开"):
        r = await ws.na.send(text)
        assert "已为星辰科技创建工单" in r.text, text
    assert [t.kind for t in await all_tickets(bot)] == ["repair"] * 7
    # A call log that mentions a fault stays a log, follow-up and all.
    r = await ws.li.send("called Acme Ltd, they can't connect, follow up next month")
    assert r.text.startswith("✅ Logged: Call · Acme Ltd")
    assert len(await all_tickets(bot)) == 7
    # Asking for the reminder itself is a task, even with a fault in it: nobody asked
    # for a ticket.
    r = await ws.li.send("remind me to check Acme Ltd's error report Friday")
    r = await ws.na.send("提醒我明天去看星辰科技的系统连不上的问题")
    assert len(await all_tickets(bot)) == 7
    tasks = [t.title for t in await bot.all(select(Task))]
    assert any("error report" in t for t in tasks)
    assert any("连不上" in t for t in tasks)
