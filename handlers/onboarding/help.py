"""``/help``: a short list of what this user's role can do, with examples in their language."""

from __future__ import annotations

from bot.context import Context
from bot.router import Router, command
from store.models import Role

SECTIONS: dict[Role, tuple[str, ...]] = {
    Role.REP: ("help.records", "help.reports", "help.settings"),
    Role.MANAGER: ("help.records", "help.reports", "help.team", "help.approvals", "help.settings"),
    Role.ADMIN: ("help.records", "help.reports", "help.admin", "help.approvals", "help.settings"),
}


async def show_help(ctx: Context) -> None:
    assert ctx.user is not None
    role = Role(ctx.user.role)
    parts = [ctx.t("help.title", name=ctx.user.display_name, role=ctx.t(f"roles.{role}"))]
    parts += [ctx.t(key) for key in SECTIONS[role]]
    ctx.reply_text("\n\n".join(parts))


def routes() -> Router:
    router = Router()
    router.add(command("help"), show_help)
    return router
