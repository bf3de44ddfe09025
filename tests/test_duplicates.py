"""Team-wide duplicate check (查重): creating a customer a colleague already owns says whose
it is and offers a handover or access, typed, logged or scanned."""

from __future__ import annotations

import io

import numpy as np
import segno
from PIL import Image
from sqlalchemy import select

from bot.events import Attachment
from bot.replies import from_json
from handlers.customers.actions import GiveRecord
from store.access import principal_for
from store.bulk import created_together
from store.duplicates import colleague_twins, company_core
from store.models import AuditEntry, Company, Contact, OutboxMessage, User
from tests.harness import BotHarness, ChatUser, Response
from tests.sql_trace import executed


async def pushes_to(bot: BotHarness, chat: ChatUser) -> list[Response]:
    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.event_id.like("dup:%"), OutboxMessage.chat_id == f"id-{chat.name}")
        .order_by(OutboxMessage.id)
    )
    return [Response([from_json(row.body, row.image)]) for row in rows]


async def owner_of(bot: BotHarness, company_id: int) -> str:
    company = await bot.scalar(select(Company).where(Company.id == company_id))
    user = await bot.scalar(select(User).where(User.id == company.owner_id))
    return str(user.name)


def test_company_core_ignores_legal_forms_case_and_city():
    assert company_core("上海星辰科技有限公司") == company_core("星辰科技")
    assert company_core("Hidden Co., Ltd.") == company_core("hidden co")


async def test_typed_company_that_a_colleague_owns_offers_a_handover(bot, ws):
    r = await ws.li.send("/newcompany Hidden Co., Ltd.")
    assert "Already in the team's CRM" in r.text
    assert "Hidden Co — Zhang's (same name)" in r.text
    assert [b.label for b in r.buttons] == [
        "🤝 Ask Zhang to hand it over",
        "🔑 Request access",
        "Create anyway",
        "Cancel",
    ]
    r = await ws.li.click(r.button("Ask Zhang"))
    assert "Asked Zhang to hand over Hidden Co" in r.text
    [asked] = await pushes_to(bot, ws.zhang)
    assert "Li asks you to hand over Hidden Co" in asked.text
    r = await ws.zhang.click(asked.button("Hand over to Li"))
    assert "Hidden Co is now Li's" in r.text
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "li"
    [told] = await pushes_to(bot, ws.li)
    assert "Zhang handed Hidden Co over to you" in told.text
    moved = await bot.all(
        select(AuditEntry).where(
            AuditEntry.table_name == "companies",
            AuditEntry.record_id == ws.ids["Hidden Co"],
            AuditEntry.field == "owner_id",
            AuditEntry.action == "update",
        )
    )
    assert len(moved) == 1
    # The button again, or pressed by someone else, changes nothing more.
    r = await ws.zhang.click(asked.button("Hand over to Li"))
    assert "not found" in r.text.lower() or "already" in r.text.lower()
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "li"


async def test_a_log_naming_a_colleagues_customer_offers_access_from_the_manager(bot, ws):
    r = await ws.li.send("visited Hidden Co today, they want a demo")
    assert "Hidden Co — Zhang's (same name)" in r.text
    r = await ws.li.click(r.button("Request access"))
    assert "Asked Wang for access to Hidden Co" in r.text
    assert await pushes_to(bot, ws.zhang) == []
    [asked] = await pushes_to(bot, ws.wang)
    assert "Li 申请 Hidden Co 的权限" in asked.text
    r = await ws.wang.click(asked.button("转交给 Li"))
    assert "Hidden Co 现在归 Li 负责" in r.text
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "li"
    # A rep cannot give away a colleague's customer by forging the button.
    na = await bot.get_user("na")
    r = await ws.na.click(GiveRecord("company", ws.ids["Hidden Co"], na.id).encode())
    assert "只有记录的负责人或管理员" in r.text
    assert await owner_of(bot, ws.ids["Hidden Co"]) == "li"


async def test_a_twin_is_known_by_its_current_name_however_it_was_written(bot, ws):
    """The name's core is stored (``name_core``): kept when a colleague renames the
    customer, and for customers written by the bulk path (imports), not only the ORM's."""
    session, records = await bot.records_for(ws.zhang)
    async with session, session.begin():
        hidden = await records.get(Company, ws.ids["Hidden Co"])
        await records.update(hidden, name="上海蓝鲸物流有限公司")
        async with created_together(records) as together:
            await together.create(Company, name="Northwind Traders Inc.")
    r = await ws.li.send("visited 蓝鲸物流 today, they want a demo")
    assert "上海蓝鲸物流有限公司 — Zhang's (same name)" in r.text
    r = await ws.li.send("/newcompany Hidden Co")
    assert "Already in the team" not in r.text
    r = await ws.li.send("/newcompany NORTHWIND TRADERS")
    assert "Northwind Traders Inc. — Zhang's (same name)" in r.text


async def test_the_twin_check_is_one_statement_whatever_the_names_around(bot, ws):
    """Before, two fuzzy searches over every owner's records (ten statements on
    PostgreSQL) and a statement per twin found, and a twin could rank below the searches'
    limit among many like-named customers; now one indexed equality with the holder."""
    session, records = await bot.records_for(ws.zhang)
    async with session, session.begin(), created_together(records) as together:
        for n in range(12):
            await together.create(Company, name=f"Hidden Coast Shipping {n}")
    with executed() as calls:
        r = await ws.li.send("/newcompany HIDDEN-CO LTD")
    assert "Hidden Co — Zhang's (same name)" in r.text
    twin_reads = [c for c in calls if "name_core" in c.statement.split("FROM")[-1]]
    assert len(twin_reads) == 1, [c.statement for c in twin_reads]
    holders = [c for c in calls if "JOIN users" in c.statement and "companies.id = " in c.statement]
    assert not holders, "a holder read per twin"


async def test_create_anyway_still_works_and_nothing_is_said_when_new(bot, ws):
    r = await ws.li.send("/newcompany Hidden Co")
    r = await ws.li.click(r.button("Create anyway"))
    assert "Which city" in r.text
    r = await ws.zhang.send("/newcompany Brand New Ltd")
    assert "Already in the team" not in r.text
    assert "Which city" in r.text


def _qr_card(payload: str) -> bytes:
    code = segno.make_qr(payload, encoding="utf-8", error="l")
    rows = [[0 if bit else 255 for bit in row] for row in code.matrix_iter(scale=5, border=4)]
    qr = Image.fromarray(np.array(rows, dtype=np.uint8), "L").convert("RGB")
    photo = Image.new("RGB", (1000, 600), (240, 240, 236))
    photo.paste(qr, (650, 200))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92)
    return out.getvalue()


async def test_a_scanned_card_of_a_colleagues_contact_says_whose_in_chinese(bot, ws):
    # 张伟 of 星辰科技 is 李娜's; zhang (Chinese for this test) scans his card.
    await ws.zhang.send("/lang zh")
    card = "MECARD:N:张伟;ORG:星辰科技;TEL:+8613800138000;EMAIL:zw@other.cn;;"
    photo = Attachment("image", data=_qr_card(card), filename="c.jpg", mime_type="image/jpeg")
    r = await ws.zhang.deliver(ws.zhang.event(attachments=(photo,)))
    r = await ws.zhang.click(r.button("保存"))
    assert "团队的 CRM 里已经有了" in r.text
    assert "星辰科技——负责人 李娜（名称相同）" in r.text
    assert "张伟——负责人 李娜（电话相同）" in r.text
    assert r.button("请 李娜 转交给我")
    before = len(await bot.all(select(Contact)))
    r = await ws.zhang.click(r.button("两个都保留"))
    assert len(await bot.all(select(Contact))) == before + 1


async def test_the_store_check_for_importers(bot, ws):
    """What an importer calls: by name, phone or e-mail, only what the caller cannot see."""
    li = await bot.get_user("li")
    async with bot.db.transaction() as session:
        principal = await principal_for(session, li)
        twins = await colleague_twins(
            session,
            principal,
            company="星辰科技有限公司",
            emails=["ZhangWei@xingchen.cn"],
        )
        assert {(t.kind, t.name, t.owner_name, t.matched) for t in twins} == {
            ("company", "星辰科技", "李娜", "name"),
            ("contact", "张伟", "李娜", "email"),
        }
        assert await colleague_twins(session, principal, company="Acme Ltd") == []
