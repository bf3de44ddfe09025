"""Schema migrations through Alembic, run on crmbot's own connection (WAL, pragmas and all).

Alembic (and Mako and Pygments under it, ≈ 0.3 s) is imported inside the functions that
migrate, so importing this module — every command that may open the app does — stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from store.db import Database

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(db.url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


def head_revision() -> str:
    """The code's newest migration, read from the file names: ``0017_contracts.py`` is
    revision ``0017`` (tests/test_migrations.py holds every script to that convention and
    checks the result against Alembic's own reading). Reading names instead of loading
    Alembic and every script lets a process whose database is up to date — nearly every
    start — skip both."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*_*.py"))


async def pending(db: Database) -> bool:
    """True when the database is not at the code's newest migration (behind it, or made by
    a newer crmbot, which an upgrade then refuses)."""

    def current(connection: Connection) -> str | None:
        # Alembic's own version table, read as Alembic reads it: absent in a new database.
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        found = rows.all()
        return found[0] if len(found) == 1 else None

    async with db.engine.connect() as connection:
        return await connection.run_sync(current) != head_revision()
