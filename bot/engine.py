"""The one conversation engine every platform feeds.

For each event: dedupe by delivery id, resolve the CRM user from the verified identity,
pick language and time zone, load (and lock) the conversation row, route, and commit —
all in one transaction. Replies are returned only after that transaction has committed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, FlowControl, UserFacingError
from bot.events import InboundEvent, command_hint, split_command
from bot.locks import KeyedLocks
from bot.masking import mask_contacts
from bot.nlu.message import warm_up as warm_up_parser
from bot.replies import Reply, Text, map_text, reply_buttons
from bot.router import Handler, Router
from conversations.base import FLOW_PAYLOAD, Flows
from locales.catalog import Translator, match_language
from store.access import NotAllowed, RecordNotFound, principal_for
from store.db import Database
from store.models import Conversation, ProcessedEvent, User
from store.outbox import enqueue, enqueue_choice
from store.upsert import insert_ignore
from store.users import identity_user

log = logging.getLogger(__name__)
DIGIT = re.compile(r"^\s*(\d{1,2})\s*[.)、]?\s*$")
UNLINKED_COMMANDS = frozenset({"start"})


_CONVERSATION: Select[Conversation] = (
    select(Conversation)
    .where(
        Conversation.platform == bindparam("platform"),
        Conversation.chat_id == bindparam("chat_id"),
        Conversation.user_id == bindparam("user_id"),
    )
    .with_for_update()
)
"""The chat's conversation row, locked; built once, as it is read for every event."""


@dataclass(frozen=True)
class EngineParts:
    """What the engine is built from; ``bot.app`` assembles it."""

    settings: Settings
    clock: Clock
    translator: Translator
    router: Router
    flows: Flows
    onboarding: Handler


class Engine:
    """``outbox_platforms``: platforms whose replies go through the delivery outbox (written
    in the event's transaction); ``on_outbox`` is called after such a commit to wake the
    sender. Other platforms (console, tests) take the returned replies directly."""

    def __init__(
        self,
        db: Database,
        parts: EngineParts,
        *,
        outbox_platforms: frozenset[str] = frozenset(),
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.parts = parts
        self.commands = parts.translator.aliases("commands")
        self.outbox_platforms = outbox_platforms
        self.on_outbox = on_outbox
        self._locks = KeyedLocks()
        self._claim_stmt: Any = None

    @staticmethod
    def warm_up() -> None:
        """One-time costs paid before serving (a server calls it once at start)."""
        warm_up_parser()

    async def handle(self, event: InboundEvent) -> list[Reply]:
        key = (event.platform, event.chat.chat_id, event.actor.platform_user_id)
        async with self._locks.hold(key):
            try:
                async with self.db.transaction(platform=event.platform) as session:
                    if not await self._claim(session, event):
                        log.info("duplicate delivery %s/%s ignored", event.platform, event.event_id)
                        return []
                    ctx = await self._context(session, event)
                    await self._dispatch(ctx)
                    replies = self._for_chat(event, ctx.replies)
                    self._enqueue(session, event, replies)
                # Committed: only now may the replies leave.
                self._committed(event)
                return replies
            except Exception:
                log.exception("event %s/%s failed", event.platform, event.event_id)
                return await self._apologise(event)

    @staticmethod
    def _for_chat(event: InboundEvent, replies: list[Reply]) -> list[Reply]:
        if event.chat.is_private:
            return replies
        return [map_text(r, mask_contacts) for r in replies]

    def _enqueue(self, session: AsyncSession, event: InboundEvent, replies: list[Reply]) -> None:
        if event.platform not in self.outbox_platforms:
            return
        now = self.parts.clock.now()
        if event.origin is not None:
            enqueue_choice(
                session,
                platform=event.platform,
                chat_id=event.chat.chat_id,
                message_id=event.origin.message_id,
                text=event.origin.text,
                label=event.origin.label,
                now=now,
                event_id=event.event_id,
            )
        enqueue(
            session,
            platform=event.platform,
            chat_id=event.chat.chat_id,
            replies=replies,
            now=now,
            is_private=event.chat.is_private,
            event_id=event.event_id,
        )

    def _committed(self, event: InboundEvent) -> None:
        if event.platform in self.outbox_platforms and self.on_outbox is not None:
            self.on_outbox()

    async def _apologise(self, event: InboundEvent) -> list[Reply]:
        """Nothing of the event was kept; say so (through the outbox where there is one)."""
        lang = match_language(event.actor.language_code, self.parts.translator.languages)
        lang = lang or self.parts.settings.default_lang
        replies: list[Reply] = [Text(self.parts.translator.t(lang, "errors.internal"))]
        if event.platform in self.outbox_platforms:
            try:
                async with self.db.transaction(platform=event.platform) as session:
                    self._enqueue(session, replace(event, origin=None), replies)
                self._committed(event)
            except Exception:
                log.exception("could not even queue the apology for %s", event.event_id)
                raise  # nothing was stored: let the adapter answer 5xx so the platform retries
        return replies

    async def _claim(self, session: AsyncSession, event: InboundEvent) -> bool:
        if self._claim_stmt is None:  # built once (per backend), as it runs for every event
            self._claim_stmt = (
                insert_ignore(session, ProcessedEvent)
                .values(
                    platform=bindparam("platform"),
                    event_id=bindparam("event_id"),
                    processed_at=bindparam("processed_at"),
                )
                .returning(ProcessedEvent.event_id)
            )
        values = {
            "platform": event.platform,
            "event_id": event.event_id,
            "processed_at": self.parts.clock.now(),
        }
        # On the connection, not the session: a plain INSERT needs none of the ORM's
        # statement handling, which costs more than the statement itself.
        connection = await session.connection()
        return (await connection.execute(self._claim_stmt, values)).scalar() is not None

    async def _context(self, session: AsyncSession, event: InboundEvent) -> Context:
        settings, translator = self.parts.settings, self.parts.translator
        user = await identity_user(session, event.platform, event.actor.platform_user_id)
        if user is not None and not user.active:
            user = None
        lang = (
            (user.lang if user else None)
            or match_language(event.actor.language_code, translator.languages)
            or settings.default_lang
        )
        tz = ZoneInfo((user.tz if user else None) or settings.default_tz)
        command, args = event.command, event.args
        if command is None and event.payload is None:
            command, args = split_command(event.text)
        if command is not None:
            command = self.commands.get(command.lower(), command.lower())
        ctx = Context(
            event=event,
            session=session,
            clock=self.parts.clock,
            settings=settings,
            translator=translator,
            lang=lang,
            tz=tz,
            user=user,
            command=command,
            args=args,
            payload=event.payload,
        )
        if user is not None:
            session.info["audit_user_id"] = user.id
            ctx.principal = await principal_for(session, user)
            ctx.flow = FlowControl(
                await self._conversation(session, event, user),
                settings.conversation_ttl_minutes,
                self.parts.clock.now(),
            )
        return ctx

    async def _conversation(
        self, session: AsyncSession, event: InboundEvent, user: User
    ) -> Conversation:
        """The chat's row, locked; created on first contact. The row nearly always exists, so
        look first (one statement) and insert only when it is missing."""
        key = {"platform": event.platform, "chat_id": event.chat.chat_id, "user_id": user.id}
        row = await session.scalar(_CONVERSATION, key)
        if row is not None:
            return row
        await session.execute(
            insert_ignore(session, Conversation).values(
                **key, flow_version=0, data={}, choices=[], updated_at=self.parts.clock.now()
            )
        )
        row = await session.scalar(_CONVERSATION, key)
        assert row is not None
        return row

    async def _dispatch(self, ctx: Context) -> None:
        if ctx.user is None or ctx.flow is None:
            await self._run(
                ctx,
                self.parts.onboarding if ctx.command in UNLINKED_COMMANDS else _not_linked,
            )
            return
        flow = ctx.flow
        if not self._pick_choice(ctx):
            return
        self._expire_flow(ctx)
        if ctx.command is not None and ctx.command != "cancel" and flow.name:
            flow.end()
        handler = self._flow_handler(ctx) or self.parts.router.find(ctx)
        if handler is None:
            if ctx.payload is not None and ctx.payload.startswith(FLOW_PAYLOAD + ":"):
                handler = _stale_button
            else:
                handler = _unknown_command if ctx.command else _not_understood
        await self._run(ctx, handler)
        self._remember_choices(ctx)
        flow.row.updated_at = ctx.now

    def _pick_choice(self, ctx: Context) -> bool:
        """A typed digit answers the last buttons shown, as on platforms without buttons."""
        assert ctx.flow is not None
        choices = ctx.flow.row.choices
        match = DIGIT.match(ctx.text) if ctx.payload is None and ctx.command is None else None
        if not match or not choices:
            return True
        number = int(match.group(1))
        if not 1 <= number <= len(choices):
            ctx.say("errors.pick_number", n=len(choices))
            return False
        ctx.payload = choices[number - 1]
        return True

    def _expire_flow(self, ctx: Context) -> None:
        flow = ctx.flow
        assert flow is not None
        if not flow.name:
            return
        known = self.parts.flows.get(flow.name)
        if known is None or known.version != flow.row.flow_version:
            flow.end()
            ctx.say("flow.outdated")
        elif flow.row.expires_at is not None and flow.row.expires_at <= ctx.now:
            flow.end()
            ctx.say("flow.expired")

    def _flow_handler(self, ctx: Context) -> Handler | None:
        flow = ctx.flow
        if flow is None or not flow.name or ctx.command is not None:
            return None
        if ctx.payload is not None and not ctx.payload.startswith(f"{FLOW_PAYLOAD}:{flow.name}:"):
            return None
        definition = self.parts.flows.get(flow.name)
        if definition is None or flow.state is None:
            return None
        return definition.states.get(flow.state)

    async def _run(self, ctx: Context, handler: Handler) -> None:
        """Run one handler in a savepoint: a refusal undoes its writes but keeps the event's."""
        before = len(ctx.replies)
        try:
            async with ctx.session.begin_nested():
                await handler(ctx)
        except (UserFacingError, RecordNotFound, NotAllowed) as exc:
            del ctx.replies[before:]
            if ctx.flow is not None:
                await ctx.session.refresh(ctx.flow.row)
            if isinstance(exc, UserFacingError):
                ctx.say(exc.key, **exc.values)
            elif isinstance(exc, NotAllowed):
                ctx.say("errors.not_allowed")
            else:
                ctx.say("errors.not_found")

    def _remember_choices(self, ctx: Context) -> None:
        """Every button of this answer, numbered in order across its messages."""
        assert ctx.flow is not None
        if ctx.replies:
            ctx.flow.row.choices = [b.payload for r in ctx.replies for b in reply_buttons(r)]


async def _not_linked(ctx: Context) -> None:
    ctx.say("onboarding.not_linked", start=command_hint(ctx.event.platform, "start"))


async def _unknown_command(ctx: Context) -> None:
    ctx.say("errors.unknown_command", command=ctx.command or "")


async def _not_understood(ctx: Context) -> None:
    ctx.say("errors.not_understood")


async def _stale_button(ctx: Context) -> None:
    ctx.say("flow.stale")
