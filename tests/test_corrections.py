"""Corrections: a typed /undo (/撤销), Edit again after an edit, and (below) editing,
deleting and reopening records from their cards."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.customers.actions import (
    AskDeleteCompany,
    AskDeleteRecord,
    CorrectFrom,
    CorrectRecord,
    OpenContact,
)
from handlers.deals.actions import MoveDeal, OpenDeal, ReopenDeal
from store.models import Activity, AuditEntry, Contact, Deal, DealStageChange, Task


async def count(bot, model, *where) -> int:
    return int(await bot.scalar(select(func.count()).select_from(model).where(*where)))


async def test_edit_stays_available_after_one_edit(bot, ws):
    r = await ws.li.send("called Acme Ltd, Wang wants a revised quote, follow up Friday 10am")
    r = await ws.li.click(r.button("Edit"))
    r = await ws.li.click(r.button("Summary"))
    r = await ws.li.send("Wang wants the quote in USD")
    assert "Wang wants the quote in USD" in r.text
    r = await ws.li.click(r.button("Edit"))  # a second correction, from the answer itself
    r = await ws.li.click(r.button("Follow-up"))
    r = await ws.li.send("tomorrow 3pm")
    assert "15:00" in r.text
    assert r.button("Undo")
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.summary == "Wang wants the quote in USD"


async def test_typed_undo_offers_the_last_action_and_reverses_it(bot, ws):
    before = await count(bot, Activity)
    await ws.li.send("called Acme Ltd, Wang wants a revised quote, follow up Friday 10am")
    assert await count(bot, Activity) == before + 1
    r = await ws.li.send("/undo")
    assert "Undo your last action — the log Call · Acme Ltd" in r.text
    assert await count(bot, Activity) == before + 1  # asked first, nothing removed yet
    r = await ws.li.click(r.button("Undo"))
    assert "Undone" in r.text
    assert await count(bot, Activity) == before
    r = await ws.li.send("/undo")
    assert "nothing of yours to undo" in r.text


async def test_typed_undo_in_chinese_cancels_a_reminder(bot, ws):
    await ws.na.send("提醒我明天上午10点给星辰科技发合同")
    assert await count(bot, Task, Task.title.contains("合同")) == 1
    r = await ws.na.send("/撤销")
    assert "撤销你的上一步操作——提醒" in r.text
    r = await ws.na.click(r.button("撤销"))
    assert "已撤销" in r.text
    assert await count(bot, Task, Task.title.contains("合同")) == 0
    # Another rep's last action is not mine to undo.
    await ws.li.send("remind me to call Li tomorrow 9am")
    assert "nothing of yours to undo" not in (await ws.li.send("/undo")).text
    assert "没有可以撤销" in (await ws.na.send("/撤销")).text


async def test_a_lost_deal_is_reopened_with_a_reason_and_audited(bot, ws):
    deal_id = ws.ids["Acme ERP"]
    r = await ws.li.click(OpenDeal(deal_id).encode())
    r = await ws.li.click(r.button("Lost"))
    r = await ws.li.click(r.button("Competitor"))
    assert "Reopen" in r.button("Reopen").label
    r = await ws.li.click(r.button("Reopen"))
    assert "Tell me why" in r.text
    r = await ws.li.send("they came back with a new budget")
    assert "“Acme ERP” is open again, at Proposal" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == deal_id))
    assert deal.stage == "proposal"
    assert deal.close_reason is None
    note = await bot.scalar(select(Activity).where(Activity.deal_id == deal_id))
    assert note.summary == "Reopened (was Lost): they came back with a new budget"
    li = await bot.get_user("li")
    audited = await bot.all(
        select(AuditEntry).where(
            AuditEntry.table_name == "deals",
            AuditEntry.record_id == deal_id,
            AuditEntry.field == "stage",
            AuditEntry.old_value == "lost",
        )
    )
    assert [(a.new_value, a.user_id) for a in audited] == [("proposal", li.id)]
    moves = await bot.all(
        select(DealStageChange.to_stage).where(DealStageChange.deal_id == deal_id)
    )
    assert moves[-2:] == ["lost", "proposal"]


async def test_a_won_deal_is_reopened_in_chinese(bot, ws):
    deal_id = ws.ids["星辰 ERP"]
    r = await ws.na.click(MoveDeal(deal_id, "won").encode())
    r = await ws.na.click(r.button("跳过"))
    r = await ws.na.click(r.button("重新打开"))
    assert "请说明原因" in r.text
    r = await ws.na.send("/取消")
    assert (await bot.scalar(select(Deal).where(Deal.id == deal_id))).stage == "won"
    r = await ws.na.click(ReopenDeal(deal_id).encode())
    r = await ws.na.send("客户合同作废，重新谈")
    assert "已重新打开" in r.text
    assert (await bot.scalar(select(Deal).where(Deal.id == deal_id))).stage == "proposal"
    # Another rep cannot reopen it (record rules): the same "not found" as a missing deal.
    r = await ws.li.click(ReopenDeal(deal_id).encode())
    assert "Not found" in r.text


async def test_owner_edits_a_contact_from_the_card_with_confirmation(bot, ws):
    r = await ws.li.send("/find Acme Ltd")
    r = await ws.li.click(r.button("Edit"))
    assert "What in Acme Ltd do you want to correct?" in r.text
    r = await ws.li.click(r.button("Wang Lei"))
    r = await ws.li.click(r.button("Mobile"))
    assert "now: +8613911112222" in r.text
    r = await ws.li.send("not a phone")
    assert "isn't a phone number" in r.text
    r = await ws.li.send("139 1111 3333")
    assert "Change Mobile: +8613911112222 → +8613911113333?" in r.text
    contact = await bot.scalar(select(Contact).where(Contact.id == ws.ids["Wang Lei"]))
    assert contact.mobile == "+8613911112222"  # nothing before Save
    r = await ws.li.click(r.button("Save"))
    assert "Mobile is now +8613911113333" in r.text
    assert "🏢 Acme Ltd" in r.text
    contact = await bot.scalar(select(Contact).where(Contact.id == ws.ids["Wang Lei"]))
    assert contact.mobile == "+8613911113333"
    li = await bot.get_user("li")
    audit = await bot.all(
        select(AuditEntry)
        .where(AuditEntry.table_name == "contacts", AuditEntry.field == "mobile")
        .order_by(AuditEntry.id)
    )
    assert [(a.old_value, a.new_value, a.user_id) for a in audit][-1] == (
        "+8613911112222",
        "+8613911113333",
        li.id,
    )


async def test_owner_renames_a_company_and_deletes_an_activity(bot, ws):
    company_id = ws.ids["Acme Ltd"]
    r = await ws.li.click(CorrectRecord("company", company_id).encode())
    r = await ws.li.click(r.button("Name"))
    r = await ws.li.send("Acme Limited")
    r = await ws.li.click(r.button("Save"))
    assert "🏢 Acme Limited" in r.text
    r = await ws.li.click(CorrectFrom(company_id).encode())
    r = await ws.li.click(r.button("call number 7"))
    r = await ws.li.click(r.button("Summary"))
    r = await ws.li.send("call number seven")
    r = await ws.li.click(r.button("Cancel"))
    assert "Nothing was changed" in r.text
    before = await count(bot, Activity, Activity.company_id == company_id)
    r = await ws.li.click(CorrectFrom(company_id).encode())
    r = await ws.li.click(r.button("call number 7"))
    r = await ws.li.click(r.button("Delete"))
    assert "Delete 🕘 Call · call number 7?" in r.text
    assert await count(bot, Activity, Activity.company_id == company_id) == before
    r = await ws.li.click(r.button("Yes, delete"))
    assert "Deleted 🕘 Call · call number 7" in r.text
    assert await count(bot, Activity, Activity.company_id == company_id) == before - 1
    deleted = await bot.all(
        select(AuditEntry).where(
            AuditEntry.table_name == "activities", AuditEntry.action == "delete"
        )
    )
    assert deleted


async def test_a_manager_sees_but_does_not_correct_a_reps_records(bot, ws):
    r = await ws.wang.send("/查 Acme Ltd")
    assert "🏢 Acme Ltd" in r.text
    assert not [b for b in r.buttons if "修改" in b.label]
    r = await ws.wang.click(CorrectRecord("contact", ws.ids["Wang Lei"]).encode())
    assert "只有记录的负责人或管理员" in r.text
    r = await ws.wang.click(AskDeleteCompany(ws.ids["Acme Trading"]).encode())
    assert "只有记录的负责人或管理员" in r.text
    admin = await bot.user("ada", role="admin")
    r = await admin.click(CorrectRecord("contact", ws.ids["Wang Lei"]).encode())
    r = await admin.click(r.button("Title"))
    r = await admin.send("Head of Purchasing")
    r = await admin.click(r.button("Save"))
    assert "Title is now Head of Purchasing" in r.text


async def test_corrections_in_chinese(bot, ws):
    r = await ws.na.send("/查 星辰科技")
    r = await ws.na.click(r.button("修改"))
    r = await ws.na.click(r.button("🏢 星辰科技"))
    r = await ws.na.click(r.button("城市"))
    r = await ws.na.send("深圳")
    assert "把城市从 Shanghai 改为 深圳？" in r.text
    r = await ws.na.click(r.button("保存"))
    assert "城市已改为 深圳" in r.text
    r = await ws.na.click(AskDeleteRecord("company", ws.ids["星辰科技"]).encode())
    assert "星辰科技 下还有联系人" in r.text


async def test_a_contact_without_a_company_is_edited_from_its_own_card(bot, ws):
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        loner = await records.create(Contact, name="Lone Ranger", email="lone@example.com")
    r = await ws.li.click(OpenContact(loner.id).encode())
    assert "👤 Lone Ranger" in r.text
    r = await ws.li.click(r.button("Edit"))
    r = await ws.li.click(r.button("E-mail"))
    r = await ws.li.send("not-an-email")
    assert "isn't an e-mail address" in r.text
    r = await ws.li.send("Ranger@Example.com")
    r = await ws.li.click(r.button("Save"))
    assert "E-mail is now ranger@example.com" in r.text
    r = await ws.wang.click(OpenContact(loner.id).encode())
    assert "Lone Ranger" in r.text
    assert r.buttons == []
