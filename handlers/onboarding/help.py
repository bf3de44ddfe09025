"""``/help``: a short list of what this user's role can do, with examples in their language."""

from __future__ import annotations

import re

from bot.context import Context
from bot.events import SLASH_PREFIX
from bot.router import Router, command
from store.models import Role

SECTIONS: dict[Role, tuple[str, ...]] = {
    Role.REP: (
        "help.records",
        "help.contracts",
        "help.tickets",
        "help.book",
        "help.pool",
        "help.reports",
        "help.settings",
    ),
    Role.MANAGER: (
        "help.records",
        "help.contracts",
        "help.tickets",
        "help.book",
        "help.pool",
        "help.assign",
        "help.reports",
        "help.team",
        "help.approvals",
        "help.settings",
    ),
    Role.ADMIN: (
        "help.records",
        "help.contracts",
        "help.tickets",
        "help.book",
        "help.book_admin",
        "help.pool",
        "help.assign",
        "help.reports",
        "help.admin",
        "help.approvals",
        "help.settings",
    ),
    Role.SERVICE: ("help.service", "help.tickets", "help.settings"),
    Role.FINANCE: (
        "help.records",
        "help.contracts",
        "help.reports",
        "help.approvals",
        "help.settings",
    ),
}


async def show_help(ctx: Context) -> None:
    assert ctx.user is not None
    role = Role(ctx.user.role)
    parts = [ctx.t("help.title", name=ctx.user.display_name, role=ctx.t(f"roles.{role}"))]
    parts += [ctx.t(key) for key in SECTIONS[role]]
    ctx.reply_text(_as_typed_on(ctx.event.platform, "\n\n".join(parts)))


def _as_typed_on(platform: str, text: str) -> str:
    """``/find`` as this platform's users type it: ``/crm find`` on Slack, where ``/find``
    would be a slash command Slack does not know (and ``/me`` one of Slack's own)."""
    prefix = SLASH_PREFIX.get(platform)
    return COMMAND_MENTION.sub(prefix, text) if prefix else text


COMMAND_MENTION = re.compile(r"(?<![\w/])/(?=\w)")
"""A ``/`` that starts a command in the help text (not the one in "a/b")."""


def routes() -> Router:
    router = Router()
    router.add(command("help"), show_help)
    return router
