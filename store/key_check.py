"""At start-up: can this process read what the database holds, and which key does it add?

A wrong ``CRMBOT_ENCRYPTION_KEY`` must stop the server with a sentence, not show garbage or
fail on the first customer card. The database lists the ids of the keys that sealed its
values (``encryption_keys``; an id is derived from the key, never the key); a key still in
use that the configuration cannot open is refused here, and the current key is recorded
the first time it is used.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import EncryptionKey
from store.sealing import SealError


async def check_keys(db: Database) -> None:
    """Raise :class:`SealError` when the configured keys cannot open every key still in
    use; otherwise make sure the current key is listed as in use."""
    keyring = db.keyring
    async with db.session() as session:
        in_use = set(
            (
                await session.scalars(
                    select(EncryptionKey.kid).where(EncryptionKey.retired_at.is_(None))
                )
            ).all()
        )
    if keyring is None:
        if in_use:
            raise SealError(
                f"phones and e-mails in this database are encrypted (key {_ids(in_use)}); "
                "set CRMBOT_ENCRYPTION_KEY to the key they were encrypted with"
            )
        return
    missing = in_use - keyring.kids
    if missing:
        raise SealError(
            f"phones and e-mails in this database are encrypted with key {_ids(missing)}, "
            f"but CRMBOT_ENCRYPTION_KEY is key {keyring.current_kid}: set the key they were "
            "encrypted with (to change keys, list the old one in CRMBOT_ENCRYPTION_OLD_KEYS "
            "and run `crmbot keys rotate`)"
        )
    if keyring.current_kid in in_use:
        return
    try:
        async with db.transaction() as session:
            row = await session.get(EncryptionKey, keyring.current_kid)
            if row is None:
                session.add(EncryptionKey(kid=keyring.current_kid, added_at=db.clock.now()))
            else:
                row.retired_at = None
    except IntegrityError:
        pass  # another worker listed it first


def _ids(kids: set[str]) -> str:
    return ", ".join(sorted(kids))


__all__ = ["check_keys"]
