"""No control character, ANSI escape sequence or bidirectional override reaches what is
stored or shown, whatever path the text took (bot/safe_text.py, store/hygiene.py)."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
import segno
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from bot.cli import main
from bot.clock import SystemClock
from bot.events import Attachment
from store.db import Database
from store.models import Company, Contact, User
from tests.cardset.memo import memoise_scans

ESCAPES = "\x1b]52;c;aGk=\x07\x1b[2J\x9b31m\u202e"


@pytest.fixture(autouse=True)
def memo(monkeypatch):
    memoise_scans(monkeypatch)


def _qr_card(payload: str) -> bytes:
    code = segno.make_qr(payload, encoding="utf-8", error="l")
    rows = [[0 if bit else 255 for bit in row] for row in code.matrix_iter(scale=5, border=4)]
    qr = Image.fromarray(np.array(rows, dtype=np.uint8), "L").convert("RGB")
    photo = Image.new("RGB", (1000, 600), (240, 240, 236))
    photo.paste(qr, (650, 200))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92)
    return out.getvalue()


async def test_a_business_card_qr_code_cannot_store_escape_sequences(bot):
    rep = await bot.user("li")
    mecard = f"MECARD:N:Tan,Grace{ESCAPES};ORG:Evil{ESCAPES} Pte Ltd;TEL:+6591234567;;"
    photo = Attachment("image", data=_qr_card(mecard), filename="card.jpg", mime_type="image/jpeg")
    r = await rep.deliver(rep.event(attachments=(photo,)))
    assert "Grace Tan" in r.text
    r = await rep.click(r.button("Save"))
    contact = await bot.scalar(select(Contact))
    assert contact.name == "Grace Tan"
    company = await bot.scalar(select(Company))
    assert company.name == "Evil Pte Ltd"


def test_a_display_name_given_on_the_command_line_is_stored_clean(
    database_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["user", "invite", "sam", "--display-name", f"Sam{ESCAPES} Lee"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output

    async def stored() -> str:
        db = Database(database_url, SystemClock())
        try:
            async with db.transaction() as session:
                return str(await session.scalar(select(User.display_name)))
        finally:
            await db.dispose()

    assert asyncio.run(stored()) == "Sam Lee"
