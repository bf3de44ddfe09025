"""What a chat platform must offer the outbox sender; adapters implement it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.replies import Reply


class DeliveryError(Exception):
    """A send that failed. ``retry_after``: the platform said when to retry (429).
    ``permanent``: retrying cannot help (chat not found, bot blocked, bad request).
    ``sent_ids``: the parts of a split reply that did go out before the failure.
    ``until_they_write``: the platform takes it only once the person writes again (a WeChat
    account's 48-hour window): it waits, with the chat's later messages, until then."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        sent_ids: Sequence[str] = (),
        until_they_write: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.sent_ids = tuple(sent_ids)
        self.until_they_write = until_they_write


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Sending limits: overall messages per second, and the gap between two messages to one
    private chat or one group. Some platforms also cap counts over longer windows (WeCom:
    messages per member per hour, per app per day); a message over such a cap waits in the
    outbox until the window has room (``None``: no such cap)."""

    per_second: float
    private_interval: float
    group_interval: float
    per_chat_hour: int | None = None
    per_day: int | None = None


class Platform(Protocol):
    name: str
    limits: RateLimits

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        """Deliver one reply (split if too long); the platform's message ids."""
        ...

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """Edit the message whose button was pressed so it shows what was chosen."""
        ...


@runtime_checkable
class Resumable(Protocol):
    """A platform that splits long replies and can carry on after the parts already sent
    (their ids, kept in the outbox row by whichever worker tried before)."""

    async def resume(
        self, chat_id: str, reply: Reply, sent_ids: list[str], thread_id: str | None = None
    ) -> list[str]:
        """Send the parts after ``sent_ids``; every part's id, the earlier ones included."""
        ...
