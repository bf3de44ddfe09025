"""Backups of the whole database, taken while the server runs, and restoring one.

A backup is one zip file: the database (``database.sqlite`` — SQLite's own consistent
copy, ``VACUUM INTO``, which reads in one transaction and so sees exactly what was
committed when it began, while writers carry on in WAL mode; or ``database.pgdump`` —
``pg_dump --format=custom`` of the snapshot the manifest's counts were read in) and
``manifest.json``: the schema revision, the row count of every table, the SHA-256 of the
database file, and when and from which backend it was taken.

Restore goes into an *empty* database only (no crmbot tables, or none with rows), checks
the checksum, refuses a backup whose schema revision this code does not know (taken by a
newer crmbot), then runs the migrations up to this code's head. It never merges into or
overwrites a database in use.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from store.db import Database
from store.migrate import alembic_config, upgrade
from store.models import Base

MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"
FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why, for a person."""


@dataclass(frozen=True)
class Manifest:
    format: int
    backend: str
    revision: str | None
    taken_at: str
    counts: dict[str, int]
    sha256: str
    member: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database).expanduser()


def _libpq_url(url: str) -> str:
    """The URL pg_dump / pg_restore take (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_snapshot(source: Path, target: Path) -> tuple[str | None, dict[str, int]]:
    """``VACUUM INTO``: one read transaction, so a consistent copy while others write."""
    with sqlite3.connect(source) as conn:
        conn.execute("VACUUM INTO ?", (str(target),))
    with sqlite3.connect(target) as copy:
        return _sqlite_facts(copy)


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int]]:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    counts = {
        t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]  # noqa: S608
        for t in Base.metadata.sorted_tables
        if t.name in tables
    }
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return revision, counts


async def _pg_counts(conn: Any) -> tuple[str | None, dict[str, int]]:
    names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name in names:
            found = await conn.execute(select(func.count()).select_from(table))
            counts[table.name] = int(found.scalar() or 0)
    revision = None
    if "alembic_version" in names:
        found = await conn.execute(text("SELECT version_num FROM alembic_version"))
        revision = found.scalar()
    return revision, counts


async def _pg_dump(db: Database, payload: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump of the very snapshot the counts were taken in (``pg_export_snapshot``)."""
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            snapshot = (await conn.execute(text("SELECT pg_export_snapshot()"))).scalar()
            facts = await _pg_counts(conn)
            dump = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
            await _run([*dump, "--file", str(payload), "--dbname", _libpq_url(db.url)])
    return facts


async def backup(db: Database, out: Path, now: datetime) -> Manifest:
    """Write a backup of ``db`` to ``out`` (a zip) and return its manifest."""
    with tempfile.TemporaryDirectory(prefix="crmbot-backup-") as tmp:
        work = Path(tmp)
        if db.is_sqlite:
            member = SQLITE_MEMBER
            payload = work / member
            revision, counts = await asyncio.to_thread(
                _sqlite_snapshot, _sqlite_path(db.url), payload
            )
            backend = "sqlite"
        else:
            member = PG_MEMBER
            payload = work / member
            revision, counts = await _pg_dump(db, payload)
            backend = "postgresql"
        manifest = Manifest(
            FORMAT,
            backend,
            revision,
            now.isoformat(),
            counts,
            await asyncio.to_thread(_sha256, payload),
            member,
        )
        await asyncio.to_thread(_zip, out, payload, manifest)
    return manifest


def _zip(out: Path, payload: Path, manifest: Manifest) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=2))
        archive.write(payload, manifest.member)
    os.chmod(partial, 0o600)  # it holds every customer's phone and e-mail
    partial.replace(out)  # a crash half way never leaves a file that looks like a backup


async def _run(argv: list[str]) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} is not installed (it comes with the PostgreSQL client)")
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {err.decode(errors='replace').strip()[:500]}")


def read_manifest(path: Path) -> Manifest:
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise BackupError(f"{path} is not a crmbot backup") from None
    return Manifest(**data)


def _known_revision(db: Database, revision: str | None) -> bool:
    # Alembic only here, at a restore: the nightly backup's scheduler imports this module
    # in every chat and server process, which need not load Alembic (store/migrate.py).
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(db.url))
    return revision is None or scripts.get_revision(revision) is not None


async def _is_empty(db: Database) -> bool:
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        for table in Base.metadata.sorted_tables:
            if (
                table.name in names
                and (await conn.execute(select(func.count()).select_from(table))).scalar()
            ):
                return False
    return True


def _replace_sqlite_file(payload: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(payload, target)
    os.chmod(target, 0o600)


async def restore(db: Database, path: Path) -> Manifest:
    """Restore the backup at ``path`` into ``db``, which must be empty; then migrate."""
    manifest = read_manifest(path)
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not one this crmbot reads")
    try:
        known = _known_revision(db, manifest.revision)
    except Exception:  # alembic: "no such revision" in its several forms
        known = False
    if not known:
        raise BackupError(
            f"the backup's schema ({manifest.revision}) is newer than this crmbot's: "
            "upgrade crmbot first"
        )
    expected = "sqlite" if db.is_sqlite else "postgresql"
    if manifest.backend != expected:
        raise BackupError(f"a {manifest.backend} backup cannot be restored into {expected}")
    if not await _is_empty(db):
        raise BackupError("the database is not empty: restore only into a new, empty database")
    with tempfile.TemporaryDirectory(prefix="crmbot-restore-") as tmp:
        with zipfile.ZipFile(path) as archive:
            payload = Path(archive.extract(manifest.member, tmp))
        if await asyncio.to_thread(_sha256, payload) != manifest.sha256:
            raise BackupError("the backup's checksum does not match: the file is damaged")
        if db.is_sqlite:
            target = _sqlite_path(db.url)
            await db.dispose()
            await asyncio.to_thread(_replace_sqlite_file, payload, target)
        else:
            async with db.engine.begin() as conn:  # the empty schema the server may have made
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                    _libpq_url(db.url),
                    str(payload),
                ]
            )
    await upgrade(db)
    return manifest
