"""The yardstick of issue 20: a simple Telegram CRM bot as a developer would write it with
the same libraries, doing the same *logical* writes per message as crmbot.

It is part of the benchmark, not of crmbot. Per update it: authenticates the webhook by
its secret header, decodes the update with python-telegram-bot's ``Update.de_json``,
dedupes by ``update_id``, looks the sender up by chat id, reads the message with a regular
expression, then either

* logs a call or visit on a customer it finds by name (an activity, a follow-up task and
  an outbox row with the confirmation),
* answers "not found, create it?" for a customer it does not find (an outbox row), or
* answers ``/find NAME`` with up to five matching customers (an outbox row),

all in one SQLAlchemy 2 async ORM transaction, behind a write gate on SQLite (one writer
at a time, as crmbot has). By default it sends nothing: writing the outbox row is its whole
reply, as issue 20 defines the peer. With a :class:`PeerSender` (``per_message.py
--peer-sends``) it also sends its replies, as any bot must, the simple way: one loop takes
the unsent rows, sends each with python-telegram-bot at Telegram's overall 30 a second and
marks it sent, woken after each commit.
What it does not do, and crmbot does: audit trail, undo, conversation state, approvals,
record rules, pinyin and typo-tolerant lookup, languages, dates beyond "weekday + hour".
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web
from sqlalchemy import DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from telegram import Bot, Update

from store.db import POOL_OVERFLOW, POOL_SIZE

LOG = re.compile(
    r"^(?P<kind>called|visited|met)\s+(?P<customer>[^,]+?)\s*,\s*(?P<note>.*?)"
    r"(?:,\s*follow up (?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?P<hour>\d{1,2})\s*(?P<ampm>am|pm)?)?)?\s*$",
    re.IGNORECASE,
)
FIND = re.compile(r"^/find(?:@\w+)?\s+(?P<name>.+)$", re.IGNORECASE)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Base(DeclarativeBase):
    # Aware datetimes throughout, as PostgreSQL's asyncpg insists (timestamptz).
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class PeerUser(Base):
    __tablename__ = "peer_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class PeerCompany(Base):
    __tablename__ = "peer_companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("peer_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)


class PeerActivity(Base):
    __tablename__ = "peer_activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peer_users.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("peer_companies.id"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]


class PeerTask(Base):
    __tablename__ = "peer_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peer_users.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("peer_companies.id"))
    title: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]


class PeerOutbox(Base):
    __tablename__ = "peer_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class PeerProcessed(Base):
    __tablename__ = "peer_processed"
    update_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class PeerBot:
    """The peer's aiohttp app and its database."""

    def __init__(self, database_url: str, secret: str) -> None:
        is_sqlite = database_url.startswith("sqlite")
        # PostgreSQL: crmbot's pool (store.db), so that neither side re-opens connections
        # in a burst of 16 (SQLAlchemy's default keeps 5: the peer opened 48 in 800
        # messages) and the ratio compares what a message costs, not pool settings.
        sized = {} if is_sqlite else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        self.engine: AsyncEngine = create_async_engine(database_url, **sized)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.secret = secret.encode()
        self.gate = asyncio.Lock() if is_sqlite else None
        self.committed = asyncio.Event()
        """Set after each update's commit: what wakes a :class:`PeerSender`."""

    async def create_schema(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)

    async def seed(self, reps: int, first_chat_id: int) -> None:
        """One linked rep per chat id, each owning one customer named ``Customer NN Ltd``."""
        async with self.sessions() as session, session.begin():
            for i in range(reps):
                rep = PeerUser(chat_id=str(first_chat_id + i), name=f"rep{i}")
                session.add(rep)
                await session.flush()
                session.add(PeerCompany(owner_id=rep.id, name=f"Customer {i:02d} Ltd"))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/telegram/webhook", self.webhook)
        return app

    async def close(self) -> None:
        await self.engine.dispose()

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        update = Update.de_json(json.loads(await request.read()), None)
        message = update.message
        if message is None or message.text is None:
            return web.json_response({})
        async with self.writing():
            await self.handle(update.update_id, str(message.chat.id), message.text)
        self.committed.set()
        return web.json_response({})

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        if self.gate is None:
            yield
            return
        async with self.gate:
            yield

    async def handle(self, update_id: int, chat_id: str, text: str) -> None:
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            if not await self._claim(session, update_id):
                return
            user = await session.scalar(select(PeerUser).where(PeerUser.chat_id == chat_id))
            if user is None:
                session.add(PeerOutbox(chat_id=chat_id, text="Not linked.", created_at=now))
                return
            found = FIND.match(text)
            if found is not None:
                await self._find(session, user, chat_id, found["name"].strip(), now)
                return
            log = LOG.match(text)
            if log is None:
                reply = "Sorry, I did not understand."
                session.add(PeerOutbox(chat_id=chat_id, text=reply, created_at=now))
                return
            await self._log(session, user, chat_id, log, now)

    async def _claim(self, session: AsyncSession, update_id: int) -> bool:
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        claimed = await session.execute(
            insert(PeerProcessed)
            .values(update_id=update_id)
            .on_conflict_do_nothing()
            .returning(PeerProcessed.update_id)
        )
        return claimed.scalar() is not None

    async def _log(
        self,
        session: AsyncSession,
        user: PeerUser,
        chat_id: str,
        log: re.Match[str],
        now: datetime,
    ) -> None:
        name = log["customer"].strip()
        company = await session.scalar(
            select(PeerCompany).where(
                PeerCompany.owner_id == user.id, func.lower(PeerCompany.name) == name.lower()
            )
        )
        if company is None:
            reply = f"I don't know “{name}”. Create it?"
            session.add(PeerOutbox(chat_id=chat_id, text=reply, created_at=now))
            return
        kind = "call" if log["kind"].lower() == "called" else "visit"
        session.add(
            PeerActivity(
                user_id=user.id, company_id=company.id, kind=kind, note=log["note"], occurred_at=now
            )
        )
        reply = f"Logged: {kind} · {company.name}"
        if log["day"]:
            due = _next(now, log["day"], log["hour"], log["ampm"])
            session.add(
                PeerTask(
                    user_id=user.id,
                    company_id=company.id,
                    title=f"Follow up {company.name}",
                    due_at=due,
                )
            )
            reply += f"\nFollow-up: {due:%a %d %b %H:%M}"
        session.add(PeerOutbox(chat_id=chat_id, text=reply, created_at=now))

    @staticmethod
    async def _find(
        session: AsyncSession, user: PeerUser, chat_id: str, name: str, now: datetime
    ) -> None:
        companies = (
            await session.scalars(
                select(PeerCompany)
                .where(PeerCompany.owner_id == user.id, PeerCompany.name.ilike(f"%{name}%"))
                .order_by(PeerCompany.name)
                .limit(5)
            )
        ).all()
        reply = "\n".join(c.name for c in companies) or f"No customer like “{name}”."
        session.add(PeerOutbox(chat_id=chat_id, text=reply, created_at=now))


class PeerSender:
    """The peer's replies sent, as a developer would first write it: one loop, the unsent
    rows oldest first, a ``sendMessage`` each at Telegram's overall limit of 30 a second
    (the pace crmbot's sender keeps), each row marked sent in its own commit (a crash
    resends at most the one in flight)."""

    PER_SECOND = 30.0

    def __init__(self, peer: PeerBot, bot: Bot) -> None:
        self.peer = peer
        self.bot = bot
        self._next_slot = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.peer.committed.clear()
            async with self.peer.writing(), self.peer.sessions() as session:
                rows = (
                    await session.scalars(
                        select(PeerOutbox)
                        .where(PeerOutbox.sent_at.is_(None))
                        .order_by(PeerOutbox.id)
                        .limit(30)
                    )
                ).all()
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.peer.committed.wait(), timeout=1.0)
                continue
            for row in rows:
                if stop.is_set():
                    return
                # Telegram's overall limit, kept by a schedule: one slot every 1/30 s.
                loop = asyncio.get_running_loop()
                slot = max(loop.time(), self._next_slot)
                self._next_slot = slot + 1 / self.PER_SECOND
                await asyncio.sleep(slot - loop.time())
                await self.bot.send_message(int(row.chat_id), row.text)
                async with (
                    self.peer.writing(),
                    self.peer.sessions() as session,
                    session.begin(),
                ):
                    sent = await session.get(PeerOutbox, row.id)
                    if sent is not None:
                        sent.sent_at = datetime.now(UTC)


def _next(now: datetime, day: str, hour: str | None, ampm: str | None) -> datetime:
    """The next ``day`` (a week on if it is today) at ``hour`` (9:00 without one)."""
    ahead = (DAYS.index(day.lower()) - now.weekday()) % 7 or 7
    at = int(hour) if hour else 9
    if ampm and ampm.lower() == "pm" and at < 12:
        at += 12
    start = now.replace(hour=at % 24, minute=0, second=0, microsecond=0)
    return start + timedelta(days=ahead)
