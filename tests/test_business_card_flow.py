"""A rep photographs a business card in chat: review, correct, save, duplicates, refusals.

Real OCR on generated cards (tests/cardset) through the whole engine and the harness.
Each distinct photo is recognised once per session (tests/cardset/memo.py).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from bot.adapters.memory.chat import LocalChat
from bot.app import open_app
from bot.cardscan.model import CardFields
from bot.events import Attachment
from handlers.cards import review as business_card
from handlers.cards.review import company_core, find_duplicates, match_company
from store.models import Company, Contact, ContactPhoto, Conversation, User
from store.users import link_identity
from tests import cardset
from tests.cardset.fonts import font, latin_faces
from tests.cardset.memo import memoise_scans
from tests.harness import BotHarness

# The card set needs the fonts shipped with mplfonts: without them, fail loudly, never skip.
assert cardset.missing() is None, f"card set: {cardset.missing()}"

#: A bilingual card with a vCard 4.0 QR code, and a Chinese one (both read right).
BILINGUAL_QR = 5
CHINESE = 0


@pytest.fixture(autouse=True)
def memo(monkeypatch):
    memoise_scans(monkeypatch)


@pytest.fixture
async def bot(settings, clock) -> AsyncIterator[BotHarness]:
    app = await open_app(settings, clock)
    harness = BotHarness(app, clock, settings)
    yield harness
    await harness.app.close()


async def send_photo(chat: LocalChat, data: bytes, kind: str = "image"):
    attachment = Attachment(kind, data=data, filename="card.jpg", mime_type="image/jpeg")
    return await chat.deliver(chat.event(attachments=(attachment,)))


async def count(bot, model) -> int:
    return int(await bot.scalar(select(func.count()).select_from(model)))


async def source_of(bot, contact: Contact) -> dict[str, Any]:
    """Where the contact came from: the photo row kept with it."""
    row = await bot.scalar(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id))
    assert row.image[:3] == b"\xff\xd8\xff"
    found: dict[str, Any] = dict(row.fields)
    return found | {"created_by": row.created_by}


def business_card_save() -> str:
    return business_card.Pick(business_card.Choice.SAVE).encode()


# --------------------------------------------------------------------------- happy paths


async def test_photo_becomes_a_contact_and_a_new_customer(bot):
    rep = await bot.user("li", lang="en")
    card = cardset.make_card(BILINGUAL_QR)
    truth = card.truth
    r = await send_photo(rep, card.jpeg)
    assert r.text.startswith("📇 Business card — check, then save")
    assert f"Name: {truth['name']}" in r.text
    assert f"Company: {truth['company']} (new customer)" in r.text
    assert "QR code" in r.text
    assert [b.label for b in r.buttons][:3] == ["✅ Save", "✏️ Name", "✏️ Title"]
    r = await rep.click(r.button("Save"))
    assert f"Saved {truth['name']}" in r.text
    assert f"New customer: {truth['company']}" in r.text
    contact = await bot.scalar(select(Contact).where(Contact.name == truth["name"]))
    assert contact.title == truth["title"]
    assert contact.mobile == (truth["mobile"] or [None])[0]
    assert contact.email == (truth["email"] or [None])[0]
    company = await bot.scalar(select(Company).where(Company.id == contact.company_id))
    assert company.name == truth["company"]
    source = await source_of(bot, contact)
    assert source["source"] == "business card scan"
    assert source["created_by"] == (await bot.get_user("li")).id
    assert source["name"] == truth["name"]
    # The flow is over: the next message is not taken as a correction.
    row = await bot.scalar(select(Conversation))
    assert row.flow is None
    r = await rep.send(f"/find {truth['name']}")
    assert f"👤 {truth['name']}: 📇 From a business card scanned by Li, 2026-11-18" in r.text


async def test_chinese_rep_corrects_fields_and_links_the_existing_customer(bot):
    rep = await bot.user("wang", lang="zh")
    card = cardset.make_card(CHINESE)
    truth = card.truth
    session, records = await bot.records_for(rep)
    async with session, session.begin():
        existing = await records.create(Company, name=company_core(truth["company"]))
    r = await send_photo(rep, card.jpeg)
    assert f"公司：{truth['company']}（已有客户）" in r.text
    r = await rep.send("职位：首席采购官")
    assert "职位：首席采购官" in r.text
    r = await rep.click(r.button("改手机"))
    assert "请发送新的手机" in r.text
    r = await rep.send("139 1234 5678")
    assert "手机：+86 139 1234 5678" in r.text
    r = await rep.send("email: not-an-address")
    assert "不是有效的邮箱地址" in r.text
    r = await rep.click(business_card_save())
    assert f"已保存 {truth['name']}" in r.text
    assert f"已关联到客户 {existing.name}" in r.text
    contact = await bot.scalar(select(Contact).where(Contact.name == truth["name"]))
    assert contact.company_id == existing.id
    assert contact.title == "首席采购官"
    assert contact.mobile == "+8613912345678"
    assert await count(bot, Company) == 1


async def test_a_photo_at_a_waiting_question_is_read_as_a_new_card(bot):
    """A photo is something new: a waiting question (another card's review, a new
    customer's name) is dropped and the photo read, never taken as that question's answer."""
    rep = await bot.user("li", lang="en")
    first, second = cardset.make_card(CHINESE), cardset.make_card(BILINGUAL_QR)
    await send_photo(rep, first.jpeg)
    r = await send_photo(rep, second.jpeg)
    assert f"Name: {second.truth['name']}" in r.text
    r = await rep.click(business_card_save())
    assert f"Saved {second.truth['name']}" in r.text

    r = await rep.send("/newcompany")
    assert "name" in r.text.lower()
    r = await send_photo(rep, first.jpeg)
    assert r.text.startswith("📇 Business card")
    row = await bot.scalar(select(Conversation))
    assert row.flow == business_card.NAME
    assert await count(bot, Company) == 1  # nothing was created from the photo's "answer"


async def test_the_same_card_twice_offers_merge_keep_both_or_cancel(bot):
    rep = await bot.user("li", lang="en")
    card = cardset.make_card(BILINGUAL_QR)
    name = card.truth["name"]
    await send_photo(rep, card.jpeg)
    await rep.click(business_card_save())
    assert await count(bot, Contact) == 1

    r = await send_photo(rep, card.jpeg)
    r = await rep.click(r.button("Save"))
    assert "Already in your contacts?" in r.text
    assert "same phone" in r.text
    assert [b.label for b in r.buttons] == [f"🔀 Merge into {name}", "➕ Keep both", "✖ Cancel"]
    r = await rep.click(r.button("Cancel"))
    assert "wasn't saved" in r.text
    assert await count(bot, Contact) == 1

    await send_photo(rep, card.jpeg)
    await rep.send("title: Chief Buyer")
    r = await rep.click(business_card_save())
    r = await rep.click(r.button("Merge"))
    assert f"Merged the card into {name}" in r.text
    contacts = await bot.all(select(Contact))
    assert len(contacts) == 1
    assert contacts[0].title == "Chief Buyer"
    assert await count(bot, Company) == 1

    await send_photo(rep, card.jpeg)
    r = await rep.click(business_card_save())
    r = await rep.click(r.button("Keep both"))
    assert f"Saved {name}" in r.text
    assert await count(bot, Contact) == 2
    assert await count(bot, Company) == 1  # both linked to the one customer


# --------------------------------------------------------------------------- refusals


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _receipt() -> bytes:
    image = Image.new("RGB", (900, 500), "white")
    draw = ImageDraw.Draw(image)
    face = font(latin_faces()[0], 48)
    for i, line in enumerate(("COFFEE HOUSE", "Latte 2 x 32.00", "TOTAL 64.00", "THANK YOU")):
        draw.text((60, 50 + i * 100), line, font=face, fill="black")
    return _jpeg(image)


async def test_refused_photos_get_a_clear_answer_and_create_nothing(bot):
    rep = await bot.user("li", lang="en")
    good = cardset.make_card(BILINGUAL_QR).jpeg
    cases = [
        (b"", "too_large", "too large"),
        (b"", "not_image", "isn't a photo I can read"),
        (b"%PDF-1.7 a contract", "image", "isn't a photo I can read"),
        (good[: len(good) // 3], "image", "couldn't open that photo"),
        (_jpeg(Image.new("RGB", (800, 500), (250, 250, 250))), "image", "couldn't read any text"),
        (_receipt(), "image", "doesn't look like a business card"),
    ]
    for data, kind, answer in cases:
        r = await send_photo(rep, data, kind)
        assert answer in r.text, (kind, r.text)
        assert "Nothing was saved" in r.text or "send it again" in r.text
    assert await count(bot, Contact) == 0
    assert await count(bot, Company) == 0
    assert (await bot.scalar(select(Conversation))).flow is None


# --------------------------------------------------------------------------- console


async def test_console_reads_a_card_from_a_path(bot, tmp_path):
    rep = await bot.user("li", lang="en")
    user_id = (await bot.get_user("li")).id
    async with bot.app.db.transaction(platform="console") as session:
        user = await session.get(User, user_id)
        assert user is not None
        await link_identity(
            session, user, platform="console", external_id="user:li", now=bot.clock.now()
        )
    console = LocalChat(bot.app.engine, bot.clock, platform="console", external_id="user:li")
    path = tmp_path / "card.jpg"
    card = cardset.make_card(BILINGUAL_QR)
    path.write_bytes(card.jpeg)

    r = await console.send(f"/card {path}")
    assert f"Name: {card.truth['name']}" in r.text
    r = await console.send("/card")  # a command leaves the review
    assert "Send me a photo of the business card" in r.text
    r = await console.send(f"'{path}'")
    assert f"Name: {card.truth['name']}" in r.text
    r = await console.send(f"/card {tmp_path / 'missing.jpg'}")
    assert "can't find an image file" in r.text

    # Anywhere else, a path is only text: the bot never opens files for a chat message.
    r = await rep.send(f"/card {path}")
    assert "only open files in the console" in r.text
    r = await rep.send(str(path))
    assert "Name:" not in r.text
    assert await count(bot, Contact) == 0


# --------------------------------------------------------------------------- matching


async def test_company_names_match_without_legal_forms_or_city(bot):
    rep = await bot.user("li")
    session, records = await bot.records_for(rep)
    async with session, session.begin():
        xingchen = await records.create(Company, name="星辰科技")
        acme = await records.create(Company, name="ACME Trading Co., Ltd.")
        await records.create(Company, name="星辰物流有限公司")

        async def matched(name: str) -> int | None:
            company = await match_company(records, name)
            return company.id if company else None

        assert await matched("上海星辰科技有限公司") == xingchen.id
        assert await matched("星辰科技股份有限公司") == xingchen.id
        assert await matched("Acme Trading Limited") == acme.id
        assert await matched("acme trading inc.") == acme.id
        assert await match_company(records, "星辰电子有限公司") is None
        assert await match_company(records, "Acme Logistics Ltd.") is None


async def test_duplicates_by_phone_email_or_name_at_the_same_company(bot):
    rep = await bot.user("li")
    other = await bot.user("zhao")
    session, records = await bot.records_for(rep)
    async with session, session.begin():
        company = await records.create(Company, name="星辰科技")
        by_phone = await records.create(Contact, name="张伟", mobile="+86 138 0013 8000")
        by_email = await records.create(Contact, name="Wei Zhang", email="ZW@xingchen.com")
        by_name = await records.create(Contact, name="李娜", company_id=company.id)
        await records.create(Contact, name="李娜")  # same name, no company: not a duplicate

        async def reasons(fields: CardFields) -> dict[int, str]:
            found = await find_duplicates(records, fields, company, "CN")
            return {d.contact.id: d.reason for d in found}

        assert await reasons(CardFields(name="张伟", mobile=["+8613800138000"])) == {
            by_phone.id: "phone"
        }
        assert await reasons(CardFields(name="X", email=["zw@xingchen.com"])) == {
            by_email.id: "email"
        }
        assert await reasons(CardFields(name="李娜")) == {by_name.id: "name"}
        assert await reasons(CardFields(name="王芳", mobile=["+8613900000000"])) == {}
    # Record rules apply: another rep's contact is not "already yours".
    session, records = await bot.records_for(other)
    async with session, session.begin():
        found = await find_duplicates(
            records, CardFields(name="张伟", mobile=["+8613800138000"]), None, "CN"
        )
        assert found == []
