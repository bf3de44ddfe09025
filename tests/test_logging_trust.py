"""Amounts change deals only when the message is about the deal, currencies follow the rep
and the deal, and impossible input is refused with a reason — conversed in both languages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from store.models import Activity, Company, Contact, Deal, Task

SH = ZoneInfo("Asia/Shanghai")


async def count(bot, model, *where):
    return await bot.scalar(select(func.count()).select_from(model).where(*where))


async def deal_of(bot, deal_id):
    return await bot.scalar(select(Deal).where(Deal.id == deal_id))


async def latest_task(bot):
    return await bot.scalar(select(Task).order_by(Task.id.desc()).limit(1))


async def add_deal(bot, chat, company_id, *, cents, currency, title="Big one"):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        deal = await records.create(
            Deal,
            company_id=company_id,
            title=title,
            stage="negotiation",
            amount_cents=cents,
            currency=currency,
            probability=75,
        )
        return deal.id


# --- 2. Amounts change deals only when the message is about the deal ------------------------


async def test_an_amount_in_passing_changes_no_deal(bot, ws):
    r = await ws.li.send("called Acme Ltd, they asked for a 3k discount")
    assert "✅ Logged: Call · Acme Ltd" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000
    r = await ws.na.send("星辰科技来电 3千的样品费他们出")
    assert "已记录：电话 · 星辰科技" in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents == 0
    assert await count(bot, Deal) == 2


async def test_a_big_change_shows_old_and_new_and_asks_first(bot, ws):
    big = await add_deal(bot, ws.na, ws.ids["华信电子有限公司"], cents=112_000_000, currency="CNY")
    r = await ws.na.send("拜访了华信电子有限公司，报价3000")
    assert "现在是 ¥112万。改为 ¥3000 吗？" in r.text
    assert (await deal_of(bot, big)).amount_cents == 112_000_000
    r = await ws.na.click(r.button("保持"))
    assert "已记录：拜访 · 华信电子有限公司" in r.text
    assert (await deal_of(bot, big)).amount_cents == 112_000_000
    assert await count(bot, Activity, Activity.company_id == ws.ids["华信电子有限公司"]) == 1


async def test_a_small_change_is_made_and_shown_old_to_new(bot, ws):
    r = await ws.li.send("met Acme Ltd, revised price 350k")
    assert "💼 Acme ERP · Proposal · ¥300k → ¥350k" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 35_000_000


async def test_a_usd_deal_stays_in_usd(bot, ws):
    usd = await add_deal(bot, ws.li, ws.ids["Globex Corporation"], cents=45_000_000, currency="USD")
    r = await ws.li.send("called Globex Corporation, quoted 500k")
    assert "$450k → $500k" in r.text
    deal = await deal_of(bot, usd)
    assert (deal.amount_cents, deal.currency) == (50_000_000, "USD")


async def test_another_currency_is_asked_about(bot, ws):
    usd = await add_deal(bot, ws.li, ws.ids["Globex Corporation"], cents=45_000_000, currency="USD")
    r = await ws.li.send("called Globex Corporation, quoted ¥450k")
    assert "is $450k. Change it to ¥450k?" in r.text
    r = await ws.li.click(r.button("Change to"))
    assert "$450k → ¥450k" in r.text
    assert (await deal_of(bot, usd)).currency == "CNY"


# --- 3. Currency follows the rep ---------------------------------------------------------


async def test_currency_follows_the_rep(bot, ws):
    r = await ws.li.send("/currency USD")
    assert "now in USD" in r.text
    r = await ws.li.send("/me")
    assert "Currency: USD" in r.text
    r = await ws.li.send("met Globex Corporation, deal 80k")
    assert "$80k" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.company_id == ws.ids["Globex Corporation"]))
    assert (deal.amount_cents, deal.currency) == (8_000_000, "USD")
    # An existing CNY deal keeps its currency.
    r = await ws.li.send("met Acme Ltd, revised price 350k")
    assert "¥300k → ¥350k" in r.text


async def test_chinese_currency_command_and_admin_only_for_others(bot, ws):
    r = await ws.na.send("/货币 美元")
    assert "USD" in r.text
    r = await ws.na.send("/货币 li USD")
    assert "没有权限" in r.text
    r = await ws.na.send("/货币 火星币")
    assert "不认识币种" in r.text
    assert [b.label for b in r.buttons][:2] == ["CNY", "USD"]


# --- 4. Impossible input is refused, not dropped ------------------------------------------


async def test_an_impossible_date_is_said_and_the_rest_is_kept(bot, ws):
    r = await ws.na.send("拜访了星辰科技张总，2月30日跟进")
    assert "已记录：拜访 · 星辰科技" in r.text
    assert "“2月30日”不是有效日期" in r.text
    assert await count(bot, Task, Task.company_id == ws.ids["星辰科技"]) == 0
    r = await ws.li.send("called Acme Ltd, call back tomorrow 25:00")
    assert "“25:00” is not a real time" in r.text
    r = await ws.na.send("明天25点给星辰科技打电话")
    assert "“25点”不是有效时间" in r.text


async def test_negative_and_absurd_amounts_are_refused(bot, ws):
    r = await ws.li.send("met Acme Ltd, quoted -30k")
    assert "an amount must be above 0" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000
    r = await ws.na.send("星辰项目报价99999999999999999999万")
    assert "金额过大" in r.text
    assert "出错" not in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents == 0


async def test_deal_edit_range_checks_the_amount(bot, ws):
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Amount"))
    r = await ws.li.send("-5")
    assert "must be above 0" in r.text
    r = await ws.li.send("99999999999999999999万")
    assert "must be above 0" in r.text
    r = await ws.li.send("450k")
    assert "¥300k → ¥450k" in r.text


# --- 10-13. Reasons, plans, when it happened, two customers --------------------------------


async def test_a_reason_in_the_message_is_used_not_asked(bot, ws):
    r = await ws.na.send("星辰项目丢单了，原因 被竞争对手低价抢走")
    assert "为什么" not in r.text
    deal = await deal_of(bot, ws.ids["星辰 ERP"])
    assert (deal.stage, deal.close_reason) == ("lost", "被竞争对手低价抢走")


async def test_a_plan_is_a_task_not_a_call(bot, ws):
    r = await ws.na.send("明天上午十点给星辰科技张总打电话")
    assert "待办 · 星辰科技" in r.text
    assert "已记录" not in r.text
    assert await count(bot, Activity, Activity.company_id == ws.ids["星辰科技"]) == 0
    task = await latest_task(bot)
    assert task.company_id == ws.ids["星辰科技"]
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 19, 10, 0)
    r = await ws.li.send("call Globex Corporation tomorrow 10am")
    assert "To do · Globex Corporation" in r.text
    r = await ws.li.send("need to submit my expenses Friday")
    assert "To do · for you" in r.text
    task = await latest_task(bot)
    assert task.company_id is None


async def test_the_activity_keeps_when_it_happened(bot, ws):
    r = await ws.na.send("昨天拜访了星辰科技张总，聊得不错")
    assert "已记录：拜访 · 星辰科技" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.occurred_at.astimezone(SH).date() == date(2026, 11, 17)
    assert await count(bot, Task, Task.company_id == ws.ids["星辰科技"]) == 0  # not from 昨天


async def test_two_customers_log_two_activities_each_with_undo(bot, ws):
    r = await ws.na.send("上午去了星辰科技，下午去了华信电子有限公司")
    assert "已记录：拜访 · 星辰科技" in r.text
    assert "已记录：拜访 · 华信电子有限公司" in r.text
    assert len([b for b in r.buttons if "撤销" in b.label]) == 2
    assert await count(bot, Activity, Activity.kind == "visit") == 2
    r = await ws.li.send("visited Acme Ltd and Globex Corporation today, quoted 500k")
    assert "Acme Ltd" in r.text
    assert "Globex Corporation" in r.text
    assert "names several customers" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000


# --- 8. Contacts ------------------------------------------------------------------------------


async def test_contacts_by_full_name_and_a_new_person_is_offered(bot, ws):
    r = await ws.li.send("visited Globex Corporation today, met Sarah Lee re procurement")
    assert "Visit · Globex Corporation · Sarah Lee" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.contact_id == ws.ids["Sarah Lee"]
    r = await ws.na.send("拜访了星辰科技，新认识了何娟 采购部的")
    assert "何娟" in r.text
    r = await ws.na.click(r.button("把何娟加为联系人"))
    assert "已把何娟加为星辰科技的联系人" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    contact = await bot.scalar(select(Contact).where(Contact.id == activity.contact_id))
    assert (contact.name, contact.company_id) == ("何娟", ws.ids["星辰科技"])


# --- 6-7. Customers as /find finds them; customers not in the CRM yet ---------------------


async def test_unknown_customers_are_offered_by_the_name_written(bot, ws):
    for text, name in (
        ("Contoso call: pricing pushback", "Contoso"),
        ("note: Fabrikam wants invoices by post", "Fabrikam"),
    ):
        r = await ws.li.send(text)
        assert f"I don't know “{name}” yet" in r.text
        assert r.buttons[0].label == f"➕ Create “{name}”"
        await ws.li.send("/cancel")
    r = await ws.na.send("明天下午去华联超市做产品演示")
    assert "还不认识“华联超市”" in r.text
    r = await ws.na.click(r.button("新建"))
    assert "待办 · 华联超市" in r.text


async def test_a_typo_and_a_short_form_log_like_find(bot, ws):
    r = await ws.li.send("called Globx Corporation, they want a demo")
    assert "✅ Logged: Call · Globex Corporation" in r.text
    r = await ws.na.send("华信电话沟通了一下 他们还在比价")
    assert "已记录：电话 · 华信电子有限公司" in r.text


async def test_one_shared_word_is_asked_about_not_taken(bot, ws):
    before = await count(bot, Activity)
    r = await ws.li.send("called Globex Logistics, spoke w Ms. Tan, they want 2 quote options")
    assert "Which customer do you mean by “Globex Logistics”?" in r.text
    assert [b.label for b in r.buttons][:2] == [
        "Globex Corporation",
        "➕ Create “Globex Logistics”",
    ]
    assert await count(bot, Activity) == before
    r = await ws.li.click(r.button("Create"))
    assert "Call · Globex Logistics · Ms. Tan" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.company_id != ws.ids["Globex Corporation"]
    await ws.li.send("/cancel")
    r = await ws.li.send("visited Globex Shipping Co, met Andrew")  # a name of its own
    assert "Which customer do you mean by “Globex Shipping Co”?" in r.text
    await ws.li.send("/cancel")
    r = await ws.li.send("called GC, they want a demo")  # the initials of one company only
    assert "✅ Logged: Call · Globex Corporation" in r.text


async def test_the_words_for_customer_are_not_its_name_and_the_cue_is_the_nearest_dates(bot, ws):
    r = await ws.na.send("今天拜访了新客户宏远机电 见了设备部周主任 下周四发报价过去")
    assert "还不认识“宏远机电”" in r.text
    r = await ws.na.click(r.button("新建"))
    assert "宏远机电" in r.text
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH).date() == date(2026, 11, 26)  # Thursday next week
    r = await ws.li.send("visited a new client, Harbourview Dental, follow up tomorrow")
    assert "I don't know “Harbourview Dental” yet" in r.text


async def test_the_company_after_whoever_came_along_is_the_customer_not_a_namesake(bot, ws):
    # Sarah Lee is Globex's; this Sarah came with two engineers from a company not yet known
    before = await count(bot, Activity)
    r = await ws.li.send("lunch w Sarah + two engineers from Helix Robotics, demo next thu 2pm")
    assert "I don't know “Helix Robotics” yet" in r.text
    assert "Globex" not in r.text
    assert await count(bot, Activity) == before
    r = await ws.li.click(r.button("Create"))
    assert "Helix Robotics · Sarah" in r.text


async def test_a_message_headed_new_client_names_it(bot, ws):
    r = await ws.li.send("New client: Tidewater Labs, intro call w their CTO about sensors")
    assert "I don't know “Tidewater Labs” yet" in r.text
    await ws.li.send("/cancel")
    r = await ws.na.send("新客户：远洋生物 朋友介绍的 加了微信 先发资料")
    assert "还不认识“远洋生物”" in r.text


async def test_the_customers_own_dates_are_not_the_reps_follow_up(bot, ws):
    # 28th is when their budget is signed off; Friday is when the rep sends the samples
    r = await ws.na.send("星辰科技张伟电话里说他们预算要28号才批 让我周五先把样品寄过去")
    assert "已记录：电话 · 星辰科技" in r.text
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH).date() == date(2026, 11, 20)
    # "call w …" followed by their own date is a call had, and "the fri after that" counts
    # from their date, not from today
    r = await ws.li.send(
        "call w Wang Lei @ Acme Ltd - their audit runs thu 26th so ping him the fri after that 10am"
    )
    assert "✅ Logged: Call · Acme Ltd · Wang Lei" in r.text
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH) == datetime(2026, 11, 27, 10, 0, tzinfo=SH)


async def test_an_outcome_heading_names_the_customer_not_the_person_spoken_to(bot, ws):
    # Wang Lei is Acme Ltd's; the message is about Globex (typed with a typo), lost
    r = await ws.li.send("Lost Globx Corporation 👎 spoke to Wang Lei, they went w a local vendor")
    assert "✅ Logged: Call · Globex Corporation · Wang Lei" in r.text
    assert "💼 Globex Corporation deal · Lost" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"


async def test_someone_elses_price_is_not_the_deals(bot, ws):
    r = await ws.na.send("星辰科技张伟来电，竞品报了40万，我们报价52万不变，周五前回他")
    assert "💼 星辰ERP项目 · 方案 · ¥52万" in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents == 52_000_000
    r = await ws.li.send("called Acme Ltd, a rival quoted them 250k, we're at 320k. f/u fri")
    assert "💼 Acme ERP · Proposal · ¥300k → ¥320k" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 32_000_000


async def test_who_was_met_belongs_to_the_company_after_the_verb(bot, ws):
    r = await ws.na.send("昨天在行业会上认识了远景光电的周总，下周二打电话过去")
    assert "还不认识“远景光电”" in r.text


async def test_a_meeting_or_visit_had_is_logged_though_a_date_to_come_follows(bot, ws):
    # no word for a visit but "去华信电子…谈了"; a video call is a meeting; neither is a to-do
    tasks = await count(bot, Task)
    r = await ws.na.send("今天上午跟星辰科技的张伟开了个视频会 他们认可方案 周四前把合同发过去")
    assert "✅ 已记录：会议 · 星辰科技 · 张伟" in r.text
    r = await ws.na.send("一早去华信电子跟陈经理谈了交期 明天上午回她电话")
    assert "✅ 已记录：拜访 · 华信电子有限公司 · 陈经理" in r.text
    assert await count(bot, Task) == tasks + 2  # each message's follow-up
    # a pilot that ran for weeks is no visit
    r = await ws.na.send("星辰科技 试点跑了三周 效果不错 下周一去现场")
    assert "拜访" not in r.text


async def test_a_new_customer_is_named_after_how_they_got_in_touch(bot, ws):
    r = await ws.na.send("刚接到一个新客户电话 苏州云帆光电 李总 想要报价 先建个线索")
    assert "还不认识“苏州云帆光电”" in r.text
    r = await ws.na.click(r.button("新建"))
    assert "苏州云帆光电 · 李总" in r.text
    assert "线索" in r.text
    r = await ws.na.send("上午跟一家叫青木数据的公司开了线上会")
    assert "还不认识“青木数据”" in r.text


async def test_our_price_beside_a_vendors_is_the_deals(bot, ws):
    r = await ws.li.send("called Acme Ltd. ours is 330k, they're weighing a Penang vendor at 280k")
    assert "💼 Acme ERP · Proposal · ¥300k → ¥330k" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 33_000_000


async def test_an_outcome_that_opens_the_message_names_its_customer(bot, ws):
    r = await ws.li.send("Won the Tidewater Labs job!! 🎉")
    assert "I don't know “Tidewater Labs” yet" in r.text
    await ws.li.send("/cancel")
    r = await ws.li.send("GLOBEX CORP SIGNED 🎉")
    assert "Globex Corporation has no open deal" in r.text


async def test_saying_no_reason_was_given_is_no_reason(bot, ws):
    r = await ws.na.send("星辰科技张伟来电，那单不做了，没说原因")
    assert "💼 星辰ERP项目 · 方案 → 输单" in r.text
    assert "为什么输单？" in r.text
    deal = await deal_of(bot, ws.ids["星辰 ERP"])
    assert deal.close_reason is None


async def test_yday_is_yesterday(bot, ws):
    await ws.li.send("visited Acme Ltd yday, Wang Lei liked the demo")
    visit = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert visit.occurred_at.date() < bot.clock.now().date()


async def test_the_person_after_a_title_is_who_was_met(bot, ws):
    r = await ws.li.send("dropped in at Acme Ltd, met the office manager Joyce, wants a quote")
    assert "✅ Logged: Visit · Acme Ltd · Joyce" in r.text


async def test_a_date_of_the_last_weeks_is_when_it_happened_not_a_follow_up_next_year(bot, ws):
    # the clock is Wednesday 18 November: 11/16 was Monday, not 16 November next year
    tasks = await count(bot, Task)
    r = await ws.li.send("11/16 site visit @ Acme Ltd w/ Wang Lei, follow up 11/25 2pm")
    assert "✅ Logged: Visit · Acme Ltd · Wang Lei" in r.text
    visit = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert visit.occurred_at.astimezone(SH).date() == date(2026, 11, 16)
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH) == datetime(2026, 11, 25, 14, 0, tzinfo=SH)
    r = await ws.na.send("11月17日 给星辰科技张伟发了邮件 把报价单发过去了")
    assert "✅ 已记录：邮件 · 星辰科技 · 张伟" in r.text
    assert await count(bot, Task) == tasks + 1  # only the first message's follow-up


async def test_the_company_a_titled_person_is_from_and_a_call_to_it(bot, ws):
    r = await ws.li.send("met Leo, co-founder of Tidepool Analytics, at the expo. demo next tue")
    assert "I don't know “Tidepool Analytics” yet" in r.text
    await ws.li.send("/cancel")
    r = await ws.li.send("Cold call to Harbourline Freight - spoke to Priya Nair. new lead")
    assert "I don't know “Harbourline Freight” yet" in r.text
    await ws.li.send("/cancel")
    r = await ws.li.send("Held a video conference with Wang Lei at Acme Ltd, call him fri 3pm")
    assert "✅ Logged: Meeting · Acme Ltd · Wang Lei" in r.text


async def test_a_dictated_price_and_time_in_words_are_taken(bot, ws):
    r = await ws.li.send(
        "um called Acme Ltd, the number we landed on is three hundred and ten thousand, "
        "call them back friday at four pm"
    )
    assert "✅ Logged: Call · Acme Ltd" in r.text
    assert "Acme ERP · Proposal · ¥300k → ¥310k" in r.text
    assert "⏰ Follow-up: Fri 20 Nov 16:00" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 31_000_000
    # Said in passing, in words, it is still no price: nothing changes.
    r = await ws.li.send("called Acme Ltd, they spent two hundred thousand dollars last year")
    assert "✅ Logged: Call · Acme Ltd" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 31_000_000


async def test_a_price_per_seat_and_the_customers_deadline_are_not_taken(bot, ws):
    r = await ws.li.send(
        "called Acme Ltd, our quote is 95/seat for 400 seats. they decide by end of month, f/u mon"
    )
    assert "✅ Logged: Call · Acme Ltd" in r.text
    assert "⏰ Follow-up: Mon 23 Nov 9:00" in r.text  # not their end of the month
    assert "→" not in r.text  # $95 a seat is not the deal's amount
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000


async def test_a_move_with_a_to_do_keeps_both(bot, ws):
    r = await ws.li.send("Acme Ltd moved to negotiation, send them the contract by Friday 3pm")
    assert "✅ Logged: Note · Acme Ltd" in r.text
    assert "Proposal → Negotiation" in r.text
    assert "⏰ Follow-up: Fri 20 Nov 15:00" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "negotiation"
    r = await ws.na.send("星辰项目进入谈判阶段了，周五下午三点前把合同发过去")
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).stage == "negotiation"
    task = await latest_task(bot)
    assert task.company_id == ws.ids["星辰科技"]
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 20, 15, 0)


async def test_a_date_taken_back_is_not_the_follow_up(bot, ws):
    r = await ws.li.send("called Acme Ltd. call back Thursday, no wait, make it Friday 11am")
    assert "⏰ Follow-up: Fri 20 Nov 11:00" in r.text
    r = await ws.na.send("给星辰科技张总打了电话，周四——不对，周五下午三点再打给他")
    assert "跟进：11月20日（周五）15:00" in r.text


async def test_a_booked_kickoff_is_not_a_call_had(bot, ws):
    r = await ws.li.send("Acme Ltd signed!! kickoff call next Wed 2pm")
    assert "Call ·" not in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "won"
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 25, 14, 0)


async def test_a_quote_mentioned_again_does_not_send_a_deal_back(bot, ws):
    r = await ws.li.send("Acme Ltd moved to negotiation")
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "negotiation"
    r = await ws.li.send("called Acme Ltd, quoted 310k again")
    assert "✅ Logged: Call · Acme Ltd" in r.text
    assert "Proposal" not in r.text  # not "Negotiation → Proposal"
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.amount_cents) == ("negotiation", 31_000_000)
    r = await ws.li.send("Acme Ltd back to proposal, they reopened the scope")
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"  # said: it moves
    big = await add_deal(bot, ws.na, ws.ids["华信电子有限公司"], cents=50_000_000, currency="CNY")
    r = await ws.na.send("拜访了华信电子有限公司，已报价")
    assert "已记录：拜访 · 华信电子有限公司" in r.text
    assert (await deal_of(bot, big)).stage == "negotiation"


async def test_a_known_short_form_after_another_name_is_asked_about(bot, ws):
    before = await count(bot, Activity)
    r = await ws.li.send("New lead: Orion Globex Shipping, met their MD Arjun Rao, wants a demo")
    assert "Which customer do you mean by “Orion Globex Shipping”?" in r.text
    assert await count(bot, Activity) == before
    await ws.li.send("/cancel")
    r = await ws.li.send("Visited Globex today, met Helen")  # the sentence's verb before it
    assert "✅ Logged: Visit · Globex Corporation" in r.text


async def test_a_known_name_said_in_passing_gets_no_log(bot, ws):
    before = await count(bot, Activity)
    r = await ws.li.send(
        "walked into Lion Bakeries yesterday after my Globex Corporation call got pushed, "
        "owner wants a quote"
    )
    assert "Globex" not in r.text
    assert "Lion Bakeries" in r.text  # the new one is offered, nothing logged yet
    assert await count(bot, Activity) == before


async def test_where_the_rep_went_is_not_the_customer_offered(bot, ws):
    """ "去苏州拜访了一家新客户沃丰仪器" had offered to create a customer called 苏州, and
    "cold call Tanjong Bakeries" one called "cold"."""
    before = await count(bot, Activity)
    r = await ws.na.send("上周五去苏州拜访了一家新客户沃丰仪器，见了他们技术总监")
    assert "还不认识“沃丰仪器”" in r.text
    assert r.button("➕ 新建“沃丰仪器”")
    r = await ws.li.send("cold call Tanjong Bakeries, no answer, try again tmrw 2pm")
    assert "I don't know “Tanjong Bakeries” yet" in r.text
    assert await count(bot, Activity) == before


async def test_an_outcome_typed_in_lower_case_before_a_known_name(bot, ws):
    r = await ws.li.send("lost acme ltd lah 😤 budget frozen till next FY")
    assert "“Acme ERP” is marked Lost." in r.text  # why was said: nothing left to ask
    assert "Reason: budget frozen till next FY" in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.close_reason) == ("lost", "budget frozen till next FY")


async def test_the_person_offered_is_theirs_not_an_honorific_or_a_colleague(bot, ws):
    """ "Met Globex Corporation, Mr. Tan was there" had offered to add a contact called
    "Mr"; "和技术部小吴一起去了星辰科技，给刘总做了演示" named our colleague 小吴 as theirs."""
    r = await ws.li.send("Met Globex Corporation today, Mr. Tan was there, they want a demo")
    assert r.text.splitlines()[0] == "✅ Logged: Meeting · Globex Corporation · Mr. Tan"
    r = await ws.na.send("和技术部小吴一起去了星辰科技，给刘总做了演示")
    assert r.text.splitlines()[0] == "✅ 已记录：拜访 · 星辰科技 · 刘总"


async def test_a_training_given_on_monday_is_logged_with_its_next_session(bot, ws):
    """ "周一去…做了操作培训，…下周五下午两点" had been saved as a to-do for next Monday:
    the visit happened this Monday, and next Friday 2pm is its follow-up."""
    r = await ws.na.send("周一去星辰科技给他们车间做了操作培训，定在下周五下午两点再加一场")
    assert r.text.splitlines()[0] == "✅ 已记录：拜访 · 星辰科技"
    assert "⏰ 跟进：11月27日（周五）14:00" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.occurred_at.date().isoformat() == "2026-11-16"


async def test_a_message_headed_to_do_is_a_to_do_not_a_call_had(bot, ws):
    """ "To do: call … tmrw 11am" had been logged as a call made today, and "待办：…给星辰科技的
    采购吴总打电话，约时间上门" as a visit."""
    before = await count(bot, Activity)
    r = await ws.li.send("To do: call Globex Corporation tmrw 11am re pricing")
    assert r.text.splitlines()[0] == "⏰ To do · Globex Corporation"
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 19, 11, 0)
    r = await ws.na.send("待办：下周一上午9点半给星辰科技的采购吴总打电话，约时间上门")
    assert r.text.splitlines()[0] == "⏰ 待办 · 星辰科技"
    task = await latest_task(bot)
    assert task.company_id == ws.ids["星辰科技"]
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 23, 9, 30)
    assert await count(bot, Activity) == before


async def test_a_competitor_is_no_contact_and_its_price_no_deal(bot, ws):
    """ "Note on Globex: Siemens is also bidding" had offered Siemens as the contact, and
    "三一那边报了120万，我们的报价是135万" set the deal to the competitor's 120万."""
    r = await ws.li.send("Note on Globex Corporation: Siemens is also bidding")
    assert r.text.splitlines()[0] == "✅ Logged: Note · Globex Corporation"
    assert "Siemens as a contact" not in r.text
    r = await ws.na.send(
        "上周五跑了一趟星辰科技，马总说三一那边报了120万，我们的报价是135万，进入谈判阶段"
    )
    assert "💼 星辰ERP项目 · 方案 → 谈判 · ¥135万" in r.text
    deal = await deal_of(bot, ws.ids["星辰 ERP"])
    assert (deal.stage, deal.amount_cents) == ("negotiation", 135_000_000)


async def offered_to_create(bot, sender, text, name):
    """The reply to ``text`` offers to create ``name`` and nothing is logged yet."""
    before = await count(bot, Activity)
    r = await sender.send(text)
    assert f"“{name}”" in r.text
    assert r.button(f"➕ Create “{name}”")
    assert await count(bot, Activity) == before
    return r


async def test_a_person_who_moved_is_offered_where_they_are_now(bot, ws):
    """ "he's moved from Globex Corporation to Fairlight Bakeries" had logged the call to
    Globex, the company he left."""
    r = await offered_to_create(
        bot,
        ws.li,
        "Call w/ Daniel Hughes today - he's moved from Globex Corporation to Fairlight Bakeries "
        "as COO. Send intro deck tmrw.",
        "Fairlight Bakeries",
    )
    assert "I don't know “Fairlight Bakeries” yet" in r.text


async def test_dropped_by_on_monday_is_this_mondays_visit(bot, ws):
    """The "by" of "Dropped by" had been read as a follow-up cue, so "on Monday" became next
    Monday's follow-up instead of the day of the visit."""
    r = await ws.li.send(
        "Dropped by Globex Corporation on Monday with Priyanka from our presales team - met "
        "their facilities manager Grace Teo. Send proposal Thu 26 Nov."
    )
    assert r.text.splitlines()[0] == "✅ Logged: Visit · Globex Corporation · Grace Teo"
    assert "⏰ Follow-up: Thu 26 Nov 9:00" in r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.occurred_at.date() == date(2026, 11, 16)


async def test_a_loss_stays_a_loss_beside_what_had_been_quoted(bot, ws):
    """ "Lost Acme Ltd's ERP deal … We'd quoted 300k" had moved the deal to Proposal: the
    quote is history, the loss is the news."""
    r = await ws.li.send(
        "Lost Acme Ltd's ERP deal. Wang rang this morning: budget frozen. We'd quoted 300k."
    )
    assert "💼 Acme ERP · Proposal → Lost" in r.text
    assert "Why was" not in r.text  # "budget frozen" says why
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.close_reason) == ("lost", "budget frozen")


async def test_no_follow_up_when_there_is_none_or_only_a_lead_time(bot, ws):
    """ "shift change at 7pm. No next step set yet." had made a to-do for 7pm today, and "we
    can ship in 6 weeks" one for six weeks on."""
    before = await count(bot, Task)
    r = await ws.li.send(
        "Visited Globex Corporation on Monday, shift change at 7pm. No next step set yet."
    )
    assert r.text.splitlines()[0] == "✅ Logged: Visit · Globex Corporation"
    assert "⏰" not in r.text
    r = await ws.li.send(
        "Wang from Acme Ltd just called: they're going ahead! We won on faster delivery - we can "
        "ship in 6 weeks."
    )
    assert "💼 Acme ERP · Proposal → Won" in r.text
    assert "⏰" not in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.close_reason) == ("won", "faster delivery")
    assert await count(bot, Task) == before


async def test_the_total_is_the_deal_not_the_price_of_one(bot, ws):
    r = await ws.na.send("今天一早去星辰科技看了车间，单线28万元，8条线合计224万元")
    assert "💼 星辰ERP项目 · 方案 · ¥224万" in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents == 224_000_000


async def test_an_amount_taken_back_and_a_colleague_along(bot, ws):
    """ "quoted 385k - scratch that, 358k" had set the deal to 385k; "和我们这边的小王一起去了
    趟…" had offered our colleague 小王 as their contact."""
    r = await ws.li.send("Visited Acme Ltd, quoted 385k - scratch that, 358k, misread my notes.")
    assert "💼 Acme ERP · Proposal · ¥300k → ¥358k" in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 35_800_000
    r = await ws.na.send("昨天下午和我们这边的小王一起去了趟星辰科技，对接的是他们采购部的小刘")
    assert r.text.splitlines()[0] == "✅ 已记录：拜访 · 星辰科技 · 小刘"
    assert r.button("➕ 把小刘加为联系人")


async def test_a_full_width_time_is_the_time_due(bot, ws):
    """ "明天１４：３０" had made a to-do due at 09:00."""
    r = await ws.na.send("提醒：明天１４：３０给星辰科技的李工回电话，确认下设备参数")
    assert "⏰ 截止：明天 14:30" in r.text
    task = await latest_task(bot)
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 19, 14, 30)


async def test_an_honorific_after_spoke_with_is_the_person_not_a_new_customer(bot, ws):
    before = await count(bot, Activity)
    r = await ws.li.send(
        "Spoke with Mr. Sharma, Head of Procurement, Globex Corporation, on phone today."
    )
    assert r.text.splitlines()[0] == "✅ Logged: Call · Globex Corporation · Mr. Sharma"
    assert await count(bot, Activity) == before + 1


async def test_a_referral_is_not_logged_to_the_one_who_referred(bot, ws):
    """ "Wang at Globex referred me to Red Lantern Catering … Intro call with their GM" had
    logged the call to Globex."""
    r = await offered_to_create(
        bot,
        ws.li,
        "Wang at Globex Corporation referred me to Red Lantern Catering Pte Ltd. Intro call with "
        "their GM, Victoria Ho, this morning.",
        "Red Lantern Catering Pte Ltd",
    )
    assert "Acme Ltd" not in [b.label for b in r.buttons]  # a shared "Ltd" is no likeness


async def test_a_competitors_quote_and_a_date_moved_from_change_nothing(bot, ws):
    """ "a competitor quoted them 180k" had moved the deal to Proposal, and "签约时间从12月底推
    到明年3月" had made a to-do for 31 December."""
    tasks = await count(bot, Task)
    r = await ws.li.send(
        "Wang Lei at Acme Ltd rang this morning - a competitor quoted them 180k for the same "
        "scope. We're not matching it. Revisit with him Thu 26th."
    )
    assert r.text.splitlines()[0] == "✅ Logged: Call · Acme Ltd · Wang Lei"
    assert "💼" not in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.stage, deal.amount_cents) == ("proposal", 30_000_000)
    await ws.na.send("星辰科技的单子，集团审批卡住了，预计签约时间从12月底推到明年3月")
    assert await count(bot, Task) == tasks + 1  # only Thursday's follow-up


async def test_the_final_price_and_the_reps_own_next_step(bot, ws):
    """A long report: "原报价146万 … 最后我们同意按140万的最终价" had set 146万, and "他们要求12月
    15日前定。我下周一上午10点再过去一趟" had taken their 15 December for the follow-up."""
    r = await ws.na.send(
        "昨天去星辰科技谈了，原报价146万，刘经理要求打九折，最后我们同意按140万的最终价报过去。"
        "他们要求12月15日前定。我下周一上午10点再过去一趟"
    )
    assert "💼 星辰ERP项目 · 方案 · ¥140万" in r.text
    assert "⏰ 跟进：11月23日（周一）10:00" in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents == 140_000_000


async def test_a_lost_champion_loses_no_deal(bot, ws):
    """ "lost our champion - … left for a competitor. Deal itself is still alive" had asked
    why the deal was lost, on the way to marking it so."""
    r = await ws.li.send(
        "Acme Ltd: lost our champion - Wang left for a competitor last week. Deal itself is "
        "still alive, need a new way in."
    )
    assert "lost?" not in r.text
    r = await ws.li.send("Skip")
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "proposal"


async def test_a_person_before_their_new_company_is_not_offered_as_one(bot, ws):
    """ "Zoom demo w/ Ian Fletcher (IT) at Lumen Insurance" had offered to create "Ian
    Fletcher"."""
    r = await offered_to_create(
        bot,
        ws.li,
        "Zoom demo w/ Ian Fletcher (IT) at Lumen Insurance - went well, quote tmrw 11am",
        "Lumen Insurance",
    )
    assert "Ian Fletcher”" not in r.text


async def test_an_orders_number_changes_no_deal(bot, ws):
    """ "She'll raise PO 44718 once approved" had set the deal's value to 44,718."""
    r = await ws.li.send(
        "emailed Wang Lei at Acme Ltd the spec sheet for the 250 handhelds (model HX-720, 6-8 wk "
        "lead time). He'll raise PO 44718 once approved. check in Mon 30th"
    )
    assert r.text.splitlines()[0] == "✅ Logged: Email · Acme Ltd · Wang Lei"
    assert "💼" not in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000


async def test_a_known_persons_name_at_another_company_is_not_logged_to_theirs(bot, ws):
    """ "Met Kelvin Ong of Sentosa Leisure Holdings" had been logged to the known customer
    whose contact shares his name: "of" was not read as where he works."""
    await offered_to_create(
        bot,
        ws.li,
        "Met Wang Lei of Sentosa Leisure Holdings at the SCCCI mixer last night. Brochure to "
        "him tmrw.",
        "Sentosa Leisure Holdings",
    )


async def test_a_visit_called_off_makes_no_to_do_for_its_old_day(bot, ws):
    """ "cancelled tmrw's site visit … No new date yet" had made a to-do for tomorrow."""
    tasks = await count(bot, Task)
    await ws.li.send(
        "Acme Ltd cancelled tmrw's site visit, Wang Lei's off sick. No new date yet - will "
        "rebook when he's back."
    )
    assert await count(bot, Task) == tasks


async def test_a_time_on_the_customers_clock_reminds_the_rep_on_theirs(bot, ws):
    """ "move Thurs call to Fri 3pm their time (London)" had kept Thursday, the day it was
    moved off, at 9:00; 3pm in London is 11pm in the rep's Shanghai."""
    r = await ws.li.send(
        "Email from Wang Lei @ Acme Ltd - can we move Thurs call to Fri 3pm their time (London)."
    )
    assert "⏰ Follow-up: Fri 20 Nov 23:00" in r.text


async def test_a_penalty_and_a_referrer_change_no_deal(bot, ws):
    """ "they want 5% of contract value (~£11k)" had set the deal to £11k, and "(referred by
    Acme)" had logged a new company's lunch to Acme Ltd."""
    r = await ws.li.send(
        "Wang Lei from Acme Ltd rang - they're invoking the LD clause, they want 5% of contract "
        "value (~£11k). Told him I'd come back with our position by Fri 4pm."
    )
    assert "💼" not in r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000
    await offered_to_create(
        bot,
        ws.li,
        "Lunch yesterday w/ Daniel Cooper, ops director at Ashford Cold Storage (referred by "
        "Acme). Qualified.",
        "Ashford Cold Storage",
    )


async def test_a_scope_settled_wins_no_deal(bot, ws):
    """ "明年门店网络改造的范围定下来了" (the scope is settled) had marked the deal won."""
    r = await ws.na.send("和星辰科技开了视频会，明年项目的范围定下来了，一共12个模块。月底前出报价")
    assert "赢单" not in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).stage == "proposal"


async def test_a_demo_booked_for_tomorrow_is_not_logged_as_held(bot, ws):
    """ "Acme Ltd demo tmr 3pm" had logged a meeting held today."""
    before = await count(bot, Activity)
    await ws.li.send("Acme Ltd demo tmr 3pm")
    assert await count(bot, Activity) == before


async def test_a_meeting_held_today_is_logged_beside_their_deadline(bot, ws):
    """ "Meeting w/ Wang at Acme Ltd today … They want the contract by Tue 24th" had saved a
    to-do and no meeting: "Meeting" opening the message was read as one to hold."""
    before = await count(bot, Activity)
    r = await ws.li.send(
        "Meeting w/ Wang Lei at Acme Ltd today re the upgrade. They want the revised contract "
        "by Tue 24th."
    )
    assert r.text.splitlines()[0] == "✅ Logged: Meeting · Acme Ltd · Wang Lei"
    assert await count(bot, Activity) == before + 1


async def test_a_contract_asked_about_wins_nothing(bot, ws):
    """ "…问合同回签了没" (asked whether the contract came back signed) had marked the deal
    won."""
    r = await ws.na.send("刚给星辰科技林经理打了电话，问合同回签了没，说法务还在看")
    assert "赢单" not in r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).stage == "proposal"


async def test_a_referrer_is_not_the_customer(bot, ws):
    """ "Teams call w/ Lumen Robotics (new, referred by Ravi at Acme)" logged the call to Acme."""
    await offered_to_create(
        bot,
        ws.li,
        "Teams call w/ Lumen Robotics (new, referred by Ravi at Acme Ltd). CTO Daniel Brooks "
        "wants the audit done before their FY closes.",
        "Lumen Robotics",
    )


async def test_a_revised_quote_still_to_go_out_keeps_the_stage_said(bot, ws):
    """ "Still in negotiation. Revised quote out by Mon." had read the quote still to go out
    as the stage said last, Proposal, and left the deal (in Proposal) where it was."""
    await ws.li.send(
        "Call w/ Wang Lei at Acme Ltd this morning. Our quote was too rich for them, we'll "
        "revise it. Still in negotiation. Revised quote out by Mon."
    )
    assert (await deal_of(bot, ws.ids["Acme ERP"])).stage == "negotiation"


async def test_a_deadline_already_beaten_is_no_to_do(bot, ws):
    """ "赶在月底前落袋🎉 下周一把发票开给他们" had made the to-do for the month's end, the
    deadline the signing had beaten, not the rep's Monday."""
    r = await ws.na.send(
        "刚给星辰科技张总打了电话，合同今天终于签好了！赶在月底前落袋🎉 下周一把发票开给他们"
    )
    assert "11月23日" in r.text, r.text
    assert "11月30日" not in r.text


async def test_our_manager_who_approved_a_discount_is_no_contact(bot, ws):
    """ "王经理批了最多再让5%" (our manager approved 5% more off) had made him the contact."""
    r = await ws.na.send(
        "星辰科技陈静刚来电话，卡在价格上，王经理批了最多再让5%。周五上午10点再打给她"
    )
    assert "王经理" not in r.text.splitlines()[0]


async def test_a_company_sent_by_a_customer_is_not_that_customer(bot, ws):
    """ "…吴经理的电话，是<known>那边介绍过来的" had logged the call to the customer who sent
    them."""
    await offered_to_create(
        bot,
        ws.li,
        "刚接到常州恒力模具采购吴经理的电话，是Acme Ltd那边介绍过来的，想了解检测设备",
        "常州恒力模具",
    )


async def test_a_budget_set_aside_and_nothing_quoted_change_no_deal(bot, ws):
    """ "200k set aside … nothing quoted yet" had set the deal to 200k."""
    r = await ws.li.send(
        "Intro call with Wang Lei at Acme Ltd. They've got roughly 200k set aside for "
        "licences next year, nothing quoted yet."
    )
    assert "💼" not in r.text
    deal = await deal_of(bot, ws.ids["Acme ERP"])
    assert (deal.amount_cents, deal.stage) == (30_000_000, "proposal")


async def test_won_to_be_marked_once_stamped_leaves_the_deal(bot, ws):
    """ "…正在走他们的盖章流程，等盖完章再改赢单" (mark it won once stamped) had marked the
    deal won."""
    before = (await deal_of(bot, ws.ids["星辰 ERP"])).stage
    await ws.na.send(
        "跟星辰科技张总开了个腾讯会议，合同正在走他们的盖章流程，等盖完章再改赢单。我下周三前把排期表发过去"
    )
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).stage == before != "won"


async def test_a_customer_passed_on_the_way_is_not_logged(bot, ws):
    """ "Dropped by Sentosa Bay Resort on the way back from Acme" had logged the visit to
    Acme."""
    await offered_to_create(
        bot,
        ws.li,
        "Dropped by Sentosa Bay Resort on the way back from Acme Ltd this morning - IT manager "
        "Rajesh Kumar gave me 20 mins.",
        "Sentosa Bay Resort",
    )


async def test_the_old_price_is_not_the_deal(bot, ws):
    """ "原报价23.6万元…最多给到22.8万" had set the deal to the old price."""
    r = await ws.na.send(
        "星辰科技张总刚回微信，原报价23.6万元，她老板想再降5%。最多给到22.8万，进入谈判阶段"
    )
    assert "¥23.6万" not in r.text.splitlines()[-1], r.text
    assert (await deal_of(bot, ws.ids["星辰 ERP"])).amount_cents != 23_600_000


async def test_initials_of_a_later_word_do_not_settle_a_customer(bot, ws):
    """ "MS Teams w/ …" had read "MS" as Straits Marine Supply, whose later words start with
    M and S, and logged the meeting there without asking."""
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        await records.create(Company, name="Straits Marine Supply", city="Singapore")
    before = await count(bot, Activity)
    r = await ws.li.send("Call with MS about the renewal, they want a new quote")
    assert "Straits Marine Supply" not in r.text.splitlines()[0], r.text
    assert await count(bot, Activity) == before
    assert r.button("➕ Create “MS”")


async def test_a_credit_note_is_not_offered_as_the_deal(bot, ws):
    """ "Agreed a ¥12,000 credit note" had asked to change the deal from ¥300k to ¥12k."""
    r = await ws.li.send(
        "Call with Wang Lei at Acme Ltd re the billing mix-up. Agreed a ¥12,000 credit note on "
        "their next invoice."
    )
    assert "12k" not in r.text, r.text
    assert "💼" not in r.text, r.text
    assert (await deal_of(bot, ws.ids["Acme ERP"])).amount_cents == 30_000_000


async def test_a_person_whose_company_is_in_brackets_is_not_their_namesakes_customer(bot, ws):
    """ "Met Lim Wei Ling (procurement, Sembawang Cold Storage)" had logged the call to the
    known customer of a contact with that name."""
    await offered_to_create(
        bot,
        ws.li,
        "Met Sarah Lee (procurement, Sembawang Cold Storage) at the expo last week, had a "
        "proper call with her today. Quote out by Fri.",
        "Sembawang Cold Storage",
    )


async def test_a_referrer_typed_frm_or_a_go_between_is_not_the_customer(bot, ws):
    """ "referral frm Kelvin at Acme" and "星辰科技张总帮忙牵的线，介绍了…——深圳前海汇通支付"
    had logged the call to the customer who made the introduction."""
    await offered_to_create(
        bot,
        ws.li,
        "call w/ Alvin, owner of Marina Bay Print Co - referral frm Kelvin at Acme Ltd. add as "
        "lead pls. wants a demo next tue 10am",
        "Marina Bay Print Co",
    )
    before = await count(bot, Activity)
    r = await ws.na.send(
        "星辰科技张总帮忙牵的线，介绍了他老同学的公司——深圳前海汇通支付。刚跟他们CTO吴涛视频了一个小时"
    )
    assert r.button("➕ 新建“深圳前海汇通支付”")
    assert await count(bot, Activity) == before


async def test_a_mistyped_visit_is_not_logged_to_a_first_names_company(bot, ws):
    """ "Visted Northwnd Traders yday, walked Sarah thru …" had found no customer and logged
    the visit to the company of the one contact named Sarah."""
    r = await ws.li.send("Visted Acmee Trading yday, walked Sarah thru the renewal options.")
    assert "Globex" not in r.text.splitlines()[0], r.text


async def test_their_buyer_is_not_a_new_customer_named_after_the_function(bot, ws):
    """ "朋友介绍的苏州立诚光电，今天跟采购周经理电话聊了" had offered to create a customer
    named 采购."""
    before = await count(bot, Activity)
    r = await ws.na.send("朋友介绍的苏州立诚光电，今天跟采购周经理电话聊了二十来分钟")
    assert r.button("➕ 新建“苏州立诚光电”"), r.text
    assert "“采购”" not in r.text, r.text
    assert await count(bot, Activity) == before


async def test_a_call_that_came_in_on_monday_is_not_next_mondays_follow_up(bot, ws):
    """ "X called Monday asking if … - told her 7 Dec works. Kick-off call Wed 2 Dec 2.30pm"
    had set a follow-up for next Monday."""
    await ws.li.send(
        "Wang Lei (Acme Ltd) called Monday asking if the rollout can start earlier - told her "
        "7 Dec works. Kick-off call Wed 2 Dec 2.30pm"
    )
    task = await latest_task(bot)
    assert task is not None
    assert task.due_at.astimezone(SH).replace(tzinfo=None) == datetime(2026, 12, 2, 14, 30)


async def test_a_visit_report_logs_to_the_customer_on_its_customer_line(bot, ws):
    """ "11月18日拜访记录\\n客户：星辰科技…" had offered to create a customer named 记录."""
    before = await count(bot, Activity)
    r = await ws.na.send(
        "11月18日拜访记录\n客户：星辰科技\n对接人：张伟\n内容：介绍了方案，需求明确"
    )
    assert "记录”" not in r.text, r.text
    assert await count(bot, Activity) == before + 1
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity.company_id == ws.ids["星辰科技"]


async def test_a_voicemail_left_for_someone_is_not_a_move_to_a_new_company(bot, ws):
    """ "Acme - left VM for Andrew Cooper re …" read "left … for" as someone who moved and
    offered to create a customer named after the person."""
    r = await ws.li.send("Acme Ltd - left VM for Andrew Cooper re the samples, try again Thurs")
    assert "Andrew Cooper”" not in r.text, r.text
    activity = await bot.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
    assert activity is not None
    assert activity.company_id == ws.ids["Acme Ltd"]


async def test_whoever_made_the_introduction_is_not_offered_as_the_contact(bot, ws):
    """ "是东方精密的何经理介绍过去的。接待我的是设备部钱主任" had logged the visit to the
    referrer's company too, and named 何经理 as the contact."""
    r = await ws.na.send(
        "昨天去了星辰科技，是华信电子的何经理介绍过去的。接待我的是设备部钱主任，聊了一个多小时"
    )
    assert r.text.count("✅") == 1, r.text
    first = r.text.splitlines()[0]
    assert "华信" not in first, r.text
    assert "何经理" not in first, r.text
