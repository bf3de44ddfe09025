"""Contact channels are masked in group chats and shown in full in private.

A group reply can quote what a rep typed ("手机13912345678, 微信 zhang_wei88"), so the masking
looks at free text, not at known fields: phone numbers (mobile and landline, Chinese and
foreign) found by ``phonenumbers``' matcher, e-mail addresses, and WeChat ids after their
labels. What is masked keeps enough to recognise ("139****5678", "z***@x.cn", "z***8"), never
enough to dial or add.
"""

from __future__ import annotations

import re

import phonenumbers

from bot.phones import mask_phone

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
    text = WXID.sub(lambda m: _mask_id(m.group(0)), text)
    text = WECHAT_CN.sub(_mask_labelled_id, text)
    text = WECHAT_LATIN.sub(_mask_labelled_id, text)
    return mask_phones(text)


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
