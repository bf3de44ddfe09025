"""Issue 15's trial misses: what reps typed in the trial of tags, segments and fields and
were refused, each now understood in English and Chinese.

The clock and the people are those of tests/test_book.py: Li (English) owns Acme Ltd, Acme
Trading and Globex; 李娜 (na, Chinese) owns 星辰科技 and 华信电子有限公司; Ada is the admin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from store.models import Company, CompanyTag, Segment, Tag
from tests.harness import BotHarness
from tests.test_book import admin, edit


async def _staff(bot: BotHarness, ws: Any) -> None:
    ada = await admin(bot)
    await ada.send("/field add company number 员工数/Employees")
    await ada.send("/field add company money 年采购额/Annual spend")
    await ws.na.send("星辰科技 员工数 120")
    await ws.na.send("华信电子有限公司 员工数 80")
    await ws.li.send("Acme Ltd Employees 300")
    await ws.li.send("Globex Corporation Employees 100")


async def test_chinese_comparisons_over_number_fields(bot, ws):
    await _staff(bot, ws)
    r = await ws.na.send("员工数>100")  # the README's example, typed alone
    assert r.text.startswith("🔎 员工数 > 100：1 个客户")
    assert r.buttons[0].label.startswith("星辰科技")
    r = await ws.na.send("员工数大于100的客户")
    assert r.text.startswith("🔎 员工数 > 100：1 个客户")
    r = await ws.na.send("员工数超过50的客户")
    assert r.text.startswith("🔎 员工数 > 50：2 个客户")
    r = await ws.na.send("员工数不少于120的客户")
    assert r.text.startswith("🔎 员工数 ≥ 120：1 个客户")
    r = await ws.na.send("员工数100以下的客户")
    assert r.text.startswith("🔎 员工数 ≤ 100：1 个客户")
    assert r.buttons[0].label.startswith("华信电子")
    r = await ws.na.send("/分群 员工数≥80")
    assert r.text.startswith("🔎 员工数 ≥ 80：2 个客户")
    r = await ws.na.send("员工数小于很多的客户")
    assert "“很多”不是员工数的数字" in r.text


async def test_english_comparisons_and_money(bot, ws):
    await _staff(bot, ws)
    r = await ws.li.send("customers with Employees at least 100")
    assert r.text.startswith("🔎 Employees ≥ 100: 2 customer(s)")
    r = await ws.li.send("customers with Employees 300 or more")
    assert r.text.startswith("🔎 Employees ≥ 300: 1 customer(s)")
    await ws.li.send("Acme Ltd Annual spend 50万")
    r = await ws.li.send("customers with Annual spend > 40万")
    assert r.text.startswith("🔎 Annual spend > 40万: 1 customer(s)")
    r = await ws.na.send("年采购额大于60万的客户")
    assert "没有符合的客户" in r.text  # Acme is Li's, and 50万 < 60万 anyway


async def test_several_tags_joined_by_and(bot, ws):
    r = await ws.li.send("tag Acme Ltd VIP and Finance")
    assert "Acme Ltd: added VIP, Finance." in r.text
    r = await ws.li.send("tag Acme Trading Software & Retail")
    assert "Acme Trading: added Software, Retail." in r.text
    r = await ws.na.send("标签 星辰科技 VIP和金融")
    assert "星辰科技：已添加 VIP、金融。" in r.text
    r = await ws.na.send("标签 华信电子有限公司 制造业、软件及零售")
    assert "华信电子有限公司：已添加 制造业、软件、零售。" in r.text
    r = await ws.li.send("tag Globex Corporation VIP and Platinum")
    assert "There's no tag “Platinum”" in r.text  # refused whole
    assert len(await bot.all(select(CompanyTag))) == 9


async def test_preset_tags_have_english_names(bot, ws):
    r = await ws.li.send("tag Acme Ltd Finance, Key account")
    assert "Acme Ltd: added Finance, Key account." in r.text  # a name with a space is one
    await ws.li.send("tag Acme Ltd -Key account")
    r = await ws.li.send("tag Acme Ltd Finance, Overseas")
    assert "Acme Ltd: added Overseas." in r.text
    r = await ws.li.send("/find Acme Ltd")
    assert "🏷 Finance · Overseas" in r.text  # shown in the reader's language
    r = await ws.wang.send("/查 Acme Ltd")  # Li's manager, in Chinese
    assert "🏷 金融 · 海外" in r.text  # one tag, stored once, read in each one's language
    r = await ws.wang.send("/tag Acme Ltd")
    r = await ws.wang.click(r.button("行业"))
    assert "✅ 金融" in [b.label for b in r.buttons]
    r = await ws.li.send("/tags")
    assert "• Industry: Manufacturing, Software, Retail, Finance, Pharma, Education" in r.text
    names = await bot.all(select(Tag.name).where(Tag.name == "Finance"))
    assert names == []  # no second tag was made for the English name
    r = await ws.wang.send("金融客户")
    assert r.text.startswith("🔎 金融：1 个客户")
    r = await ws.wang.send("Finance customers")  # the English name in a Chinese chat
    assert r.text.startswith("🔎 金融：1 个客户")
    r = await ws.li.send("Finance customers")
    assert r.text.startswith("🔎 Finance: 1 customer(s)")


async def test_forgiving_english_segment_requests(bot, ws):
    await edit(bot, ws.li, ws.ids["Acme Ltd"], city="Shenzhen")
    await ws.li.send("tag Acme Ltd VIP")
    for text in (
        "show me customers with tag VIP",
        "which customers have VIP",
        "list all VIP customers in Shenzhen please",
        "Can you show me my VIP customers in Shenzhen?",
    ):
        r = await ws.li.send(text)
        assert "1 customer(s)" in r.text, text
        assert r.buttons[0].label == "Acme Ltd · Shenzhen"
    r = await ws.li.send("show me VIP customers in Shenzhen with purple hats")
    assert "I understood Shenzhen · VIP, but not “purple hats”" in r.text
    r = await ws.li.send("which customers are wombats")
    assert "I couldn't read “which customers are wombats” as a segment" in r.text
    await edit(bot, ws.na, ws.ids["星辰科技"], city="深圳")
    await ws.na.send("标签 星辰科技 VIP")
    r = await ws.na.send("帮我列出深圳的VIP客户吧")
    assert r.text.startswith("🔎 深圳 · VIP客户：1 个客户")
    r = await ws.na.send("列出深圳的VIP客户，袋熊")
    assert "已理解：深圳 · VIP客户，但不理解“袋熊”" in r.text
    assert len(await bot.all(select(Segment))) == 2  # each one's last; refused ones not kept


async def test_chinese_ways_to_tag(bot, ws):
    r = await ws.na.send("给星辰科技打个标签：VIP")
    assert "星辰科技：已添加 VIP。" in r.text
    r = await ws.na.send("给星辰科技打上标签 制造业")
    assert "星辰科技：已添加 制造业。" in r.text
    r = await ws.na.send("给华信电子有限公司加个标签 金融")
    assert "华信电子有限公司：已添加 金融。" in r.text
    r = await ws.na.send("华信电子有限公司打标签 软件和零售")
    assert "华信电子有限公司：已添加 软件、零售。" in r.text
    r = await ws.na.send("把华信电子有限公司标记为VIP")
    assert "华信电子有限公司：已添加 VIP。" in r.text
    r = await ws.li.send("mark Acme Ltd as VIP")
    assert "Acme Ltd: added VIP." in r.text
    r = await ws.li.send("tag Acme Trading as Finance")
    assert "Acme Trading: added Finance." in r.text
    r = await ws.na.send("给不存在公司打个标签：VIP")
    assert "找不到" in r.text or "没有找到" in r.text
    r = await ws.na.send("今天拜访了星辰科技张总，把报价标记为已发送")
    assert "已记录" in r.text  # a log stays a log
    r = await ws.li.send("mark the quote as sent")
    assert "customer" not in r.text  # not a tag phrase: left to the rest of the bot
    tagged = await bot.all(select(CompanyTag.company_id))
    assert len(tagged) == 8
    assert (await bot.all(select(Company.id).where(Company.name == "不存在公司"))) == []
