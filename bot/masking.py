"""Masking sensitive fields: one decision (:class:`Masking`) and the maskers it uses.

Who sees what masked (the rule, README "Masking by role"):

- in a group chat, every contact channel (phone, e-mail, WeChat id) is masked for everyone,
  own records included: the group reads along;
- elsewhere, the field classes the workspace's policy masks for the viewer's role
  (:mod:`store.masking`, set by an admin with ``/settings``) are masked on records the
  viewer does not own; the owner always sees their own record in full; admins see all.

Every surface asks the same :class:`Masking` (the context's ``masking``): chat cards and
lookups, the API / page JSON, exports, report amounts. The engine's pass over a group's
replies (:func:`mask_contacts` on the whole text) stays as the net for what a card does not
know is a field (a number quoted in a summary).

A group reply can quote what a rep typed ("手机13912345678, 微信 zhang_wei88"), so the masking
looks at free text, not at known fields: phone numbers (mobile and landline, Chinese and
foreign) found by ``phonenumbers``' matcher, e-mail addresses, and WeChat ids after their
labels. What is masked keeps enough to recognise ("139****5678", "z***@x.cn", "z***8"), never
enough to dial or add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot.phones import mask_phone
from store.access import Principal
from store.masking import FieldClass, classes_for

REGION = "CN"
"""Numbers written without a country code are read as Chinese ones."""

EMAIL = re.compile(r"([A-Za-z0-9_%+-])[A-Za-z0-9._%+-]*(@[\w-]+(?:\.[\w-]+)+)")

# A WeChat id: 6-20 characters, a letter first, then letters, digits, "_" or "-" (Tencent's
# rule); one made of digits is a phone number, which the matcher masks. An id is only
# recognisable after a label, or by the "wxid_" prefix of ids WeChat assigned itself. After a
# Chinese label ("微信zhang_wei88", "微信号：zhangwei") any such word is an id; after a Latin
# one it takes a colon ("WeChat: zhangwei") or a digit or "_" in the id ("wx zhang_wei88"), so
# that "WeChat follow-up" stays a sentence.
_ID = r"([A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_-])"
WECHAT_CN = re.compile(rf"(?:微信号?|威信|薇信|[vV]信)\s*(?:号)?\s*[:：]?\s*{_ID}")
WECHAT_LATIN = re.compile(
    r"(?<![A-Za-z0-9_])(?:wechat|weixin|wx|vx)(?:\s*id)?"
    rf"(?:\s*[:：]\s*|\s+(?=[A-Za-z][A-Za-z-]*[0-9_])){_ID}",
    re.IGNORECASE,
)
WXID = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_-]{4,}", re.IGNORECASE)

# A Latin letter glued to a number ("tel13912345678") makes the matcher pass over it, as it
# should for an order number like "INV20241201"; letters are blanked in a copy of the text
# the matcher reads (same length, so its offsets hold in the original), and the matcher's
# "valid number" test, rather than a word boundary, decides what is a phone.
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")

# A summary shortened for a card can cut a number in two ("…call back on 1391234…"): the
# matcher sees no valid number there, yet the digits say most of it.
CUT_NUMBER = re.compile(r"(?<![\d.,])\+?\d[\d \-.()]{3,}(?=…)")


def mask_contacts(text: str) -> str:
    """``+86 138 0013 8000`` -> ``138****8000``; ``zhangwei@x.cn`` -> ``z***@x.cn``;
    ``微信 zhang_wei88`` -> ``微信 z***8``."""
    text = EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    return mask_phones(_mask_wechat_ids(text))


def mask_phones(text: str) -> str:
    shadow = _LATIN.sub(" ", text)
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(
            shadow, REGION, leniency=phonenumbers.Leniency.VALID
        )
    ]
    for start, end in reversed(spans):
        text = text[:start] + mask_phone(text[start:end]) + text[end:]
    return CUT_NUMBER.sub(_mask_cut, text)


def _mask_cut(match: re.Match[str]) -> str:
    digits = "".join(c for c in match.group(0) if c.isdigit())
    return f"{digits[:3]}****" if len(digits) > 4 else "****"


def _mask_labelled_id(match: re.Match[str]) -> str:
    start, end = match.span(1)
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + _mask_id(match.group(1)) + whole[end - offset :]


def _mask_id(value: str) -> str:
    return f"{value[0]}***{value[-1]}" if len(value) > 2 else "***"


def mask_email(value: str) -> str:
    """``zhangwei@x.cn`` -> ``z***@x.cn``; something that is not an address -> ``***``."""
    masked = EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", value)
    return masked if masked != value else "***"


def mask_wechat(value: str) -> str:
    return _mask_id(value)


GROUP_CLASSES = frozenset({FieldClass.PHONE, FieldClass.EMAIL})
"""What a group chat masks on every record (amounts only where a view says so: contracts)."""


@dataclass(frozen=True, slots=True)
class Masking:
    """What one viewer sees masked, decided in one place for every surface.

    ``viewer_id``: whose own records are always shown in full (outside groups);
    ``classes``: the field classes masked on other people's records (the policy for the
    viewer's role); ``in_group``: the reply goes to a group chat."""

    viewer_id: int | None = None
    classes: frozenset[FieldClass] = frozenset()
    in_group: bool = False

    def hides(self, cls: FieldClass, owner_id: int | None, *, group_too: bool = False) -> bool:
        """Whether a ``cls`` field of a record owned by ``owner_id`` is masked.
        ``group_too``: the view masks this class in groups as well (contract amounts)."""
        if self.in_group and (cls in GROUP_CLASSES or group_too):
            return True
        return cls in self.classes and owner_id != self.viewer_id

    def phone(self, value: str | None, owner_id: int | None) -> str | None:
        if value and self.hides(FieldClass.PHONE, owner_id):
            return mask_phone(value)
        return value

    def wechat(self, value: str | None, owner_id: int | None) -> str | None:
        if value and self.hides(FieldClass.PHONE, owner_id):
            return mask_wechat(value)
        return value

    def email(self, value: str | None, owner_id: int | None) -> str | None:
        if value and self.hides(FieldClass.EMAIL, owner_id):
            return mask_email(value)
        return value

    def text(self, value: str, owner_id: int | None) -> str:
        """Free text of a record (a logged summary quoting a number or an address)."""
        if self.hides(FieldClass.PHONE, owner_id):
            value = mask_phones(_mask_wechat_ids(value))
        if self.hides(FieldClass.EMAIL, owner_id):
            value = EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", value)
        return value

    def amount(self, owner_id: int | None, *, group_too: bool = False) -> bool:
        """Whether an amount of a record owned by ``owner_id`` is hidden."""
        return self.hides(FieldClass.AMOUNT, owner_id, group_too=group_too)

    def total(self, owner_ids: frozenset[int] | None) -> bool:
        """Whether a sum over the records of ``owner_ids`` (None: everyone's) is hidden: the
        owner exception holds only for a sum of the viewer's own records."""
        if FieldClass.AMOUNT not in self.classes:
            return False
        return owner_ids is None or owner_ids - {self.viewer_id} != set()


SHOW_ALL = Masking()


async def masking_for(
    session: AsyncSession, principal: Principal, *, in_group: bool = False
) -> Masking:
    """The one way a viewer's :class:`Masking` is made (chat, page and API, exports, pushed
    reports): the policy for their role, their own records exempt.

    Someone who may see only their own records (a rep, under store/access.py) can meet
    nothing the policy masks, so the policy is not read for them: no statement added to a
    rep's every message. Should reps ever see more, their owner set grows and it is read."""
    if principal.visible_owner_ids == frozenset({principal.user_id}):
        return Masking(principal.user_id, frozenset(), in_group)
    return Masking(principal.user_id, await classes_for(session, principal.role), in_group)


def _mask_wechat_ids(text: str) -> str:
    text = WXID.sub(lambda m: _mask_id(m.group(0)), text)
    text = WECHAT_CN.sub(_mask_labelled_id, text)
    return WECHAT_LATIN.sub(_mask_labelled_id, text)
