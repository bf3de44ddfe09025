"""Phone numbers and e-mail addresses are masked in group chats, shown in full in private."""

from __future__ import annotations

import re

from bot.phones import mask_phone

EMAIL = re.compile(r"([\w.+-])[\w.+-]*(@[\w-]+(?:\.[\w-]+)+)")
PHONE = re.compile(r"(?<![\w])\+?\d[\d \-()]{6,}\d(?![\w])")


def mask_contacts(text: str) -> str:
    """``+86 138 0013 8000`` -> ``138****8000``; ``zhangwei@x.cn`` -> ``z***@x.cn``."""
    text = EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)
