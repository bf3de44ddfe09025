"""An adapter with no platform at all: events in, replies out, in the same event loop.

The console wraps it for people; the test harness wraps it for tests. Both behave like a
platform without buttons underneath: a typed digit answers the last buttons shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.engine import Engine
from bot.events import Actor, Attachment, Chat, EventKind, InboundEvent, split_command
from bot.replies import Button, Reply, reply_buttons, reply_text


@dataclass(frozen=True)
class Response:
    """What the bot answered to one event."""

    replies: list[Reply]

    @property
    def text(self) -> str:
        return "\n".join(reply_text(r) for r in self.replies)

    @property
    def buttons(self) -> list[Button]:
        return [b for r in self.replies for b in reply_buttons(r)]

    def button(self, label_part: str) -> Button:
        for b in self.buttons:
            if label_part.lower() in b.label.lower():
                return b
        raise LookupError(
            f"no button containing {label_part!r} in {[b.label for b in self.buttons]}"
        )


class LocalChat:
    """One chat account talking to the engine directly."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        platform: str,
        external_id: str,
        display_name: str = "",
        language_code: str | None = None,
        chat_id: str | None = None,
        is_private: bool = True,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.platform = platform
        self.actor = Actor(external_id, display_name, language_code)
        self.chat = Chat(chat_id or external_id, is_private)

    def event(
        self,
        *,
        text: str = "",
        payload: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        event_id: str | None = None,
        sent_at: datetime | None = None,
    ) -> InboundEvent:
        command, args = split_command(text) if payload is None else (None, "")
        if payload is not None:
            kind = EventKind.BUTTON
        elif attachments:
            kind = EventKind.IMAGE
        else:
            kind = EventKind.MESSAGE
        return InboundEvent(
            # Unique across runs: a console restarted on the same database must not have
            # its lines taken for redeliveries of the previous run's.
            event_id=event_id or f"{self.platform}-{uuid.uuid4().hex}",
            platform=self.platform,
            kind=kind,
            actor=self.actor,
            chat=self.chat,
            sent_at=sent_at or self.clock.now(),
            text=text,
            command=command,
            args=args,
            payload=payload,
            attachments=attachments,
        )

    async def deliver(self, event: InboundEvent) -> Response:
        return Response(await self.engine.handle(event))

    async def send(self, text: str, *, sent_at: datetime | None = None) -> Response:
        return await self.deliver(self.event(text=text, sent_at=sent_at))

    async def click(self, button: Button | str) -> Response:
        data = button.payload if isinstance(button, Button) else button
        return await self.deliver(self.event(payload=data))
