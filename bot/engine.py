"""The one conversation engine every platform feeds.

For each event: dedupe by delivery id, resolve the CRM user from the verified identity,
pick language and time zone, load (and lock) the conversation row, route, and commit —
all in one transaction. Replies are returned only after that transaction has committed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, FlowControl, SlowWork, UserFacingError
from bot.events import InboundEvent, command_hint, split_command
from bot.formatting import shorten
from bot.locks import KeyedLocks
from bot.masking import mask_contacts
from bot.nlu.message import warm_up as warm_up_parser
from bot.replies import Button, Choices, Reply, Text, map_text, reply_buttons
from bot.router import Handler, Router
from bot.workers import SlowWorkers
from conversations.base import FLOW_PAYLOAD, Expects, Flows, Step
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
ESCAPE_ANSWER = "fx:answer"  # "use my message as the answer to the question"
ESCAPE_NEW = "fx:new"  # "no, it is a new message: run it"
ESCAPED_KEY = "_escaped"  # where the message waits in the flow's data meanwhile
_NOT_LABEL = re.compile(r"[\W_]+")
NewIntent = Callable[[Context], Awaitable[bool]]


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
    new_intent: NewIntent | None = None
    """True when a text is clearly a new log, reminder or deal update (not an answer)."""
    workers: SlowWorkers = field(default_factory=lambda: SlowWorkers(0))
    """Where card reading and chart drawing run (see bot.workers)."""


class Engine:
    """``outbox_platforms``: platforms whose replies go through the delivery outbox (written
    in the event's transaction); ``on_outbox`` is called after such a commit to wake the
    sender. Other platforms (console, tests) take the returned replies directly.

    ``reply_hold``: platforms whose adapter may answer an event's first reply in the
    webhook's own HTTP response (WeChat's passive reply). Their rows are written due that
    much later; the adapter takes one and releases the rest, and if it dies first the
    sender delivers them all when the hold runs out."""

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
        self.reply_hold: dict[str, timedelta] = {}
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
                    slow = ctx.slow
                # Committed: only now may the replies leave.
                self._committed(event)
                if slow is not None:
                    replies = replies + await self._finish_slow(event, slow)
                return replies
            except Exception:
                log.exception("event %s/%s failed", event.platform, event.event_id)
                return await self._apologise(event)

    async def _finish_slow(self, event: InboundEvent, slow: SlowWork) -> list[Reply]:
        """The slow part of an event with no transaction open, then its answer in a new one
        (the user's lock is still held, so their next message waits its turn)."""
        result = await slow.compute()
        followed = replace(event, origin=None)
        async with self.db.transaction(platform=event.platform) as session:
            ctx = await self._context(session, followed)
            flow = ctx.flow
            before = (flow.name, flow.state) if flow is not None else (None, None)

            async def finish(c: Context) -> None:
                await slow.finish(c, result)

            await self._run(ctx, finish)
            if flow is not None:
                self._remember_choices(ctx, *before)
                flow.row.updated_at = ctx.now
            replies = self._for_chat(event, ctx.replies)
            self._enqueue(session, followed, replies)
        self._committed(event)
        return replies

    @staticmethod
    def _for_chat(event: InboundEvent, replies: list[Reply]) -> list[Reply]:
        if event.chat.is_private:
            return replies
        return [map_text(r, mask_contacts) for r in replies]

    def _enqueue(self, session: AsyncSession, event: InboundEvent, replies: list[Reply]) -> None:
        if event.platform not in self.outbox_platforms:
            return
        now = self.parts.clock.now()
        hold = self.reply_hold.get(event.platform)
        due = now + hold if hold is not None else None
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
                due=due,
            )
        enqueue(
            session,
            platform=event.platform,
            chat_id=event.chat.chat_id,
            replies=replies,
            now=now,
            is_private=event.chat.is_private,
            event_id=event.event_id,
            due=due,
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
            workers=self.parts.workers,
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
        self._expire_flow(ctx)
        step = self._step(ctx)
        if not self._pick_choice(ctx, step):
            return
        if ctx.payload in (ESCAPE_ANSWER, ESCAPE_NEW):
            if not self._resume_escaped(ctx):
                await self._run(ctx, _stale_button)
                return
        elif await self._is_new_message(ctx, step):
            self._ask_answer_or_new(ctx)
            self._remember_choices(ctx, flow.name, flow.state)
            flow.row.updated_at = ctx.now
            return
        if ctx.command is not None and ctx.command != "cancel" and flow.name:
            flow.end()
        before = (flow.name, flow.state)
        handler = self._flow_handler(ctx) or self.parts.router.find(ctx)
        if handler is None:
            if ctx.payload is not None and ctx.payload.startswith(FLOW_PAYLOAD + ":"):
                handler = _stale_button
            else:
                handler = _unknown_command if ctx.command else _not_understood
        await self._run(ctx, handler)
        self._remember_choices(ctx, *before)
        flow.row.updated_at = ctx.now

    def _step(self, ctx: Context) -> Step | None:
        """The step the user's flow waits in, if any (after expiry was applied)."""
        flow = ctx.flow
        if flow is None or not flow.name:
            return None
        definition = self.parts.flows.get(flow.name)
        return definition.step(flow.state) if definition is not None else None

    def _pick_choice(self, ctx: Context, step: Step | None) -> bool:
        """A typed digit (１ too) or a button's own label answers the last buttons shown,
        as on platforms without buttons — but only where those buttons are on offer: a
        number at a step that waits for an amount is the amount, and a number out of range
        is read as text where the step takes text."""
        assert ctx.flow is not None
        if ctx.payload is not None or ctx.command is not None or not ctx.text:
            return True
        entries = _choice_entries(ctx.flow.row.choices)
        if not entries:
            return True
        text = unicodedata.normalize("NFKC", ctx.text)
        match = DIGIT.match(text)
        if match:
            if step is not None and step.expects is Expects.NUMBER:
                return True
            number = int(match.group(1))
            if 1 <= number <= len(entries):
                ctx.payload = entries[number - 1][0]
                return True
            if step is not None and step.expects in (Expects.TEXT, Expects.MESSAGE):
                return True
            ctx.say("errors.pick_number", n=len(entries))
            return False
        key = _label_key(text)
        if key and len(text) <= 40:
            same = [payload for payload, label in entries if label and _label_key(label) == key]
            if len(set(same)) == 1:
                ctx.payload = same[0]
        return True

    async def _is_new_message(self, ctx: Context, step: Step | None) -> bool:
        """Typed text at a step that waits for an answer, which is clearly something new."""
        if step is None or step.expects is Expects.MESSAGE or self.parts.new_intent is None:
            return False
        if ctx.payload is not None or ctx.command is not None or not ctx.text:
            return False
        return await self.parts.new_intent(ctx)

    @staticmethod
    def _ask_answer_or_new(ctx: Context) -> None:
        """Keep the message with the waiting flow and let the rep say what it is."""
        assert ctx.flow is not None
        ctx.flow.update(
            **{ESCAPED_KEY: {"text": ctx.text, "sent_at": ctx.event.sent_at.isoformat()}}
        )
        ctx.ask(
            ctx.t("flow.answer_or_new", text=shorten(ctx.text, 40)),
            [
                Button(ctx.t("flow.start_new"), ESCAPE_NEW),
                Button(ctx.t("flow.use_as_answer"), ESCAPE_ANSWER),
            ],
        )

    @staticmethod
    def _resume_escaped(ctx: Context) -> bool:
        """Bring the kept message back as this event's text: for the waiting step (answer),
        or with the flow closed, for the router (new). False when nothing is kept."""
        flow = ctx.flow
        assert flow is not None
        as_new = ctx.payload == ESCAPE_NEW
        data = dict(flow.data)
        kept = data.pop(ESCAPED_KEY, None)
        if not flow.name or not isinstance(kept, dict):
            return False
        flow.row.data = data
        event = replace(
            ctx.event,
            text=str(kept["text"]),
            sent_at=datetime.fromisoformat(kept["sent_at"]),
            payload=None,
            origin=None,
        )
        ctx.event, ctx.payload = event, None
        if as_new:
            flow.end()
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
        step = definition.step(flow.state) if definition is not None else None
        return step.handler if step is not None else None

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

    def _remember_choices(self, ctx: Context, flow_name: str | None, state: str | None) -> None:
        """Every button of this answer, numbered in order across its messages.

        An answer without buttons from a step that is still waiting (a re-prompt: "please
        use the buttons") shows the step's buttons again, so the rep is never left with a
        question and nothing to press."""
        assert ctx.flow is not None
        if not ctx.replies:
            return
        buttons = [b for r in ctx.replies for b in reply_buttons(r)]
        row = ctx.flow.row
        still_waiting = bool(flow_name) and (row.flow, row.state) == (flow_name, state)
        if not buttons and still_waiting:
            own = f"{FLOW_PAYLOAD}:{flow_name}:"
            kept = [
                Button(label, payload)
                for payload, label in _choice_entries(row.choices)
                if label and payload.startswith(own)
            ]
            last = ctx.replies[-1]
            if kept and isinstance(last, Text):
                ctx.replies[-1] = Choices(last.text, tuple(kept))
                buttons = kept
        row.choices = [[b.payload, b.label] for b in buttons]


def _choice_entries(stored: list[Any]) -> list[tuple[str, str]]:
    """(payload, label) pairs; rows written before labels were kept hold bare payloads."""
    entries: list[tuple[str, str]] = []
    for item in stored or ():
        if isinstance(item, str):
            entries.append((item, ""))
        elif isinstance(item, list | tuple) and len(item) in (2, 3):  # 3rd: marks a push
            entries.append((str(item[0]), str(item[1])))
    return entries


def _label_key(text: str) -> str:
    """A button label or typed text reduced to its letters and digits: "↩️ Undo" -> "undo"."""
    return _NOT_LABEL.sub("", text).casefold()


async def _not_linked(ctx: Context) -> None:
    ctx.say("onboarding.not_linked", start=command_hint(ctx.event.platform, "start"))


async def _unknown_command(ctx: Context) -> None:
    ctx.say("errors.unknown_command", command=ctx.command or "")


async def _not_understood(ctx: Context) -> None:
    ctx.say("errors.not_understood")


async def _stale_button(ctx: Context) -> None:
    ctx.say("flow.stale")
