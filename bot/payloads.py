"""Button payloads: one typed codec for what every button does.

A payload travels through the chat platform (Telegram's ``callback_data``, Slack's button
``value``) and comes back when the button is pressed. So it must be small (Telegram allows
64 bytes), and what comes back may be forged, garbled, or written by an older crmbot and
still sitting in a chat. Each thing a button can do is a frozen dataclass deriving from
:class:`Action`, declared with a short tag and a version::

    @dataclass(frozen=True)
    class DealMove(Action, tag="dm", legacy=("dl.mv",)):
        deal: int
        stage: str

``DealMove(7, "won").encode()`` is ``"dm1:7:won"``: the tag, the version, then the fields
in order (base-10 ints, ``0``/``1`` for booleans, an enum's or literal's value, text with
``%`` and ``:`` escaped). Building one over 64 bytes raises :class:`PayloadTooLong`, so a
test that renders the button finds it, never a user. A :class:`Codec` knows the actions a
bot routes and turns a payload back into one; anything it cannot read exactly (unknown
tag, another version, a field of the wrong shape, too long) is ``None``, never an error,
and the user is told the button no longer works.

Buttons written before this codec (``dl.mv:7:won``, ``tk.sn.1h:3``) may still be in chats
and outbox rows: an action names its old prefix in ``legacy`` (fields in the same order;
a prefix may fix a field's value, ``"tk.sn.1h": {"choice": "1h"}``) and still decodes.
A flow's old buttons (``f:<flow>:<value>``) are not read: a flow's question lives for
minutes, and its old buttons get the same "no longer works" answer.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Literal

MAX_PAYLOAD_BYTES = 64
"""Telegram's ``callback_data`` limit; longer state stays on the server."""
MAX_ID = 2**63 - 1
_TAG = re.compile(r"[a-z]{1,4}")
_HEAD = re.compile(r"([a-z]{1,4})([1-9][0-9]{0,2})")
_SEP = ":"

LegacyPrefixes = Iterable[str] | Mapping[str, Mapping[str, str]]


class PayloadTooLong(ValueError):
    """A payload that would not fit a Telegram button (a bug: caught by the tests)."""


class Action:
    """What a button does. Subclasses are frozen dataclasses of ints, booleans, enums,
    literals and short texts, declared with ``tag`` (1-4 lowercase letters, unique in a
    bot) and ``version`` (raise it when the fields change: old buttons are then refused)."""

    tag: ClassVar[str] = ""
    version: ClassVar[int] = 1
    legacy: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    _specs: ClassVar[tuple[FieldSpec, ...] | None] = None

    def __init_subclass__(
        cls, *, tag: str = "", version: int = 1, legacy: LegacyPrefixes = (), **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if tag and not _TAG.fullmatch(tag):
            raise ValueError(f"{cls.__name__}: a tag is 1-4 lowercase letters, not {tag!r}")
        if not 1 <= version <= 999:
            raise ValueError(f"{cls.__name__}: version {version} out of 1..999")
        cls.tag = tag
        cls.version = version
        cls._specs = None
        cls.legacy = (
            {k: dict(v) for k, v in legacy.items()}
            if isinstance(legacy, Mapping)
            else {prefix: {} for prefix in legacy}
        )

    def encode(self) -> str:
        """The payload of a button doing this; :class:`PayloadTooLong` past 64 bytes."""
        kind = type(self)
        if not kind.tag:
            raise TypeError(f"{kind.__name__} has no tag: it cannot be a button")
        parts = [f"{kind.tag}{kind.version}"]
        parts += [spec.write(getattr(self, spec.name)) for spec in fields_of(kind)]
        payload = _SEP.join(parts)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLong(f"payload over {MAX_PAYLOAD_BYTES} bytes: {payload!r}")
        return payload


@dataclass(frozen=True)
class FieldSpec:
    """How one field is written into a payload and read back."""

    name: str
    kind: Literal["int", "bool", "str", "choice"]
    choices: tuple[Any, ...] = ()  # an enum's members or a literal's values

    def write(self, value: Any) -> str:
        if self.kind == "int":
            if type(value) is not int or not 0 <= value <= MAX_ID:
                raise ValueError(f"{self.name}: {value!r} is not an id (0..2**63-1)")
            return str(value)
        if self.kind == "bool":
            if type(value) is not bool:
                raise ValueError(f"{self.name}: {value!r} is not a bool")
            return "1" if value else "0"
        if self.kind == "str":
            if not isinstance(value, str):
                raise ValueError(f"{self.name}: {value!r} is not text")
            return value.replace("%", "%25").replace(_SEP, "%3A")
        if value not in self.choices:
            raise ValueError(f"{self.name}: {value!r} is not one of {self.choices}")
        return str(value.value if isinstance(value, Enum) else value)

    def read(self, raw: str, *, escaped: bool = True) -> Any:
        """The field's value, or :class:`ValueError` when ``raw`` is not one."""
        if self.kind == "int":
            if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
                raise ValueError(raw)
            return int(raw)
        if self.kind == "bool":
            if raw not in ("0", "1"):
                raise ValueError(raw)
            return raw == "1"
        if self.kind == "str":
            if not escaped:
                return raw
            if "%" in raw.replace("%25", "").replace("%3A", ""):
                raise ValueError(raw)
            return raw.replace("%3A", _SEP).replace("%25", "%")
        for choice in self.choices:
            if str(choice.value if isinstance(choice, Enum) else choice) == raw:
                return choice
        raise ValueError(raw)


def fields_of(kind: type[Action]) -> tuple[FieldSpec, ...]:
    """The payload fields of an action class; :class:`TypeError` for a type a payload
    cannot carry (found when the bot is built, not when the button is pressed)."""
    if kind._specs is None:
        kind._specs = _read_fields(kind)
    return kind._specs


def _read_fields(kind: type[Action]) -> tuple[FieldSpec, ...]:
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"{kind.__name__} must be a dataclass")
    hints = typing.get_type_hints(kind)
    specs = []
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        if hint is bool:
            specs.append(FieldSpec(field.name, "bool"))
        elif hint is int:
            specs.append(FieldSpec(field.name, "int"))
        elif hint is str:
            specs.append(FieldSpec(field.name, "str"))
        elif isinstance(hint, type) and issubclass(hint, Enum):
            specs.append(FieldSpec(field.name, "choice", tuple(hint)))
        elif typing.get_origin(hint) is Literal and all(
            type(v) in (int, str) for v in typing.get_args(hint)
        ):
            specs.append(FieldSpec(field.name, "choice", typing.get_args(hint)))
        else:
            raise TypeError(f"{kind.__name__}.{field.name}: a payload cannot carry {hint!r}")
    return tuple(specs)


class Codec:
    """The actions one bot understands, by tag (and by the prefixes of their old buttons).

    Built from the routes and flows when the bot is assembled; two actions with one tag,
    or a field a payload cannot carry, fail right there."""

    def __init__(self, actions: Iterable[type[Action]]) -> None:
        self._by_tag: dict[str, type[Action]] = {}
        self._legacy: dict[str, tuple[type[Action], Mapping[str, str]]] = {}
        for kind in dict.fromkeys(actions):
            if not kind.tag:
                raise TypeError(f"{kind.__name__} has no tag")
            fields_of(kind)  # checks the field types
            other = self._by_tag.setdefault(kind.tag, kind)
            if other is not kind:
                raise ValueError(f"tag {kind.tag!r} used by {other.__name__} and {kind.__name__}")
            for prefix, fixed in kind.legacy.items():
                if self._legacy.setdefault(prefix, (kind, fixed))[0] is not kind:
                    raise ValueError(f"old prefix {prefix!r} claimed twice ({kind.__name__})")

    @property
    def actions(self) -> tuple[type[Action], ...]:
        return tuple(self._by_tag.values())

    def decode(self, payload: str | None) -> Action | None:
        """The action a pressed button asks for; ``None`` for anything not exactly one of
        ours in its current version (forged, garbled, oversized, or from an old version)."""
        if not payload or len(payload) > MAX_PAYLOAD_BYTES:
            return None
        try:
            if len(payload.encode()) > MAX_PAYLOAD_BYTES:
                return None
        except UnicodeEncodeError:  # a lone surrogate: not text a client sends
            return None
        head, sep, rest = payload.partition(_SEP)
        match = _HEAD.fullmatch(head)
        if match is not None:
            kind = self._by_tag.get(match.group(1))
            if kind is None or kind.version != int(match.group(2)):
                return None
            parts = rest.split(_SEP) if sep else []
            return _build(kind, {}, parts, escaped=True)
        found = self._legacy.get(head)
        if found is None:
            return None
        kind, fixed = found
        wanted = len(fields_of(kind)) - len(fixed)
        # Old payloads did not escape text: the last field takes the rest (as it did then).
        parts = rest.split(_SEP, max(wanted - 1, 0)) if sep else []
        return _build(kind, fixed, parts, escaped=False)


def _build(
    kind: type[Action], fixed: Mapping[str, str], parts: list[str], *, escaped: bool
) -> Action | None:
    specs = fields_of(kind)
    if len(parts) != len(specs) - len(fixed):
        return None
    values: dict[str, Any] = {}
    given = iter(parts)
    try:
        for spec in specs:
            raw = fixed[spec.name] if spec.name in fixed else next(given)
            values[spec.name] = spec.read(raw, escaped=escaped)
        return kind(**values)
    except (ValueError, TypeError):
        return None
