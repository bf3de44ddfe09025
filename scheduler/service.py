"""The reminder worker: what is due, who gets it, into the outbox — once.

Every step reads the database, never the scheduler's memory, so any number of workers can run
it and a restart picks up where the last run stopped:

* :meth:`ReminderService.tick` (every few seconds) turns tasks that fell due into occurrence
  rows (one per task *and* due time, keyed), then claims due occurrences in small batches
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and, in the claim's transaction, renders each push
  and writes its outbox row. A worker killed mid-batch rolls back: nothing was half-sent,
  another worker claims the rows.
* :meth:`plan_digests` (every minute) adds today's digest for each user whose local digest
  time has passed, and the weekly stale-deal list for managers — keyed per local day / week.
* :meth:`plan_digests` also plans subscribed reports (``/subscribe``) at each subscriber's
  local report time, and :meth:`plan_alerts` (with the rules) the managers' conversion alerts —
  see :mod:`scheduler.manager_reports`.
* :meth:`sweep_rules` (every few minutes) lets each rule find what deserves a nudge and makes
  tasks of it; :meth:`reconcile` records pushes the outbox gave up on and marks accounts that
  blocked the bot.

Planning jobs take a PostgreSQL advisory lock so that only one worker does each round; the
unique keys are what guarantee "once" even if two did. Nothing that fell due is skipped: a
push that leaves more than ``late_after_seconds`` after its due time says it is late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.sender import PushFailed, SenderPolicy
from bot.outbox import enqueue
from bot.replies import Reply
from bot.voice import Voice
from handlers.reminders.config import ReminderConfig
from handlers.reminders.rules import Rule, RuleState, Scan, default_rules, fire, rule_states
from locales.catalog import Translator
from scheduler.locks import try_singleton
from scheduler.manager_reports import (
    ALERT,
    REPORT,
    alert_due,
    alert_key,
    alert_people,
    low_conversions,
    plan_reports,
    render_alert,
    render_report,
)
from scheduler.person_push import person_voice, queue_push
from scheduler.pushes import digest_push, task_push, ticket_escalation_push, weekly_stale_push
from scheduler.tiers import tier_round
from store import group_bots
from store import reminders as store
from store.access import Records, principal_for
from store.app_links import sweep as forget_used_links
from store.db import Database
from store.housekeeping import forget_deliveries, forget_unconfirmed_imports
from store.models import (
    ChatIdentity,
    Company,
    OutboxMessage,
    Reminder,
    ReminderPreference,
    Role,
    Task,
    Ticket,
    User,
)
from store.next_steps import STUCK_DAYS

log = logging.getLogger(__name__)
UNCONFIRMED_IMPORTS_KEPT = timedelta(days=1)
"""A spreadsheet sent in chat and neither imported nor cancelled is dropped after this."""

TASK_SCAN = "reminders.tasks"
SCAN_MARGIN = timedelta(hours=1)
"""Re-read this much before the last scan: a slow transaction may commit a task due in it."""
SCAN_BATCH = 1000


@dataclass(frozen=True)
class Batch:
    claimed: int
    queued: int


@dataclass
class _TaskScan:
    """One pass over tasks falling due up to ``now``, planned a chunk at a time."""

    now: datetime
    since: datetime | None = None
    planned: int = 0
    finished: bool = False


class ReminderService:
    """``platforms``: the push platforms this worker can deliver to (its configured adapters);
    ``on_outbox`` wakes the outbox sender after a commit that queued pushes; ``users``, when
    given, limits delivery to those people (the terminal delivers only to the one at it)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        translator: Translator,
        config: ReminderConfig,
        *,
        platforms: Sequence[str],
        on_outbox: Callable[[], None] | None = None,
        rules: Sequence[Rule] | None = None,
        max_attempts: int | None = None,
        users: frozenset[int] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.translator = translator
        self.config = config
        available = set(platforms)
        self.platforms = tuple(p for p in config.platforms if p in available)
        self.group_bots = group_bots.PLATFORM in available
        self.on_outbox = on_outbox
        self.rules: tuple[Rule, ...] = tuple(rules) if rules is not None else default_rules()
        self.max_attempts = max_attempts or SenderPolicy().max_attempts
        self.users = users
        # One tick at a time per process: SQLite has no row locks to keep two apart.
        self._tick_lock = asyncio.Lock()

    # --- the tick ---------------------------------------------------------------------------

    async def tick(self) -> int:
        """Plan what fell due and deliver everything due; the number of pushes queued.

        Planning and delivery alternate chunk by chunk, so with 10,000 reminders due at once
        the first pushes reach the outbox after one chunk, not after all were planned.
        """
        async with self._tick_lock:
            scan = _TaskScan(self.clock.now())
            queued = 0
            while True:
                if not scan.finished:
                    await self._plan_chunk(scan)
                batch = await self.deliver_batch()
                queued += batch.queued
                if batch.claimed == 0 and scan.finished:
                    return queued

    async def plan_tasks(self) -> int:
        """Occurrence rows for open tasks whose due time has come (once per task and time)."""
        scan = _TaskScan(self.clock.now())
        while not scan.finished:
            await self._plan_chunk(scan)
        return scan.planned

    async def _plan_chunk(self, scan: _TaskScan) -> None:
        """One committed chunk of the scan. The scan mark moves only after a full pass; a pass
        cut short is simply redone (the keys make repeats harmless). Another worker holding
        the planning lock means it is planning: this one only delivers."""
        async with self.db.transaction(platform="scheduler") as session:
            if not await try_singleton(session, TASK_SCAN):
                scan.finished = True
                return
            if scan.since is None:
                mark = await store.get_mark(session, TASK_SCAN)
                lookback = timedelta(days=self.config.lookback_days)
                scan.since = (mark or scan.now - lookback) - SCAN_MARGIN
            rows = await store.due_task_occurrences(
                session, since=scan.since, now=scan.now, limit=SCAN_BATCH
            )
            await store.add_occurrences(session, rows)
            scan.planned += len(rows)
            if len(rows) < SCAN_BATCH:
                await store.set_mark(session, TASK_SCAN, scan.now)
                scan.finished = True

    async def deliver_batch(self) -> Batch:
        """Claim up to ``batch`` due occurrences and queue their pushes, in one transaction."""
        now = self.clock.now()
        queued = 0
        async with self.db.transaction(platform="scheduler") as session:
            rows = await store.claim_due(
                session,
                now=now,
                limit=self.config.batch,
                skip_locked=not self.db.is_sqlite,
                users=self.users,
            )
            if not rows:
                return Batch(0, 0)
            tasks, companies = await self._tasks_of(session, rows)
            for row in rows:
                task = tasks.get(row.task_id) if row.task_id is not None else None
                if task is not None and task.owner_id != row.user_id:
                    row.user_id = task.owner_id  # reassigned since: remind the new owner
            user_ids = {row.user_id for row in rows}
            users = {
                u.id: u for u in await session.scalars(select(User).where(User.id.in_(user_ids)))
            }
            targets = await store.push_targets(session, user_ids, self.platforms)
            for row in rows:
                row.handled_at = now
                row.late = now - row.due_at > timedelta(seconds=self.config.late_after_seconds)
                user = users.get(row.user_id)
                target = targets.get(row.user_id)
                if user is None or not user.active:
                    row.state, row.detail = "skipped", "user inactive"
                    continue
                if target is None:
                    # Recorded, not retried: the user has no account we can push to.
                    row.state, row.detail = "no_channel", "no reachable chat account"
                    log.info("reminder %s for user %s: no chat account to push to", row.id, user.id)
                    continue
                reply = await self._render(session, row, user, tasks, companies, now)
                if reply is None:
                    continue
                queue_push(
                    session, target, user.id, reply, now=now, event_id=store.push_event_id(row.id)
                )
                row.state, row.platform, row.chat_id = "queued", target.platform, target.chat_id
                queued += 1
                if row.kind == REPORT and self.group_bots:
                    await self._to_groups(session, user.id, reply, now)
        if queued and self.on_outbox is not None:
            self.on_outbox()
        return Batch(len(rows), queued)

    @staticmethod
    async def _to_groups(session: AsyncSession, user_id: int, reply: Reply, now: datetime) -> None:
        """A subscribed report goes to the manager's team groups as well."""
        for bot_id in await group_bots.for_user(session, user_id):
            enqueue(
                session,
                platform=group_bots.PLATFORM,
                chat_id=str(bot_id),
                replies=[reply],
                now=now,
                is_private=False,
            )

    async def _tasks_of(
        self, session: AsyncSession, rows: Sequence[Reminder]
    ) -> tuple[dict[int, Task], dict[int, str]]:
        ids = {row.task_id for row in rows if row.task_id is not None}
        if not ids:
            return {}, {}
        tasks = {t.id: t for t in await session.scalars(select(Task).where(Task.id.in_(ids)))}
        company_ids = {t.company_id for t in tasks.values() if t.company_id is not None}
        names: dict[int, str] = {}
        if company_ids:
            result = await session.execute(
                select(Company.id, Company.name).where(Company.id.in_(company_ids))
            )
            names = dict(result.all())
        return tasks, names

    def voice(self, user: User, now: datetime) -> Voice:
        return person_voice(self.translator, self.settings, user, now)

    async def _render(
        self,
        session: AsyncSession,
        row: Reminder,
        user: User,
        tasks: dict[int, Task],
        companies: dict[int, str],
        now: datetime,
    ) -> Reply | None:
        """The push for ``row``, or ``None`` with the row marked why nothing is sent."""
        voice = self.voice(user, now)
        if row.kind == "task":
            task = tasks.get(row.task_id) if row.task_id is not None else None
            if task is None or task.done_at is not None or task.due_at != row.due_at:
                # Done, or snoozed to another time (that time has its own occurrence).
                row.state, row.detail = "skipped", "task done or moved"
                return None
            company = companies.get(task.company_id) if task.company_id is not None else None
            ticket = await session.get(Ticket, task.ticket_id) if task.ticket_id else None
            if ticket is not None:
                return ticket_escalation_push(
                    voice,
                    task,
                    ticket,
                    company,
                    await principal_for(session, user),
                    late=row.late,
                    follow_up=self.settings.follow_up_time,
                )
            return task_push(
                voice, task, company, late=row.late, follow_up=self.settings.follow_up_time
            )
        try:
            async with session.begin_nested():
                records = Records(session, await principal_for(session, user), now)
                reply: Reply | None
                if row.kind == "digest":
                    reply = await digest_push(
                        session,
                        records,
                        voice,
                        user,
                        self.settings.pipeline,
                        self.settings.tier_rules,
                        await self._stuck_days(session),
                    )
                elif row.kind == "weekly":
                    days = await self._stale_days(session)
                    reply = await weekly_stale_push(
                        session, records, voice, user, self.settings.pipeline, days or 14
                    )
                elif row.kind == REPORT:
                    reply = await render_report(session, row, user, records, voice, self.settings)
                elif row.kind == ALERT:
                    reply = await render_alert(
                        row, user, records, voice, self.settings, self.config
                    )
                else:
                    row.state, row.detail = "skipped", f"unknown kind {row.kind}"
                    return None
        except Exception as exc:  # one bad push must not hold up the others
            log.exception("reminder %s (%s) could not be rendered", row.id, row.kind)
            row.state, row.detail = "failed", f"{type(exc).__name__}: {exc}"[:500]
            return None
        if reply is None:
            row.state, row.detail = "skipped", "nothing to report"
        return reply

    # --- digests and weekly lists -----------------------------------------------------------

    async def plan_digests(self) -> int:
        """Today's digest for each user whose local digest time has passed, and this week's
        stale-deal list for each manager; keys per local day / week make each happen once."""
        now = self.clock.now()
        async with self.db.transaction(platform="scheduler") as session:
            if not self.platforms or not await try_singleton(session, "reminders.digests"):
                return 0
            weekly_on = await self._stale_days(session) is not None
            reachable = exists().where(
                ChatIdentity.user_id == User.id, ChatIdentity.platform.in_(self.platforms)
            )
            people = await session.execute(
                select(
                    User.id,
                    User.tz,
                    User.role,
                    User.created_at,
                    ReminderPreference.digest_enabled,
                    ReminderPreference.digest_time,
                )
                .outerjoin(ReminderPreference, ReminderPreference.user_id == User.id)
                .where(User.active, reachable)
            )
            wanted: list[dict[str, object]] = []
            for user_id, tz, role, created_at, enabled, at in people:
                zone = ZoneInfo(tz or self.settings.default_tz)
                today = now.astimezone(zone).date()
                days: list[tuple[str, date]] = []
                if enabled is not False:
                    days.append(("digest", today))
                if weekly_on and role == Role.MANAGER:
                    week_day = (today.weekday() - self.config.weekly_day) % 7
                    days.append(("weekly", today - timedelta(days=week_day)))
                for kind, day in days:
                    due = _at(day, at or self.config.digest_time, zone)
                    if created_at <= due <= now:  # not for a time before the account existed
                        wanted.append(
                            store.occurrence(
                                key=f"{kind}:{user_id}:{day.isoformat()}",
                                kind=kind,
                                user_id=user_id,
                                due_at=due,
                                now=now,
                                task_id=None,
                            )
                        )
            wanted += await plan_reports(session, now, self.settings, self.platforms)
            return await _add_fresh(session, wanted)

    async def plan_alerts(self) -> int:
        """For each manager (their team) and admin (everyone), the stages converting below
        their floor; keyed per stage and ISO week, so each is told once a week at most."""
        now = self.clock.now()
        async with self.db.transaction(platform="scheduler") as session:
            if not self.platforms or not await try_singleton(session, "reminders.alerts"):
                return 0
            wanted: list[dict[str, object]] = []
            for user in await alert_people(session, self.platforms):
                zone = ZoneInfo(user.tz or self.settings.default_tz)
                today = now.astimezone(zone).date()
                records = Records(session, await principal_for(session, user), now)
                pipeline = self.settings.pipeline
                for low in await low_conversions(records, pipeline, self.config, zone, today):
                    wanted.append(
                        store.occurrence(
                            key=alert_key(user.id, low.stage, today),
                            kind=ALERT,
                            user_id=user.id,
                            due_at=alert_due(now, zone, self.settings.report_time),
                            now=now,
                            task_id=None,
                        )
                    )
            return await _add_fresh(session, wanted)

    async def _stale_days(self, session: AsyncSession) -> int | None:
        for state in await self.rule_states(session):
            if state.name == "stale_deal":
                return state.days if state.enabled else None
        return None

    async def _stuck_days(self, session: AsyncSession) -> int:
        """The stale-deal days (the ``/rules`` setting, even when its reminders are off):
        how long a deal sits in its stage before the digest suggests moving it on."""
        for state in await self.rule_states(session):
            if state.name == "stale_deal" and state.days:
                return state.days
        return STUCK_DAYS

    # --- rules ------------------------------------------------------------------------------

    async def rule_states(self, session: AsyncSession) -> list[RuleState]:
        return rule_states(self.rules, self.config, await store.rule_settings(session))

    async def sweep_rules(self) -> int:
        """Let each enabled rule find what deserves a nudge; the number of tasks made."""
        now = self.clock.now()
        made = 0
        async with self.db.transaction(platform="scheduler") as session:
            if not await try_singleton(session, "reminders.rules"):
                return 0
            scan = Scan(
                session,
                now,
                self.config,
                self.settings.pipeline,
                self.settings.default_tz,
                self.settings.default_lang,
            )
            states = {s.name: s for s in await self.rule_states(session)}
            for rule in self.rules:
                state = states[rule.name]
                if not state.enabled:
                    continue
                firings = await rule.find(scan, state.days)
                made += len(await fire(session, rule.name, firings, scan, self.translator))
        if made:
            log.info("reminder rules made %s tasks", made)
        return made

    async def plan_tiers(self) -> int:
        """Customer tiers: the nightly recompute, recent wins, pushes of the changes."""
        async with self.db.transaction(platform="scheduler") as session:
            if not await try_singleton(session, "tiers"):
                return 0
            return await tier_round(
                session, self.settings, self.translator, self.clock.now(), self.platforms
            )

    async def reconcile(self) -> int:
        """Pushes the outbox gave up on: record them, and mark accounts that refused for good;
        then forget handled reminders and delivered outbox rows older than ``keep_days``, and
        processed-event ids older than a week (:mod:`store.housekeeping`).

        A push that failed before the sender's last attempt failed permanently (blocked, chat
        not found); one that used every attempt failed on a platform outage, which says
        nothing about the person. (The sender's proposed ``on_failed`` hook does this at once,
        in the failure's own transaction; this pass stays as a safety net.)
        """
        now = self.clock.now()
        handled = 0
        async with self.db.transaction(platform="scheduler") as session:
            if not await try_singleton(session, "reminders.reconcile"):
                return 0
            since = now - timedelta(days=max(self.config.lookback_days, 1))
            for row in await store.failed_pushes(session, since=since):
                if await store.push_failed(
                    session,
                    event_id=row.event_id,
                    platform=row.platform,
                    chat_id=row.chat_id,
                    error=row.last_error,
                    permanent=row.attempts < self.max_attempts,
                    now=now,
                ):
                    handled += 1
                    log.warning(
                        "push %s to %s:%s failed for good: %s",
                        row.event_id,
                        row.platform,
                        row.chat_id,
                        row.last_error,
                    )
            keep = timedelta(days=max(self.config.keep_days, self.config.lookback_days + 2))
            await store.prune(session, before=now - keep)
            await forget_deliveries(
                session, events_before=now - EVENT_IDS_KEPT, outbox_before=now - keep
            )
            await forget_used_links(session, now=now)  # expired: their nonces guard nothing
            await forget_unconfirmed_imports(session, before=now - UNCONFIRMED_IMPORTS_KEPT)
        return handled

    async def catch_up(self) -> int:
        """On start: everything that fell due while no worker ran, delivered now (marked late).
        Due reminders go first; then rules and digests, and what they made due is delivered."""
        queued = await self.tick()
        made = await self.sweep_rules() + await self.plan_digests() + await self.plan_alerts()
        made += await self.plan_tiers()
        await self.reconcile()
        if made:
            queued += await self.tick()
        return queued


async def _add_fresh(session: AsyncSession, wanted: list[dict[str, object]]) -> int:
    """Insert the occurrences whose keys are new; how many were."""
    known = await store.existing_keys(session, (str(w["key"]) for w in wanted))
    fresh = [w for w in wanted if w["key"] not in known]
    await store.add_occurrences(session, fresh)
    return len(fresh)


EVENT_IDS_KEPT = timedelta(days=7)
"""Platforms redeliver for a day at most; a week of delivery ids is plenty."""


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``, as UTC. A time skipped by a spring-forward
    change moves on by the gap (02:30 -> 03:30); a repeated one takes its first occurrence."""
    return datetime.combine(day, at, zone).astimezone(UTC)


def push_failure_hook(clock: Clock) -> PushFailed:
    """The outbox sender's ``on_failed`` hook: called in the transaction that records a row
    as failed; ``permanent`` when the platform refused for good (blocked, chat
    gone) rather than retries running out. Marks the reminder failed and, if permanent, the
    account unreachable — at once, instead of at the next :meth:`ReminderService.reconcile`."""

    async def on_failed(
        session: AsyncSession, row: OutboxMessage, error: str | None, permanent: bool
    ) -> None:
        await store.push_failed(
            session,
            event_id=row.event_id,
            platform=row.platform,
            chat_id=row.chat_id,
            error=error,
            permanent=permanent,
            now=clock.now(),
        )

    return on_failed
