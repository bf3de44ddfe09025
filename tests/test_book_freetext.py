"""Trial 5's misses of the book in free text: segments typed with typos or in the other
language, the pool asked for, claimed and released in words, and people named by pinyin or
"@name", in English and Chinese.

The clock and the people are those of tests/test_book.py: Li (English) owns Acme Ltd, Acme
Trading and Globex; 李娜 (na, Chinese) owns 星辰科技 and 华信电子有限公司; Wang (Chinese)
manages team East.
"""

from __future__ import annotations

from sqlalchemy import select

from store.models import Activity, Company, Segment
from tests.test_book import _book, edit
from tests.test_book_trial import _staff


async def test_segments_forgive_typos_pinyin_cities_and_w(bot, ws):
    await _book(bot, ws)
    r = await ws.na.send("vip custmers in shenzen")  # English words from a Chinese user
    assert r.text.startswith("🔎 深圳 · VIP客户：2 个客户")
    r = await ws.na.send("VIP customers in Shenzhen")
    assert r.text.startswith("🔎 深圳 · VIP客户：2 个客户")
    r = await ws.li.send("customers w no order in 3 months")
    assert "🔎 no order in 3 months: 3 customer(s)" in r.text


async def test_segment_saved_by_name_in_one_message(bot, ws):
    await _staff(bot, ws)
    await ws.na.send("标签 星辰科技 制造业")
    r = await ws.na.send("员工数>100的制造业客户 存一下 叫 大制造")
    assert "大制造" in r.text
    saved = await bot.all(select(Segment.name).where(Segment.name.is_not(None)))
    assert saved == ["大制造"]


async def test_the_pool_in_words(bot, ws):
    await edit(bot, ws.li, ws.ids["Acme Trading"], city="深圳")
    r = await ws.li.send("release acme to pool")  # two of hers: asked, nothing moves
    assert r.text.startswith("Which customer goes back to the lead pool?")
    r = await ws.li.click(r.button("Acme Ltd"))
    assert r.text.startswith("Put Acme Ltd back in the lead pool?")
    r = await ws.li.send("release Acme Trading to pool")
    assert r.text.startswith("Put Acme Trading back in the lead pool?")
    r = await ws.li.click(r.button("Yes, release"))
    assert "Acme Trading is back in the lead pool" in r.text
    r = await ws.na.send("公海里有深圳的客户吗")  # = /pool 深圳
    assert r.text.startswith("🌊 公海（深圳）：1 个客户")
    r = await ws.li.send("claim Hidden Co pls")
    assert "“Hidden Co” isn't in the lead pool" in r.text
    r = await ws.na.send("我要认领Acme Trading")
    assert r.text.startswith("✅ Acme Trading 归你了")
    r = await ws.li.send("release Acme Trading to pool")
    # Not hers any more, and no guess at her "Acme Ltd": a release is sure of its customer.
    assert "couldn't find a customer of yours called “Acme Trading”" in r.text
    r = await ws.na.send("Acme不跟了 放回公海吧")  # part of one of her customers' names
    assert r.text.startswith("把 Acme Trading 退回公海")
    owner = await bot.all(select(Company.owner_id).where(Company.name == "Acme Trading"))
    assert owner == [ws.na.user_id]  # nothing moves before the button


async def test_people_by_pinyin_and_at_name(bot, ws):
    r = await ws.wang.send("assign 星辰科技 to Li Na")
    assert "星辰科技 已经归 李娜 了。" in r.text  # "Li Na": her name in pinyin
    r = await ws.wang.send("/assign Acme Ltd @lina")
    assert "李娜" in r.text


async def test_a_log_that_starts_with_the_pool_is_a_log(bot, ws):
    """Only a question about the pool lists it: a log that happens to begin with 公海
    (a customer that came from it) is logged, not read as a city to list."""
    r = await ws.na.send("公海里领回来的华信电子有限公司今天拜访了，聊了二期报价")
    assert not r.text.startswith("🌊")
    assert r.button("撤销")
    logged = await bot.all(select(Activity.company_id).where(Activity.summary.like("%二期报价%")))
    assert logged == [ws.ids["华信电子有限公司"]]
