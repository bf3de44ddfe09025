"""Keyed blind indexes: how a sealed phone or e-mail is still found by its value.

A sealed value (:mod:`store.sealing`) is different every time it is written (a random
nonce), so ``mobile = '+86138…'`` can no longer match in SQL. Beside each sealed column an
indexed ``*_bidx`` column holds HMAC-SHA256 of the normalised value under the key's index
key (digits of a phone, a lowercase e-mail): equal values have equal indexes, and without
the key an index says nothing of the value. Without a key the indexes are None and lookups
compare the plaintext as before.

:func:`matching` is the one way code asks "which rows hold one of these values": it
compares the indexes under every configured key (a rotation may be half done) *and* the
raw column (rows not yet sealed by ``crmbot keys encrypt``), so a lookup is right in every
state the database can be in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Text, event, func, inspect, or_, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from store.models import Company, Contact
from store.sealing import Keyring, session_keyring

Kind = Literal["phone", "email"]

#: Sealed column -> (its blind index column, what kind of value it holds).
BLIND_COLUMNS: dict[type[Company] | type[Contact], dict[str, tuple[str, Kind]]] = {
    Contact: {
        "mobile": ("mobile_bidx", "phone"),
        "phone": ("phone_bidx", "phone"),
        "email": ("email_bidx", "email"),
    },
    Company: {"phone": ("phone_bidx", "phone")},
}


def normalise(kind: Kind, value: str) -> str:
    """What is indexed: a phone's digits (E.164 without the ``+``), a lowercase e-mail."""
    if kind == "phone":
        return "".join(ch for ch in value if ch.isdigit())
    return value.strip().lower()


def index_of(keyring: Keyring | None, kind: Kind, value: str | None) -> str | None:
    if keyring is None or not value:
        return None
    return keyring.blind(kind, normalise(kind, value))


def fill(keyring: Keyring | None, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Set the index columns of rows about to be inserted with Core (:mod:`store.bulk`)."""
    columns = BLIND_COLUMNS.get(model)
    if not columns:
        return
    for row in rows:
        for field, (index, kind) in columns.items():
            row[index] = index_of(keyring, kind, row.get(field))


def matching(
    session: Session | AsyncSession,
    attribute: InstrumentedAttribute[str | None],
    values: Iterable[str],
    *,
    any_case: bool = False,
) -> ColumnElement[bool]:
    """Rows whose ``attribute`` (a sealed column of :data:`BLIND_COLUMNS`) equals one of
    ``values`` (as stored: E.164 phones, lowercase e-mails). ``session``: a sync or an
    async session, for its engine's keyring. ``any_case``: plaintext e-mails compared
    without case (a scan; the blind index always folds case)."""
    wanted = [v for v in dict.fromkeys(values) if v]
    raw = type_coerce(attribute, Text)  # rows `keys encrypt` has not reached yet
    plain = func.lower(raw).in_(wanted) if any_case else raw.in_(wanted)
    keyring = session_keyring(session)
    if keyring is None:
        return plain
    model = cast("type[Company] | type[Contact]", attribute.class_)
    index, kind = BLIND_COLUMNS[model][attribute.key]
    blinds = [b for v in wanted for b in keyring.blinds(kind, normalise(kind, v))]
    return or_(getattr(model, index).in_(blinds), plain)


def _refresh(obj: Company | Contact, keyring: Keyring | None, *, is_new: bool) -> None:
    state = cast("InstanceState[Any]", inspect(obj))
    for field, (index, kind) in BLIND_COLUMNS[type(obj)].items():
        if is_new or state.attrs[field].history.has_changes():
            setattr(obj, index, index_of(keyring, kind, getattr(obj, field)))


def install_blind_index_hooks(session_class: type[Session]) -> None:
    """Keep the ``*_bidx`` columns current on every flush of this session class (a session
    hook, as for the search key, so no ORM path can leave a stale index)."""

    @event.listens_for(session_class, "before_flush")
    def _set_blind_indexes(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
        keyring = session_keyring(session)
        for obj in session.new:
            if isinstance(obj, Company | Contact):
                _refresh(obj, keyring, is_new=True)
        for obj in session.dirty:
            if isinstance(obj, Company | Contact):
                _refresh(obj, keyring, is_new=False)


__all__ = [
    "BLIND_COLUMNS",
    "fill",
    "index_of",
    "install_blind_index_hooks",
    "matching",
    "normalise",
]
