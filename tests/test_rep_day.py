"""A field rep's day, conversed end to end: logging, deals, lookup, tasks, history."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from handlers.logging.core import PickCustomer
from store.models import Activity, AuditEntry, Company, Deal, DealStageChange, Task


async def newest(bot, model):
    return await bot.scalar(select(model).order_by(model.id.desc()).limit(1))


async def count(bot, model, *where):
    return await bot.scalar(select(func.count()).select_from(model).where(*where))


async def test_english_one_message_log_asks_which_acme(bot, ws):
    r = await ws.li.send("called Acme, Wang wants a revised quote, follow up Friday 10am")
    assert "Which customer do you mean by “Acme”?" in r.text
    assert [b.label for b in r.buttons][:2] == ["Acme Ltd", "Acme Trading"]
    r = await ws.li.click(r.button("Acme Ltd"))
    assert "✅ Logged: Call · Acme Ltd · Wang Lei" in r.text
    assert "Follow-up: Fri 20 Nov 10:00" in r.text
    assert [b.label for b in r.buttons] == ["↩️ Undo", "✏️ Edit"]
    activity = await newest(bot, Activity)
    assert (activity.kind, activity.contact_id) == ("call", ws.ids["Wang Lei"])
    assert activity.source_text.startswith("called Acme")
    task = await newest(bot, Task)
    assert task.due_at == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert task.activity_id == activity.id


async def test_chinese_one_message_log_with_amount_stage_and_follow_up(bot, ws):
    text = "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进"
    r = await ws.na.send(text)
    assert "✅ 已记录：拜访 · 星辰科技 · 张伟" in r.text
    assert "谈判" in r.text
    assert "¥50万" in r.text
    assert "跟进：11月24日（周二）15:00" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["星辰 ERP"]))
    assert (deal.stage, deal.amount_cents, deal.probability) == ("negotiation", 50_000_000, 75)
    change = await newest(bot, DealStageChange)
    assert (change.from_stage, change.to_stage, change.deal_id) == (
        "proposal",
        "negotiation",
        deal.id,
    )
    task = await newest(bot, Task)
    assert task.due_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def test_globex_meeting_creates_a_usd_deal(bot, ws):
    r = await ws.li.send("met Globex CFO, deal 1.2m USD, next step proposal in 2 weeks")
    assert "Meeting · Globex Corporation · Sarah Lee" in r.text
    assert "$1.2m" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.company_id == ws.ids["Globex Corporation"]))
    assert (deal.amount_cents, deal.currency, deal.stage) == (120_000_000, "USD", "lead")
    task = await newest(bot, Task)
    assert task.due_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def test_undo_reverses_everything_once(bot, ws):
    r = await ws.na.send("今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进")
    activities, tasks = await count(bot, Activity), await count(bot, Task)
    undo_button = r.button("撤销")
    r = await ws.na.click(undo_button)
    assert "已撤销" in r.text
    assert await count(bot, Activity) == activities - 1
    assert await count(bot, Task) == tasks - 1
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["星辰 ERP"]))
    assert (deal.stage, deal.amount_cents) == ("proposal", 0)
    assert await count(bot, DealStageChange, DealStageChange.deal_id == deal.id) == 0
    deletes = await count(bot, AuditEntry, AuditEntry.action == "delete")
    assert deletes > 0
    r = await ws.na.click(undo_button)  # pressed again on the old message
    assert "已经撤销" in r.text


async def test_unknown_customer_is_offered_and_undo_removes_it_too(bot, ws):
    r = await ws.li.send("called Initrode, they asked for a demo")
    assert "I don't know “Initrode” yet" in r.text
    r = await ws.li.click(r.button("Create"))
    assert "✅ Logged: Call · Initrode" in r.text
    company = await bot.scalar(select(Company).where(Company.name == "Initrode"))
    assert company.owner_id == ws.li.user_id
    await ws.li.click(r.button("Undo"))
    assert await bot.scalar(select(Company).where(Company.name == "Initrode")) is None


async def test_a_rep_cannot_log_against_a_customer_they_may_not_see(bot, ws):
    r = await ws.li.send("called Hidden Co about the renewal")
    assert "I don't know “Hidden Co” yet" in r.text
    r = await ws.li.click(PickCustomer(ws.ids["Hidden Co"]).encode())  # forged button
    assert "Not found" in r.text
    r = await ws.li.click(f"f:quick_log:co{ws.ids['Hidden Co']}")  # an old version's, forged
    assert "no longer works" in r.text
    assert await count(bot, Activity, Activity.company_id == ws.ids["Hidden Co"]) == 0


async def test_ambiguity_question_survives_a_restart(bot, ws):
    r = await ws.li.send("called Acme about the invoice")
    await bot.restart()
    r = await ws.li.send("2")
    assert "Call · Acme Trading" in r.text


async def test_missing_type_is_asked_with_buttons(bot, ws):
    r = await ws.li.send("Globex: budget approved, follow up tomorrow 9:30")
    assert "What was it?" in r.text
    assert [b.label for b in r.buttons] == ["Call", "Visit", "Meeting", "Email", "Message", "Note"]
    r = await ws.li.send("6")
    assert "Note · Globex Corporation" in r.text
    assert "tomorrow 9:30" in r.text


async def test_stage_change_by_text_and_won_asks_for_a_reason(bot, ws):
    r = await ws.li.send("Acme Ltd deal to negotiation")
    assert "moved to Negotiation" in r.text
    r = await ws.na.send("星辰项目赢单")
    assert "为什么赢单" in r.text
    r = await ws.na.click(r.button("价格"))
    assert "已赢单" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["星辰 ERP"]))
    assert (deal.stage, deal.close_reason, deal.probability) == ("won", "价格", 100)
    assert deal.stage_changed_at == bot.clock.now()


async def test_deal_update_by_text_asks_the_customer_first(bot, ws):
    r = await ws.li.send("Acme deal to negotiation")
    assert "Which customer do you mean by “Acme”?" in r.text
    r = await ws.li.click(r.button("Acme Ltd"))
    assert "moved to Negotiation" in r.text
    r = await ws.li.send("Acme Ltd deal 40万")
    assert "“Acme ERP”: ¥300k → ¥400k" in r.text
    r = await ws.li.send("Acme Ltd deal 80万")  # more than half again: asked first
    assert "“Acme ERP” is ¥400k. Change it to ¥800k?" in r.text
    r = await ws.li.click(r.button("Change to"))
    assert "“Acme ERP”: ¥400k → ¥800k" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["Acme ERP"]))
    assert (deal.stage, deal.amount_cents) == ("negotiation", 80_000_000)
    assert await count(bot, Activity, Activity.source_text.is_not(None)) == 0


async def test_deal_update_without_an_open_deal_offers_one(bot, ws):
    r = await ws.li.send("Globex deal won")
    assert "has no open deal" in r.text
    r = await ws.li.click(r.button("New deal"))
    assert "Deal name?" in r.text


async def test_deal_buttons_move_stage_and_lost_takes_typed_reason(bot, ws):
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    assert "Stage: Proposal (50%)" in r.text
    r = await ws.li.click(r.button("Stage"))
    r = await ws.li.click(r.button("Negotiation"))
    assert "moved to Negotiation" in r.text
    r = await ws.li.click(r.button("Lost"))
    r = await ws.li.send("went with a cheaper vendor")
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["Acme ERP"]))
    assert (deal.stage, deal.close_reason) == ("lost", "went with a cheaper vendor")
    stages = await bot.all(
        select(DealStageChange.to_stage)
        .where(DealStageChange.deal_id == deal.id)
        .order_by(DealStageChange.id)
    )
    assert stages == ["negotiation", "lost"]


async def test_new_deal_flow(bot, ws):
    await ws.li.send("/deal")
    r = await ws.li.send("globex")
    assert "Deal name?" in r.text
    await ws.li.send("Globex CRM rollout")
    await ws.li.send("500k")
    r = await ws.li.send("3")  # Proposal
    r = await ws.li.send("1")  # end of this month
    assert "Deal “Globex CRM rollout” created" in r.text
    deal = await newest(bot, Deal)
    assert (deal.amount_cents, deal.stage, str(deal.expected_close)) == (
        50_000_000,
        "proposal",
        "2026-11-30",
    )


async def test_guided_log_with_pinyin_search(bot, ws):
    r = await ws.na.send("/记录")
    r = await ws.na.send("2")  # 拜访
    r = await ws.na.send("xingchen")
    r = await ws.na.click(r.button("星辰科技"))
    assert "和星辰科技的情况如何" in r.text
    r = await ws.na.send("聊了新报价")
    r = await ws.na.click(r.button("下周"))
    assert "✅ 已记录：拜访 · 星辰科技" in r.text
    task = await newest(bot, Task)
    assert task.due_at == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_find_by_pinyin_initials_and_name(bot, ws):
    r = await ws.na.send("/查 xingchen")
    assert "星辰科技" in r.text
    assert "张伟 总经理 +86 138 0013 8000" in r.text
    assert [b.label for b in r.buttons][:3] == ["📝 记录", "💼 新商机", "🕘 历史"]
    r = await ws.na.send("/查 zw")
    assert "星辰科技" in r.text
    r = await ws.li.send("/find acme")
    assert [b.label for b in r.buttons] == ["Acme Ltd", "Acme Trading"]
    r = await ws.li.send("Acme Trading")
    assert "🏢 Acme Trading" in r.text
    r = await ws.li.send("/find hidden")
    assert "No customer matches" in r.text


async def test_manager_finds_the_teams_customers(bot, ws):
    r = await ws.wang.send("/查 Hidden")
    assert "🏢 Hidden Co" in r.text


async def test_today_tasks_done_and_snooze(bot, ws):
    r = await ws.li.send("/today")
    assert "Send the revised quote" in r.text
    assert "Book the demo" not in r.text
    r = await ws.li.send("/tasks")
    assert "Book the demo" in r.text
    r = await ws.li.click(f"tk.sn.tomorrow:{ws.ids['task today']}")
    assert "tomorrow 9:00" in r.text
    task = await bot.scalar(select(Task).where(Task.id == ws.ids["task today"]))
    assert task.due_at == datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    r = await ws.li.click(f"tk.done:{ws.ids['task later']}")
    assert "Done: Book the demo" in r.text
    assert "Nothing due today" in (await ws.li.send("/today")).text


async def test_history_pages_newest_first(bot, ws):
    r = await ws.li.click(f"hi:{ws.ids['Acme Ltd']}:0")
    assert "activities 1–5 of 7" in r.text
    assert r.text.index("call number 7") < r.text.index("call number 3")
    r = await ws.li.click(r.button("More"))
    assert "activities 6–7 of 7" in r.text
    assert "call number 1" in r.text


async def test_edit_the_follow_up_of_a_log(bot, ws):
    r = await ws.li.send("called Globex, follow up Friday 10am")
    r = await ws.li.click(r.button("Edit"))
    r = await ws.li.click(r.button("Follow-up"))
    r = await ws.li.send("tomorrow 9:30")
    assert "Follow-up changed to: tomorrow 9:30" in r.text
    task = await newest(bot, Task)
    assert task.due_at == datetime(2026, 11, 19, 1, 30, tzinfo=UTC)
