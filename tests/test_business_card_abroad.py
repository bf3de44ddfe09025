"""Cards from abroad in chat (issue 17): the review says whose numbers they were read as, and
one tap reads them again as another country's. Real OCR on cards drawn from written lines
(tests/cardset/abroad.py), memoised per photo."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.adapters.memory.chat import LocalChat
from bot.app import open_app
from bot.events import Attachment
from bot.phones import display_phone
from store.models import Contact
from tests import cardset
from tests.cardset.abroad import WrittenCard, faces_for, photograph_card
from tests.cardset.memo import memoise_scans
from tests.harness import BotHarness

assert cardset.missing() is None, f"card set: {cardset.missing()}"

BOSTON = WrittenCard(
    id="us-test",
    region="US",
    script="latin",
    layout="horizontal",
    lines=(
        "Anna Wright",
        "VP Sales",
        "Harbor Logistics Inc.",
        "M 617.555.0142",
        "p. (617) 555-0199",
        "E anna@harborlog.com",
        "100 Federal St, Boston, MA 02110",
    ),
    qr="",
    expect={"name": "Anna Wright", "company": "Harbor Logistics Inc."},
)
#: Nothing on it says where it is from: eight-digit numbers, no address, no country code,
#: and a .com address (a .sg one is a clue since round 2 of issue 17).
NO_CLUES = WrittenCard(
    id="sg-test",
    region="SG",
    script="latin",
    layout="horizontal",
    lines=(
        "Mei Ling Tan",
        "Account Director",
        "Bluefin Supply Pte. Ltd.",
        "M 9123 4567",
        "T 6123 4567",
        "E meiling@bluefin.com",
    ),
    qr="",
    expect={"name": "Mei Ling Tan", "company": "Bluefin Supply Pte. Ltd."},
)


@pytest.fixture(autouse=True)
def memo(monkeypatch):
    memoise_scans(monkeypatch)


@pytest.fixture
async def bot(settings, clock) -> AsyncIterator[BotHarness]:
    app = await open_app(settings, clock)
    harness = BotHarness(app, clock, settings)
    yield harness
    await harness.app.close()


def photo(card: WrittenCard) -> bytes:
    faces = faces_for(("NotoSansCJKsc-Regular", "DejaVuSans"))
    jpeg, _meta = photograph_card(card, 0, 17, faces)
    return jpeg


async def send_photo(chat: LocalChat, data: bytes):
    attachment = Attachment("image", data=data, filename="card.jpg", mime_type="image/jpeg")
    return await chat.deliver(chat.event(attachments=(attachment,)))


async def test_a_us_card_for_a_rep_in_shanghai_is_read_as_us_and_says_so(bot):
    rep = await bot.user("li", lang="en", tz="Asia/Shanghai")
    r = await send_photo(rep, photo(BOSTON))
    assert "Mobile: +1 617-555-0142" in r.text
    assert "Phone: +1 617-555-0199" in r.text
    assert "Email: anna@harborlog.com" in r.text  # the E label is not part of it
    assert "🇺🇸 Numbers read as US numbers (from the card)." in r.text
    # One tap reads them as the rep's own country's; a NANP number never becomes +86.
    r = await rep.click(r.button("Read numbers as mainland China"))
    assert "🇨🇳 Numbers read as mainland China numbers (your choice)." in r.text
    assert "Mobile: +1 617-555-0142" in r.text
    assert "+86" not in r.text


async def test_numbers_with_no_clue_are_read_again_as_the_country_the_rep_picks(bot):
    rep = await bot.user("wang", lang="zh", tz="Asia/Shanghai")
    r = await send_photo(rep, photo(NO_CLUES))
    assert "🇨🇳 号码按中国大陆号码读取（你的地区；名片上没写）。" in r.text
    r = await rep.click(r.button("其他地区的号码"))
    assert "这些是哪里的号码" in r.text
    assert "🇨🇳 中国大陆" not in [b.label for b in r.buttons]  # the current one isn't offered
    r = await rep.click(r.button("新加坡"))
    assert "🇸🇬 号码按新加坡号码读取（你选的）。" in r.text
    assert f"手机：{display_phone('+6591234567')}" in r.text
    assert f"电话：{display_phone('+6561234567')}" in r.text
    # Typed corrections are now read as Singapore numbers too.
    r = await rep.send("电话：6123 4000")
    assert f"电话：{display_phone('+6561234000')}" in r.text
    r = await rep.click(r.button("保存"))
    contact = await bot.scalar(select(Contact).where(Contact.name == "Mei Ling Tan"))
    assert (contact.mobile, contact.phone) == ("+6591234567", "+6561234000")


async def test_a_forged_region_button_changes_nothing(bot):
    from handlers.cards.review import ReadAs

    rep = await bot.user("li", lang="en", tz="Asia/Shanghai")
    await send_photo(rep, photo(BOSTON))
    r = await rep.click(ReadAs("XX").encode())
    assert "🇺🇸 Numbers read as US numbers (from the card)." in r.text
    assert "Mobile: +1 617-555-0142" in r.text
