"""Contact channels in a group chat's cards and history are masked, whatever form a rep
typed them in; the same answers in a private chat show them in full (issue 21, item 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.masking import mask_contacts
from store.models import Activity, Contact
from tests.harness import PLATFORM, BotHarness, ChatUser
from tests.workspace import Workspace

# What reps write in activity summaries, newest last; each must come out masked in a group.
SUMMARIES = (
    "Wang: 手机13912345678",
    "left a message, tel13912345678",
    "his new number 139.1234.5678",
    "加了微信 zhang_wei88，明天发资料",
    "Desk 021-6234 5678, London +44 20 7946 0958, mail wang.lei@acme.cn",
)
# Longer than a card's 60 characters: cut in the middle of the number.
CUT_SUMMARY = "Sarah asked us to call her back later this evening on 13912345678, her new mobile"
HIDDEN = ("2345678", "1234.5678", "1234 5678", "6234", "7946", "zhang_wei88", "wang.lei")


async def in_a_group(bot: BotHarness, rep: ChatUser) -> ChatUser:
    """The same linked account, talking in a group chat instead of its private chat."""
    user = await bot.get_user(rep.name)
    chat = ChatUser(
        bot,
        user,
        platform=PLATFORM,
        external_id=f"id-{user.name}",
        display_name=user.display_name,
        chat_id="group-sales",
        is_private=False,
    )
    bot.chats.append(chat)
    return chat


@pytest.fixture
async def typed(bot: BotHarness, ws: Workspace) -> Workspace:
    """Acme Ltd's newest activities carry contact details in each form; a contact with no
    company has a WeChat id and an e-mail."""
    session, records = await bot.records_for(ws.li)
    now = bot.clock.now()
    async with session, session.begin():
        for minutes, summary in enumerate(SUMMARIES):
            await records.create(
                Activity,
                company_id=ws.ids["Acme Ltd"],
                kind="call",
                summary=summary,
                occurred_at=now - timedelta(hours=1) + timedelta(minutes=minutes),
            )
        await records.create(
            Activity,
            company_id=ws.ids["Globex Corporation"],
            kind="call",
            summary=CUT_SUMMARY,
            occurred_at=now - timedelta(minutes=5),
        )
        await records.create(
            Contact, name="Zhou Min", wechat="zhoumin_sh", email="zhou@min.cn", phone="02162345678"
        )
    return ws


async def test_group_history_masks_every_form_a_private_chat_shows(bot, typed):
    group = await in_a_group(bot, typed.li)
    card = await group.send("/find Acme Ltd")
    history = await group.click(card.button("History"))
    for hidden in HIDDEN:
        assert hidden not in history.text
    for shown in (
        "手机139****5678",
        "tel139****5678",
        "number 139****5678",
        "微信 z***8，明天发资料",
        "Desk 021****5678, London 442****0958, mail w***@acme.cn",
    ):
        assert shown in history.text, shown

    private = await typed.li.click(card.button("History"))
    for summary in SUMMARIES:
        assert summary in private.text


async def test_a_group_card_masks_its_last_activity_even_cut_short(bot, typed):
    group = await in_a_group(bot, typed.li)
    acme = await group.send("/find Acme Ltd")
    assert "Wang Lei Purchasing 139****2222" in acme.text
    assert "021****5678" in acme.text
    assert "6234" not in acme.text
    # The summary is cut for the card in the middle of the number: its digits stay hidden.
    globex = await group.send("/find Globex")
    assert "on 13912" not in globex.text
    assert "139****…" in globex.text
    assert f"{CUT_SUMMARY[:59]}…" in (await typed.li.send("/find Globex")).text


async def test_a_contact_without_company_keeps_its_wechat_id_private(bot, typed):
    group = await in_a_group(bot, typed.li)
    shown = await group.send("/find Zhou Min")
    assert "WeChat: z***h" in shown.text
    assert "zhoumin_sh" not in shown.text
    assert "z***@min.cn" in shown.text
    assert "021****5678" in shown.text
    private = await typed.li.send("/find Zhou Min")
    assert "WeChat: zhoumin_sh" in private.text
    assert "zhou@min.cn" in private.text
    assert "02162345678" in private.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("手机13912345678", "手机139****5678"),
        ("tel13912345678", "tel139****5678"),
        ("139.1234.5678", "139****5678"),
        ("座机(021)62345678转123", "座机021****5678转123"),
        ("微信13912345678", "微信139****5678"),
        ("+1 415 555 2671", "141****2671"),
        ("400-820-8820", "400****8820"),
        ("微信号：zhangwei", "微信号：z***i"),
        ("加V信ZW2024abc", "加V信Z***c"),
        ("wx zhang_wei88", "wx z***8"),
        ("WeChat: zhangwei", "WeChat: z***i"),
        ("wxid_ab12cd34ef", "w***f"),
        ("邮箱zhangwei@xingchen.cn", "邮箱z***@xingchen.cn"),
        # Not contact details: left as they are.
        ("WeChat follow-up with Acme", "WeChat follow-up with Acme"),
        ("报价50万，下周二下午3点", "报价50万，下周二下午3点"),
        ("¥1,450,000.00 · 谈判", "¥1,450,000.00 · 谈判"),
        ("Deal 1450000 CNY, invoice INV20241201", "Deal 1450000 CNY, invoice INV20241201"),
        ("2024-12-01 15:00", "2024-12-01 15:00"),
    ],
)
def test_each_form_of_a_contact_channel(text, masked):
    assert mask_contacts(text) == masked
