"""Phones and e-mails encrypted at rest (``CRMBOT_ENCRYPTION_KEY``): ciphertext in the
tables, lookups, dedupe and privacy requests as before, rotation resumable half way, and a
wrong key refused at start-up."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text

from bot.app import open_app
from bot.config import ConfigError, Settings
from bot.events import Attachment
from store.access import principal_for
from store.backup import backup, restore
from store.db import Database
from store.duplicates import colleague_twins
from store.migrate import upgrade
from store.models import AuditEntry, Contact, ContactPhoto
from store.reseal import reseal, usage
from store.sealing import SealError
from tests import workspace
from tests.audit_trail import field_changes
from tests.harness import BotHarness
from tests.test_backup import empty_url as empty_url
from tests.test_duplicates import _qr_card

KEY_A = "a3f1c9e07b5d2468" * 4
KEY_B = "9e8d7c6b5a493827" * 4


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """The tests' settings with ``KEY_A``, or the key parametrized (indirectly; None: none)."""
    key = getattr(request, "param", KEY_A)
    return Settings(
        database_url=database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        encryption_key=SecretStr(key) if key else None,
    )


async def raw(bot: BotHarness, sql: str) -> list[tuple[object, ...]]:
    """Rows as stored, read with plain SQL (no column types in the way)."""
    async with bot.db.session() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


def stored_text(rows: list[tuple[object, ...]]) -> str:
    return " ".join(str(v) for row in rows for v in row)


async def test_phones_and_emails_are_ciphertext_and_lookups_still_work(bot, ws):
    contacts = await raw(bot, "SELECT mobile, email, search_key, mobile_bidx FROM contacts")
    stored = stored_text(contacts)
    for plain in ("13911112222", "3911112222", "sarah@globex.com", "globex.com", "13800138000"):
        assert plain not in stored
    assert all(str(m).startswith("enc1:") for m, *_ in contacts if m is not None)
    audit = stored_text(await raw(bot, "SELECT old_value, new_value FROM audit_log"))
    assert "13911112222" not in audit
    assert "sarah@globex.com" not in audit

    # The chat shows the numbers, and finds people by them.
    r = await ws.li.send("/find 2222")
    assert "Wang Lei" in r.text
    assert "+86 139 1111 2222" in r.text
    r = await ws.li.send("/find +86 139 1111 2222")
    assert "Wang Lei" in r.text
    r = await ws.li.send("/find 13911112222")
    assert "Wang Lei" in r.text
    r = await ws.li.send("/find sarah@globex.com")
    assert "Sarah Lee" in r.text
    r = await ws.na.send("/查 zhangwei@xingchen.cn")
    assert "张伟" in r.text
    # What a keyed index cannot do: a fragment from the middle of a number.
    r = await ws.li.send("/find 1111")
    assert "Wang Lei" not in r.text


async def test_an_edited_number_is_sealed_and_found_by_its_new_digits(bot, ws):
    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        wang = await records.get(Contact, ws.ids["Wang Lei"])
        await records.update(wang, mobile="+8613700001234")
    r = await ws.li.send("/find 1234")
    assert "Wang Lei" in r.text
    r = await ws.li.send("/find 2222")
    assert "Wang Lei" not in r.text
    [(mobile,)] = await raw(bot, "SELECT mobile FROM contacts WHERE name = 'Wang Lei'")
    assert str(mobile).startswith("enc1:")


async def test_colleague_twins_by_sealed_phone_and_email(bot, ws):
    li = await bot.get_user("li")
    async with bot.db.transaction() as session:
        principal = await principal_for(session, li)
        twins = await colleague_twins(
            session,
            principal,
            phones=["+8613800138000"],
            emails=["ZhangWei@xingchen.cn"],
        )
    assert {(t.name, t.owner_name, t.matched) for t in twins} == {("张伟", "李娜", "phone")}


async def test_a_scanned_card_of_a_sealed_contact_is_a_duplicate_and_its_photo_is_sealed(bot, ws):
    card = "MECARD:N:张伟;ORG:星辰科技;TEL:+8613800138000;EMAIL:zw@other.cn;;"
    photo = Attachment("image", data=_qr_card(card), filename="c.jpg", mime_type="image/jpeg")
    r = await ws.zhang.deliver(ws.zhang.event(attachments=(photo,)))
    r = await ws.zhang.click(r.button("Save"))
    assert "张伟 — 李娜's (same phone)" in r.text
    r = await ws.zhang.click(r.button("Keep both"))
    photos = await raw(bot, "SELECT image, fields FROM contact_photos")
    assert photos
    for image, fields in photos:
        assert isinstance(image, bytes | memoryview)
        assert bytes(image).startswith(b"\0enc1")
        assert "8613800138000" not in str(fields)
        assert "enc1:" in str(fields)
    [saved] = await bot.all(select(ContactPhoto))
    assert "+8613800138000" in saved.fields["mobile"]


async def test_wrong_or_missing_key_is_refused_at_start_up(bot, ws, settings, clock):
    wrong = settings.model_copy(update={"encryption_key": SecretStr(KEY_B)})
    with pytest.raises(ConfigError, match=r"encrypted with key .*, but CRMBOT_ENCRYPTION_KEY"):
        await open_app(wrong, clock)
    none = settings.model_copy(update={"encryption_key": None})
    with pytest.raises(ConfigError, match="set CRMBOT_ENCRYPTION_KEY"):
        await open_app(none, clock)


async def test_rotation_stopped_half_way_reads_everything_and_resumes(
    bot, ws, settings, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    bot.settings = settings.model_copy(
        update={"encryption_key": SecretStr(KEY_B), "encryption_old_keys": SecretStr(KEY_A)}
    )
    await bot.restart()
    old, new = "enc1:" + _kid(KEY_A), "enc1:" + _kid(KEY_B)

    class Crash(Exception):
        pass

    def crash_after_one_contact(table: str, done: int, _seen: int) -> None:
        if table == "contacts" and done >= 1:
            raise Crash

    with pytest.raises(Crash):
        await reseal(bot.db, action="rotate", batch=1, progress=crash_after_one_contact)
    mobiles = [str(m) for (m,) in await raw(bot, "SELECT mobile FROM contacts ORDER BY id")]
    emails = [str(e) for (e,) in await raw(bot, "SELECT email FROM contacts ORDER BY id")]
    kinds = {v[:13] for v in mobiles + emails if v != "None"}
    assert kinds == {old, new}  # half under each key

    for query, who in (("/find 2222", "Wang Lei"), ("/find sarah@globex.com", "Sarah Lee")):
        assert who in (await ws.li.send(query)).text
    assert "张伟" in (await ws.na.send("/查 8000")).text
    li = await bot.get_user("li")
    async with bot.db.transaction() as session:
        principal = await principal_for(session, li)
        twins = await colleague_twins(
            session,
            principal,
            phones=["+8613800138000"],
            emails=["zhangwei@xingchen.cn"],
        )
    assert {t.name for t in twins} == {"张伟"}

    report = await reseal(bot.db, action="rotate", batch=2)  # run again: it resumes
    assert report.retired == [_kid(KEY_A)]
    counts = await usage(bot.db)
    assert set(counts["contacts"]) == {_kid(KEY_B)}
    assert set(counts["audit_log"]) == {_kid(KEY_B)}
    assert "Wang Lei" in (await ws.li.send("/find 2222")).text
    logged = await bot.all(
        select(AuditEntry).where(AuditEntry.table_name == "encryption_keys").order_by(AuditEntry.id)
    )
    assert [(e.action, (e.new_value or "").split(":")[0]) for e in logged] == [
        ("rotate", "started"),  # the run that crashed
        ("rotate", "started"),
        ("rotate", "finished"),
    ]
    assert f"retired {_kid(KEY_A)}" in (logged[-1].new_value or "")

    # The old key is no longer needed; the old key alone is refused.
    bot.settings = settings.model_copy(update={"encryption_key": SecretStr(KEY_B)})
    await bot.restart()
    assert "Sarah Lee" in (await ws.li.send("/find sarah@globex.com")).text
    with pytest.raises(ConfigError, match="encrypted with key"):
        await open_app(settings, clock)
    assert KEY_A not in caplog.text
    assert KEY_B not in caplog.text


@pytest.mark.parametrize("settings", [None], indirect=True)
async def test_encrypt_turns_a_plaintext_database_into_ciphertext(bot, settings, clock):
    ws = await workspace.build(bot)
    before = stored_text(await raw(bot, "SELECT mobile, email, search_key FROM contacts"))
    assert "13911112222" in before
    assert "sarah@globex.com" in before

    bot.settings = settings.model_copy(update={"encryption_key": SecretStr(KEY_A)})
    await bot.restart()
    # Before `keys encrypt` reaches them, plaintext rows are still found.
    assert "Wang Lei" in (await ws.li.send("/find 2222")).text
    report = await reseal(bot.db, action="encrypt")
    assert report.resealed["contacts"] == 3
    after = stored_text(await raw(bot, "SELECT mobile, email, search_key FROM contacts"))
    assert "13911112222" not in after
    assert "sarah@globex.com" not in after
    assert "Wang Lei" in (await ws.li.send("/find 2222")).text
    assert "Sarah Lee" in (await ws.li.send("/find sarah@globex.com")).text
    again = await reseal(bot.db, action="encrypt")
    assert sum(again.resealed.values()) == 0  # nothing left: safe to run twice


async def test_backup_and_restore_keep_the_ciphertext(
    bot, ws, settings, clock, tmp_path, empty_url
):
    out = tmp_path / "backup.zip"
    await backup(bot.db, out, clock.now())
    target = Database(empty_url, clock)
    try:
        await restore(target, out)
        async with target.session() as session:
            rows = (await session.execute(text("SELECT mobile FROM contacts"))).all()
        assert all(str(m).startswith("enc1:") for (m,) in rows if m is not None)
        async with target.session() as session:
            with pytest.raises(SealError, match="set CRMBOT_ENCRYPTION_KEY"):
                await session.execute(select(Contact.mobile))
    finally:
        await target.dispose()
    restored = settings.model_copy(update={"database_url": empty_url})
    app = await open_app(restored, clock)
    await app.close()


def _kid(key: str) -> str:
    from store.sealing import Keyring

    return Keyring(key).current_kid


async def _downgrade(db: Database, revision: str) -> None:
    from alembic import command

    from store.migrate import alembic_config

    cfg = alembic_config(db.url)

    def run(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


@pytest.mark.parametrize("settings", [None], indirect=True)
async def test_migration_0019_goes_down_and_up_again_on_a_plaintext_database(bot, settings):
    ws = await workspace.build(bot)
    await bot.app.close()
    db = Database(settings.database_url, bot.clock)
    try:
        await _downgrade(db, "0018")
        rows = await db_raw(db, "SELECT mobile FROM contacts WHERE mobile IS NOT NULL")
        assert sorted(rows) == [("+8613800138000",), ("+8613911112222",)]
        await upgrade(db)
    finally:
        await db.dispose()
    bot.app = await open_app(settings, bot.clock)
    for chat in bot.chats:
        chat.engine = bot.app.engine
    assert "Wang Lei" in (await ws.li.send("/find 2222")).text  # the search index came back


async def test_migration_0019_refuses_to_go_down_while_phones_are_encrypted(bot, ws, settings):
    await bot.app.close()
    db = Database(settings.database_url, bot.clock)
    try:
        with pytest.raises(RuntimeError, match="encrypted"):
            await _downgrade(db, "0018")
    finally:
        await db.dispose()
    bot.app = await open_app(settings, bot.clock)


async def db_raw(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.session() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_contacts_written_in_bulk_are_sealed_in_their_rows_and_their_audit(bot, ws):
    """An import's writer (store.bulk) writes the audit rows itself, each record's values
    sealed in its one entry."""
    from store.bulk import create_many

    session, records = await bot.records_for(ws.li)
    async with session, session.begin():
        await create_many(
            records,
            Contact,
            [
                {"name": "Bulk One", "mobile": "+8613700001111", "email": "one@bulk.cn"},
                {"name": "Bulk Two", "mobile": "+8613700002222", "email": "two@bulk.cn"},
            ],
        )
    stored = stored_text(await raw(bot, "SELECT mobile, email FROM contacts"))
    audit = stored_text(await raw(bot, "SELECT old_value, new_value FROM audit_log"))
    for plain in ("13700001111", "one@bulk.cn", "13700002222"):
        assert plain not in stored
        assert plain not in audit
    async with bot.db.session() as session:
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "contacts")
        )
        values = {new for _, field, _, new in field_changes(entries) if field == "mobile"}
    assert {"+8613700001111", "+8613700002222"} <= values
    sealed = await raw(bot, "SELECT new_value FROM audit_log WHERE table_name = 'contacts'")
    assert sealed
    assert all(str(v).startswith("enc1:") for (v,) in sealed)  # every audit value sealed
    assert "Bulk Two" in (await ws.li.send("/find 13700002222")).text


async def test_a_one_message_logs_audit_rows_are_sealed_wherever_they_are_sent(bot, ws):
    """A log's audit rows go in their own INSERT on SQLite and inside the next INSERT on
    PostgreSQL (store.riders): either way each value passes through its sealed column."""
    created = (
        "SELECT table_name, new_value FROM audit_log "
        "WHERE table_name IN ('activities', 'tasks') AND action = 'create'"
    )
    before = len(await raw(bot, created))
    r = await ws.li.send("called Globex Corporation, Sarah wants the price list, follow up Friday")
    assert r.text.startswith("✅ Logged: Call · Globex Corporation"), r.text
    logged = await raw(bot, created)
    assert len(logged) == before + 2  # the activity and its follow-up, an entry each
    assert all(str(value).startswith("enc1:") for _, value in logged), logged
    assert "price list" not in stored_text(logged)
    async with bot.db.session() as session:
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.table_name.in_(["activities", "tasks"]))
        )
        fields = {(e.table_name, f): new for e in entries for _, f, _, new in field_changes([e])}
    assert {
        ("activities", "summary"),
        ("activities", "company_id"),
        ("tasks", "title"),
        ("tasks", "activity_id"),
    } <= fields.keys()
    assert "price list" in str(fields["activities", "summary"]), fields
