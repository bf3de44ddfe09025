"""Card photos: a refusal for pixel dimensions says so, and an absolute path typed in the
console is read as a card (README, "Business cards"), not taken for a command."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.adapters.memory.chat import LocalChat
from bot.events import Attachment
from store.models import User
from store.users import link_identity
from tests import cardset
from tests.cardset.memo import memoise_scans

BILINGUAL_QR = 5


@pytest.fixture(autouse=True)
def memo(monkeypatch):
    memoise_scans(monkeypatch)


def pixel_bomb() -> bytes:
    """12,000 × 12,000 pixels (144 MP) in well under a megabyte."""
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 1_000_000
    return out.getvalue()


async def test_a_photo_refused_for_its_pixels_says_so(bot):
    bomb = Attachment("image", data=pixel_bomb(), filename="card.png", mime_type="image/png")
    rep = await bot.user("li", lang="en")
    r = await rep.deliver(rep.event(attachments=(bomb,)))
    assert "too many pixels" in r.text
    assert "50 megapixels" in r.text
    assert "MB" not in r.text
    na = await bot.user("na", lang="zh")
    r = await na.deliver(na.event(attachments=(bomb,)))
    assert "像素太多" in r.text
    assert "50 百万像素" in r.text


async def test_an_absolute_path_typed_in_the_console_is_read(bot, tmp_path):
    await bot.user("li", lang="en")
    async with bot.app.db.transaction(platform="console") as session:
        user = await session.get(User, (await bot.get_user("li")).id)
        assert user is not None
        await link_identity(
            session, user, platform="console", external_id="user:li", now=bot.clock.now()
        )
    console = LocalChat(bot.app.engine, bot.clock, platform="console", external_id="user:li")
    folder = tmp_path / "x"
    folder.mkdir()
    path = folder / "card.png"
    card = cardset.make_card(BILINGUAL_QR)
    Image.open(io.BytesIO(card.jpeg)).save(path)
    assert str(path).startswith("/")
    r = await console.send(str(path))
    assert f"Name: {card.truth['name']}" in r.text
    assert "don't know the command" not in r.text
    r = await console.send("/cancel")
    r = await console.send(str(folder / "missing.png"))
    assert "can't find an image file" in r.text
