"""A message is never filed as the answer to an older question, and digits are not always
button presses — conversed in English and Chinese."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.console.pushes import TerminalPushes
from bot.replies import Button, Choices
from store.models import Activity, Company, Conversation, Deal
from store.users import link_identity


async def count(bot, model, *where):
    return await bot.scalar(select(func.count()).select_from(model).where(*where))


# --- 1. A new message is not the answer to an old question ------------------------------------


async def test_a_new_log_while_which_customer_waits_is_asked_about(bot, ws):
    r = await ws.li.send("called Acme, Wang wants a revised quote")
    assert "Which customer" in r.text
    r = await ws.li.send("visited Globex Corporation, follow up Friday 10am")
    assert "new message, or your answer?" in r.text
    assert [b.label for b in r.buttons] == ["🆕 New message", "↩️ Use as the answer"]
    assert await count(bot, Activity, Activity.kind == "visit") == 0
    r = await ws.li.click(r.button("New message"))
    assert "✅ Logged: Visit · Globex Corporation" in r.text
    assert await count(bot, Activity, Activity.company_id == ws.ids["Globex Corporation"]) == 1
    # The Acme question was dropped, on the rep's say: nothing was logged for Acme.
    assert await count(bot, Activity, Activity.source_text.like("called Acme%")) == 0


async def test_use_as_the_answer_gives_the_message_to_the_waiting_question(bot, ws):
    r = await ws.li.send("called Acme, Wang wants a revised quote")
    r = await ws.li.send("Acme Trading meeting tomorrow 3pm")
    assert "your answer?" in r.text
    r = await ws.li.click(r.button("Use as the answer"))
    assert "✅ Logged: Call · Acme Trading" in r.text


async def test_a_new_log_is_not_taken_as_the_won_reason(bot, ws):
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Won"))
    assert "Why was" in r.text
    r = await ws.li.send("called Globex Corporation, they want a demo next Monday")
    assert "your answer?" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["Acme ERP"]))
    assert (deal.stage, deal.close_reason) == ("proposal", None)
    r = await ws.li.click(r.button("New message"))
    assert "Logged: Call · Globex Corporation" in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["Acme ERP"]))
    assert (deal.stage, deal.close_reason) == ("proposal", None)


async def test_a_plain_reason_is_still_the_answer(bot, ws):
    r = await ws.li.click(f"dl:{ws.ids['Acme ERP']}")
    r = await ws.li.click(r.button("Won"))
    r = await ws.li.send("they liked our support team")
    assert "your answer?" not in r.text
    deal = await bot.scalar(select(Deal).where(Deal.id == ws.ids["Acme ERP"]))
    assert (deal.stage, deal.close_reason) == ("won", "they liked our support team")


async def test_chinese_new_log_while_create_customer_offer_waits(bot, ws):
    r = await ws.na.send("今天拜访了宏达建材，暂时不需要")
    assert "宏达建材" in r.text
    assert any("新建" in b.label for b in r.buttons)
    r = await ws.na.send("今天拜访了星辰科技张总，下周二下午3点跟进")
    assert "新消息，还是对那个问题的回答" in r.text
    assert (
        await count(bot, Company, Company.name == "今天拜访了星辰科技张总，下周二下午3点跟进") == 0
    )
    r = await ws.na.click(r.button("新消息"))
    assert "✅ 已记录：拜访 · 星辰科技" in r.text
    assert await count(bot, Company, Company.name.like("%宏达%")) == 0


async def test_chinese_new_log_is_not_taken_as_the_lost_reason(bot, ws):
    r = await ws.na.send("星辰项目丢单")
    assert "输单" in r.text or "为什么" in r.text
    r = await ws.na.send("今天拜访了华信电子有限公司，明天下午2点再联系")
    assert "还是对那个问题的回答" in r.text
    r = await ws.na.click(r.button("新消息"))
    assert "已记录：拜访 · 华信电子有限公司" in r.text


async def test_a_button_press_after_the_question_is_unaffected(bot, ws):
    r = await ws.li.send("called Acme, Wang wants a revised quote")
    r = await ws.li.click(r.button("Acme Ltd"))
    assert "✅ Logged: Call · Acme Ltd" in r.text


# --- 5. Digits are not always button presses -----------------------------------------------


async def test_a_number_at_the_amount_step_is_the_amount(bot, ws):
    r = await ws.li.send("/deal Globex Corporation")
    r = await ws.li.send("Pilot")
    assert "Amount?" in r.text
    assert len(r.buttons) == 1
    r = await ws.li.send("80")
    assert "number from 1 to" not in r.text
    assert "Stage" in r.text or "stage" in r.text
    r = await ws.li.click(r.buttons[0])
    r = await ws.li.click(r.button("Skip"))
    deal = await bot.scalar(select(Deal).where(Deal.title == "Pilot"))
    assert deal.amount_cents == 8000


async def test_full_width_digits_and_labels_choose(bot, ws):
    r = await ws.na.send("星辰科技：预算批下来了，下周二下午3点")
    assert "是什么类型" in r.text
    r = await ws.na.send("１")
    assert "已记录：电话 · 星辰科技" in r.text
    r = await ws.na.send("华信电子有限公司：预算批下来了，下周二下午3点")
    r = await ws.na.send("备注")
    assert "已记录：备注 · 华信电子有限公司" in r.text
    r = await ws.li.send("called Acme, Wang wants a revised quote")
    r = await ws.li.send("acme trading")
    assert "✅ Logged: Call · Acme Trading" in r.text


async def test_a_re_prompt_shows_its_buttons_again(bot, ws):
    r = await ws.li.send("Globex Corporation, follow up Friday 10am")
    assert "What was it?" in r.text
    kinds = [b.label for b in r.buttons]
    r = await ws.li.send("hmm")
    assert "pick the type" in r.text
    assert [b.label for b in r.buttons] == kinds
    r = await ws.li.send("2")
    assert "✅ Logged: Visit · Globex Corporation" in r.text


async def test_an_out_of_range_number_at_a_text_step_is_text(bot, ws):
    r = await ws.li.send("/deal Globex Corporation")
    assert "Deal name?" in r.text
    assert len(r.buttons) == 1
    r = await ws.li.send("42")
    assert "number from 1 to" not in r.text
    assert "Amount?" in r.text


async def test_pushes_in_a_row_do_not_share_numbers(bot, ws, tmp_path: Path):
    async with bot.db.transaction() as session:
        user = await bot.get_user("li")
        await link_identity(
            session,
            await session.merge(user),
            platform="console",
            external_id="user:li",
            now=bot.clock.now(),
        )
    lines: list[str] = []
    pushes = TerminalPushes(bot.db, ws.li.user_id, lines.append, tmp_path)
    first = Choices("one", (Button("A", "tk.dn:1"), Button("B", "tk.sn:1:1h")))
    second = Choices("two", (Button("C", "tk.dn:2"), Button("D", "tk.sn:2:1h")))
    await pushes.send("user:li", first)
    await pushes.send("user:li", second)
    assert lines == ["one\n1. A  2. B", "two\n3. C  4. D"]
    row = await bot.scalar(select(Conversation).where(Conversation.platform == "console"))
    assert [entry[0] for entry in row.choices] == ["tk.dn:1", "tk.sn:1:1h", "tk.dn:2", "tk.sn:2:1h"]
