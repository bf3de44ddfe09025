"""``crmbot backup`` / ``crmbot restore``: a consistent copy taken while people write, a
manifest that says what is in it, and a restore that only goes into an empty database."""

from __future__ import annotations

import asyncio
import json
import zipfile

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from store.backup import BackupError, backup, read_manifest, restore
from store.db import Database
from store.migrate import alembic_config
from store.models import Company, Contact
from tests.conftest import PG_URL, WORKER, _normalise


@pytest.fixture
async def empty_url(tmp_path, clock):
    """A second, empty database on the same backend."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
        return
    server = Database(_normalise(PG_URL), clock)
    name = f"crmbot_restore_test{'_' + WORKER if WORKER else ''}"  # one per xdist worker
    async with server.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    await server.dispose()
    yield make_url(server.url).set(database=name).render_as_string(hide_password=False)


async def companies(bot, n: int, prefix: str) -> None:
    chat = bot.chats[0]
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        for i in range(n):
            await records.create(Company, name=f"{prefix} {i}", flush=False)
            await records.create(Contact, name=f"Person {prefix} {i}", mobile=f"+86139{i:08d}")


async def test_writes_during_the_backup_and_a_restore_keeps_every_committed_row(
    bot, clock, tmp_path, empty_url
):
    await bot.user("ada", role="admin")
    await companies(bot, 300, "before")
    out = tmp_path / "backup.zip"

    async def keep_writing() -> None:
        for round_ in range(5):
            await companies(bot, 20, f"during {round_}")

    manifest, _ = await asyncio.gather(backup(bot.db, out, clock.now()), keep_writing())
    assert manifest.counts["companies"] >= 300
    assert manifest.revision == ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert read_manifest(out) == manifest

    target = Database(empty_url, clock)
    try:
        restored = await restore(target, out)
        assert restored == manifest
        async with target.transaction() as session:
            names = set(await session.scalars(select(Company.name)))
            total = await session.scalar(select(func.count()).select_from(Company))
            people = await session.scalar(select(func.count()).select_from(Contact))
        assert {f"before {i}" for i in range(300)} <= names
        assert total == manifest.counts["companies"]
        assert people == manifest.counts["contacts"]
        # The restored database is usable: its search index came along.
        with pytest.raises(BackupError, match="not empty"):
            await restore(target, out)
    finally:
        await target.dispose()


async def test_restore_refuses_newer_schemas_and_damaged_files(bot, clock, tmp_path, empty_url):
    await bot.user("ada", role="admin")
    out = tmp_path / "b.zip"
    await backup(bot.db, out, clock.now())
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        member = manifest["member"]
        payload = archive.read(member)

    def rewrite(path, manifest_changes, data):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("manifest.json", json.dumps({**manifest, **manifest_changes}))
            archive.writestr(member, data)
        return path

    target = Database(empty_url, clock)
    try:
        newer = rewrite(tmp_path / "newer.zip", {"revision": "9999"}, payload)
        with pytest.raises(BackupError, match="newer than this crmbot"):
            await restore(target, newer)
        damaged = rewrite(tmp_path / "damaged.zip", {}, payload[:-10] + b"0123456789")
        with pytest.raises(BackupError, match="checksum does not match"):
            await restore(target, damaged)
        not_backup = tmp_path / "x.zip"
        not_backup.write_bytes(b"hello")
        with pytest.raises(BackupError, match="not a crmbot backup"):
            await restore(target, not_backup)
    finally:
        await target.dispose()


async def test_nightly_backups_once_a_day_after_their_time_keeping_the_newest(
    bot, clock, settings, tmp_path
):
    from datetime import timedelta

    from scheduler.backups import NightlyBackups

    await bot.user("ada", role="admin")
    nightly = NightlyBackups(
        bot.db,
        clock,
        settings.model_copy(update={"backup_dir": tmp_path / "nightly", "backup_keep": 2}),
    )
    # The frozen clock is 10:00 in Shanghai: past 02:00, so today's is due.
    first = await nightly.run_due()
    assert first is not None
    assert first.name.startswith("crmbot-backup-20261118-")
    assert await nightly.run_due() is None  # once a day
    for _ in range(3):
        clock.advance(timedelta(days=1))
        assert await nightly.run_due() is not None
    kept = sorted(p.name[:22] for p in (tmp_path / "nightly").glob("*.zip"))
    assert kept == ["crmbot-backup-20261120", "crmbot-backup-20261121"]
    assert read_manifest((tmp_path / "nightly").glob("*.zip").__next__()).counts["users"] == 1
