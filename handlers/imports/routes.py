"""Import in chat: a spreadsheet sent by a manager or admin (``/import PATH`` in the
console) is read and checked, and the bot answers with the same report as
``crmbot import --dry-run`` and **Import** / **Cancel** buttons; nothing is written before
Import is pressed. A dry run is the default here, as the issue asks.

The file waits in its ``imports`` row (state ``pending``) rather than in the conversation,
so a restart or another worker can take the Import press. Reading the file (CPU work) runs
after the event's transaction and outside any other (:meth:`Context.defer`); the plan is
made in the next transaction, then the rows are written a batch per transaction (each
step defers the next: :meth:`bot.engine.Engine._finish_slow`), as ``crmbot import`` does,
so other people's messages get the database between batches; a crash half way leaves the
run ``running`` with the batches written listed under its id (``crmbot import undo``).
After a batch, at most every ``import_progress_seconds``, the chat hears how far it got
("Importing… 40 % (4,000 / 10,000)"), then the summary. A file too big for chat
(``max_file_bytes``) is pointed to ``crmbot import FILE``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from bot.context import Context, FlowKey
from bot.replies import Button
from bot.router import Matcher, Router, command
from conversations.base import Answer, Expects, Flow, Step
from handlers.imports.apply import Progress, apply_batch, batches
from handlers.imports.columns import FIELDS, MAPPABLE, NOTE, SKIP
from handlers.imports.plan import Plan, Status, Write
from handlers.imports.read import Sheet, UnreadableFile
from handlers.imports.service import Request, make_plan, read_request, report
from locales.formatting import shorten
from store.imports import ImportRunError, finish_run, get_run, start_run
from store.models import Role

FILE_PLATFORMS = frozenset({"console"})
"""Platforms whose user is whoever runs the process, and so may name a local file."""
IMPORTERS = frozenset({Role.MANAGER.value, Role.ADMIN.value})
MAX_PROBLEMS_SHOWN = 10


class State(StrEnum):
    CONFIRM = "confirm"
    COLUMN = "column"  # which column to map by hand
    FIELD = "field"  # which field that column is


class Choice(StrEnum):
    IMPORT = "import"
    CANCEL = "cancel"
    KEEP = "keep"  # keep unknown columns as notes
    SKIP = "skip"  # skip unknown columns
    COLUMNS = "columns"  # map a column by hand
    BACK = "back"  # from the column list to the report


KEY = FlowKey("import", 1, State)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pick(Answer, tag="im"):
    choice: Choice


@dataclass(frozen=True)
class ColumnPick(Answer, tag="imc"):
    """A column of the file, by its place in the list shown (``flow.data["headers"]``)."""

    index: int


@dataclass(frozen=True)
class FieldPick(Answer, tag="imf"):
    """What the chosen column is: a field name, ``columns.NOTE`` or ``columns.SKIP``."""

    name: str


MAX_COLUMNS_SHOWN = 24


def _allowed(ctx: Context) -> bool:
    if ctx.user is None or ctx.user.role not in IMPORTERS:
        ctx.say("import.not_allowed")
        return False
    return True


def _request(
    ctx: Context,
    data: bytes,
    filename: str,
    keep_unknown: bool,
    mapping: dict[str, str] | None = None,
) -> Request:
    return Request(
        data=data,
        filename=filename,
        keep_unknown=keep_unknown,
        currency=ctx.currency,
        mapping=tuple(sorted((mapping or {}).items())),
    )


def _read(request: Request) -> list[Sheet] | str:
    try:
        return read_request(request)
    except UnreadableFile as exc:
        return exc.reason


async def offer(ctx: Context, data: bytes, filename: str) -> None:
    """Read the file after this transaction, then show the report with Import / Cancel."""
    if len(data) > ctx.settings.max_file_bytes:
        ctx.say("import.too_large", mb=ctx.settings.max_file_bytes // 1_048_576)
        return
    request = _request(ctx, data, filename, keep_unknown=True)

    async def read() -> list[Sheet] | str:
        return await asyncio.to_thread(_read, request)

    ctx.defer(read, functools.partial(_show, request=request, run_id=None))


async def _show(
    ctx: Context, result: list[Sheet] | str, *, request: Request, run_id: int | None
) -> None:
    if isinstance(result, str):
        ctx.say(f"import.unreadable_{result}")
        return
    assert ctx.user is not None
    assert ctx.flow is not None
    plan = await make_plan(ctx.records, request, result, ctx.translator, ctx.settings.pipeline)
    if run_id is None:
        run = await start_run(
            ctx.session,
            user_id=ctx.user.id,
            filename=request.filename,
            sha256=request.sha256,
            on_duplicate=request.policy.value,
            platform=ctx.event.platform,
            now=ctx.now,
            state="pending",
            data=request.data,
            summary=dict(plan.counts()),
        )
        run_id = run.id
    ctx.flow.start(
        KEY,
        State.CONFIRM,
        {
            "run": run_id,
            "keep": request.keep_unknown,
            "map": dict(request.mapping),
            "headers": _headers(plan, request.keep_unknown),
        },
    )
    lines = report(plan, request.filename, ctx.t, max_problems=MAX_PROBLEMS_SHOWN)
    creates = sum(1 for r in plan.rows if r.status is Status.CREATE)
    if not plan.writes:
        ctx.flow.end()
        await _cancel_run(ctx, run_id)
        ctx.reply_text("\n".join(lines))
        return
    buttons = [
        Button(ctx.t("import.btn_import"), Pick(Choice.IMPORT)),
        Button(ctx.t("import.btn_cancel"), Pick(Choice.CANCEL)),
    ]
    if any(s.columns and s.columns.unknown for s in plan.sheets):
        toggle = Choice.SKIP if request.keep_unknown else Choice.KEEP
        buttons.append(Button(ctx.t(f"import.btn_{toggle.value}_unknown"), Pick(toggle)))
    buttons.append(Button(ctx.t("import.btn_columns"), Pick(Choice.COLUMNS)))
    ctx.ask("\n".join([*lines, "", ctx.t("import.confirm", create=creates)]), buttons)


def _headers(plan: Plan, keep_unknown: bool) -> list[list[str]]:
    """Each column of the file once (by its header), with what it is now: a field,
    ``NOTE`` or ``SKIP`` — the list the mapping buttons point into."""
    seen: dict[str, str] = {}
    for sheet in plan.sheets:
        columns = sheet.columns
        if columns is None:
            continue
        for i, header in sorted(columns.headers.items()):
            if i in columns.fields:
                now = columns.fields[i]
            elif i in columns.unknown and keep_unknown:
                now = NOTE
            else:
                now = SKIP
            seen.setdefault(header, now)
    return [[header, now] for header, now in seen.items()][:MAX_COLUMNS_SHOWN]


def _field_label(ctx: Context, name: str) -> str:
    if name == NOTE:
        return ctx.t("import.map_note")
    if name == SKIP:
        return ctx.t("import.map_skip")
    return ctx.t(f"import.fields.{name}")


def _ask_column(ctx: Context) -> None:
    """One button per column, unknown ones (notes, skipped) first: those most often need
    a field."""
    assert ctx.flow is not None
    headers: list[list[str]] = ctx.flow.data.get("headers", [])
    order = sorted(range(len(headers)), key=lambda i: headers[i][1] in FIELDS)
    buttons = [
        Button(f"{shorten(headers[i][0], 16)} → {_field_label(ctx, headers[i][1])}", ColumnPick(i))
        for i in order
    ]
    buttons.append(Button(ctx.t("import.map_back"), Pick(Choice.BACK)))
    ctx.flow.goto(State.COLUMN)
    ctx.ask(ctx.t("import.map_which_column"), buttons)


async def on_column(ctx: Context) -> None:
    assert ctx.flow is not None
    headers: list[list[str]] = ctx.flow.data.get("headers", [])
    pressed = ctx.action
    if not isinstance(pressed, ColumnPick) or not 0 <= pressed.index < len(headers):
        ctx.flow.goto(State.CONFIRM)
        await _reshow(ctx)
        return
    header = headers[pressed.index][0]
    ctx.flow.update(column=header)
    ctx.flow.goto(State.FIELD)
    choices = [*MAPPABLE, NOTE, SKIP]
    ctx.ask(
        ctx.t("import.map_which_field", column=header),
        [Button(_field_label(ctx, name), FieldPick(name)) for name in choices],
    )


async def on_field(ctx: Context) -> None:
    assert ctx.flow is not None
    pressed = ctx.action
    column = ctx.flow.data.get("column")
    if (
        isinstance(pressed, FieldPick)
        and isinstance(column, str)
        and pressed.name
        in {
            *MAPPABLE,
            NOTE,
            SKIP,
        }
    ):
        mapping = {**ctx.flow.data.get("map", {}), column: pressed.name}
        ctx.flow.update(map=mapping)
    ctx.flow.goto(State.CONFIRM)
    await _reshow(ctx)


async def _reshow(ctx: Context) -> None:
    """The report again, with the flow's mapping and keep/skip choice applied."""
    assert ctx.flow is not None
    assert ctx.user is not None
    run_id = int(ctx.flow.data["run"])
    try:
        run = await get_run(ctx.session, run_id, ctx.user.id)
    except ImportRunError:
        run = None
    if run is None or run.state != "pending" or run.data is None:
        ctx.flow.end()
        ctx.say("import.expired")
        return
    request = _request(
        ctx,
        run.data,
        run.filename,
        keep_unknown=bool(ctx.flow.data.get("keep", True)),
        mapping=dict(ctx.flow.data.get("map", {})),
    )

    async def read() -> list[Sheet] | str:
        return await asyncio.to_thread(_read, request)

    ctx.defer(read, functools.partial(_show, request=request, run_id=run_id))


async def _cancel_run(ctx: Context, run_id: int) -> None:
    run = await get_run(ctx.session, run_id)
    if run.state == "pending":
        await finish_run(ctx.session, run_id, "cancelled", ctx.now, run.summary)


async def on_confirm(ctx: Context) -> None:
    assert ctx.flow is not None
    assert ctx.user is not None
    choice = ctx.action.choice if isinstance(ctx.action, Pick) else None
    run_id = int(ctx.flow.data["run"])
    try:
        run = await get_run(ctx.session, run_id, ctx.user.id)
    except ImportRunError:
        run = None
    if run is None or run.state != "pending" or run.data is None:
        ctx.flow.end()
        ctx.say("import.expired")
        return
    if choice is Choice.CANCEL:
        ctx.flow.end()
        await _cancel_run(ctx, run_id)
        ctx.say("import.cancelled")
        return
    if choice is None:
        ctx.say("import.confirm", create="…")
        return
    if choice is Choice.COLUMNS:
        _ask_column(ctx)
        return
    keep = bool(ctx.flow.data.get("keep", True))
    if choice in (Choice.KEEP, Choice.SKIP):
        keep = choice is Choice.KEEP
    request = _request(
        ctx, run.data, run.filename, keep_unknown=keep, mapping=dict(ctx.flow.data.get("map", {}))
    )

    async def read() -> list[Sheet] | str:
        return await asyncio.to_thread(_read, request)

    if choice is Choice.IMPORT:
        ctx.flow.end()
        ctx.defer(read, functools.partial(_write, request=request, run_id=run_id))
    else:
        ctx.defer(read, functools.partial(_show, request=request, run_id=run_id))


@dataclass
class Writing:
    """A chat import between its batches (held by the engine's chain of steps, which
    runs on the worker that took the Import press)."""

    run_id: int
    batches: list[list[Write]]
    total: int
    progress: Progress
    said_at: datetime


async def _write(ctx: Context, result: list[Sheet] | str, *, request: Request, run_id: int) -> None:
    """Plan again (the CRM may have changed since the report), mark the run ``running``
    and write the first batch in the next step; the report's numbers are this plan's."""
    if isinstance(result, str):
        ctx.say(f"import.unreadable_{result}")
        return
    run = await get_run(ctx.session, run_id)
    if run.state != "pending":  # pressed twice, or on two devices
        ctx.say("import.expired")
        return
    run.state = "running"
    plan: Plan = await make_plan(
        ctx.records, request, result, ctx.translator, ctx.settings.pipeline
    )
    work = batches(plan)
    writing = Writing(run_id, work, len({w.row for w in plan.writes}), Progress(), ctx.now)
    if len(work) > 1:
        ctx.say("import.started", rows=f"{writing.total:,}")
    _next_batch(ctx, writing)


def _next_batch(ctx: Context, writing: Writing) -> None:
    async def nothing_slow() -> None:
        return None

    ctx.defer(nothing_slow, functools.partial(_write_batch, writing=writing))


async def _write_batch(ctx: Context, _: None, *, writing: Writing) -> None:
    """One batch in this step's transaction; then the next step, or the summary.

    A batch that fails is undone alone (a savepoint) and the import stops there, saying
    so: the batches before it stay written under the import's id, where ``crmbot import
    undo`` finds them, and sending the file again imports the rest without duplicates."""
    try:
        async with ctx.session.begin_nested():
            await apply_batch(ctx.records, writing.run_id, writing.batches.pop(0), writing.progress)
    except Exception:
        log.exception("import #%s: a batch failed", writing.run_id)
        ctx.say(
            "import.stopped",
            id=writing.run_id,
            done=f"{writing.progress.rows_done:,}",
            total=f"{writing.total:,}",
        )
        return
    if writing.batches:
        interval = timedelta(seconds=ctx.settings.import_progress_seconds)
        if ctx.now - writing.said_at >= interval:
            writing.said_at = ctx.now
            done = writing.progress.rows_done
            ctx.say(
                "import.progress",
                percent=done * 100 // max(writing.total, 1),
                done=f"{done:,}",
                total=f"{writing.total:,}",
            )
        _next_batch(ctx, writing)
        return
    progress = writing.progress
    run_id = writing.run_id
    summary = {"created": progress.created, "updated": progress.updated, "rows": progress.rows_done}
    await finish_run(ctx.session, run_id, "done", ctx.now, summary)
    ctx.say(
        "import.done",
        id=run_id,
        companies=progress.created["companies"],
        contacts=progress.created["contacts"],
        deals=progress.created["deals"],
        notes=progress.created["activities"],
        updated=sum(progress.updated.values()),
    )


# --------------------------------------------------------------------------- routes


def _local_file(written: str) -> bytes | None:
    """A file the console's user named (never for a chat platform: see FILE_PLATFORMS)."""
    path = Path(written).expanduser()
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def spreadsheet() -> Matcher:
    """An event carrying a document for the importer (not a photo, not a button)."""
    return Matcher(
        lambda c: (
            bool(c.event.attachments)
            and c.event.attachments[0].kind == "file"
            and c.payload is None
        ),
        "spreadsheet",
    )


async def import_command(ctx: Context) -> None:
    if not _allowed(ctx):
        return
    if not ctx.args or ctx.event.platform not in FILE_PLATFORMS:
        ctx.say("import.send_file")
        return
    written = ctx.args.strip().strip("'\"")
    data = await asyncio.to_thread(_local_file, written)
    if data is None:
        ctx.say("import.no_file", path=written)
        return
    await offer(ctx, data, Path(written).name)


async def on_spreadsheet(ctx: Context) -> None:
    if not _allowed(ctx):
        return
    attachment = ctx.event.attachments[0]
    await offer(ctx, attachment.data, attachment.filename or "upload.xlsx")


def routes() -> Router:
    router = Router()
    router.add(command("import"), import_command)
    router.add(spreadsheet(), on_spreadsheet)
    return router


FLOW = Flow(
    KEY,
    {
        State.CONFIRM: Step(on_confirm, Expects.CHOICE),
        State.COLUMN: Step(on_column, Expects.CHOICE),
        State.FIELD: Step(on_field, Expects.CHOICE),
    },
    answers=(Pick, ColumnPick, FieldPick),
)
