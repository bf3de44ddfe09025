"""``crmbot import``, ``crmbot export``: customers in and out from the command line.

The terminal is trusted like ``crmbot chat`` (whoever runs it owns the database), but the
work is still done *as* a CRM user (``--as``, default: the first admin): their record
rules scope what is matched and exported, and the audit log names them.

Like :mod:`bot.cli`, the commands import the app and the store in their bodies: ``crmbot
--help`` loads this module and must not pay for them.
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.safe_text import strip_controls
from handlers.imports.choices import FORMATS, KINDS, Policy
from store.roles import Role

if TYPE_CHECKING:
    from bot.app import App
    from store.access import Principal, Records
    from store.models import User

IMPORTERS = frozenset({Role.ADMIN.value, Role.MANAGER.value})
UNREADABLE = {
    "xls": "old .xls files can't be read: save it as .xlsx (Excel or WPS: Save as)",
    "format": "not a spreadsheet crmbot reads: use .xlsx or .csv",
    "broken": "the .xlsx file is damaged and can't be opened",
}


def echo(message: str = "", *, err: bool = False) -> None:
    click.echo(strip_controls(message), err=err)


async def _acting_user(app: App, name: str | None) -> tuple[User, Principal]:
    from sqlalchemy import select

    from store.access import principal_for
    from store.models import User
    from store.users import UserError, require_user

    async with app.db.transaction(platform="cli") as session:
        if name is None:
            user = await session.scalar(
                select(User).where(User.role == Role.ADMIN, User.active).order_by(User.id)
            )
            if user is None:
                raise UserError("no admin yet; pass --as USER")
        else:
            user = await require_user(session, name)
        return user, await principal_for(session, user)


def _say(app: App, user: User) -> Any:
    lang = user.lang or app.settings.default_lang
    return partial(app.translator.t, lang)


@click.command("import")
@click.argument("args", nargs=-1, required=True, metavar="FILE | undo ID")
@click.option("--dry-run", is_flag=True, help="Only print the validation report.")
@click.option("--yes", "-y", is_flag=True, help="Import without asking to confirm.")
@click.option(
    "--on-duplicate",
    type=click.Choice([p.value for p in Policy]),
    default=Policy.SKIP.value,
    show_default=True,
    help="A row matching an existing record: leave it, fill its empty fields, or overwrite.",
)
@click.option("--as", "as_user", metavar="USER", help="Import as this user (default: an admin).")
@click.option("--sheet", "sheets", multiple=True, metavar="NAME", help="Only this sheet.")
@click.option("--skip-unknown", is_flag=True, help="Drop unknown columns (default: as notes).")
@click.option("--strict", is_flag=True, help="Write nothing if any row has an error.")
def import_command(
    args: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    on_duplicate: str,
    as_user: str | None,
    sheets: tuple[str, ...],
    skip_unknown: bool,
    strict: bool,
) -> None:
    """Import companies, contacts and deals from FILE (.xlsx or .csv, in Chinese or English).

    Prints what would be created, the duplicates found and the rows with errors, then asks
    before writing. `crmbot import undo ID` removes what import ID created.
    """
    import asyncio

    from handlers.imports.read import UnreadableFile
    from store.imports import ImportRunError
    from store.users import UserError

    try:
        if args[0] == "undo":
            if len(args) != 2 or not args[1].isdigit():
                raise click.UsageError("crmbot import undo ID")
            asyncio.run(_undo(int(args[1]), as_user))
            return
        if len(args) != 1:
            raise click.UsageError("one FILE at a time")
        path = Path(args[0])
        if not path.is_file():
            raise click.BadParameter(f"no file {path}", param_hint="FILE")
        asyncio.run(
            _import(
                path,
                dry_run=dry_run,
                yes=yes,
                policy=Policy(on_duplicate),
                as_user=as_user,
                sheets=sheets,
                keep_unknown=not skip_unknown,
                strict=strict,
            )
        )
    except (UserError, ImportRunError) as exc:
        raise click.ClickException(str(exc)) from None
    except UnreadableFile as exc:
        raise click.ClickException(UNREADABLE[exc.reason]) from None
    except KeyError as exc:
        raise click.ClickException(f"no sheet named {exc.args[0]}") from None


async def _import(
    path: Path,
    *,
    dry_run: bool,
    yes: bool,
    policy: Policy,
    as_user: str | None,
    sheets: tuple[str, ...],
    keep_unknown: bool,
    strict: bool,
) -> None:
    import asyncio

    from bot.app import open_app
    from bot.config import load_settings
    from handlers.imports.plan import Status
    from handlers.imports.service import Request, make_plan, read_request, report, write_plan
    from store.access import Records
    from store.users import UserError

    app = await open_app(load_settings())
    try:
        user, principal = await _acting_user(app, as_user)
        if user.role not in IMPORTERS:
            raise UserError(f"{user.name} is a {user.role}: only managers and admins import")
        request = Request(
            data=await asyncio.to_thread(path.read_bytes),
            filename=path.name,
            policy=policy,
            keep_unknown=keep_unknown,
            sheets=sheets,
            currency=app.settings.currency_for(user.currency),
        )
        tables = await asyncio.to_thread(read_request, request)
        async with app.db.transaction(user_id=user.id, platform="cli") as session:
            records = Records(session, principal, app.clock.now())
            plan = await make_plan(records, request, tables, app.translator, app.settings.pipeline)
        say = _say(app, user)
        for line in report(plan, path.name, say):
            echo(line)
        if dry_run or not plan.writes:
            return
        if strict and plan.errors:
            raise click.ClickException(f"{len(plan.errors)} rows have errors (--strict)")
        creates = sum(1 for r in plan.rows if r.status is Status.CREATE)
        if not yes and not click.confirm(say("import.confirm", create=creates), default=False):
            echo(say("import.cancelled"))
            return
        total = len({w.row for w in plan.writes})
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            done = 0

            def moved(rows: int, _total: int) -> None:
                nonlocal done
                bar.update(rows - done)
                done = rows

            outcome = await write_plan(
                app.db, principal, plan, request, platform="cli", on_batch=moved
            )
        made, changed = outcome.progress.created, outcome.progress.updated
        echo(
            say(
                "import.done",
                id=outcome.run_id,
                companies=made["companies"],
                contacts=made["contacts"],
                deals=made["deals"],
                notes=made["activities"],
                updated=sum(changed.values()),
            )
        )
    finally:
        await app.close()


async def _undo(run_id: int, as_user: str | None) -> None:
    from bot.app import open_app
    from bot.config import load_settings
    from store.access import Records
    from store.imports import get_run, undo

    app = await open_app(load_settings())
    try:
        user, principal = await _acting_user(app, as_user)
        async with app.db.transaction(user_id=user.id, platform="cli") as session:
            run = await get_run(session, run_id, None if user.role == Role.ADMIN.value else user.id)
            result = await undo(Records(session, principal, app.clock.now()), run)
        echo(
            _say(app, user)(
                "import.undone",
                id=run_id,
                deleted=sum(result.deleted.values()),
                kept=sum(result.kept.values()),
            )
        )
    finally:
        await app.close()


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--as", "as_user", metavar="USER", help="Export what USER may see (default: an admin)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of standard output.",
)
def export_command(kind: str, fmt: str, as_user: str | None, out: Path | None) -> None:
    """Export KIND (companies, contacts, deals, activities) as CSV or Excel."""
    import asyncio

    from store.users import UserError

    if fmt == "xlsx" and out is None and sys.stdout.isatty():
        raise click.UsageError("an Excel file is binary: add --out FILE.xlsx")
    try:
        data = asyncio.run(_export(kind, fmt, as_user))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        os.chmod(out, 0o600)  # customers' phones and e-mails: the owner's eyes only


async def _export(kind: str, fmt: str, as_user: str | None) -> bytes:
    import asyncio

    from bot.app import open_app
    from bot.config import load_settings
    from bot.masking import masking_for
    from handlers.imports.export import encode, export_table
    from store.access import Records

    app = await open_app(load_settings())
    try:
        user, principal = await _acting_user(app, as_user)
        async with app.db.transaction(user_id=user.id, platform="cli") as session:
            table = await export_table(
                Records(session, principal, app.clock.now()),
                kind,
                _say(app, user),
                masking=await masking_for(session, principal),
                tier_rules=app.settings.tier_rules,
            )
        return await asyncio.to_thread(encode, table, fmt)
    finally:
        await app.close()


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The backup file (default: crmbot-backup-YYYYMMDD-HHMMSS.zip here).",
)
def backup_command(out: Path | None) -> None:
    """Back up the whole database while the server runs (a zip with a manifest)."""
    import asyncio

    from bot.clock import SystemClock
    from bot.config import load_settings
    from store.backup import BackupError, backup
    from store.db import Database

    async def run() -> str:
        settings = load_settings()
        database = Database(settings.database_url, SystemClock())
        try:
            now = database.clock.now()
            target = out or Path(f"crmbot-backup-{now:%Y%m%d-%H%M%S}.zip")
            manifest = await backup(database, target, now)
        finally:
            await database.dispose()
        rows = sum(manifest.counts.values())
        return f"Backup written to {target}: schema {manifest.revision}, {rows} rows."

    try:
        echo(asyncio.run(run()))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore a backup into the configured database, which must be empty."""
    import asyncio

    from bot.clock import SystemClock
    from bot.config import load_settings
    from store.backup import BackupError, restore
    from store.db import Database

    async def run() -> str:
        settings = load_settings()
        database = Database(settings.database_url, SystemClock())
        try:
            manifest = await restore(database, file)
        finally:
            await database.dispose()
        rows = sum(manifest.counts.values())
        return f"Restored {rows} rows (schema {manifest.revision}, taken {manifest.taken_at})."

    try:
        echo(asyncio.run(run()))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("privacy")
def privacy() -> None:
    """A person's requests about their data: see it all, or erase it (admins only)."""


async def _admin(app: App, as_user: str | None) -> tuple[User, Principal]:
    from store.users import UserError

    user, principal = await _acting_user(app, as_user)
    if user.role != Role.ADMIN.value:
        raise UserError(f"{user.name} is a {user.role}: only admins handle privacy requests")
    return user, principal


async def _person(records: Records, written: str) -> Any:
    from store.privacy import PersonNotFound, find_person
    from store.users import UserError

    try:
        return await find_person(records, written)
    except PersonNotFound as exc:
        if not exc.matches:
            raise UserError(f"no contact matches {written!r}") from None
        listed = ", ".join(f"{c.id} ({c.name})" for c in exc.matches)
        raise UserError(f"several contacts match {written!r}: {listed}; give the id") from None


@privacy.command("export")
@click.argument("contact", metavar="CONTACT")
@click.option("--as", "as_user", metavar="USER", help="An admin (default: the first).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the JSON here instead of standard output.",
)
def privacy_export(contact: str, as_user: str | None, out: Path | None) -> None:
    """Everything held about CONTACT (an id, phone, e-mail or exact name), as JSON."""
    import asyncio
    import json

    from bot.app import open_app
    from bot.config import load_settings
    from store.access import Records
    from store.privacy import person_export
    from store.users import UserError

    async def run() -> dict[str, Any]:
        app = await open_app(load_settings())
        try:
            user, principal = await _admin(app, as_user)
            async with app.db.transaction(user_id=user.id, platform="cli") as session:
                records = Records(session, principal, app.clock.now())
                return await person_export(records, await _person(records, contact))
        finally:
            await app.close()

    try:
        data = asyncio.run(run())
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        os.chmod(out, 0o600)


@privacy.command("erase")
@click.argument("contact", metavar="CONTACT")
@click.option("--as", "as_user", metavar="USER", help="An admin (default: the first).")
@click.option("--yes", "-y", is_flag=True, help="Erase without asking to confirm.")
def privacy_erase(contact: str, as_user: str | None, yes: bool) -> None:
    """Erase CONTACT's personal data (name, phones, e-mail, card photos, mentions in logs)."""
    import asyncio

    from bot.app import open_app
    from bot.config import load_settings
    from store.access import Records
    from store.models import Contact
    from store.privacy import erase_person
    from store.users import UserError

    async def find() -> tuple[int, str]:
        app = await open_app(load_settings())
        try:
            user, principal = await _admin(app, as_user)
            async with app.db.transaction(user_id=user.id, platform="cli") as session:
                person = await _person(Records(session, principal, app.clock.now()), contact)
                return person.id, person.name
        finally:
            await app.close()

    async def run(contact_id: int) -> str:
        app = await open_app(load_settings())
        try:
            user, principal = await _admin(app, as_user)
            async with app.db.transaction(user_id=user.id, platform="cli") as session:
                records = Records(session, principal, app.clock.now())
                done = await erase_person(records, await records.get(Contact, contact_id))
            return (
                f"Erased contact {contact_id}: {done['activities']} activities cleaned, "
                f"{done['photos']} card photos deleted, {done['audit_entries']} audit values "
                "blanked."
            )
        finally:
            await app.close()

    try:
        contact_id, name = asyncio.run(find())
        question = f"Erase the personal data of {name} (contact {contact_id})?"
        if not yes and not click.confirm(question, default=False):
            echo("Nothing erased.")
            return
        echo(asyncio.run(run(contact_id)))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
