"""The server's secret: what invite codes are keyed with, so a copy of the database alone
does not reveal them.

An invite code has 40 bits; stored as a bare SHA-256 it falls to a brute force of the
hashes in minutes on one GPU. Stored as an HMAC under a key that is *not* in the database
(``CRMBOT_SECRET_KEY``, or a key file), a leaked database or backup gives nothing to try.

Without ``CRMBOT_SECRET_KEY`` the key is made on first start and kept in a file readable
by the server's user only (``0600``): beside an SQLite database (``crmbot.db.key``), or in
the data directory for PostgreSQL. Several workers on several machines must share one key:
set ``CRMBOT_SECRET_KEY`` (e.g. ``python -c 'import secrets; print(secrets.token_hex(32))'``).
Changing the key invalidates the invite codes not used yet, and signs everyone out of the
quick-lookup page (its links and session cookies are signed with it too), nothing else.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import Settings, default_data_dir

log = logging.getLogger(__name__)

KEY_FILE_SUFFIX = ".key"
KEY_BYTES = 32


def key_file_for(database_url: str) -> Path | None:
    """Where the key is kept without ``CRMBOT_SECRET_KEY``; None for an in-memory database
    (its key lives as long as the process, like the data)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            return None
        path = Path(database).expanduser()
        return path.with_name(path.name + KEY_FILE_SUFFIX)
    return default_data_dir() / "secret.key"


def read_or_create_key(path: Path) -> str:
    """The key in ``path``, created (``0600``, in a ``0700`` directory if it makes one) by
    the first process to get there. Written to a private temporary file and then linked into
    place, so a second process racing the first never reads a half-written key."""
    if not path.exists():
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(secrets.token_hex(KEY_BYTES) + "\n")
            os.link(draft, path)
            log.info("created the server's secret key in %s", path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            draft.unlink()
    key = path.read_text("utf-8").strip()
    if len(key) < 32:
        raise RuntimeError(f"the key file {path} is too short; remove it or set CRMBOT_SECRET_KEY")
    return key


def with_secret_key(settings: Settings) -> Settings:
    """``settings`` with ``secret_key`` set: from the environment, else the key file."""
    if settings.secret_key is not None:
        return settings
    path = key_file_for(settings.database_url)
    key = secrets.token_hex(KEY_BYTES) if path is None else read_or_create_key(path)
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def invite_key(settings: Settings) -> bytes:
    """The key invite codes are hashed with (settings as :func:`with_secret_key` left them)."""
    if settings.secret_key is None:
        raise RuntimeError("the server's secret key was not loaded (bot.secret_key)")
    return settings.secret_key.get_secret_value().encode("utf-8")


__all__ = ["invite_key", "key_file_for", "read_or_create_key", "with_secret_key"]
