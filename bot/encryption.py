"""The keyring of ``CRMBOT_ENCRYPTION_KEY`` (and ``CRMBOT_ENCRYPTION_OLD_KEYS``): what
:class:`store.db.Database` seals phones and e-mails with (store/sealing.py). The keys come
only from the environment or the config file, and never reach a log: they stay
``SecretStr`` until this function reads them."""

from __future__ import annotations

from bot.config import Settings
from store.sealing import Keyring, keyring_from


def keyring_of(settings: Settings) -> Keyring | None:
    """None when no encryption key is configured (values stay in plaintext)."""
    current = settings.encryption_key
    old = settings.encryption_old_keys
    return keyring_from(
        current.get_secret_value() if current is not None else None,
        old.get_secret_value().split(",") if old is not None else (),
    )


__all__ = ["keyring_of"]
