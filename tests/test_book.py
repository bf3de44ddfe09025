"""The book of business (issue 15): tags in dimensions, segments and custom fields, in
chat, in both languages, within the record rules.

The frozen clock is Wednesday 18 November 2026, 10:00 in Shanghai. Li (English) owns Acme
Ltd, Acme Trading and Globex; 李娜 (na, Chinese) owns 星辰科技 and 华信电子有限公司; Zhang owns
Hidden Co; Wang (Chinese) manages team East; Ada is the admin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.book.actions import DeleteSegment
from handlers.customers.actions import OpenContact
from store.models import Activity, AuditEntry, Company, CompanyTag, CustomValue, Deal, Segment
from tests import workspace
from tests.harness import BotHarness, ChatUser

SH = ZoneInfo("Asia/Shanghai")


async def admin(bot: BotHarness) -> ChatUser:
    return await bot.user("ada", role="admin")


async def edit(bot: BotHarness, owner: ChatUser, company_id: int, **fields: Any) -> None:
    session, records = await bot.records_for(owner)
    async with session, session.begin():
        await records.update(await records.get(Company, company_id), **fields)


async def add(bot: BotHarness, owner: ChatUser, model: Any, **fields: Any) -> int:
    session, records = await bot.records_for(owner)
    async with session, session.begin():
        return int((await records.create(model, **fields)).id)


# --------------------------------------------------------------------------- tags


async def test_tags_by_text_in_chinese_and_by_buttons_in_english(bot, ws):
    r = await ws.na.send("标签 星辰科技 VIP，制造业")
    assert "🏷 星辰科技：已添加 VIP、制造业。" in r.text
    r = await ws.na.send("/查 星辰科技")
    assert "🏷 制造业 · VIP" in r.text  # dimension order: industry before tier

    r = await ws.li.send("/tag Acme Ltd")
    assert "Acme Ltd — no tags yet" in r.text
    assert len(r.buttons) == 19  # a button per preset dimension with tags (22 - 3 empty)
    r = await ws.li.click(r.button("Tier"))
    assert "Tier for Acme Ltd" in r.text
    r = await ws.li.click(r.button("VIP"))
    assert "Acme Ltd: added VIP." in r.text
    assert "✅ VIP" in [b.label for b in r.buttons]
    r = await ws.li.click(r.button("✅ VIP"))
    assert "Acme Ltd: removed VIP." in r.text
    r = await ws.li.send("tag Acme Ltd VIP, Platinum")
    assert "There's no tag “Platinum”" in r.text  # refused whole: nothing added
    r = await ws.li.send("tag Acme Ltd VIP, 软件")
    assert "Acme Ltd: added VIP, Software." in r.text  # a preset tag in the reader's language
    r = await ws.li.send("tag Acme Ltd -软件")
    assert "Acme Ltd: removed Software." in r.text
    r = await ws.li.send("untag Acme Ltd VIP")
    assert "Acme Ltd: removed VIP." in r.text

    tagged = await bot.all(select(CompanyTag.company_id))
    assert tagged.count(ws.ids["星辰科技"]) == 2
    assert ws.ids["Acme Ltd"] not in tagged
    audit = await bot.all(select(AuditEntry.action).where(AuditEntry.table_name == "company_tags"))
    assert audit.count("create") >= 3
    assert "delete" in audit


async def test_bad_tags_are_refused_and_change_nothing(bot, ws):
    r = await ws.li.send("tag Acme Ltd Platinum")
    assert "There's no tag “Platinum”" in r.text
    r = await ws.li.send("tag Acme Ltd Colour:Red")
    assert "There's no tag dimension “Colour”" in r.text
    r = await ws.na.send("标签 星辰科技 颜色:红")
    assert "没有标签维度“颜色”" in r.text
    r = await ws.li.send("tag Hidden Co VIP")  # Zhang's customer: Li can't see it
    assert "couldn't find a customer" in r.text
    assert await bot.all(select(CompanyTag)) == []


async def test_only_admins_edit_the_tag_vocabulary(bot, ws):
    ada = await admin(bot)
    r = await ws.li.send("/tags add Region Northwest")
    assert "not allowed" in r.text
    r = await ada.send("/tags add Region Northwest")
    assert "Tag “Northwest” is in Region." in r.text
    r = await ada.send("/tags new Budget cycle / 预算周期")
    assert "Dimension “Budget cycle” added." in r.text
    r = await ws.na.send("/标签管理")
    assert "• 区域: 华东、华南、华北、华中、西南、海外、Northwest" in r.text
    assert "• 预算周期: –" in r.text
    assert r.text.count("\n• ") >= 22
    r = await ws.li.send("tag Acme Ltd Northwest")
    assert "added Northwest" in r.text


async def test_tag_names_with_a_space_or_a_joining_word_are_one_tag(bot, ws):
    """ "Key account" is typed after "tag X" (the longest known name first), and an admin's
    "研发与制造" is not split at 与; "-Key account" takes it off again."""
    r = await ws.li.send("tag Acme Ltd Key account, Manufacturing and VIP")
    assert "🏷 Acme Ltd: added Key account, Manufacturing, VIP." in r.text
    r = await ws.li.send("tag Acme Ltd -key account")
    assert "🏷 Acme Ltd: removed Key account." in r.text
    ada = await admin(bot)
    await ada.send("/标签管理 添加 行业 研发与制造")
    r = await ws.na.send("标签 星辰科技 研发与制造 重点")
    assert "🏷 星辰科技：已添加 研发与制造、重点。" in r.text


async def test_admins_rename_and_delete_tags_with_a_question_first(bot, ws):
    """Rename keeps the customers' tag (old → new); delete says how many customers carry
    it and waits for 🗑; both audited; in both languages; reps may not."""
    ada = await admin(bot)
    await ws.li.send("tag Acme Ltd Key account")
    await ws.na.send("标签 星辰科技 重点")
    r = await ws.li.send("/tags rename Tier Key account / Strategic")
    assert "not allowed" in r.text
    r = await ada.send("/tags rename Tier Key account / Strategic")
    assert r.text == "✏️ Tag renamed in Tier: Key account → Strategic (2 customer(s) keep it)."
    r = await ws.na.send("/查 星辰科技")
    assert "Strategic" in r.text
    r = await ada.send("/tags rename Tier Strategic / VIP")
    assert r.text == "There's already a tag called “VIP”."

    ada_zh = await bot.user("ada_zh", role="admin", lang="zh")
    r = await ada_zh.send("/标签管理 删除 客户等级 Strategic")
    assert r.text == (
        "从客户等级删除标签“Strategic”？目前有 2 个客户带有它，删除后会从这些客户上全部移除。"
    )
    kept = await ada_zh.click(r.button("保留"))
    assert kept.text == "好的，没有改动。"
    assert len(await bot.all(select(CompanyTag))) == 2
    await ws.li.send("tag Acme Ltd -Strategic")  # one fewer since the question: asked again
    r = await ada_zh.click(r.button("🗑 删除"))
    assert "目前有 1 个客户带有它" in r.text
    r = await ada_zh.click(r.button("🗑 删除"))
    assert r.text == "🗑 已从客户等级删除标签“Strategic”，已从 1 个客户上移除。"
    assert await bot.all(select(CompanyTag)) == []
    audit = await bot.all(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert {a.table_name for a in audit} >= {"tags", "company_tags"}
    updates = await bot.all(
        select(AuditEntry).where(
            AuditEntry.table_name == "tags",
            AuditEntry.field == "name",
            AuditEntry.action == "update",
        )
    )
    assert [(a.old_value, a.new_value) for a in updates] == [("重点", "Strategic")]

    r = await ada.send("/tags remove Tier Normal")
    assert r.text.startswith("Delete the tag “Normal” from Tier? 0 customer(s) carry it")
    r = await ada.click(r.button("🗑 Delete"))
    assert r.text == "🗑 Tag “Normal” deleted from Tier; it came off 0 customer(s)."


# --------------------------------------------------------------------------- segments


async def _book(bot: BotHarness, ws: workspace.Workspace) -> None:
    """Shenzhen VIPs for 李娜 (one visited last month), a won deal long ago at Globex."""
    for name in ("星辰科技", "华信电子有限公司"):
        await edit(bot, ws.na, ws.ids[name], city="深圳")
        await ws.na.send(f"标签 {name} VIP")
    await add(
        bot,
        ws.na,
        Activity,
        company_id=ws.ids["华信电子有限公司"],
        kind="visit",
        summary="拜访",
        occurred_at=datetime(2026, 10, 15, 15, tzinfo=SH),
    )
    long_ago = bot.clock.now() - timedelta(days=200)
    await add(
        bot,
        ws.li,
        Deal,
        company_id=ws.ids["Globex Corporation"],
        title="Globex rollout",
        stage="won",
        amount_cents=20_000_000,
        currency="CNY",
        stage_changed_at=long_ago,
    )


async def test_segments_typed_in_chinese_and_english(bot, ws):
    await _book(bot, ws)
    r = await ws.na.send("上个月没有拜访的深圳VIP客户")
    assert "🔎 上个月没有拜访 · 深圳 · VIP客户：1 个客户" in r.text  # the tier
    assert [b.label for b in r.buttons][:1] == ["星辰科技 · 深圳"]
    r = await ws.na.click(r.button("星辰科技"))
    assert "🏢 星辰科技" in r.text

    r = await ws.li.send("customers with no order in 3 months")
    assert "🔎 no order in 3 months: 3 customer(s)" in r.text
    r = await ws.li.send("/segment dormant high value")
    assert "🔎 no activity in 90 days · high value: 1 customer(s)" in r.text
    assert r.buttons[0].label == "Globex Corporation · Shanghai"
    r = await ws.li.send("VIP customers in Shanghai with no visit this month")
    assert "🔎 no visit this month · Shanghai · VIP: 0 customer" not in r.text
    assert "no customers" in r.text
    r = await ws.li.send("/segment customers with no repurchase in 3 months")
    assert "🔎 no repurchase in 3 months: 1 customer(s)" in r.text
    r = await ws.na.send("3个月未复购的客户")
    assert "🔎 3个月未复购：0 个客户" not in r.text
    assert "没有符合的客户" in r.text


async def test_saved_segment_is_shared_and_each_sees_their_own(bot, ws):
    await _book(bot, ws)
    await ws.li.send("/segment dormant high value")
    r = await ws.li.send("save as Sleeping giants")
    assert "Saved as “Sleeping giants”" in r.text
    r = await ws.li.send("save as Sleeping giants")
    assert "already a segment called “Sleeping giants”" in r.text

    r = await ws.na.send("/分群列表")
    assert [b.label for b in r.buttons] == [
        "高价值沉睡客户",
        "3个月未复购",
        "30天无活动",
        "商机停滞",
        "Sleeping giants",
    ]
    r = await ws.na.click(r.button("Sleeping giants"))
    assert "Sleeping giants：没有符合的客户。" in r.text  # Globex is Li's
    r = await ws.wang.send("/分群 Sleeping giants")  # the manager sees the team's
    assert "Sleeping giants：1 个客户" in r.text

    r = await ws.li.send("/segment VIP no visit this month")
    r = await ws.li.click(r.button("Save"))
    assert r.text == "Name for this segment?"
    r = await ws.li.send("Quiet VIPs")
    assert "Saved as “Quiet VIPs”" in r.text
    names = await bot.all(select(Segment.name).where(Segment.name.is_not(None)))
    assert sorted(names) == ["Quiet VIPs", "Sleeping giants"]


async def test_a_saved_segment_is_renamed_and_deleted_by_its_creator_or_an_admin(bot, ws):
    """From /segments: ⚙️ for those who may (creator, admin), rename asks the new name (a
    taken one is refused), delete asks first; built-ins are never offered; audited."""
    await _book(bot, ws)
    await ws.li.send("/segment dormant high value")
    await ws.li.send("save as Sleeping giants")
    await ws.na.send("/分群 VIP")
    await ws.na.send("保存为 重要客户")

    r = await ws.li.send("/segments")
    r = await ws.li.click(r.button("Rename or delete"))
    assert [b.label for b in r.buttons] == ["Sleeping giants"]  # 李娜's is not Li's
    r = await ws.li.click(r.button("Sleeping giants"))
    assert r.text == "“Sleeping giants” — rename or delete it?"
    r = await ws.li.click(r.button("Rename"))
    assert r.text == "New name for “Sleeping giants”?"
    r = await ws.li.send("重要客户")
    assert r.text == "There is already a segment called “重要客户”. Pick another name."
    r = await ws.li.send("Dormant big ones")
    assert r.text == "✏️ Segment renamed: Sleeping giants → Dormant big ones."
    r = await ws.li.send("/segment Dormant big ones")
    assert "🔎 Dormant big ones: 1 customer(s)" in r.text

    ada = await bot.user("ada_zh", role="admin", lang="zh")
    r = await ada.send("/分群列表")
    r = await ada.click(r.button("改名或删除"))
    assert [b.label for b in r.buttons] == ["Dormant big ones", "重要客户"]
    r = await ada.click(r.button("重要客户"))
    r = await ada.click(r.button("删除"))
    assert r.text == "删除分群“重要客户”？所有人的 /分群列表 中都将不再有它；客户数据不受影响。"
    kept = await ada.click(r.button("保留"))
    assert kept.text == "好的，没有改动。"
    r = await ada.click(r.button("删除"))
    assert r.text == "🗑 已删除分群“重要客户”。"
    names = await bot.all(select(Segment.name).where(Segment.name.is_not(None)))
    assert names == ["Dormant big ones"]
    audit = await bot.all(
        select(AuditEntry.action).where(AuditEntry.table_name == "segments").distinct()
    )
    assert set(audit) == {"create", "update", "delete"}

    r = await ws.na.send("/分群列表")
    assert "⚙️ 改名或删除" not in [b.label for b in r.buttons]  # hers is gone, Li's isn't hers
    with_id = await bot.all(select(Segment.id).where(Segment.name == "Dormant big ones"))
    r = await ws.na.click(DeleteSegment(with_id[0], sure=True).encode())
    assert r.text == "只有分群的创建者或管理员可以修改它。"


async def test_builtin_segments_page_with_more(bot, ws):
    for n in range(12):
        await add(bot, ws.li, Company, name=f"Quiet {n:02d}", city="Suzhou")
    r = await ws.li.send("/segments")
    r = await ws.li.click(r.button("No activity in 30 days"))
    assert "🔎 No activity in 30 days: 14 customer(s) (1–10 of 14)" in r.text
    r = await ws.li.click(r.button("More"))
    assert "(11–14 of 14)" in r.text


async def test_deals_stuck_in_a_stage(bot, ws):
    """Acme ERP moved to proposal today; a Globex deal has sat in qualified for a month."""
    await add(
        bot,
        ws.li,
        Deal,
        company_id=ws.ids["Globex Corporation"],
        title="Globex pilot",
        stage="qualified",
        stage_changed_at=bot.clock.now() - timedelta(days=30),
    )
    r = await ws.li.send("/segments")
    r = await ws.li.click(r.button("Deals stuck in a stage"))
    assert r.text == "🔎 Deals stuck in a stage: 1 customer(s)"
    assert r.buttons[0].label.startswith("Globex")
    r = await ws.wang.send("/分群 商机停滞")  # the manager sees Li's customers too
    assert r.text == "🔎 商机停滞：1 个客户"


async def test_segments_that_are_not_understood_are_refused(bot, ws):
    r = await ws.li.send("/segment purple customers")
    assert "couldn't read “purple customers” as a segment" in r.text
    r = await ws.li.send("/segment VIP dormant wombats")
    assert "I understood" in r.text
    assert "“wombats”" in r.text
    r = await ws.na.send("/分群 沉睡 袋熊")
    assert "已理解：90天没有跟进，但不理解“袋熊”" in r.text


# --------------------------------------------------------------------------- custom fields


async def test_admin_adds_fields_people_set_them_by_text_and_buttons(bot, ws):
    ada = await admin(bot)
    r = await ws.li.send("/field add company text 产品型号/Product model")
    assert "not allowed" in r.text
    r = await ada.send("/field add company text 产品型号/Product model")
    assert "Field “Product model” (text) added to every Company." in r.text
    await ada.send("/field add company number 员工数/Employees")
    await ada.send("/field add company choice 客户类型/Customer type: 直销, 代理")

    r = await ws.na.send("星辰科技 产品型号 X200")
    assert "🧩 星辰科技：产品型号 = X200" in r.text
    r = await ws.na.send("/查 星辰科技")
    assert "🧩 产品型号: X200" in r.text

    r = await ws.li.send("Acme Ltd Employees many")
    assert "“many” isn't a number for Employees" in r.text
    r = await ws.li.send("Acme Ltd Employees 100")
    r = await ws.li.send("Acme Ltd Employees: 120")
    assert "Acme Ltd: Employees = 120" in r.text
    await ws.li.send("Globex Corporation Employees 80")

    r = await ws.li.send("/find Acme Ltd")
    r = await ws.li.click(r.button("Fields"))
    r = await ws.li.click(r.button("Customer type"))
    r = await ws.li.click(r.button("代理"))
    assert "Acme Ltd: Customer type = 代理" in r.text
    r = await ws.li.send("Acme Ltd Customer type Reseller")
    assert "“Reseller” isn't one of the choices for Customer type: 直销、代理" in r.text

    r = await ws.li.send("customers with Employees > 100")
    assert "🔎 Employees > 100: 1 customer(s)" in r.text
    assert r.buttons[0].label.startswith("Acme Ltd")
    r = await ws.na.send("/分群 产品型号 X200")
    assert "产品型号: X200：1 个客户" in r.text

    r = await ws.li.send("/field Acme Ltd Colour red")
    assert "couldn't find a customer, contact or deal and one of its fields" in r.text
    r = await ws.li.send("/segment customers with Employees > lots")
    assert "“lots” isn't a number for Employees" in r.text
    values = await bot.all(select(CustomValue.text_value))
    assert sorted(v for v in values if v) == ["X200", "代理"]
    audit = await bot.all(select(AuditEntry).where(AuditEntry.table_name == "custom_values"))
    assert {a.action for a in audit} == {"create", "delete"}


async def test_admins_rename_and_delete_fields_in_chat(bot, ws):
    """Rename keeps the values (both names shown old → new); delete says how many values go
    and waits for 🗑; audited; a name two entities share must say which; reps may not."""
    ada = await admin(bot)
    ada_zh = await bot.user("ada_zh", role="admin", lang="zh")
    await ada.send("/field add company text 产品型号/Product model")
    await ada.send("/field add deal text 产品型号/Product model")
    await ws.na.send("星辰科技 产品型号 X200")
    await ws.li.send("Acme Ltd Product model X100")
    r = await ws.li.send("/field rename company Product model = Model")
    assert "not allowed" in r.text
    r = await ada.send("/field rename Product model = Model")
    assert r.text.startswith("More than one kind of record has a field “Product model”")
    r = await ada.send("/field rename company Product model = 型号/Model")
    assert (
        r.text
        == "✏️ Field renamed: 产品型号 / Product model → 型号 / Model. Its 2 value(s) are kept."
    )
    r = await ws.na.send("/查 星辰科技")
    assert "🧩 型号: X200" in r.text
    r = await ws.li.send("Acme Ltd Model X300")
    assert "Acme Ltd: Model = X300" in r.text
    r = await ada_zh.send("/字段 改名 公司 型号 = 产品型号")
    assert r.text == "✏️ 字段已改名：型号 / Model → 产品型号 / Model。已有的 2 个值全部保留。"
    await ada_zh.send("/字段 添加 公司 数字 员工数/Employees")
    r = await ada_zh.send("/字段 改名 员工数 = 产品型号/Staff")
    assert r.text == "那里已有名为“产品型号”的字段。"

    r = await ada_zh.send("/字段 删除 公司 产品型号")
    assert r.text == "从所有公司删除字段“产品型号”？它的 2 个值会一并删除，且无法恢复。"
    r2 = await ada_zh.click(r.button("保留"))
    assert r2.text == "好的，没有改动。"
    assert len(await bot.all(select(CustomValue))) == 2
    r = await ada_zh.click(r.button("🗑 删除"))
    assert r.text == "🗑 已从所有公司删除字段“产品型号”，2 个值一并删除。"
    assert await bot.all(select(CustomValue)) == []
    gone = await bot.all(
        select(AuditEntry.table_name).where(AuditEntry.action == "delete").distinct()
    )
    assert set(gone) == {"custom_fields", "custom_values"}
    r = await ada.send("/field remove deal Product model")
    assert r.text.startswith("Delete the field “Product model” from every Deal? Its 0 value(s)")
    await ws.li.send("Acme ERP Product model P1")  # one more value since: asked again
    r = await ada.click(r.button("🗑 Delete"))
    assert "Its 1 value(s) go with it" in r.text
    r = await ada.click(r.button("🗑 Delete"))
    assert r.text == "🗑 Field “Product model” deleted from every Deal; 1 value(s) went with it."
    r = await ada.send("/field remove Colour")
    assert r.text == "There's no custom field “Colour”. /field lists them."


async def test_fields_on_contacts_and_deals_and_typed_values(bot, ws):
    ada = await admin(bot)
    await ada.send("/field add contact date 生日/Met on")
    await ada.send("/field add deal money 预算/Budget")
    await ada.send("/field add deal multi 产品/Products: ERP, CRM, MES")
    r = await ws.li.send("Wang Lei Met on 2026-11-01")
    assert "Wang Lei: Met on = 1 Nov 2026" in r.text
    r = await ws.li.click(OpenContact(ws.ids["Wang Lei"]).encode())
    assert "🧩 Met on: 1 Nov 2026" in r.text
    r = await ws.li.send("Acme ERP Budget 50万")
    assert "Acme ERP: Budget = ¥500k" in r.text
    r = await ws.li.send("Acme ERP Products ERP, MES")
    assert "Acme ERP: Products = ERP, MES" in r.text
    r = await ws.li.send("Acme ERP Budget lots")
    assert "“lots” isn't an amount for Budget" in r.text
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")  # the deal card
    assert "🧩 Budget: ¥500k" in r.text
    assert "🧩 Products: ERP, MES" in r.text
    r = await ws.li.click(r.button("Fields"))
    r = await ws.li.click(r.button("Budget"))
    assert r.text == "Budget (money)? Type the value."
    r = await ws.li.send("a lot")
    assert "“a lot” isn't an amount for Budget" in r.text
    r = await ws.li.send("$80k")
    assert "Acme ERP: Budget = $80k" in r.text


async def test_one_message_logs_are_not_taken_by_the_book(bot, ws):
    """With tags, fields and segments about, logs stay logs."""
    ada = await admin(bot)
    await ada.send("/field add company text 产品型号/Product model")
    await ws.na.send("标签 星辰科技 VIP")
    r = await ws.na.send("今天拜访了星辰科技张总，报价满意，下周二下午3点跟进")
    assert "已记录" in r.text
    r = await ws.li.send(
        "visited Acme Ltd, customers happy with the product model, follow up Friday 10am"
    )
    assert "Logged" in r.text
    r = await ws.na.send("拜访了星辰科技的客户，没有下单")
    assert "已记录" in r.text
    assert await bot.all(select(Segment)) == []
    assert await bot.all(select(CustomValue)) == []


async def test_help_names_the_book(bot, ws):
    ada = await admin(bot)
    r = await ws.li.send("/help")
    assert "/segment dormant high value" in r.text
    assert "/field add" not in r.text
    r = await ada.send("/help")
    assert "/field add company text" in r.text
    r = await ws.na.send("/帮助")
    assert "/分群 高价值 沉睡" in r.text


def test_fields_from_the_command_line(monkeypatch, database_url, tmp_path):
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()
    args = ["field", "add", "company", "model", "--en", "Product model", "--zh", "产品型号"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Field model (text) added to company: Product model / 产品型号" in result.output
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "already a field named 'Product model'" in result.output
    bad = ["field", "add", "deal", "kind", "--type", "choice", "--en", "Kind", "--zh", "类型"]
    result = runner.invoke(main, bad, catch_exceptions=False)
    assert result.exit_code == 1
    assert "needs --choices" in result.output
    result = runner.invoke(main, ["field", "add", "lead", "x", "--en", "X", "--zh", "甲"])
    assert result.exit_code == 2
    assert "'lead' is not one of" in result.output
    result = runner.invoke(main, ["field", "list"], catch_exceptions=False)
    assert "company  model" in result.output

    rename = ["field", "rename", "company", "Product model", "--en", "Model", "--zh", "型号"]
    result = runner.invoke(main, rename, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "renamed: Product model / 产品型号 -> Model / 型号 (values kept)" in result.output
    result = runner.invoke(main, ["field", "rename", "company", "colour", "--en", "Color"])
    assert result.exit_code == 1
    assert "there is no field 'colour' on company" in result.output
    remove = ["field", "remove", "company", "model"]
    result = runner.invoke(main, remove, input="n\n", catch_exceptions=False)
    assert "Its 0 value(s) go with it." in result.output
    assert "Nothing changed." in result.output
    result = runner.invoke(main, remove, input="y\n", catch_exceptions=False)
    assert "Field model deleted from company; 0 value(s) went with it." in result.output
    result = runner.invoke(main, ["field", "list"], catch_exceptions=False)
    assert "company  model" not in result.output


def test_custom_fields_and_tags_in_import_and_export(monkeypatch, database_url, tmp_path):
    """A column named like a custom field fills it (a bad value is the row's error); the
    标签 column's known tags become tags; the export has both and re-imports as itself."""
    import asyncio

    from click.testing import CliRunner

    from bot.cli import main
    from bot.clock import FrozenClock
    from store.db import Database
    from tests.clocks import FROZEN_AT
    from tests.sheets import csv_file

    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()

    def crmbot(*args: str) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    crmbot("user", "invite", "admin", "--role", "admin")
    crmbot("field", "add", "company", "model", "--en", "Product model", "--zh", "产品型号")
    crmbot(
        "field",
        "add",
        "company",
        "staff",
        "--type",
        "number",
        "--en",
        "Employees",
        "--zh",
        "员工数",
    )
    crmbot("field", "add", "deal", "budget", "--type", "money", "--en", "Budget", "--zh", "预算")
    sheet = csv_file(
        tmp_path / "in.csv",
        [
            ["公司名称", "标签", "产品型号", "员工数", "商机名称", "预算"],
            ["星辰科技", "VIP，老客户", "X200", "120", "ERP", "50万"],
            ["华信电子", "", "X100", "很多", "", ""],
        ],
    )
    report = crmbot("import", str(sheet), "--yes")
    assert "errors 1" in report
    assert "“很多” is not a value of that custom field" in report

    async def rows() -> list[Any]:
        db = Database(database_url, FrozenClock(FROZEN_AT))
        try:
            async with db.transaction() as session:
                found = await session.execute(
                    select(
                        CustomValue.text_value, CustomValue.number_value, CustomValue.currency
                    ).order_by(CustomValue.id)
                )
                tags = await session.scalars(select(CompanyTag.tag_id))
                return [list(found.all()), list(tags.all())]
        finally:
            await db.dispose()

    values, tags = asyncio.run(rows())
    assert [(t, n if n is None else float(n), c) for t, n, c in values] == [
        ("X200", None, None),
        (None, 120.0, None),
        (None, 500000.0, "CNY"),
    ]
    assert len(tags) == 1  # VIP; 老客户 is no tag of the workspace: only kept as text

    out = tmp_path / "companies.csv"
    crmbot("export", "companies", "--out", str(out))
    text = out.read_bytes().decode("utf-8-sig").splitlines()
    assert text[0].endswith(",Owner,Product model,Employees")
    assert text[1].startswith("星辰科技,")
    assert '"VIP, 老客户"' in text[1]
    assert text[1].endswith(",admin,X200,120")
    deals = crmbot("export", "deals", "--format", "csv")
    assert "ERP,星辰科技,Lead,0,CNY,,admin,CNY 500000" in deals
    again = crmbot("import", str(out), "--yes")
    assert "to create 0" in again
    assert "errors 0" in again
