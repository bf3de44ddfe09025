"""How large a file each platform lets a bot send, so a handler can say "too big for this
chat app" (or "this app takes no files") before anything is queued, instead of the outbox
failing later where the user never hears why.

The figures are the platforms' documented ceilings for a bot's upload:

* Telegram ``sendDocument``: 50 MB (Bot API, "Sending files").
* Slack ``files.getUploadURLExternal``: 1 GB per file.
* WeCom ``media/upload`` of type ``file``: 20 MB.
* WeChat Official Account: customer-service messages have no file type at all (text, image,
  voice, video, music, news, menu), so a file cannot be sent there.
* The console writes a local file: no ceiling. So does anything not listed here (the
  in-memory adapter of the tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

MB = 1_048_576

_LIMITS: Mapping[str, int] = MappingProxyType(
    {"telegram": 50 * MB, "slack": 1024 * MB, "wecom": 20 * MB, "wechat": 0}
)


def can_send_files(platform: str) -> bool:
    """Whether a bot can send a document at all on ``platform``."""
    return _LIMITS.get(platform) != 0


def file_limit(platform: str) -> int | None:
    """The largest document, in bytes, a bot may send on ``platform`` (``None``: no limit;
    ``0``: none at all, see :func:`can_send_files`)."""
    return _LIMITS.get(platform)


__all__ = ["MB", "can_send_files", "file_limit"]
