"""What a copy of the disk or the database gives away (issue 21 item 12): SQLite files are
the server user's only, and invite codes are stored as an HMAC under a key kept elsewhere."""

from __future__ import annotations

import hashlib
import hmac
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import open_app
from bot.secret_key import invite_key, key_file_for
from store import migrate
from store.db import Database
from store.models import Invite, Role
from store.users import create_user, issue_invite

pytestmark = pytest.mark.sqlite_only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_database_is_0600_in_a_0700_directory(tmp_path, clock):
    path = tmp_path / "fresh" / "crm.db"
    db = Database(f"sqlite+aiosqlite:///{path}", clock)
    try:
        await migrate.upgrade(db)
        async with db.transaction() as session:
            await create_user(session, "li", role=Role.REP, now=clock.now())
        assert mode(path.parent) == 0o700
        for file in (path, path.with_name("crm.db-wal"), path.with_name("crm.db-shm")):
            assert file.exists(), file
            assert mode(file) == 0o600, file
    finally:
        await db.dispose()


async def test_a_database_readable_by_others_is_narrowed(tmp_path, clock):
    path = tmp_path / "crm.db"
    path.touch()
    path.chmod(0o644)
    db = Database(f"sqlite+aiosqlite:///{path}", clock)
    await db.dispose()
    assert mode(path) == 0o600


async def test_invites_are_stored_as_an_hmac_under_a_key_file_made_0600(settings, clock):
    settings = settings.model_copy(update={"secret_key": None})
    key_file = key_file_for(settings.database_url)
    assert key_file is not None
    assert not key_file.exists()
    app = await open_app(settings, clock)
    try:
        assert mode(key_file) == 0o600
        key = invite_key(app.settings)
        async with app.db.transaction() as session:
            user = await create_user(session, "li", role=Role.REP, now=clock.now())
            issued = await issue_invite(
                session, user, now=clock.now(), ttl=timedelta(hours=1), key=key
            )
            stored = (await session.scalars(select(Invite.code_hash))).one()
        raw = issued.code.replace("-", "").encode()
        assert stored != hashlib.sha256(raw).hexdigest()  # not brute-forceable offline
        assert stored == hmac.new(key, raw, hashlib.sha256).hexdigest()
    finally:
        await app.close()
    again = await open_app(settings, clock)  # a restart reads the same key
    try:
        assert invite_key(again.settings) == key
    finally:
        await again.close()


async def test_crmbot_secret_key_is_used_when_set_and_no_file_is_made(settings, clock):
    settings = settings.model_copy(update={"secret_key": SecretStr("k" * 40)})
    app = await open_app(settings, clock)
    try:
        assert invite_key(app.settings) == b"k" * 40
        key_file = key_file_for(settings.database_url)
        assert key_file is not None
        assert not key_file.exists()
    finally:
        await app.close()


def test_a_short_secret_key_is_refused(settings):
    with pytest.raises(ValueError, match="at least 32"):
        type(settings)(database_url=settings.database_url, secret_key="short")
