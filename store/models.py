"""The CRM's tables. Every customer-facing record has an owner; record rules key on it."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.roles import Role as Role  # re-exported: where the other models' names live
from store.sealing import Sealed, SealedBytes, SealedJSON
from store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ActivityKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    MEETING = "meeting"
    EMAIL = "email"
    WECHAT = "wechat"  # a WeChat / text message
    NOTE = "note"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    audited: ClassVar[bool] = True  # role and activation changes are worth a trace
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=Role.REP)
    lang: Mapped[str | None] = mapped_column(String(8))
    tz: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))  # None: the workspace's default
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class FxRate(Base):
    """One unit of ``currency`` is worth ``rate`` units of the workspace's base currency."""

    __tablename__ = "fx_rates"
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    updated_at: Mapped[datetime]


class TeamMember(Base):
    __tablename__ = "team_members"
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ChatIdentity(Base):
    """A verified platform account linked to a CRM user by an invite code."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    linked_at: Mapped[datetime]
    # Set when a push to this account failed for good (bot blocked, chat gone): pushes skip
    # it until the person writes from it again.
    unreachable_at: Mapped[datetime | None]
    # When the person last wrote from this account, on platforms that only let a bot write
    # for a while after that (a WeChat Official Account: 48 hours).
    last_message_at: Mapped[datetime | None]


class Invite(Base):
    """One-time, expiring; only a hash of the code is stored."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))


class StartAttempt(Base):
    """Wrong invite codes sent from one chat in the current window (store/start_attempts.py)."""

    __tablename__ = "start_attempts"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]


class Owned:
    """Marks a record that belongs to a user; record rules and the audit log apply to it."""

    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class Company(Owned, Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    search_key: Mapped[str | None] = mapped_column(Text)
    # store.dedupe.company_core of the name, kept with search_key: the twin check's key.
    name_core: Mapped[str | None] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(Sealed("companies.phone"))
    phone_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    website: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(Text)  # comma-separated, as imported
    lead_source: Mapped[str | None] = mapped_column(String(80))  # 来源: fair, referral...
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Contact(Owned, Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120), index=True)
    search_key: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(120))
    # Sealed when a key is configured (store/sealing.py); the *_bidx columns are their
    # keyed blind indexes, set by the flush hook (store/blind_index.py), None without a key.
    mobile: Mapped[str | None] = mapped_column(Sealed("contacts.mobile"), index=True)
    phone: Mapped[str | None] = mapped_column(Sealed("contacts.phone"))
    email: Mapped[str | None] = mapped_column(Sealed("contacts.email"), index=True)
    mobile_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    email_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    wechat: Mapped[str | None] = mapped_column(String(64))
    wechat_openid: Mapped[str | None] = mapped_column(String(64), index=True)
    """The contact as a follower of the WeChat Official Account (matched by the phone they
    send it): the survey after a ticket is closed goes to them there."""
    birthday: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SearchWord(Base):
    """One distinct piece of the name section of the companies' and contacts' search keys
    (a word, a whole name, its pinyin): the typo stage of lookup looks for near words here,
    tens of thousands of rows, rather than among every name (:mod:`store.search_words`)."""

    __tablename__ = "search_words"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(Text, unique=True)


#: The key of a word's postings (:class:`CompanyWord`, :class:`ContactWord`): one B-tree,
#: read by word (an admin) or by word and owner (a rep); a WITHOUT ROWID table on SQLite,
#: so that key is the table itself.
_POSTING_KEY = ("word", "owner_id", "record_id")


class CompanyWord(Base):
    """One name-section piece of one company's search key, with the company's owner: which
    companies hold a word. The typo stage of lookup reads the holders of its near words
    here (:mod:`store.search_words`); a company's rows go with it (``ON DELETE CASCADE``)."""

    __tablename__ = "company_words"
    __table_args__ = (PrimaryKeyConstraint(*_POSTING_KEY), {"sqlite_with_rowid": False})
    word: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )


class ContactWord(Base):
    """:class:`CompanyWord` for contacts."""

    __tablename__ = "contact_words"
    __table_args__ = (PrimaryKeyConstraint(*_POSTING_KEY), {"sqlite_with_rowid": False})
    word: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )


class ContactPhoto(Base):
    """The business card a contact was created from: the photo, who scanned it and what was
    read. Not audited: the audit log would copy the image bytes; the contact itself is."""

    __tablename__ = "contact_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    image: Mapped[bytes] = mapped_column(SealedBytes("contact_photos.image"))
    mime_type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40))
    fields: Mapped[dict[str, Any]] = mapped_column(SealedJSON("contact_photos.fields"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Deal(Owned, Base):
    __tablename__ = "deals"
    __table_args__ = (
        # The chart queries (store/reports.py) read only these columns: index-only scans.
        Index(
            "ix_deals_open_report",
            "stage",
            "expected_close",
            "owner_id",
            "currency",
            "amount_cents",
            "probability",
        ),
        Index(
            "ix_deals_closed_report",
            "stage",
            "stage_changed_at",
            "owner_id",
            "currency",
            "amount_cents",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Neither has an index of its own: ``ix_deals_company_stage`` leads with the company,
    # the two report indexes with the stage.
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    expected_close: Mapped[date | None] = mapped_column(Date)
    probability: Mapped[int] = mapped_column(Integer, default=10)
    close_reason: Mapped[str | None] = mapped_column(Text)
    stage_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DealStageChange(Base):
    """Every stage move with its time; funnel and conversion reports read this."""

    __tablename__ = "deal_stage_changes"
    __table_args__ = (Index("ix_deal_stage_changes_report", "changed_at", "deal_id", "to_stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime]  # ix_deal_stage_changes_report leads with it
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Activity(Owned, Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_report", "owner_id", "occurred_at", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of their own: ``ix_activities_report`` leads with the owner and
    # ``ix_activities_company_time`` with the company (tests/test_indexes.py).
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    # Where the rep checked in (a location shared from the chat), when they did.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(200))
    checked_in_at: Mapped[datetime | None]


class Task(Owned, Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_open_due", "owner_id", "done_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # ix_tasks_open_due leads with it
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    """An SLA escalation's ticket: its push carries the ticket's buttons (Reassign, Open, Take)."""
    # Write-only in practice: lets a follow-up be added with its still-unsaved activity and
    # both go in one flush (the one-message log). Never loaded, hence "raise".
    activity: Mapped[Activity | None] = relationship(lazy="raise")
    title: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Who changed which record, when, from which platform: a created or deleted record's
    fields as one JSON object, a change to one a row per field with its old and new value
    (:mod:`store.audit`)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_record", "table_name", "record_id"),
        # Rows come in time order and stay where they are written (bar a key rotation or an
        # erasure, which a BRIN index survives, only less sharply): on PostgreSQL a BRIN index
        # (a summary per block range) finds a period's rows for a fraction of a B-tree's
        # upkeep, which every audited change (several rows each) would pay (migration 0031).
        Index(
            "ix_audit_log_at",
            "at",
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(40))
    # Sealed with a key configured: a contact's phone and e-mail reach the log as values.
    old_value: Mapped[str | None] = mapped_column(Sealed("audit_log.value"))
    new_value: Mapped[str | None] = mapped_column(Sealed("audit_log.value"))


class UndoAction(Base):
    """What one chat action created or changed, so its Undo button can reverse exactly that."""

    __tablename__ = "undo_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Sealed with a key configured: an undone edit's old values may be a phone or e-mail.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(
        SealedJSON("undo_actions.steps"), default=list
    )
    created_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Delivery ids already handled; a redelivery finds its row and changes nothing."""

    __tablename__ = "processed_events"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class OutboxMessage(Base):
    """A reply or push to deliver, written in the event's transaction and sent after commit.

    ``kind`` is ``send`` (a new message) or ``choice`` (edit the message whose button was
    pressed so the chat shows what was chosen). A sender claims due rows, honours the
    platform's limits, and records the platform's message ids, or why it gave up.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        # Only an approval's pushes are looked up by it: the other replies, nearly all of
        # them, stay out of the index when written and each time their state changes.
        Index(
            "ix_outbox_approval",
            "approval_id",
            sqlite_where=text("approval_id IS NOT NULL"),
            postgresql_where=text("approval_id IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(64))
    """The thread or forum topic of the chat the reply belongs in (Slack ``thread_ts``,
    Telegram ``message_thread_id``); none: the chat itself."""
    is_private: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(8), default="send")
    body: Mapped[dict[str, Any]] = mapped_column(SealedJSON("outbox.body"))  # cards show phones
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    target_message_id: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(128))
    approval_id: Mapped[int | None] = mapped_column(Integer)
    """The approval request this push asks about: its other copies are closed once decided."""
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    """The user a push is for (a reply to an event has none)."""
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    message_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PlatformToken(Base):
    """A platform's shared API access token (WeChat, WeCom): fetching one invalidates the
    previous, so every worker uses this row and one refreshes it before ``expires_at``."""

    __tablename__ = "platform_tokens"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    refreshed_at: Mapped[datetime]


class WorkspaceStatus(Base):
    """A chat workspace that took the app away (Slack ``app_uninstalled`` /
    ``tokens_revoked``): nothing is sent there until it uses the app again. One row per
    platform and workspace, shared by every worker."""

    __tablename__ = "workspace_status"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime]


class EncryptionKey(Base):
    """A key (by its id, never the key) that has sealed values in this database. Start-up
    refuses a configuration that cannot open a key still in use (``retired_at`` None), so a
    wrong or missing ``CRMBOT_ENCRYPTION_KEY`` is a clear error, not unreadable records;
    ``crmbot keys rotate`` retires a key once no row is sealed with it."""

    __tablename__ = "encryption_keys"
    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    added_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class GroupBot(Base):
    """A group robot webhook (a WeCom team group): the subscribed reports of the team's
    managers are posted there too."""

    __tablename__ = "group_bots"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Lease(Base):
    """A job only one worker may do at a time (the outbox sender of a bot), held until
    ``expires_at`` and renewed while the holder lives; a dead holder's lease runs out."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class ResponseUrl(Base):
    """Where to answer in a chat the bot cannot post to (a Slack slash command's
    ``response_url``), kept in the database so whichever worker sends can use it."""

    __tablename__ = "response_urls"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]


class Conversation(Base):
    """Multi-step flow state per (platform, chat, user), so any worker can continue it."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    flow: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(40))
    flow_version: Mapped[int] = mapped_column(Integer, default=0)
    # Sealed with a key configured: a card being reviewed holds its phones and e-mails.
    data: Mapped[dict[str, Any]] = mapped_column(SealedJSON("conversations.data"), default=dict)
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [payload, label] pairs
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


# --- Reminders (issue 6) -------------------------------------------------------------------

Index("ix_tasks_due_at", Task.due_at)
"""The reminder tick scans tasks falling due in a time window, whoever owns them."""


class Reminder(Base):
    """One push the scheduler owes a user: a task falling due, a morning digest, a weekly list.

    The database, not the scheduler's memory, decides what is due. ``key`` is unique per
    occurrence (``task:<id>:<due µs>``, ``digest:<user>:<local date>``), so however many workers
    notice the same occurrence, one row exists; the worker that claims the row writes its
    outbox row in the same transaction, so the push leaves once. ``state``: ``pending`` ->
    ``queued`` (in the outbox) / ``no_channel`` / ``skipped`` (nothing to say, or the task was
    done or moved meanwhile) / ``failed`` (the platform refused it for good).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "state", "due_at"),
        Index("ix_reminders_task", "task_id", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="pending")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    platform: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


class RuleFiring(Base):
    """A rule fired once for this ``key`` (``first_contact:<company>``, ``birthday:<c>:<year>``)
    and made ``task_id``; kept after the task is done or undone so the rule never fires twice."""

    __tablename__ = "rule_firings"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    fired_at: Mapped[datetime]


class ReminderRule(Base):
    """An admin's setting for one reminder rule (``/rules``); without a row the configured
    default applies. In the database so that every worker sees the same change at once."""

    __tablename__ = "reminder_rules"
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReminderPreference(Base):
    """A user's morning digest: off, or at their own local time (None = the default)."""

    __tablename__ = "reminder_preferences"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_time: Mapped[time | None] = mapped_column(Time)
    updated_at: Mapped[datetime]


class SchedulerMark(Base):
    """How far a periodic scan has got (e.g. tasks due up to ``at`` were looked at), so the
    next scan reads a window instead of the whole history, and a restart resumes from it."""

    __tablename__ = "scheduler_marks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime]


# --- Managers' reports (issue 7) ------------------------------------------------------------


class ReportSubscription(Base):
    """A user's standing order for a chart (``/subscribe weekly pipeline``): the scheduler
    plans one push per local day or week from it, keyed ``report:<id>:<local date>``."""

    __tablename__ = "report_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "report", "every"),)  # leads with the user
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    report: Mapped[str] = mapped_column(String(16))
    every: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class DealApproval(Base):
    """A request to mark a big deal won, and the manager's answer. ``state``: ``pending`` ->
    ``approved`` / ``rejected``; audited like the deal itself, so who decided what is on record."""

    __tablename__ = "deal_approvals"
    __table_args__ = (Index("ix_deal_approvals_deal_state", "deal_id", "state"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    to_stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A personal API token for an integration (``crmbot token create``): only its SHA-256
    is kept, so the database never holds a usable token; revoked rows stay as the record."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AppLinkUse(Base):
    """A signed sign-in link to the quick-lookup page that has been used: a link is good
    once, and its nonce here refuses the second use (rows past ``expires_at`` are dead
    anyway and may be swept)."""

    __tablename__ = "app_link_uses"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


# --- Import (issue 13) ----------------------------------------------------------------------


class ImportRun(Base):
    """One import of a file: who, which file (its SHA-256), the dedupe policy, how it went.

    ``state``: ``pending`` (a file sent in chat, waiting for Import / Cancel; ``data`` holds
    it until then) -> ``running`` (batches being written; a crash leaves it here, with every
    batch written so far listed in ``imported_records``) -> ``done``; ``undone`` after
    ``crmbot import undo``; ``cancelled``.
    """

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sheet: Mapped[str | None] = mapped_column(String(100))
    on_duplicate: Mapped[str] = mapped_column(String(10))
    platform: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(10))
    # Sealed with a key configured: the file and its report (a bad phone is quoted) hold them.
    summary: Mapped[dict[str, Any]] = mapped_column(SealedJSON("imports.summary"), default=dict)
    data: Mapped[bytes | None] = mapped_column(SealedBytes("imports.data"))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ImportedRecord(Base):
    """A record one import created or updated, with the file's row number: what
    ``import undo`` removes, and where a contact came from."""

    __tablename__ = "imported_records"
    __table_args__ = (
        Index("ix_imported_records_import", "import_id", "row"),
        Index("ix_imported_records_record", "table_name", "record_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))


# --- Contracts and payments (issue 14) ------------------------------------------------------


class Contract(Owned, Base):
    """A signed (or to-be-signed) agreement with a customer, usually from a won deal.

    ``status``: ``draft`` -> ``approval`` (waiting for the levels in ``contract_approvals``)
    -> ``active`` -> ``expired`` / ``terminated`` / ``renewed`` (the next contract, linked by
    its ``renewal_of_id``, became active). Owned like a deal: the same record rules and audit.
    """

    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_status_end", "status", "ends_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    signed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    renewal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ContractApproval(Base):
    """One level of a contract's approval: ``level`` 1, 2… asked of ``role`` in turn; the next
    level's row is made only when this one says yes. ``state`` as for deal approvals."""

    __tablename__ = "contract_approvals"
    __table_args__ = (Index("ix_contract_approvals_contract_state", "contract_id", "state"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    levels: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class ContractPayment(Base):
    """One instalment of a contract's payment plan; ``paid_cents`` is what came in so far
    (a partial payment: less than ``amount_cents``) and ``paid_on`` is set once all of it
    did. Audited, so who recorded what (and when) is on record."""

    __tablename__ = "contract_payments"
    __table_args__ = (Index("ix_contract_payments_due", "paid_on", "due_on"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    @property
    def due_cents(self) -> int:
        """What is still to come in."""
        return self.amount_cents - self.paid_cents


# --- After-sales tickets (issue 14) ---------------------------------------------------------


class Ticket(Owned, Base):
    """A customer's service request after the sale.

    ``owner_id`` is the customer's owner (the rep sees their customers' tickets, as for
    deals); ``team_id`` is the service group it was routed to and ``assignee_id`` who works
    on it (both empty: the default queue, where anyone in service may Take it). ``status``:
    ``open`` -> ``closed`` (with ``resolution``); a survey score of 1–2 opens it again with
    ``escalated_at`` set. ``respond_by`` / ``resolve_by`` are the SLA targets of its priority.
    """

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_resolve", "status", "resolve_by"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="open")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    respond_by: Mapped[datetime]
    resolve_by: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    escalated_for: Mapped[str | None] = mapped_column(String(16))
    """Why ``escalated_at`` was set: ``response`` / ``resolution`` (an SLA target passed,
    recorded once per breach) or ``score`` (a low survey score reopened it)."""
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# --- Masking of sensitive fields by role (issue 12) ------------------------------------------


class MaskRule(Base):
    """An admin's choice that one class of sensitive field (``phone``, ``email``,
    ``amount``) is masked for one role (``rep``, ``manager``) on records the viewer does not
    own (``/settings``, ``crmbot settings mask``). No row: shown, so a workspace that never
    set anything behaves as before. In the database so every worker applies a change at
    once; audited, so who hid or showed what is on record."""

    __tablename__ = "mask_rules"
    __table_args__ = (UniqueConstraint("role", "field", name="uq_mask_rules_role_field"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(16))
    masked: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# --- Book of business: tags, custom fields, segments (issue 15) ----------------------------


Index("ix_activities_company_time", Activity.company_id, Activity.occurred_at, Activity.kind)
"""Segments ask, per customer, "any activity (of this kind) since …?": one index seek, and
the kind is read from the index (benchmarks/segments.py)."""
Index("ix_deals_company_stage", Deal.company_id, Deal.stage, Deal.stage_changed_at)
"""Segments ask, per customer, "a won deal since …?" and "an open deal in its stage since
before …?"."""


class TagDimension(Base):
    """A group of tags (industry, region, tier…): a preset of 22 comes with the migration,
    admins add more. ``key`` is what the CLI and payload-free text name it by; the names
    are what people read, one per language."""

    __tablename__ = "tag_dimensions"
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Tag(Base):
    """One value of a dimension (``VIP`` in tier, ``制造业`` in industry)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("dimension_id", "name"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("tag_dimensions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime]


class CompanyTag(Base):
    """A tag put on a customer. Audited, so who tagged what (and removed it) is on record;
    the ``(tag_id, company_id)`` index serves segment filters by tag."""

    __tablename__ = "company_tags"
    __table_args__ = (
        UniqueConstraint("company_id", "tag_id"),
        Index("ix_company_tags_tag", "tag_id", "company_id"),
    )
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class CustomerTier(Base):
    """A customer's tier as the tier rules last computed it (store/tiers.py), the tier
    before it and why (``reason``: ``won:CENTS``, ``orders:N``, ``tag:NAME`` or ``none``). A
    row with no ``notified_at`` is a change the owner has not been pushed yet."""

    __tablename__ = "customer_tiers"
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    tier: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime]
    notified_at: Mapped[datetime | None] = mapped_column(index=True)


class CustomField(Base):
    """A field an admin added to companies, contacts or deals (``entity``), with a name
    per language and a ``kind``: text, number, money, date, choice or multi (several
    choices). ``choices`` lists the allowed values of the two choice kinds."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("entity", "key"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class CustomValue(Base):
    """One value of a custom field on one record: a typed key-value row (docs/DESIGN.md
    says why not a JSON column). Exactly one of ``company_id`` / ``contact_id`` /
    ``deal_id`` is set (the field's entity), so deleting the record deletes its values; a
    multiple-choice field has one row per choice. The value sits in the column of its
    type, each indexed with the field first, which is how segments filter."""

    __tablename__ = "custom_values"
    __table_args__ = (
        Index("ix_custom_values_text", "field_id", "text_value"),
        Index("ix_custom_values_number", "field_id", "number_value"),
        Index("ix_custom_values_date", "field_id", "date_value"),
    )
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="CASCADE"), index=True
    )
    text_value: Mapped[str | None] = mapped_column(String(200))
    number_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    date_value: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime]


class Segment(Base):
    """A customer filter as typed in chat and as understood (``filters``: relative
    periods, so "上个月" is last month whenever it runs). A named segment is shared: anyone
    may run it and sees what their record rules allow. The row without a name is its
    owner's last segment, what "save as …" and the More button read."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("name"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PoolState(Base):
    """A customer's place in the lead pool (公海): the team whose pool it sits in while
    the pool holds it (``None``: everyone's), since when its owner holds it (the
    inactivity clock's start when nothing was logged since) and when the owner was last
    warned that it returns. A customer without a row was never claimed or pooled: its
    clock starts at its creation. The pool itself is an owner (store/pool.py)."""

    __tablename__ = "pool_state"
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    pool_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    held_since: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]


class PoolMove(Base):
    """One change of a customer's holder through the pool or an assignment: who held it,
    who holds it now, who did it and why (``claimed``, ``released``, ``inactive``,
    ``assigned``, ``kept``). The customer's history shows these lines; audited as well."""

    __tablename__ = "pool_moves"
    __table_args__ = (Index("ix_pool_moves_company", "company_id", "at"),)
    audited: ClassVar[bool] = True
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(16))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
