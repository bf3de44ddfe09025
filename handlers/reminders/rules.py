"""Reminder rules: conditions in the CRM that deserve a nudge, turned into tasks.

A rule only *finds* what should fire (:class:`Firing`: a unique key, an owner, a due time, a
title). The sweep does the rest the same way for every rule: it records the key in
``rule_firings`` (so a rule fires once per key, ever — even after the task is done or undone)
and creates a task, which then falls due and is pushed with Done / Snooze like any follow-up.
Adding "N days before a contract ends" is one more class::

    class ContractEnding:
        name = "contract_ending"

        def defaults(self, config):
            return RuleDefault(enabled=True, days=config.contract_ending_days)  # e.g. 30

        async def find(self, scan, days):
            soon = scan.now.date() + timedelta(days=days)
            rows = await scan.session.scalars(
                select(Contract).where(Contract.end_date <= soon, Contract.end_date >= ...))
            return [Firing(key=f"contract_ending:{c.id}:{c.end_date}", owner_id=c.owner_id,
                           due_at=scan.now, company_id=c.company_id,
                           title=lambda voice, c=c: voice.t("reminders.rule.contract_ending",
                                                            ..., day=voice.day(c.end_date)))
                    for c in rows]

plus its line in :func:`default_rules` and its two catalogue strings. ``/rules`` lists it and
lets an admin switch it or change its days with no further code; the key (contract and end
date) makes a renewed contract remind again.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, extract, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.voice import Voice
from handlers.reminders.config import ReminderConfig
from locales.catalog import Translator
from locales.formatting import format_full_date, format_money
from store.approvals import team_managers
from store.contracts import ACTIVE as CONTRACT_ACTIVE
from store.deals import untouched_since
from store.masking import FieldClass
from store.masking import classes_for as mask_classes_for
from store.models import (
    Activity,
    Company,
    Contact,
    Contract,
    ContractPayment,
    Deal,
    ReminderRule,
    RuleFiring,
    Task,
    Ticket,
    User,
)
from store.paging import existing
from store.pipeline import Pipeline
from store.reminders import micros
from store.tickets import OPEN as TICKET_OPEN
from store.tickets import escalation_people, record_escalation
from store.upsert import insert_ignore

Title = Callable[[Voice], str]


@dataclass(frozen=True)
class Firing:
    """One nudge a rule wants: ``key`` is unique for the rule's subject and occasion."""

    key: str
    owner_id: int
    due_at: datetime
    title: Title
    company_id: int | None = None
    deal_id: int | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class RuleDefault:
    enabled: bool
    days: int | None  # None: a rule without a day count (birthdays)


@dataclass
class Scan:
    """What a rule may read: the session, "now", and each owner's zone and language."""

    session: AsyncSession
    now: datetime
    config: ReminderConfig
    pipeline: Pipeline
    default_tz: str
    default_lang: str
    _people: dict[int, tuple[ZoneInfo, str]] = field(default_factory=dict)

    @property
    def lookback(self) -> timedelta:
        return timedelta(days=self.config.lookback_days)

    async def load_people(self, user_ids: set[int]) -> None:
        missing = [uid for uid in user_ids if uid not in self._people]
        if not missing:
            return
        rows = await self.session.execute(
            select(User.id, User.tz, User.lang).where(User.id.in_(missing))
        )
        for uid, tz, lang in rows:
            self._people[uid] = (ZoneInfo(tz or self.default_tz), lang or self.default_lang)

    def zone(self, user_id: int) -> ZoneInfo:
        return self._people.get(user_id, (ZoneInfo(self.default_tz), ""))[0]

    def lang(self, user_id: int) -> str:
        return self._people.get(user_id, (None, self.default_lang))[1] or self.default_lang


class Rule(Protocol):
    name: str

    def defaults(self, config: ReminderConfig) -> RuleDefault: ...

    async def find(self, scan: Scan, days: int | None) -> list[Firing]: ...


class FirstContact:
    """A new customer (one activity so far) N days after that first contact, with nothing
    since and no follow-up planned — the ones that slip through the cracks."""

    name = "first_contact"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(config.first_contact_days > 0, config.first_contact_days or 3)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        assert days is not None
        latest = scan.now - timedelta(days=days)
        first, other = aliased(Activity), aliased(Activity)
        rows = await scan.session.execute(
            select(first.occurred_at, Company.id, Company.name, Company.owner_id)
            .join(Company, Company.id == first.company_id)
            .where(
                first.occurred_at > latest - scan.lookback,
                first.occurred_at <= latest,
                ~exists().where(other.company_id == first.company_id, other.id != first.id),
                ~exists().where(Task.company_id == Company.id, Task.done_at.is_(None)),
            )
        )
        firings = []
        for occurred_at, company_id, name, owner_id in rows:
            firings.append(
                Firing(
                    key=f"{self.name}:{company_id}",
                    owner_id=owner_id,
                    due_at=scan.now,
                    title=_first_contact_title(name, occurred_at, days),
                    company_id=company_id,
                )
            )
        return firings


def _first_contact_title(company: str, occurred_at: datetime, days: int) -> Title:
    def title(voice: Voice) -> str:
        day = voice.day(occurred_at.astimezone(voice.tz).date())
        return voice.t("reminders.rule.first_contact", company=company, day=day, days=days)

    return title


class StaleDeal:
    """An open deal nobody touched (no stage move, edit or activity) for N days: to its owner,
    once per untouched spell. Managers get the weekly list as well (see the digest job)."""

    name = "stale_deal"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(config.stale_deal_days > 0, config.stale_deal_days or 14)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        assert days is not None
        cutoff = scan.now - timedelta(days=days)
        rows = await scan.session.execute(
            select(Deal, Company.name)
            .join(Company, Company.id == Deal.company_id)
            .where(untouched_since(cutoff, scan.pipeline))
            .order_by(Deal.id)
        )
        firings = []
        for deal, company in rows:
            touched = max(deal.stage_changed_at, deal.updated_at)
            firings.append(
                Firing(
                    key=f"{self.name}:{deal.id}:{micros(touched)}",
                    owner_id=deal.owner_id,
                    due_at=scan.now,
                    title=_stale_title(deal.title, company, deal.stage, touched),
                    company_id=deal.company_id,
                    deal_id=deal.id,
                )
            )
        return firings


def _stale_title(deal: str, company: str, stage: str, touched: datetime) -> Title:
    def title(voice: Voice) -> str:
        idle = (voice.now - touched).days
        return voice.t(
            "reminders.rule.stale_deal",
            deal=deal,
            company=company,
            stage=voice.stage(stage),
            days=idle,
        )

    return title


class Birthday:
    """A contact's birthday, in the owner's morning (their time zone). 29 February is kept on
    28 February in other years."""

    name = "birthday"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(config.birthday, None)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        utc_today = scan.now.date()
        span = range(-(scan.config.lookback_days + 1), 2)
        dates = [utc_today + timedelta(days=offset) for offset in span]
        pairs = {(d.month, d.day) for d in dates}
        if any(d.month == 2 and d.day == 28 and not calendar.isleap(d.year) for d in dates):
            pairs.add((2, 29))
        month, day = extract("month", Contact.birthday), extract("day", Contact.birthday)
        rows = await scan.session.execute(
            select(Contact.id, Contact.name, Contact.birthday, Contact.owner_id, Contact.company_id)
            .where(
                Contact.birthday.is_not(None),
                or_(*(and_(month == m, day == d) for m, d in sorted(pairs))),
            )
            .order_by(Contact.id)
        )
        found = list(rows)
        await scan.load_people({owner for *_, owner, _ in found})
        firings = []
        for contact_id, name, birthday, owner_id, company_id in found:
            assert birthday is not None
            zone = scan.zone(owner_id)
            local_today = scan.now.astimezone(zone).date()
            for year in (local_today.year, local_today.year - 1):
                day_of = birthday_in(birthday, year)
                if not local_today - scan.lookback <= day_of <= local_today:
                    continue
                morning = datetime.combine(day_of, scan.config.birthday_time, zone)
                firings.append(
                    Firing(
                        key=f"{self.name}:{contact_id}:{year}",
                        owner_id=owner_id,
                        due_at=max(morning, scan.now),
                        title=_birthday_title(name, day_of),
                        company_id=company_id,
                    )
                )
        return firings


def birthday_in(birthday: date, year: int) -> date:
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def _birthday_title(name: str, day_of: date) -> Title:
    def title(voice: Voice) -> str:
        return voice.t("reminders.rule.birthday", name=name, day=voice.day(day_of))

    return title


class ContractEnding:
    """An active contract ending within N days (15) and not renewed yet: to its owner,
    once per contract and end date (a renewal, with its own end, reminds again)."""

    name = "contract_ending"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(config.contract_ending_days > 0, config.contract_ending_days or 15)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        assert days is not None
        today = scan.now.date()
        renewal = aliased(Contract)
        rows = await scan.session.execute(
            select(Contract, Company.name)
            .join(Company, Company.id == Contract.company_id)
            .where(
                Contract.status == CONTRACT_ACTIVE,
                Contract.ends_on >= today - scan.lookback,
                Contract.ends_on <= today + timedelta(days=days),
                ~exists().where(renewal.renewal_of_id == Contract.id),
            )
            .order_by(Contract.id)
        )
        return [
            Firing(
                key=f"{self.name}:{contract.id}:{contract.ends_on.isoformat()}",
                owner_id=contract.owner_id,
                due_at=scan.now,
                title=_contract_title(
                    "contracts.payments.renewal_task", contract.number, company, contract.ends_on
                ),
                company_id=contract.company_id,
                deal_id=contract.deal_id,
            )
            for contract, company in rows
        ]


class PaymentOverdue:
    """An unpaid instalment of an active contract N days (1) past its due date: to the
    contract's owner and to the owner's managers, once per instalment and person."""

    name = "payment_overdue"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(config.payment_overdue_days > 0, config.payment_overdue_days or 1)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        assert days is not None
        latest = scan.now.date() - timedelta(days=days)
        rows = await scan.session.execute(
            select(ContractPayment, Contract, Company.name)
            .join(Contract, Contract.id == ContractPayment.contract_id)
            .join(Company, Company.id == Contract.company_id)
            .where(
                Contract.status == CONTRACT_ACTIVE,
                ContractPayment.paid_on.is_(None),
                ContractPayment.due_on <= latest,
                ContractPayment.due_on >= latest - scan.lookback - timedelta(days=90),
            )
            .order_by(ContractPayment.due_on, ContractPayment.id)
        )
        firings = []
        managers: dict[int, list[int]] = {}
        hidden: dict[int, bool] = {}
        for payment, contract, company in rows:
            owner = contract.owner_id
            if owner not in managers:
                managers[owner] = await team_managers(scan.session, owner)
            people = [owner, *managers[owner]]
            for person in dict.fromkeys(people):
                if person not in hidden:
                    hidden[person] = await _amounts_masked(scan.session, person)
                shown = None if person != owner and hidden[person] else payment.due_cents
                amount = (shown, contract.currency)
                firings.append(
                    Firing(
                        key=f"{self.name}:{payment.id}:{person}",
                        owner_id=person,
                        due_at=scan.now,
                        title=_payment_title(contract.number, company, amount, payment.due_on),
                        company_id=contract.company_id,
                        deal_id=contract.deal_id,
                    )
                )
        return firings


class TicketSla:
    """An open ticket past its response or resolution target: escalated to the assignee's
    managers (else the customer owner's, else the admins), once per ticket, target and
    person, as a task tied to the ticket, so its push carries Reassign / Open / Take and
    Snooze (:func:`scheduler.pushes.ticket_escalation_push`). The ticket records the
    escalation (``escalated_at``, ``escalated_for``: audited, on its history) once per
    breach, not on every sweep. ``days`` is not used (the targets are the priority's,
    ``CRMBOT_TICKET_SLA``); the rule can be switched off in ``/rules``."""

    name = "ticket_sla"

    def defaults(self, config: ReminderConfig) -> RuleDefault:
        return RuleDefault(True, None)

    async def find(self, scan: Scan, days: int | None) -> list[Firing]:
        now = scan.now
        rows = await scan.session.execute(
            select(Ticket, Company.name)
            .join(Company, Company.id == Ticket.company_id)
            .where(
                Ticket.status == TICKET_OPEN,
                or_(
                    and_(Ticket.responded_at.is_(None), Ticket.respond_by <= now),
                    Ticket.resolve_by <= now,
                ),
            )
            .order_by(Ticket.id)
        )
        firings = []
        for ticket, company in rows:
            late = "response" if ticket.responded_at is None and ticket.respond_by <= now else None
            if ticket.resolve_by <= now:
                late = "resolution"
            assert late is not None
            due = ticket.respond_by if late == "response" else ticket.resolve_by
            record_escalation(ticket, late, due, now)
            for person in dict.fromkeys(await escalation_people(scan.session, ticket)):
                firings.append(
                    Firing(
                        key=f"{self.name}:{ticket.id}:{late}:{micros(due)}:{person}",
                        owner_id=person,
                        due_at=now,
                        title=_ticket_title(ticket.id, company, ticket.summary, late, due),
                        company_id=ticket.company_id,
                        ticket_id=ticket.id,
                    )
                )
        return firings


def _ticket_title(ticket_id: int, company: str, summary: str, late: str, due: datetime) -> Title:
    def title(voice: Voice) -> str:
        return voice.t(
            "tickets.sla_task",
            id=ticket_id,
            company=company,
            summary=summary[:80],
            target=voice.t(f"tickets.target_{late}"),
            when=voice.when(due),
        )

    return title


def _contract_title(key: str, number: str, company: str, day: date) -> Title:
    def title(voice: Voice) -> str:
        return voice.t(key, number=number, company=company, day=format_full_date(day, voice.lang))

    return title


async def _amounts_masked(session: AsyncSession, person: int) -> bool:
    """Whether the workspace masks amounts of others' records for ``person``'s role (the
    manager told of a rep's overdue instalment sees it as the contract card shows it)."""
    role = await session.scalar(select(User.role).where(User.id == person))
    return role is not None and FieldClass.AMOUNT in await mask_classes_for(session, role)


def _payment_title(number: str, company: str, amount: tuple[int | None, str], day: date) -> Title:
    """``amount``: the cents due, or ``None`` where the recipient's masking hides them."""

    def title(voice: Voice) -> str:
        cents, currency = amount
        shown = (
            voice.t("contracts.masked")
            if cents is None
            else format_money(cents, currency, voice.lang)
        )
        return voice.t(
            "contracts.payments.overdue_task",
            number=number,
            company=company,
            amount=shown,
            day=format_full_date(day, voice.lang),
        )

    return title


def default_rules() -> tuple[Rule, ...]:
    return (
        FirstContact(),
        StaleDeal(),
        Birthday(),
        ContractEnding(),
        PaymentOverdue(),
        TicketSla(),
    )


@dataclass(frozen=True)
class RuleState:
    """A rule as it applies now: the admin's setting over the configured default."""

    name: str
    enabled: bool
    days: int | None
    default: RuleDefault


def rule_states(
    rules: Sequence[Rule], config: ReminderConfig, overrides: dict[str, ReminderRule]
) -> list[RuleState]:
    states = []
    for rule in rules:
        default = rule.defaults(config)
        row = overrides.get(rule.name)
        enabled = row.enabled if row is not None else default.enabled
        days = default.days
        if default.days is not None and row is not None and row.days:
            days = row.days
        states.append(RuleState(rule.name, enabled, days, default))
    return states


async def fire(
    session: AsyncSession,
    rule: str,
    firings: Sequence[Firing],
    scan: Scan,
    translator: Translator,
) -> list[Task]:
    """Record each new key and make its task; keys seen before are skipped."""
    if not firings:
        return []
    known = await existing(session, RuleFiring.key, (f.key for f in firings))
    fresh = [f for f in firings if f.key not in known]
    await scan.load_people({f.owner_id for f in fresh})
    tasks = []
    for firing in fresh:
        inserted = await session.scalar(
            insert_ignore(session, RuleFiring)
            .values(key=firing.key, rule=rule, fired_at=scan.now)
            .returning(RuleFiring.id)
        )
        if inserted is None:  # another worker got there first
            continue
        voice = Voice(translator, scan.lang(firing.owner_id), scan.zone(firing.owner_id), scan.now)
        task = Task(
            owner_id=firing.owner_id,
            company_id=firing.company_id,
            deal_id=firing.deal_id,
            ticket_id=firing.ticket_id,
            title=firing.title(voice),
            due_at=firing.due_at,
            created_at=scan.now,
        )
        session.add(task)
        await session.flush()
        row = await session.get(RuleFiring, inserted)
        assert row is not None
        row.task_id = task.id
        tasks.append(task)
    return tasks
