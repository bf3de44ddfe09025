"""``/export`` in chat (``/导出``): the same file as ``crmbot export``, sent back as a file.

``/export contacts xlsx`` answers at once; whatever is missing is asked with buttons (which
records, then Excel or CSV), and the buttons carry the whole choice, so no conversation
state is kept. The records are read, and the audit entry written, in the event's
transaction through the record rules (a rep gets their own, a manager the team's); in a
group chat the phones, e-mails and WeChat ids are masked, as every group answer is.
Encoding (openpyxl for Excel is CPU work) runs after that transaction
(:meth:`Context.defer`), and the finished file is checked against what the chat app lets a
bot send (:mod:`bot.uploads`) before it is queued: too big, or an app that takes no files
(the WeChat Official Account), gets a clear answer pointing to ``crmbot export`` instead.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Literal, get_args

from bot.context import Context
from bot.payloads import Action
from bot.replies import Button, Document
from bot.router import Router, action, command
from bot.uploads import MB, can_send_files, file_limit
from handlers.imports.export import Table, encode, export_table, filename

Kind = Literal["companies", "contacts", "deals", "activities"]
Format = Literal["csv", "xlsx"]
KIND_NAMES: tuple[Kind, ...] = get_args(Kind)
FORMAT_WORDS: dict[str, Format] = {"csv": "csv", "xlsx": "xlsx", "excel": "xlsx", "xls": "xlsx"}


@dataclass(frozen=True)
class ExportKind(Action, tag="ex"):
    """Which records: the next question is the format."""

    kind: Kind


@dataclass(frozen=True)
class ExportFile(Action, tag="exf"):
    """Which records in which format: the file."""

    kind: Kind
    fmt: Format


def _kind_of(ctx: Context, word: str) -> Kind | None:
    """``contacts``, ``contact``, ``Contacts`` or ``联系人``: the kind, in any language."""
    folded = word.casefold()
    for kind in KIND_NAMES:
        names = {kind, kind.removesuffix("s"), kind.removesuffix("ies") + "y"}
        names |= {
            ctx.translator.t(lang, f"export.kinds.{kind}").casefold()
            for lang in ctx.translator.languages
        }
        if folded in names:
            return kind
    return None


def _kind_buttons(ctx: Context) -> list[Button]:
    return [Button(ctx.t(f"export.kinds.{k}"), ExportKind(k)) for k in KIND_NAMES]


def _format_buttons(ctx: Context, kind: Kind) -> list[Button]:
    return [
        Button(ctx.t("export.btn_xlsx"), ExportFile(kind, "xlsx")),
        Button(ctx.t("export.btn_csv"), ExportFile(kind, "csv")),
    ]


async def export_command(ctx: Context) -> None:
    if ctx.user is None:
        ctx.say("export.not_allowed")
        return
    words = ctx.args.split()
    kind: Kind | None = None
    fmt: Format | None = None
    for word in words:
        if word.casefold() in FORMAT_WORDS:
            fmt = FORMAT_WORDS[word.casefold()]
            continue
        kind = _kind_of(ctx, word)
        if kind is None:
            ctx.ask(ctx.t("export.unknown", word=word), _kind_buttons(ctx))
            return
    if kind is None:
        ctx.ask(ctx.t("export.pick_kind"), _kind_buttons(ctx))
    elif fmt is None:
        _ask_format(ctx, kind)
    else:
        await send_export(ctx, kind, fmt)


def _ask_format(ctx: Context, kind: Kind) -> None:
    ctx.ask(
        ctx.t("export.pick_format", kind=ctx.t(f"export.kinds.{kind}")), _format_buttons(ctx, kind)
    )


async def on_kind(ctx: Context) -> None:
    _ask_format(ctx, ctx.pressed(ExportKind).kind)


async def on_file(ctx: Context) -> None:
    pressed = ctx.pressed(ExportFile)
    await send_export(ctx, pressed.kind, pressed.fmt)


async def send_export(ctx: Context, kind: Kind, fmt: Format) -> None:
    """Read the records (and audit) now; encode after the transaction; then send."""
    platform = ctx.event.platform
    if not can_send_files(platform):
        ctx.say("export.no_files", kind=kind, fmt=fmt)
        return
    table = await export_table(
        ctx.records,
        kind,
        ctx.t,
        masking=ctx.masking,
        platform=platform,
        tier_rules=ctx.settings.tier_rules,
    )

    async def build() -> bytes:
        return await asyncio.to_thread(encode, table, fmt)

    ctx.defer(build, functools.partial(_send, table=table, kind=kind, fmt=fmt))


async def _send(ctx: Context, data: bytes, *, table: Table, kind: Kind, fmt: Format) -> None:
    limit = file_limit(ctx.event.platform)
    if limit is not None and len(data) > limit:
        ctx.say(
            "export.too_big",
            size=f"{len(data) / MB:.1f}",
            limit=limit // MB,
            kind=kind,
            fmt=fmt,
        )
        return
    caption = ctx.t("export.done", kind=ctx.t(f"export.kinds.{kind}"), rows=len(table.rows))
    ctx.reply(Document(data, filename(kind, fmt, ctx.sent_local.date()), caption))


def routes() -> Router:
    router = Router()
    router.add(command("export"), export_command)
    router.add(action(ExportKind), on_kind)
    router.add(action(ExportFile), on_file)
    return router


__all__ = ["ExportFile", "ExportKind", "routes"]
