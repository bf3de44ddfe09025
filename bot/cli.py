"""The ``crmbot`` command: chat in a terminal, manage users and teams, read the audit log.

Start-up is part of the interface: ``crmbot --help`` and ``crmbot parse`` answer in a
fraction of a second because this module imports only click and light modules at the top.
Each command imports what it needs (the app, SQLAlchemy, the store, the engine) in its own
body, so no command pays for another's dependencies; ``tests/test_cli_startup.py`` checks
that the heavy ones stay out of ``--help``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bot.cardscan.command import card as card_command
from bot.data_cli import (
    backup_command,
    export_command,
    import_command,
    privacy,
    restore_command,
)
from bot.extras import CHARTS, TELEGRAM, MissingExtra, needs
from bot.keys_cli import keys
from bot.safe_text import strip_controls
from store.roles import Role

if TYPE_CHECKING:
    import asyncio

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App
    from bot.plain_settings import ParseSettings
    from store.models import CustomField, User

P = ParamSpec("P")
T = TypeVar("T")
ROLES = click.Choice([r.value for r in Role])


def echo(message: str = "", *, err: bool = False) -> None:
    """``click.echo`` of text that may come from the database (a name, a note, an audit
    entry quoting a message): no terminal control sequence reaches the admin's terminal."""
    click.echo(strip_controls(message), err=err)


def run_async(fn: Callable[P, Awaitable[T]]) -> Callable[P, T]:
    """Click commands are sync; ours are async. Errors we expect become one clean line."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        import asyncio

        from bot.config import ConfigError
        from store.users import UserError

        try:
            return asyncio.run(fn(*args, **kwargs))  # type: ignore[arg-type]
        except (ConfigError, UserError, MissingExtra) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


async def _app() -> App:
    from bot.app import open_app
    from bot.config import load_settings

    return await open_app(load_settings())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """crmbot — a CRM that lives in your chat apps."""


@main.command()
@click.option("--as", "as_user", metavar="NAME", help="Talk as this CRM user.")
@click.option(
    "--account", metavar="ID", help="Talk as an unlinked chat account (to try /start CODE)."
)
@click.option(
    "--demo/--no-demo",
    "load_demo",
    default=None,
    help="In an empty workspace: load the demo data, or start empty, without asking "
    "(needed when input is piped).",
)
@run_async
async def chat(as_user: str | None, account: str | None, load_demo: bool | None) -> None:
    """Chat with crmbot in this terminal (buttons are numbered; reply with the number)."""
    from bot.heap import CollectionAfterStart

    with CollectionAfterStart() as start:
        app = await _app()
        start.started()
        await _chat_in_console(app, as_user, account, load_demo)


async def _chat_in_console(
    app: App, as_user: str | None, account: str | None, load_demo: bool | None
) -> None:
    """The console's conversation on an open app, which it closes at the end."""
    from bot.adapters.console.adapter import PROMPT, run_console
    from bot.adapters.memory.chat import LocalChat
    from bot.config import default_data_dir

    user: User | None = None
    try:
        if account is None:
            user = await _console_user(app, as_user, load_demo)
            if user is None:
                return
            external_id = f"user:{user.name}"
            echo(
                f"Talking as {user.display_name} ({user.role}). "
                "Type /help, or /quit to leave. Use --as NAME to be someone else.",
                err=True,
            )
        else:
            external_id = f"account:{account}"
            echo(
                f"Talking as the unlinked chat account {account!r}. Type /quit to leave.", err=True
            )
        local = LocalChat(
            app.engine,
            app.clock,
            platform="console",
            external_id=external_id,
            display_name=as_user or account or "",
        )
        interactive = sys.stdin.isatty()
        images = default_data_dir() / "images"
        if interactive and user is not None:
            # Reminders fall due while you chat: print them as they come, like a push.
            from bot.console_reminders import console_reminders

            async with console_reminders(
                app, user_id=user.id, chat_id=external_id, write=echo, image_dir=images
            ):
                await run_console(local, images, prompt=PROMPT)
        else:
            await run_console(local, images, prompt=PROMPT if interactive else "")
    finally:
        await app.close()


async def _console_user(app: App, name: str | None, load_demo: bool | None) -> User | None:
    """The terminal is trusted (whoever runs it owns the database): link it without a code.

    An empty workspace offers the demo: asked at a terminal, answered by ``--demo`` /
    ``--no-demo``; with input piped and neither given, nothing is decided silently (a script
    would otherwise find fifty companies it did not ask for, or none it expected)."""
    from sqlalchemy import func, select

    from store.models import User
    from store.users import UserError, link_identity, require_user

    async with app.db.transaction(platform="console") as session:
        users = await session.scalar(select(func.count()).select_from(User)) or 0
    if not users:
        if load_demo is None:
            if not sys.stdin.isatty():
                raise UserError(
                    "this workspace is empty and input is piped: pass --demo to load the "
                    "demo workspace first, or --no-demo to start empty"
                )
            load_demo = click.confirm(
                "This workspace is empty. Load the demo workspace "
                "(an admin, a manager, 3 reps, a service person, 50 companies)?",
                default=True,
            )
        if load_demo:
            from store import demo

            await demo.load(app.db, app.clock)
            echo(demo.SUMMARY, err=True)
        else:
            echo("Create your first user with: crmbot user invite NAME --role admin")
            return None
    async with app.db.transaction(platform="console") as session:
        if name is None:
            user = await session.scalar(
                select(User).where(User.role == Role.ADMIN, User.active).order_by(User.id)
            )
            if user is None:
                raise UserError("no admin yet; pass --as NAME")
        else:
            user = await require_user(session, name)
        await link_identity(
            session, user, platform="console", external_id=f"user:{user.name}", now=app.clock.now()
        )
        return user


def _log_to_stderr() -> None:
    """The long-running commands' log: INFO and up, timestamped, on standard error."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop``, so a worker winds down cleanly instead of dying."""
    import asyncio

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--no-send",
    "no_send",
    is_flag=True,
    help="Leave sending to a `crmbot send` worker (PostgreSQL): answer webhooks only.",
)
@run_async
async def serve(host: str, port: int, no_send: bool) -> None:
    """Serve every configured platform's webhooks, /healthz and the delivery outbox."""
    from bot.config import load_settings
    from bot.server import serve as run_server

    _log_to_stderr()
    settings = load_settings()
    if not settings.platforms:
        echo(
            "No platform is configured (set CRMBOT_TELEGRAM_TOKEN or CRMBOT_SLACK_BOT_TOKEN); "
            "serving /healthz only.",
            err=True,
        )
    await run_server(settings, host, port, sends=not no_send)


@main.command()
@run_async
async def send() -> None:
    """Deliver the outbox and run the reminders, taking no webhooks (PostgreSQL; beside
    `crmbot serve --no-send` workers)."""
    import asyncio

    from bot.config import load_settings
    from bot.server import send_only

    _log_to_stderr()
    stop = asyncio.Event()
    _stop_on_signals(stop)  # the lease handed over on the way out
    await send_only(load_settings(), stop)


@main.command()
@run_async
async def poll() -> None:
    """Run Telegram by long polling (no public URL needed), with the delivery outbox."""
    from bot.config import ConfigError, load_settings
    from bot.heap import settle_after_start
    from bot.server import build_server

    _log_to_stderr()
    settings = load_settings()
    if "telegram" not in settings.platforms:
        raise ConfigError("CRMBOT_TELEGRAM_TOKEN: set it to poll Telegram")
    server = await build_server(settings)
    telegram = server.adapters["telegram"]
    _stop_on_signals(server.stop)  # confirm the last offset on the way out
    try:
        await server.start_background()
        settle_after_start()
        await telegram.poll(server.stop)  # type: ignore[attr-defined]
    finally:
        await server.close()


@main.group()
def telegram() -> None:
    """Telegram set-up."""


@telegram.command("set-webhook")
@click.argument("url")
@run_async
async def telegram_set_webhook(url: str) -> None:
    """Register URL (ending in /telegram/webhook) with its secret, and the command menu."""
    from bot.config import ConfigError, load_settings
    from bot.server import build_server

    settings = load_settings()
    if "telegram" not in settings.platforms:
        raise ConfigError("CRMBOT_TELEGRAM_TOKEN: set it before registering a webhook")
    if not url.startswith("https://"):
        raise click.BadParameter("Telegram only calls https:// webhooks", param_hint="URL")
    server = await build_server(settings)
    try:
        adapter = server.adapters["telegram"]
        await adapter.start()
        await adapter.set_webhook(url)  # type: ignore[attr-defined]
    finally:
        await server.close()
    echo(f"Webhook set to {url}; command menu set in English and Chinese.")


@main.group()
def wechat() -> None:
    """WeChat Official Account set-up."""


@wechat.command("set-menu")
@run_async
async def wechat_set_menu() -> None:
    """Create the account's custom menu (today / log / find / reports / help)."""
    from bot.config import ConfigError, load_settings
    from bot.server import build_server

    settings = load_settings()
    if "wechat" not in settings.platforms:
        raise ConfigError("CRMBOT_WECHAT_APP_ID and CRMBOT_WECHAT_TOKEN: set them first")
    server = await build_server(settings)
    try:
        adapter = server.adapters["wechat"]
        await adapter.start()
        menu = await adapter.set_menu()  # type: ignore[attr-defined]
    finally:
        await server.close()
    echo(json.dumps(menu, ensure_ascii=False, indent=2))


@main.group()
def wecom() -> None:
    """WeCom set-up."""


@wecom.command("set-menu")
@run_async
async def wecom_set_menu() -> None:
    """Create the app's menu (today / log / find / reports / help), as for WeChat."""
    from bot.config import ConfigError, load_settings
    from bot.server import build_server

    settings = load_settings()
    if "wecom" not in settings.platforms:
        raise ConfigError("CRMBOT_WECOM_CORP_ID and the other CRMBOT_WECOM_*: set them first")
    server = await build_server(settings)
    try:
        adapter = server.adapters["wecom"]
        await adapter.start()
        menu = await adapter.set_menu()  # type: ignore[attr-defined]
    finally:
        await server.close()
    click.echo(json.dumps(menu, ensure_ascii=False, indent=2))


@wecom.command("add-group-bot")
@click.argument("team_name", metavar="NAME")
@click.argument("url")
@run_async
async def wecom_add_group_bot(team_name: str, url: str) -> None:
    """Post team NAME's subscribed reports to a WeCom group too, through the group
    robot webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...)."""
    from bot.config import load_settings
    from store import group_bots
    from store.users import UserError, find_team

    settings = load_settings()
    if not url.startswith(("https://qyapi.weixin.qq.com/", settings.wecom_api_url)):
        raise click.BadParameter(
            "a WeCom group robot URL starts with https://qyapi.weixin.qq.com/", param_hint="URL"
        )
    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            team_row = await find_team(session, team_name)
            if team_row is None:
                raise UserError(f"no team named {team_name!r}")
            await group_bots.add(session, team_row.id, url, app.clock.now())
        echo(f"Team {team_row.name}'s subscribed reports will also go to that group.")
    finally:
        await app.close()


@main.command("demo")
@click.option("--reset", is_flag=True, help="Delete the current database file first (SQLite).")
@run_async
async def demo_command(reset: bool) -> None:
    """Load a realistic demo workspace into the configured database."""
    from bot.app import open_app
    from bot.config import load_settings
    from store import demo

    settings = load_settings()
    if reset:
        demo.reset_sqlite(settings.database_url)
    app = await open_app(settings)
    try:
        await demo.load(app.db, app.clock)
        echo(demo.SUMMARY)
    finally:
        await app.close()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@run_async
async def db_upgrade() -> None:
    """Apply pending migrations (SQLite does this by itself on start)."""
    from bot.clock import SystemClock
    from bot.config import load_settings
    from store import migrate
    from store.db import Database

    settings = load_settings()
    database = Database(settings.database_url, SystemClock())
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    echo("Database is up to date.")


@main.group()
def user() -> None:
    """Users, roles and invite codes."""


@user.command("invite")
@click.argument("name")
@click.option("--role", type=ROLES, default=Role.REP.value, show_default=True)
@click.option("--team", metavar="TEAM", help="Add the user to this team (created if new).")
@click.option("--display-name", metavar="TEXT", help="How the bot addresses them.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Their language.")
@run_async
async def user_invite(
    name: str, role: str, team: str | None, display_name: str | None, lang: str | None
) -> None:
    """Create NAME if needed and print a one-time invite code for their chat account."""
    from bot.secret_key import invite_key
    from store.users import (
        UserError,
        add_member,
        create_user,
        ensure_team,
        find_user,
        issue_invite,
    )

    app = await _app()
    try:
        now = app.clock.now()
        async with app.db.transaction(platform="cli") as session:
            person = await find_user(session, name)
            if person is not None and not person.active:
                raise UserError(
                    f"{person.name} is deactivated, so an invite could not be used: "
                    f"run  crmbot user reactivate {person.name}  first"
                )
            if person is None:
                person = await create_user(
                    session, name, role=Role(role), now=now, display_name=display_name, lang=lang
                )
            if team:
                await add_member(session, await ensure_team(session, team, now), person)
            ttl = timedelta(hours=app.settings.invite_ttl_hours)
            invite = await issue_invite(
                session, person, now=now, ttl=ttl, key=invite_key(app.settings)
            )
        echo(f"Invite for {person.display_name} ({person.role}): {invite.code}")
        echo(f"In chat, send:  /start {invite.code}")
        if "telegram" in app.settings.platforms:
            with needs(TELEGRAM):
                from bot.adapters.telegram.adapter import TelegramAdapter

            telegram_adapter = TelegramAdapter(app)
            try:
                await telegram_adapter.start()
                if telegram_adapter.me.username:
                    echo(f"Telegram, one tap: {telegram_adapter.deep_link(invite.code)}")
            finally:
                await telegram_adapter.close()
        echo(f"Valid once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC.")
    finally:
        await app.close()


@user.command("list")
@click.option("--tz", "zone", metavar="ZONE", help="Show times in this zone (default: yours).")
@run_async
async def user_list(zone: str | None) -> None:
    """Everyone, with role, teams, whether they are active and when they last used the bot."""
    from sqlalchemy import select

    from store.models import User
    from store.pool import a_person
    from store.users import last_seen, teams_of

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            tz = await _admin_zone(session, app, zone)
            people = (
                await session.scalars(select(User).where(a_person()).order_by(User.role, User.name))
            ).all()
            if not people:
                echo("No users yet. Try: crmbot user invite alice --role admin")
            seen = await last_seen(session)
            for person in people:
                teams = ", ".join(await teams_of(session, person)) or "-"
                state = "active" if person.active else "deactivated"
                at = seen.get(person.id)
                last = f"{at.astimezone(tz):%Y-%m-%d %H:%M}" if at else "never"
                echo(
                    f"{person.name:<12} {person.display_name:<18} {person.role:<8} "
                    f"{teams:<12} {state:<12} {last}"
                )
    finally:
        await app.close()


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLES)
@run_async
async def user_set_role(name: str, role: str) -> None:
    """Change NAME's role (rep, manager or admin)."""
    from store.users import require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            person = await require_user(session, name)
            person.role = role
        echo(f"{person.name} is now {role}.")
    finally:
        await app.close()


@user.command("link")
@click.argument("name")
@click.option("--wecom", "wecom_id", required=True, help="The member's WeCom UserID.")
@run_async
async def user_link(name: str, wecom_id: str) -> None:
    """Link NAME to a WeCom member directly (no invite code needed)."""
    from store.users import UserError, identity_user, link_identity, require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            person = await require_user(session, name)
            owner = await identity_user(session, "wecom", wecom_id)
            if owner is not None and owner.id != person.id:
                raise UserError(f"WeCom member {wecom_id!r} is already linked to {owner.name}")
            await link_identity(
                session, person, platform="wecom", external_id=wecom_id, now=app.clock.now()
            )
        echo(f"{person.name} is linked to WeCom member {wecom_id}.")
    finally:
        await app.close()


@user.command("deactivate")
@click.argument("name")
@run_async
async def user_deactivate(name: str) -> None:
    """Stop NAME from using the bot (their records stay)."""
    from store.users import require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            person = await require_user(session, name)
            person.active = False
        echo(f"{person.name} is deactivated.")
    finally:
        await app.close()


@user.command("reactivate")
@click.argument("name")
@run_async
async def user_reactivate(name: str) -> None:
    """Let a deactivated NAME use the bot again (their chat accounts and records are kept)."""
    from store.users import require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            person = await require_user(session, name)
            was_active = person.active
            person.active = True
        echo(f"{person.name} is " + ("already active." if was_active else "active again."))
    finally:
        await app.close()


@main.group()
def token() -> None:
    """Personal API tokens for integrations (the /api/v1 HTTP API)."""


@token.command("create")
@click.argument("name")
@click.option("--as", "as_user", required=True, help="The user the token acts as.")
@run_async
async def token_create(name: str, as_user: str) -> None:
    """Make a token NAME acting as USER; it is printed once and only its hash is kept."""
    from store.api_tokens import create_token
    from store.users import require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            person = await require_user(session, as_user)
            row, secret = await create_token(session, person, name, now=app.clock.now())
        echo(f"Token {row.id} ({row.name}) for {person.name} ({person.role}):")
        echo(secret)
        echo("Keep it now: it is not shown again. Use it as  Authorization: Bearer TOKEN")
    finally:
        await app.close()


@token.command("list")
@run_async
async def token_list() -> None:
    """Every token: id, name, user, created, last used, revoked."""
    from sqlalchemy import select

    from store.api_tokens import tokens as api_tokens
    from store.models import User

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            rows = await api_tokens(session)
            names = {r.id: r.name for r in await session.execute(select(User.id, User.name))}
        if not rows:
            echo("No API tokens.")
        for row in rows:
            used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            echo(
                f"{row.id}  {row.name}  as {names.get(row.user_id, '?')}  "
                f"created {row.created_at:%Y-%m-%d}  last used {used}  {state}"
            )
    finally:
        await app.close()


@token.command("revoke")
@click.argument("token_id", type=int)
@run_async
async def token_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (see `crmbot token list`); it stops working at once."""
    from store.api_tokens import revoke as revoke_token
    from store.users import UserError

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            row = await revoke_token(session, token_id, now=app.clock.now())
        if row is None:
            raise UserError(f"no API token {token_id}")
        echo(f"Token {row.id} ({row.name}) is revoked.")
    finally:
        await app.close()


@main.group()
def fx() -> None:
    """Exchange rates: reports add up deals in several currencies in the viewer's own."""


@fx.command("set")
@click.argument("currency")
@click.argument("rate", type=click.FloatRange(min=0, min_open=True))
@run_async
async def fx_set(currency: str, rate: float) -> None:
    """One CURRENCY is worth RATE of the workspace currency: `crmbot fx set USD 7.2`."""
    from decimal import Decimal

    from bot.nlu.amounts import currency_code
    from store.fx import set_rate

    code = currency_code(currency)
    if code is None:
        raise click.BadParameter(f"unknown currency {currency!r}", param_hint="CURRENCY")
    app = await _app()
    try:
        if code == app.settings.default_currency:
            raise click.BadParameter(f"{code} is the workspace currency (always 1)")
        async with app.db.transaction(platform="cli") as session:
            await set_rate(session, code, Decimal(str(rate)), app.clock.now())
        echo(f"1 {code} = {rate:g} {app.settings.default_currency}")
    finally:
        await app.close()


@fx.command("list")
@run_async
async def fx_list() -> None:
    """The rates reports convert with, and when each was set."""
    from store.fx import load_rates

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            rates = await load_rates(session, app.settings.default_currency)
        if not rates.per_unit:
            echo("No rates set: reports show each currency on its own.")
        for code, value in sorted(rates.per_unit.items()):
            day = rates.set_on[code].isoformat()
            echo(f"1 {code} = {value.normalize():f} {rates.base}  (set {day})")
    finally:
        await app.close()


@main.group()
def masking() -> None:
    """Which phones, e-mails and amounts reps and managers see masked (as /settings in chat).

    Masked only on records the viewer does not own; admins always see everything."""


@masking.command("show")
@run_async
async def masking_show() -> None:
    """What each role sees masked."""
    from store.masking import MASKABLE_ROLES, load_policy

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            policy = await load_policy(session)
        for role in MASKABLE_ROLES:
            hidden = sorted(policy.classes_for(role))
            echo(f"{role}: {', '.join(hidden) if hidden else 'nothing masked'}")
    finally:
        await app.close()


@masking.command("set")
@click.argument("role", type=click.Choice(["rep", "manager"]))
@click.argument("field", type=click.Choice(["phone", "email", "amount"]))
@click.argument("state", type=click.Choice(["masked", "shown"]))
@run_async
async def masking_set(role: str, field: str, state: str) -> None:
    """Mask or show FIELD for ROLE: `crmbot masking set manager amount masked`."""
    from store.masking import FieldClass, set_masked

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            await set_masked(
                session,
                Role(role),
                FieldClass(field),
                state == "masked",
                now=app.clock.now(),
                by=None,
            )
        echo(f"{role}: {field} {state} on records they don't own.")
    finally:
        await app.close()


@main.group()
def team() -> None:
    """Teams: a manager sees the records of their team's members."""


@team.command("create")
@click.argument("name")
@run_async
async def team_create(name: str) -> None:
    from store.users import UserError, ensure_team, find_team

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            if await find_team(session, name):
                raise UserError(f"team {name!r} already exists")
            await ensure_team(session, name, app.clock.now())
        echo(f"Team {name} created.")
    finally:
        await app.close()


@team.command("add")
@click.argument("team_name", metavar="TEAM")
@click.argument("names", nargs=-1, required=True, metavar="USER...")
@run_async
async def team_add(team_name: str, names: tuple[str, ...]) -> None:
    """Add users to TEAM (created if new)."""
    from store.users import add_member, ensure_team, require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            group = await ensure_team(session, team_name, app.clock.now())
            for name in names:
                await add_member(session, group, await require_user(session, name))
        echo(f"Team {team_name}: added {', '.join(names)}.")
    finally:
        await app.close()


@team.command("remove")
@click.argument("team_name", metavar="TEAM")
@click.argument("name", metavar="USER")
@run_async
async def team_remove(team_name: str, name: str) -> None:
    from store.users import UserError, find_team, remove_member, require_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            group = await find_team(session, team_name)
            if group is None:
                raise UserError(f"no team named {team_name!r}")
            if not await remove_member(session, group, await require_user(session, name)):
                raise UserError(f"{name} is not in {team_name}")
        echo(f"Removed {name} from {team_name}.")
    finally:
        await app.close()


@team.command("list")
@run_async
async def team_list() -> None:
    from sqlalchemy import select

    from store.models import Team
    from store.users import team_members

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            groups = (await session.scalars(select(Team).order_by(Team.name))).all()
            if not groups:
                echo("No teams yet. Try: crmbot team create east")
            for group in groups:
                members = await team_members(session, group)
                listed = ", ".join(f"{m.name} ({m.role})" for m in members) or "-"
                echo(f"{group.name}: {listed}")
    finally:
        await app.close()


@main.group()
def field() -> None:
    """Custom fields on companies, contacts and deals (shown on cards, set in chat, filtered
    in segments, in import and export)."""


@field.command("add")
@click.argument("entity", type=click.Choice(["company", "contact", "deal"]))
@click.argument("key")
@click.option(
    "--type",
    "kind",
    type=click.Choice(["text", "number", "money", "date", "choice", "multi"]),
    default="text",
    show_default=True,
)
@click.option("--en", "name_en", required=True, help="The English name.")
@click.option("--zh", "name_zh", required=True, help="The Chinese name.")
@click.option("--choices", default="", help="For choice / multi: the choices, comma-separated.")
@run_async
async def field_add(
    entity: str, key: str, kind: str, name_en: str, name_zh: str, choices: str
) -> None:
    """Add a field: `crmbot field add company product_model --en "Product model" --zh 产品型号`."""
    from store.fields import FieldError, add_field

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            try:
                made = await add_field(
                    session,
                    app.clock.now(),
                    entity=entity,
                    key=key,
                    name_en=name_en,
                    name_zh=name_zh,
                    kind=kind,
                    choices=choices.replace("，", ",").split(","),
                )
            except FieldError as error:
                raise click.ClickException(_field_error(error.key, error.value)) from None
        echo(f"Field {made.key} ({made.kind}) added to {entity}: {made.name_en} / {made.name_zh}")
    finally:
        await app.close()


def _field_error(key: str, value: str) -> str:
    return {
        "exists": f"there is already a field named {value!r} there",
        "no_choices": "a choice field needs --choices A,B,C",
        "no_name": "give the field both names: --en and --zh",
    }.get(key, f"{key}: {value}")


async def _cli_field(session: AsyncSession, entity: str, key: str) -> CustomField:
    """The field of ``entity`` by its key or either name, or a clear error."""
    from store.fields import field_named, fields_for

    found = field_named(await fields_for(session, entity), key)
    if found is None:
        raise click.ClickException(f"there is no field {key!r} on {entity}; see crmbot field list")
    return found


@field.command("rename")
@click.argument("entity", type=click.Choice(["company", "contact", "deal"]))
@click.argument("key")
@click.option("--en", "name_en", help="The new English name.")
@click.option("--zh", "name_zh", help="The new Chinese name.")
@run_async
async def field_rename(entity: str, key: str, name_en: str | None, name_zh: str | None) -> None:
    """Rename a field (its key and values stay):
    `crmbot field rename company model --en Model --zh 型号`."""
    from store.fields import FieldError, rename_field

    if name_en is None and name_zh is None:
        raise click.UsageError("give --en, --zh or both")
    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            found = await _cli_field(session, entity, key)
            try:
                old_en, old_zh = await rename_field(
                    session, found, name_en=name_en, name_zh=name_zh
                )
            except FieldError as error:
                raise click.ClickException(_field_error(error.key, error.value)) from None
            echo(
                f"Field {found.key} on {entity} renamed: {old_en} / {old_zh} -> "
                f"{found.name_en} / {found.name_zh} (values kept)"
            )
    finally:
        await app.close()


@field.command("remove")
@click.argument("entity", type=click.Choice(["company", "contact", "deal"]))
@click.argument("key")
@click.option("--yes", is_flag=True, help="Do not ask (the count is still printed).")
@run_async
async def field_remove(entity: str, key: str, yes: bool) -> None:
    """Delete a field and all its values, after saying how many go:
    `crmbot field remove company model`."""
    from store.fields import remove_field, values_count

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            found = await _cli_field(session, entity, key)
            count = await values_count(session, found)
            question = (
                f"Delete field {found.key} ({found.name_en} / {found.name_zh}) from every "
                f"{entity}? Its {count} value(s) go with it."
            )
            if not yes and not click.confirm(question, default=False):
                echo("Nothing changed.")
                return
            gone = await remove_field(session, found)
            echo(f"Field {found.key} deleted from {entity}; {gone} value(s) went with it.")
    finally:
        await app.close()


@field.command("list")
@run_async
async def field_list() -> None:
    """Every custom field: entity, key, type, names, choices."""
    from store.fields import fields_for

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            found = await fields_for(session)
        if not found:
            echo("No custom fields yet. Try: crmbot field add company model --en Model --zh 型号")
        for row in found:
            extra = f"  [{', '.join(row.choices)}]" if row.choices else ""
            echo(f"{row.entity:8} {row.key:20} {row.kind:7} {row.name_en} / {row.name_zh}{extra}")
    finally:
        await app.close()


@main.command()
@click.argument("text")
@click.option("--now", "now_text", metavar="ISO8601", help="When the message was sent.")
@click.option("--tz", "zone", metavar="ZONE", help="The sender's time zone.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="The sender's language.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the default).")
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="Resolve customers as USER's chat would (needs the database); without it, names "
    "are shown as written.",
)
def parse(
    text: str,
    now_text: str | None,
    zone: str | None,
    lang: str | None,
    as_json: bool,
    as_user: str | None,
) -> None:
    """Show what crmbot understands from TEXT, through the same parser the chat uses."""
    from bot.nlu.message import parse_log
    from bot.plain_settings import ConfigError

    try:
        settings = parse_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        tz = ZoneInfo(zone or settings.default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {zone!r}", param_hint="--tz") from None
    if now_text is None:
        now = datetime.now(tz)
    else:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter(
                "use ISO 8601, e.g. 2026-11-18T10:00:00+08:00", param_hint="--now"
            ) from None
        now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    del lang, as_json  # both languages are always understood; JSON is the only output
    if as_user is None:
        parsed = parse_log(text, now, default_time=settings.follow_up_time)
        echo(json.dumps(parsed.to_json(), ensure_ascii=False))
        return
    import asyncio

    echo(json.dumps(asyncio.run(_understand_as(as_user, text, now)), ensure_ascii=False))


def parse_settings() -> ParseSettings:
    """The parser's two settings, read plainly where that is safe (no pydantic: 0.1 s of
    ``crmbot parse``), else from the full settings, whose ``ConfigError`` names a wrong
    value."""
    from bot.plain_settings import ParseSettings, plain_parse_settings

    plain = plain_parse_settings(os.environ)
    if plain is not None:
        return plain
    from bot.config import load_settings

    settings = load_settings()
    return ParseSettings(settings.default_tz, settings.follow_up_time)


async def _understand_as(name: str, text: str, now: datetime) -> dict[str, object]:
    from handlers.logging.understanding import understand
    from store.access import Records, principal_for
    from store.users import find_user

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            user = await find_user(session, name)
            if user is None:
                raise click.BadParameter(f"no user {name!r}", param_hint="--as")
            records = Records(session, await principal_for(session, user), app.clock.now())
            tz = ZoneInfo(user.tz or app.settings.default_tz)
            return await understand(
                records,
                text,
                now.astimezone(tz),
                default_time=app.settings.follow_up_time,
            )
    finally:
        await app.close()


@main.command()
@click.argument(
    "kind", type=click.Choice(["pipeline", "funnel", "forecast", "leaderboard", "activity"])
)
@click.option(
    "--as",
    "as_user",
    metavar="NAME",
    required=True,
    help="Whose numbers: a rep's own, a manager's team, an admin's everyone.",
)
@click.option("--period", metavar="TEXT", default="", help='e.g. "this month", "Q4", "上季度".')
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Labels and summary language.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="Where to write the PNG.",
)
@run_async
async def chart(kind: str, as_user: str, period: str, lang: str | None, out: Path) -> None:
    """Render the KIND chart USER would get in chat, write it to --out, print the summary."""
    import asyncio

    from handlers.reports.routes import chart_for
    from store.reports import PeriodError

    app = await _app()
    try:
        try:
            answer = await chart_for(
                app.db, app.settings, app.translator, app.clock.now(), as_user, kind, period, lang
            )
        except PeriodError:
            raise click.BadParameter(f"unknown period {period!r}", param_hint="--period") from None
        if answer.png is None:
            raise MissingExtra(CHARTS)
        await asyncio.to_thread(out.write_bytes, answer.png)
        echo(answer.summary)
    finally:
        await app.close()


@main.command()
@click.option("--record", metavar="TABLE:ID", help="Only this record, e.g. company:12.")
@click.option("--user", "user_name", metavar="NAME", help="Only changes made by this user.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="From this day on (YYYY-MM-DD, local)."
)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Up to and including this day.")
@click.option("--tz", "zone", metavar="ZONE", help="Show times in this zone (default: yours).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@run_async
async def audit(
    record: str | None,
    user_name: str | None,
    since: datetime | None,
    until: datetime | None,
    zone: str | None,
    limit: int,
) -> None:
    """Who changed what, when, from which platform — newest first."""
    from locales.formatting import format_money_exact
    from store.audit_view import AuditQuery, read_audit

    app = await _app()
    try:
        async with app.db.transaction(platform="cli") as session:
            query = AuditQuery.parse(
                record=record,
                user=user_name,
                limit=limit,
                since=since.date() if since else None,
                until=until.date() if until else None,
                tz=await _admin_zone(session, app, zone),
            )
            lines = await read_audit(session, query, money=format_money_exact)
        echo("\n".join(lines) if lines else "No audit entries match.")
    finally:
        await app.close()


async def _admin_zone(session: AsyncSession, app: App, zone: str | None) -> ZoneInfo:
    """The zone an admin reads times in: ``--tz``, else the first admin's own zone (as
    they set it with /tz in chat), else the workspace's ``CRMBOT_DEFAULT_TZ``."""
    from sqlalchemy import select

    from store.models import User
    from store.users import UserError

    if zone is None:
        zone = await session.scalar(
            select(User.tz).where(User.role == Role.ADMIN, User.active).order_by(User.id).limit(1)
        )
    try:
        return ZoneInfo(zone or app.settings.default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--tz: unknown time zone {zone!r}") from None


main.add_command(card_command)
main.add_command(import_command)
main.add_command(export_command)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(privacy)
main.add_command(keys)
