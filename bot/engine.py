"""The one conversation engine every platform feeds.

For each event: dedupe by delivery id, resolve the CRM user from the verified identity,
pick language and time zone, load (and lock) the conversation row, route, and commit —
all in one transaction. Replies are returned only after that transaction has committed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, FlowControl, SlowWork
from bot.events import EventKind, InboundEvent, command_hint, is_free_text, split_command
from bot.linking import point_to_private_chat
from bot.locks import KeyedLocks
from bot.masking import mask_contacts, masking_for
from bot.nlu.message import warm_up as warm_up_parser
from bot.outbox import bodies_of
from bot.replies import Notice, Reply, Text, map_text, reply_text
from bot.router import Handler
from bot.running import Replay, run_guarded
from bot.workers import SlowWorkers
from locales.catalog import Translator, match_language
from store.access import principal_for
from store.db import Database
from store.errors import is_transient
from store.fields import FieldName, field_names, field_names_column
from store.known_names import own_names, own_names_column
from store.loaded import attach, record_columns
from store.models import ChatIdentity, Conversation, ProcessedEvent, User
from store.outbox import ChatKey, chats_written, choice_rows, reply_rows, write
from store.prepared import read, run
from store.riders import Riders
from store.roles import Role
from store.unit_connection import unit_connection
from store.upsert import insert_ignore
from store.users import identity_user

log = logging.getLogger(__name__)
UNLINKED_COMMANDS = frozenset({"start"})
UNLINKED_PROMPT_EVERY = timedelta(minutes=5)
PROMPTED_CAP = 10_000


@dataclass(frozen=True)
class _Sender:
    """What the first statement of a message reads (``None``: not read with it)."""

    user: User | None
    conversation: Conversation | None
    custom_fields: tuple[FieldName, ...] | None
    own_names: list[str] | None
    claimed: bool = True
    """False: the event's claim went with the read and found it already claimed."""


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


_USER = record_columns(User)
_CONVERSATION_ROW = record_columns(Conversation)


@functools.lru_cache(maxsize=4)
def _user_and_conversation(dialect: str, free_text: bool) -> Select[Any]:
    """The sender, their conversation in this chat (locked) and the custom fields' names
    in one statement: every message of a linked user whose chat has a conversation row,
    which is nearly all of them, pays one round-trip instead of three (on PostgreSQL, each
    is a trip through the network). For free text, which is matched against the sender's
    customers, a rep's customer names too (a fourth). Read as columns and the records
    made from them (:mod:`store.loaded`), which costs less than the ORM's execution."""
    columns: list[Any] = [*_USER, *_CONVERSATION_ROW, field_names_column(dialect)]
    if free_text:
        columns.append(own_names_column(dialect))
    return (
        select(*columns)
        .join(ChatIdentity, ChatIdentity.user_id == User.id)
        .join(
            Conversation,
            and_(
                Conversation.user_id == User.id,
                Conversation.platform == bindparam("platform"),
                Conversation.chat_id == bindparam("chat_id"),
            ),
        )
        .where(
            ChatIdentity.platform == bindparam("platform"),
            ChatIdentity.external_id == bindparam("external_id"),
        )
        .with_for_update(of=Conversation)
    )


def _claim_of(insert_ignoring: Any) -> Any:
    """The event's dedupe row on the backend's ``INSERT … ON CONFLICT DO NOTHING``,
    returning its id only when the row is new: the claim, a statement of its own (SQLite)
    or inside the sender's read (PostgreSQL, :func:`_claimed_with_sender`)."""
    return insert_ignoring.values(
        platform=bindparam("platform"),
        event_id=bindparam("event_id"),
        processed_at=bindparam("processed_at"),
    ).returning(ProcessedEvent.event_id)


@functools.lru_cache(maxsize=2)
def _claimed_with_sender(free_text: bool) -> Select[Any]:
    """PostgreSQL: the event's claim (its dedupe row, ``INSERT … ON CONFLICT DO NOTHING``)
    inside the read of its sender (:func:`_user_and_conversation`), one round trip instead
    of two for every message (issue 20: a statement is a trip through the network and a
    part of our CPU). Always one row: how many rows the claim wrote (0: a duplicate
    delivery), then the sender's columns, all null when the sender or the chat's
    conversation is not found (the claim is made either way). Both parts see the database
    as it was before the statement: the read does not look at the claimed row."""
    from sqlalchemy.dialects import postgresql  # imported here as store.upsert does

    claimed = _claim_of(postgresql.insert(ProcessedEvent).on_conflict_do_nothing()).cte("claimed")
    claim = select(func.count().label("claimed")).select_from(claimed).subquery("claim")
    sender = _user_and_conversation("postgresql", free_text).subquery("sender")
    return select(claim.c.claimed, *sender.c).select_from(claim.outerjoin(sender, true()))


class Conversations(Protocol):
    """The flow machinery, seen from the engine (which imports nothing above the core)."""

    async def dispatch(self, ctx: Context) -> None: ...

    async def follow_up(self, ctx: Context, handler: Handler) -> None: ...


class WakeSender(Protocol):
    """Tells the outbox sender that rows were committed: ``chats``, when given and not
    empty, are the chats they are for, and a commit only for chats the sender is serving
    now needs no claim of its own (:meth:`bot.delivery.sender.OutboxSender.wake`)."""

    def __call__(self, chats: frozenset[ChatKey] | None = None) -> None: ...


def glued_command(aliases: dict[str, str], name: str, args: str) -> tuple[str, str]:
    """The canonical command and its arguments, also when a Chinese command was typed with
    no space before them: ``/漏斗上个月`` is ``/漏斗 上个月`` (Chinese is written without
    spaces; a Latin ``/pipelineq4`` stays unknown, as a typo should). Longest alias wins."""
    if name in aliases:
        return aliases[name], args
    for alias in sorted(aliases, key=len, reverse=True):
        if alias and ord(alias[0]) >= 0x2E80 and name.startswith(alias) and name != alias:
            rest = name[len(alias) :]
            return aliases[alias], f"{rest} {args}".strip()
    return name, args


@dataclass(frozen=True)
class EngineParts:
    """What the engine is built from; ``bot.app`` assembles it."""

    settings: Settings
    clock: Clock
    translator: Translator
    conversations: Conversations
    """Where a linked user's events go (``conversations.dispatch.FlowDispatcher``)."""
    onboarding: Handler
    """``/start`` for someone not linked yet: the only route open to strangers."""
    customers: Handler | None = None
    """What a sender who is not a CRM user says in a private chat, before they are told
    how to link: a customer's answer to a survey, or their phone to be matched. Saying
    nothing lets the usual prompt follow."""
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
        on_outbox: WakeSender | None = None,
    ) -> None:
        self.db = db
        self.parts = parts
        self.commands = parts.translator.aliases("commands")
        self.known_commands = frozenset(self.commands.values())
        self.outbox_platforms = outbox_platforms
        self.on_outbox = on_outbox
        self.reply_hold: dict[str, timedelta] = {}
        self._locks = KeyedLocks()
        self._prompted: dict[tuple[str, str], datetime] = {}
        self._claim_stmt: Any = None

    @staticmethod
    def warm_up() -> None:
        """One-time costs paid before serving (a server calls it once at start)."""
        warm_up_parser()

    async def handle(
        self, event: InboundEvent, *, stored: Callable[[], None] | None = None
    ) -> list[Reply]:
        """Route ``event`` in one transaction, then run its slow work if it deferred any.

        ``stored`` is called once the event's own transaction committed (or found it a
        duplicate): a webhook can answer the platform then, before the slow work is done."""
        key = (event.platform, event.chat.chat_id, event.actor.platform_user_id)
        committed = False
        async with self._locks.hold(key):
            try:
                try:
                    stored_event = await self._store(event, savepoint=False)
                except Replay:  # refused: its first try rolled back whole; again, guarded
                    stored_event = await self._store(event, savepoint=True)
                if stored_event is None:
                    log.info("duplicate delivery %s/%s ignored", event.platform, event.event_id)
                    if stored is not None:
                        stored()
                    return []
                replies, slow, written = stored_event
                # Committed: only now may the replies leave.
                committed = True
                self._committed(event, written)
                if stored is not None:
                    stored()
                if slow is not None:
                    replies = replies + await self._finish_slow(event, slow)
                return replies
            except Exception as error:
                if not committed and self._redelivered(event, error):
                    log.warning(
                        "event %s/%s not stored, the database is busy (%s); "
                        "the platform will deliver it again",
                        event.platform,
                        event.event_id,
                        type(error).__name__,
                    )
                    raise
                log.exception("event %s/%s failed", event.platform, event.event_id)
                return await self._apologise(event)

    async def _store(
        self, event: InboundEvent, *, savepoint: bool
    ) -> tuple[list[Reply], SlowWork | None, frozenset[ChatKey]] | None:
        """The event's own transaction: claim, route, queue the replies; None for a
        duplicate. ``savepoint``: whether handlers run in one (see bot/running.py). Also
        the chats it wrote outbox rows for, to tell the sender after the commit."""
        async with self.db.transaction(platform=event.platform) as session:
            riders = Riders(session)  # the conversation's stamp rides with the replies
            # On PostgreSQL the claim rides in the first read (_claimed_with_sender); on
            # SQLite, which cannot write inside a read, it is a statement of its own.
            if not riders.carried and not await self._claim(session, event):
                return None
            ctx = await self._claimed_context(session, event, riders, claim=riders.carried)
            if ctx is None:
                return None
            ctx.savepoint = savepoint
            await self._dispatch(ctx)
            replies = self._for_chat(event, ctx.replies)
            if _for_presser_only(ctx):
                replies = _notice(replies)
            else:
                await self._enqueue(session, event, replies, riders, show_choice=not ctx.refused)
            await riders.flush()  # what did not ride with the replies (there were none)
            return replies, ctx.slow, chats_written(session)

    async def is_linked(self, event: InboundEvent) -> bool:
        """Whether the event's sender is an active crmbot user: asked by an adapter before
        it fetches a photo, so a stranger's upload is never downloaded (the engine answers
        them with the throttled link prompt, which needs no photo)."""
        async with self.db.transaction(platform=event.platform) as session:
            user = await identity_user(session, event.platform, event.actor.platform_user_id)
            return user is not None and user.active

    def _redelivered(self, event: InboundEvent, error: Exception) -> bool:
        """Whether to let ``error`` reach the adapter rather than apologise.

        When the database is busy (SQLite locked by another process past its busy
        timeout, PostgreSQL restarting: :func:`store.errors.is_transient`), nothing of the
        event was stored and an apology would only tell the rep to retype what the
        platform could simply deliver again. So for platforms that redeliver — those
        whose replies go through the outbox: the adapter answers the webhook 5xx, and
        Telegram, Slack and WeChat retry — the error goes up, the message waits on the
        platform's side, and it is handled when the database is free; the update's id
        makes the redelivery safe. We say nothing meanwhile: a "saving, one moment"
        notice could only be sent around the outbox (the database is what is busy) and
        would be repeated on each redelivery. The console and tests, which cannot
        redeliver, still get the apology at once."""
        return event.platform in self.outbox_platforms and is_transient(error)

    async def _finish_slow(self, event: InboundEvent, slow: SlowWork | None) -> list[Reply]:
        """The slow part of an event with no transaction open, then its answer in a new one
        (the user's lock is still held, so their next message waits its turn).

        A ``finish`` may defer again: work done in steps, each step its own transaction
        whose replies leave once it commits (an import writes a batch per step and says
        how far it got)."""
        replies: list[Reply] = []
        followed = replace(event, origin=None)
        while slow is not None:
            result = await slow.compute()
            async with self.db.transaction(platform=event.platform) as session:
                riders = Riders(session)
                ctx = await self._context(session, followed, riders)

                finish = functools.partial(_finish_with, slow, result)
                await self.parts.conversations.follow_up(ctx, finish)
                said = self._for_chat(event, ctx.replies)
                await self._enqueue(session, followed, said, riders)
                await riders.flush()
                slow = ctx.slow
                written = chats_written(session)
            self._committed(event, written)
            replies += said
        return replies

    @staticmethod
    def _for_chat(event: InboundEvent, replies: list[Reply]) -> list[Reply]:
        if event.chat.is_private:
            return replies
        return [map_text(r, mask_contacts) for r in replies]

    async def _enqueue(
        self,
        session: AsyncSession,
        event: InboundEvent,
        replies: list[Reply],
        riders: Riders | None = None,
        *,
        show_choice: bool = True,
    ) -> None:
        """Queue the replies, and (``show_choice``) the edit that shows on a pressed
        button's message what was chosen — not for a refused press, which changed nothing.
        Written at once, in one statement (:func:`store.outbox.write`), which carries the
        ``riders`` (the conversation's buttons) on PostgreSQL."""
        if event.platform not in self.outbox_platforms:
            return
        now = self.parts.clock.now()
        hold = self.reply_hold.get(event.platform)
        due = now + hold if hold is not None else None
        rows = []
        if event.origin is not None and show_choice:
            rows += choice_rows(
                platform=event.platform,
                chat_id=event.chat.chat_id,
                message_id=event.origin.message_id,
                text=event.origin.text,
                label=event.origin.label,
                now=now,
                event_id=event.event_id,
                due=due,
            )
        rows += reply_rows(
            platform=event.platform,
            chat_id=event.chat.chat_id,
            bodies=bodies_of(replies),
            now=now,
            is_private=event.chat.is_private,
            thread_id=event.chat.thread_id,
            event_id=event.event_id,
            due=due,
        )
        await write(session, rows, riders)

    def _committed(self, event: InboundEvent, written: frozenset[ChatKey]) -> None:
        if event.platform in self.outbox_platforms and self.on_outbox is not None:
            self.on_outbox(written)

    async def _apologise(self, event: InboundEvent) -> list[Reply]:
        """Nothing of the event was kept; say so (through the outbox where there is one)."""
        lang = match_language(event.actor.language_code, self.parts.translator.languages)
        lang = lang or self.parts.settings.default_lang
        replies: list[Reply] = [Text(self.parts.translator.t(lang, "errors.internal"))]
        if event.platform in self.outbox_platforms:
            try:
                async with self.db.transaction(platform=event.platform) as session:
                    await self._enqueue(session, replace(event, origin=None), replies)
                    written = chats_written(session)
                self._committed(event, written)
            except Exception:
                log.exception("could not even queue the apology for %s", event.event_id)
                raise  # nothing was stored: let the adapter answer 5xx so the platform retries
        return replies

    async def _claim(self, session: AsyncSession, event: InboundEvent) -> bool:
        if self._claim_stmt is None:  # built once (per backend), as it runs for every event
            self._claim_stmt = _claim_of(insert_ignore(session, ProcessedEvent))
        values = {
            "platform": event.platform,
            "event_id": event.event_id,
            "processed_at": self.parts.clock.now(),
        }
        # On the connection, not the session: a plain INSERT needs none of the ORM's
        # statement handling, which costs more than the statement itself.
        connection = await unit_connection(session)
        return bool(await run(connection, self._claim_stmt, values))

    async def _context(self, session: AsyncSession, event: InboundEvent, riders: Riders) -> Context:
        ctx = await self._claimed_context(session, event, riders, claim=False)
        assert ctx is not None  # only a claim finds a duplicate
        return ctx

    async def _claimed_context(
        self, session: AsyncSession, event: InboundEvent, riders: Riders, *, claim: bool
    ) -> Context | None:
        """The event's context; ``claim``: claim the event in the same statement that reads
        its sender (PostgreSQL), and None when it was claimed before (a duplicate)."""
        settings, translator = self.parts.settings, self.parts.translator
        command, args = event.command, event.args
        if command is None and event.payload is None:
            command, args = split_command(event.text)
        if command is not None:
            command, args = glued_command(self.commands, command.lower(), args)
        free_text = is_free_text(command, event.payload, event.text.strip())
        claimed_at = self.parts.clock.now() if claim else None
        sender = await self._user_and_conversation(session, event, free_text, claimed_at)
        if not sender.claimed:
            return None
        user = sender.user
        if user is not None and not user.active:
            user = None
        lang = (
            (user.lang if user else None)
            or match_language(event.actor.language_code, translator.languages)
            or settings.default_lang
        )
        tz = ZoneInfo((user.tz if user else None) or settings.default_tz)
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
            custom_fields=sender.custom_fields,
            riders=riders,
        )
        if user is not None:
            session.info["audit_user_id"] = user.id
            ctx.principal = await principal_for(
                session, user, finance_sees_tickets=settings.finance_sees_tickets
            )
            if sender.own_names is not None and ctx.principal.role is Role.REP:
                ctx.customer_names = sender.own_names  # a rep sees their own customers
            ctx.masking = await masking_for(
                session, ctx.principal, in_group=not event.chat.is_private
            )
            ctx.flow = FlowControl(
                sender.conversation or await self._conversation(session, event, user),
                settings.conversation_ttl_minutes,
                self.parts.clock.now(),
            )
        return ctx

    @staticmethod
    async def _user_and_conversation(
        session: AsyncSession, event: InboundEvent, free_text: bool, claimed_at: datetime | None
    ) -> _Sender:
        """The sender and, when the chat already has one, their conversation row (locked),
        the custom fields' names and (free text) a rep's customer names. A first message in
        a chat (no row yet) or a stranger falls back to the user alone (the rest is then
        read when needed). ``claimed_at``: claim the event in the same statement, at that
        time (PostgreSQL only)."""
        key = {
            "platform": event.platform,
            "external_id": event.actor.platform_user_id,
            "chat_id": event.chat.chat_id,
        }
        if claimed_at is None:
            statement = _user_and_conversation(session.get_bind().dialect.name, free_text)
            found = await read(session, statement, key)
        else:
            claim = {"event_id": event.event_id, "processed_at": claimed_at}
            ((count, *columns),) = await read(session, _claimed_with_sender(free_text), key | claim)
            if not count:
                return _Sender(None, None, None, None, claimed=False)
            found = [tuple(columns)] if columns[0] is not None else []
        if found:
            row = found[0]
            split = len(_USER)
            end = split + len(_CONVERSATION_ROW)
            return _Sender(
                attach(session, User, row[:split]),
                attach(session, Conversation, row[split:end]),
                field_names(row[end]),
                own_names(row[end + 1]) if free_text else None,
            )
        user = await identity_user(session, event.platform, event.actor.platform_user_id)
        return _Sender(user, None, None, None)

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
        if not ctx.event.addressed and ctx.command not in self.known_commands:
            # "/roll" in a group, not addressed to us: another bot's, so not ours to answer
            # ("unknown command", or the invite prompt, would only be noise in that group).
            return
        if ctx.user is None or ctx.flow is None:
            if ctx.command in UNLINKED_COMMANDS:
                await run_guarded(ctx, self.parts.onboarding)
                return
            if self.parts.customers is not None and ctx.event.chat.is_private and ctx.text:
                await run_guarded(ctx, self.parts.customers)
                if ctx.replies:
                    return
            if _for_presser_only(ctx) or self._prompt_due(ctx):
                # A stranger's press in a group is answered to them alone: nothing queued.
                await run_guarded(ctx, _not_linked)
            return
        await self.parts.conversations.dispatch(ctx)

    def _prompt_due(self, ctx: Context) -> bool:
        """A chat that is not linked hears how to link once in ``UNLINKED_PROMPT_EVERY``,
        not once per message: a stranger (or a script) sending many messages must not fill
        the outbox. Kept per worker, which bounds it well enough (N workers: N prompts)."""
        key = (ctx.event.platform, ctx.event.chat.chat_id)
        now = ctx.now
        last = self._prompted.get(key)
        if last is not None and now - last < UNLINKED_PROMPT_EVERY:
            return False
        if len(self._prompted) >= PROMPTED_CAP:
            self._prompted = {
                k: at for k, at in self._prompted.items() if now - at < UNLINKED_PROMPT_EVERY
            }
        self._prompted[key] = now
        return True


async def _finish_with(slow: SlowWork, result: Any, ctx: Context) -> None:
    await slow.finish(ctx, result)


def _for_presser_only(ctx: Context) -> bool:
    """A press in a group that changed nothing (refused, or by someone not linked): only
    the presser hears why, and the group's message keeps its buttons for their owner."""
    event = ctx.event
    return (
        event.kind is EventKind.BUTTON
        and not event.chat.is_private
        and (ctx.user is None or ctx.refused)
    )


def _notice(replies: list[Reply]) -> list[Reply]:
    """The refusal's words as one :class:`Notice` for the presser."""
    text = "\n".join(reply_text(r) for r in replies).strip()
    return [Notice(text)] if text else []


async def _not_linked(ctx: Context) -> None:
    event = ctx.event
    if event.chat.is_private:
        ctx.say("onboarding.not_linked", start=command_hint(event.platform, "start"))
    else:  # in a group: the code is to be sent where only we see it
        point_to_private_chat(ctx)
