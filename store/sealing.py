"""Encryption at rest of phone numbers and e-mails, and the keyed blind index that keeps
them findable.

Why a column type: :class:`Sealed` (and :class:`SealedJSON`, :class:`SealedBytes`) seal a
value on its way into the database and open it on the way out, whatever wrote or read it:
the ORM, a Core bulk insert (:mod:`store.bulk`), a raw ``select`` of the column. Code above
the store sees plaintext and cannot forget to encrypt.

Why the key hangs on the engine's dialect: a type's processors are handed only the dialect,
and the key belongs to one :class:`store.db.Database` (tests run databases with different
keys, or none, in one process). :func:`bind` puts the :class:`Keyring` on that engine's
dialect object under a crmbot-named attribute, :func:`keyring_for` reads it back; nothing is
global. Without a keyring the types pass values through unchanged (a database without
``CRMBOT_ENCRYPTION_KEY`` is stored as before) and refuse to hand out ciphertext they
cannot open (:class:`SealError`), so a missing key is an error, never garbage on screen.

The scheme (docs/DESIGN.md, "Encryption at rest"):

* a configured key is any string of 32+ random characters; HKDF-SHA256 derives from it an
  AES-256-GCM key, an HMAC key for the blind index, and an 8-hex-digit key id;
* text is stored as ``enc1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``, bytes as
  ``b"\\0enc1" + key id + nonce + ciphertext``; the associated data names the column's
  purpose, so a value moved to another column does not open;
* old keys stay readable (``CRMBOT_ENCRYPTION_OLD_KEYS``) until ``crmbot keys rotate``
  has resealed every row under the current one;
* equality (dedupe, "is this phone already a contact?") goes through ``*_bidx`` columns:
  HMAC-SHA256 of the normalised value (digits of a phone, a lowercase e-mail), 128 bits;
  substring search through keyed tokens in the search key (:mod:`store.search`).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, LargeBinary, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TEXT_PREFIX = "enc1:"
BYTES_PREFIX = b"\0enc1"
KEY_ID_CHARS = 8
NONCE_BYTES = 12
BLIND_BYTES = 16
TOKEN_CHARS = 9
MIN_KEY_CHARS = 32
_DIALECT_ATTRIBUTE = "crmbot_keyring"
_SEALED_TEXT = re.compile(r"enc1:([0-9a-f]{8}):")


class SealError(Exception):
    """A sealed value that cannot be opened: no key configured, an unknown key id, or a
    value that does not authenticate (a wrong key or a damaged row)."""


@dataclass(frozen=True)
class _Key:
    kid: str
    aead: AESGCM
    index: bytes


def _derive(secret: str) -> _Key:
    # Imported here: ~8 ms that a database without a key, and every command that never
    # opens one, need not pay.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = secret.strip().encode("utf-8")
    if len(material) < MIN_KEY_CHARS:
        raise ValueError(f"an encryption key needs at least {MIN_KEY_CHARS} random characters")

    def part(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)

    kid = part(b"crmbot key id").hex()[:KEY_ID_CHARS]
    return _Key(kid, AESGCM(part(b"crmbot aes-256-gcm")), part(b"crmbot blind index"))


class Keyring:
    """The current key (seals and indexes) and older ones (still open and still match)."""

    def __init__(self, current: str, old: Sequence[str] = ()) -> None:
        self._current = _derive(current)
        self._keys: dict[str, _Key] = {self._current.kid: self._current}
        for secret in old:
            key = _derive(secret)
            self._keys.setdefault(key.kid, key)

    @property
    def current_kid(self) -> str:
        return self._current.kid

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def seal(self, text: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        body = self._current.aead.encrypt(nonce, text.encode("utf-8"), purpose.encode())
        encoded = base64.urlsafe_b64encode(nonce + body).decode("ascii").rstrip("=")
        return f"{TEXT_PREFIX}{self._current.kid}:{encoded}"

    def open(self, sealed: str, purpose: str) -> str:
        kid = kid_of(sealed)
        if kid is None:
            return sealed  # written before encryption was turned on
        raw = sealed[len(TEXT_PREFIX) + KEY_ID_CHARS + 1 :]
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        return self._open(kid, data, purpose).decode("utf-8")

    def seal_bytes(self, data: bytes, purpose: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        body = self._current.aead.encrypt(nonce, data, purpose.encode())
        return BYTES_PREFIX + self._current.kid.encode("ascii") + nonce + body

    def open_bytes(self, data: bytes, purpose: str) -> bytes:
        kid = bytes_kid_of(data)
        if kid is None:
            return data
        return self._open(kid, data[len(BYTES_PREFIX) + KEY_ID_CHARS :], purpose)

    def _open(self, kid: str, data: bytes, purpose: str) -> bytes:
        key = self._keys.get(kid)
        if key is None:
            raise SealError(
                f"a value is encrypted with key {kid}, which is not configured "
                "(CRMBOT_ENCRYPTION_KEY / CRMBOT_ENCRYPTION_OLD_KEYS)"
            )
        from cryptography.exceptions import InvalidTag

        try:
            return key.aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], purpose.encode())
        except InvalidTag:
            raise SealError(f"a value under key {kid} does not authenticate") from None

    def blind(self, kind: str, value: str) -> str:
        """The current key's blind index of a normalised value (hex, 128 bits)."""
        return _mac(self._current.index, kind, value)[:BLIND_BYTES].hex()

    def blinds(self, kind: str, value: str) -> list[str]:
        """Every configured key's blind index of ``value``: what a lookup compares with while
        a rotation is under way."""
        return [_mac(k.index, kind, value)[:BLIND_BYTES].hex() for k in self._keys.values()]

    def token(self, kind: str, value: str) -> str:
        """A search-key piece standing for ``value`` (``k`` + 8 letters of
        :data:`_ALPHABET`, 48 bits): no space, no digit, lowercase, so
        :mod:`store.search`'s ``LIKE`` and trigram index treat it as any other piece."""
        return _token(self._current.index, kind, value)

    def tokens(self, kind: str, value: str) -> list[str]:
        return [_token(k.index, kind, value) for k in self._keys.values()]


#: The letters a token is spelled with: 64 of them (Latin, Greek, Cyrillic), 6 bits each.
#: No digit, so a typed number never matches inside a token (and store/search.py keeps
#: typed letters out of the tokens' section); many letters, so the trigram index stays
#: selective (a-p alone gave 4,096 trigrams, nearly every key held each of them).
_ALPHABET = "abcdefghijklmnopqrstuvwxyzαβγδεζηθικλμνξοπρστυφχψωабвгдежзийклмн"
assert len(_ALPHABET) == 64


def _mac(key: bytes, kind: str, value: str) -> bytes:
    return hmac.digest(key, f"{kind}\0{value}".encode(), "sha256")


def _token(key: bytes, kind: str, value: str) -> str:
    digest = _mac(key, "token " + kind, value)
    return "k" + "".join(_ALPHABET[byte & 63] for byte in digest[: TOKEN_CHARS - 1])


def kid_of(value: str) -> str | None:
    """The key id of a sealed text value; None for plaintext."""
    found = _SEALED_TEXT.match(value)
    return found.group(1) if found else None


def bytes_kid_of(value: bytes) -> str | None:
    if not value.startswith(BYTES_PREFIX):
        return None
    return value[len(BYTES_PREFIX) : len(BYTES_PREFIX) + KEY_ID_CHARS].decode("ascii")


def keyring_from(current: str | None, old: Iterable[str] = ()) -> Keyring | None:
    """The keyring for these configured secrets; None when no current key is set."""
    if current is None:
        return None
    return Keyring(current, [s for s in old if s.strip()])


def bind(dialect: Dialect, keyring: Keyring | None) -> None:
    """Give one engine's columns their key (see the module docstring for why the dialect)."""
    setattr(dialect, _DIALECT_ATTRIBUTE, keyring)


def keyring_for(dialect: Dialect) -> Keyring | None:
    found = getattr(dialect, _DIALECT_ATTRIBUTE, None)
    return found if isinstance(found, Keyring) else None


def session_keyring(session: Session | AsyncSession) -> Keyring | None:
    """The keyring of the engine ``session`` (sync or async) works on."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    return keyring_for(sync.get_bind().dialect)


def _no_key(kid: str) -> SealError:
    return SealError(
        f"this database holds values encrypted with key {kid}; set CRMBOT_ENCRYPTION_KEY"
    )


class Sealed(TypeDecorator[str]):
    """A text column sealed under the engine's keyring (plaintext without one)."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        keyring = keyring_for(dialect)
        if value is None or keyring is None:
            return value
        return keyring.seal(value, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keyring = keyring_for(dialect)
        if keyring is None:
            kid = kid_of(value)
            if kid is not None:
                raise _no_key(kid)
            return str(value)
        return keyring.open(str(value), self.purpose)


class SealedJSON(TypeDecorator[Any]):
    """A JSON column sealed as one JSON string (``"enc1:…"``), so the column keeps its type
    and a database without a key keeps plain JSON."""

    impl = JSON
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        keyring = keyring_for(dialect)
        if value is None or keyring is None:
            return value
        return keyring.seal(json.dumps(value, ensure_ascii=False), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not isinstance(value, str) or kid_of(value) is None:
            return value
        keyring = keyring_for(dialect)
        if keyring is None:
            raise _no_key(kid_of(value) or "")
        return json.loads(keyring.open(value, self.purpose))


class SealedBytes(TypeDecorator[bytes]):
    """A binary column (a card photo) sealed under the engine's keyring."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        keyring = keyring_for(dialect)
        if value is None or keyring is None:
            return value
        return keyring.seal_bytes(value, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        data = bytes(value)
        keyring = keyring_for(dialect)
        if keyring is None:
            kid = bytes_kid_of(data)
            if kid is not None:
                raise _no_key(kid)
            return data
        return keyring.open_bytes(data, self.purpose)


__all__ = [
    "Keyring",
    "SealError",
    "Sealed",
    "SealedBytes",
    "SealedJSON",
    "bind",
    "bytes_kid_of",
    "keyring_for",
    "keyring_from",
    "kid_of",
    "session_keyring",
]
