"""One import from start to end, shared by ``crmbot import`` and the chat: read the file,
plan it against what the importer may see, describe the plan, then write it in batches."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.imports.apply import Progress, apply_batch, batches
from handlers.imports.plan import Owners, Plan, Planner, Policy, RowResult, Status
from handlers.imports.read import Sheet, read_sheets
from locales.catalog import Translator
from store.access import Principal, Records
from store.db import Database
from store.dedupe import load_customer_index, name_key
from store.fields import fields_for
from store.imports import finish_run, start_run
from store.models import User
from store.pipeline import Pipeline

Say = Callable[[str], str]
"""A message key (with its values bound) -> text in the reader's language."""


@dataclass(frozen=True)
class Request:
    """What the importer asked for."""

    data: bytes
    filename: str
    policy: Policy = Policy.SKIP
    keep_unknown: bool = True
    sheets: tuple[str, ...] = ()  # empty: every sheet with a header row
    currency: str = "CNY"
    region: str = "CN"
    mapping: tuple[tuple[str, str], ...] = ()
    """Columns the importer mapped by hand: (header as written, field / note / skip)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def choose_sheets(sheets: Sequence[Sheet], wanted: Sequence[str]) -> list[Sheet]:
    if not wanted:
        return list(sheets)
    chosen = [s for s in sheets if s.name in wanted]
    missing = set(wanted) - {s.name for s in chosen}
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    return chosen


def stage_names(translator: Translator, pipeline: Pipeline) -> dict[str, str]:
    """Every way a stage is written, in every language: lead, Lead, 线索 -> lead."""
    names: dict[str, str] = {}
    for stage in pipeline.stages:
        names[stage] = stage
        for lang in translator.languages:
            try:
                names[translator.t(lang, f"stages.{stage}")] = stage
            except KeyError:
                continue
    return names


async def owners_for(session: AsyncSession, principal: Principal) -> Owners:
    """Active users the importer may give records to, by login and display name."""
    by_name: dict[str, int] = {}
    users = await session.scalars(select(User).where(User.active).order_by(User.id))
    for user in users:
        if principal.can_see_owner(user.id):
            by_name.setdefault(name_key(user.name), user.id)
            by_name.setdefault(name_key(user.display_name), user.id)
    return Owners(by_name, principal.user_id)


async def make_plan(
    records: Records,
    request: Request,
    sheets: Sequence[Sheet],
    translator: Translator,
    pipeline: Pipeline,
) -> Plan:
    """Read-only: the plan and report for ``sheets`` as ``records``' principal sees things."""
    index = await load_customer_index(records, request.region)
    planner = Planner(
        index,
        await owners_for(records.session, records.principal),
        pipeline,
        stage_names(translator, pipeline),
        policy=request.policy,
        keep_unknown=request.keep_unknown,
        currency=request.currency,
        region=request.region,
        mapping=dict(request.mapping),
        custom_fields=await fields_for(records.session),
        now=records.now,
    )
    return planner.plan(sheets)


def read_request(request: Request) -> list[Sheet]:
    """The sheets to import (raises UnreadableFile, or KeyError naming a missing sheet)."""
    return choose_sheets(read_sheets(request.data, request.filename), request.sheets)


# --------------------------------------------------------------------------- the report


def _problem_line(say: Callable[..., str], row: RowResult, several_sheets: bool) -> str:
    problems = "; ".join(say(f"import.problem.{p.code}", value=p.value) for p in row.problems)
    if several_sheets:
        return say("import.sheet_row_problem", sheet=row.sheet, row=row.row, problem=problems)
    return say("import.row_problem", row=row.row, problem=problems)


def report(
    plan: Plan, filename: str, say: Callable[..., str], *, max_problems: int | None = None
) -> list[str]:
    """The validation report, one line each, in the reader's language."""
    lines = [say("import.title", file=filename)]
    for sheet in plan.sheets:
        if sheet.columns is None:
            lines.append(say("import.sheet_skipped", sheet=sheet.name))
            continue
        lines.append(say("import.sheet", sheet=sheet.name, row=sheet.columns.header_row))
        mapped = ", ".join(
            f"{sheet.columns.headers[i]} → {say(f'import.fields.{name}')}"
            for i, name in sorted(sheet.columns.fields.items())
        )
        lines.append(say("import.columns", columns=mapped))
        if sheet.columns.unknown:
            key = "import.unknown_keep" if plan.keep_unknown else "import.unknown_skip"
            lines.append(say(key, columns=", ".join(sheet.columns.unknown.values())))
    if not any(s.columns for s in plan.sheets):
        return [*lines, say("import.nothing")]
    counts = plan.counts()
    lines.append(
        say(
            "import.counts",
            rows=len(plan.rows),
            create=counts["create"],
            duplicate=counts["duplicate"],
            error=counts["error"],
        )
    )
    lines.append(
        say(
            "import.new",
            companies=counts["new_companies"],
            contacts=counts["new_contacts"],
            deals=counts["new_deals"],
            notes=counts["new_activities"],
        )
    )
    if counts["duplicate"]:
        lines.append(say(f"import.policy_{plan.policy.value}"))
    several = len([s for s in plan.sheets if s.columns]) > 1
    flagged = [r for r in plan.rows if r.problems]
    shown = flagged if max_problems is None else flagged[:max_problems]
    lines += [_problem_line(say, row, several) for row in shown]
    if len(shown) < len(flagged):
        lines.append(say("import.more_problems", count=len(flagged) - len(shown)))
    return lines


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class Outcome:
    run_id: int
    progress: Progress

    def summary(self) -> dict[str, Any]:
        return {
            "created": self.progress.created,
            "updated": self.progress.updated,
            "rows": self.progress.rows_done,
        }


async def write_plan(
    db: Database,
    principal: Principal,
    plan: Plan,
    request: Request,
    *,
    platform: str,
    run_id: int | None = None,
    on_batch: Callable[[int, int], Awaitable[None] | None] | None = None,
) -> Outcome:
    """Write ``plan`` batch by batch (each batch a transaction, recorded under the run)."""
    if run_id is None:
        async with db.transaction(user_id=principal.user_id, platform=platform) as session:
            run = await start_run(
                session,
                user_id=principal.user_id,
                filename=request.filename,
                sha256=request.sha256,
                on_duplicate=request.policy.value,
                platform=platform,
                now=db.clock.now(),
                summary=dict(plan.counts()),
            )
            run_id = run.id
    progress = Progress()
    total = len({w.row for w in plan.writes})
    for batch in batches(plan):
        async with db.transaction(user_id=principal.user_id, platform=platform) as session:
            records = Records(session, principal, db.clock.now())
            await apply_batch(records, run_id, batch, progress)
        if on_batch is not None:
            result = on_batch(progress.rows_done, total)
            if result is not None:
                await result
    outcome = Outcome(run_id, progress)
    async with db.transaction(user_id=principal.user_id, platform=platform) as session:
        await finish_run(session, run_id, "done", db.clock.now(), outcome.summary())
    return outcome


def created_rows(plan: Plan) -> int:
    return sum(1 for r in plan.rows if r.status is Status.CREATE)
