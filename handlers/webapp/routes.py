"""``/app`` (``/小程序``): a signed, single-use link to the quick-lookup page, good for ten
minutes and bound to the one who asked — how Slack, WeChat, WeCom and the console open the
page signed in (Telegram can also open it as a Mini App, which signs in by itself)."""

from __future__ import annotations

from bot.context import Context
from bot.router import Router, action, command
from handlers.webapp.actions import OpenApp
from handlers.webapp.links import app_link


async def open_app(ctx: Context) -> None:
    url = app_link(ctx)
    if url is None:
        ctx.say("webapp.no_public_url")
        return
    ctx.say("webapp.link", url=url)


def routes() -> Router:
    router = Router()
    router.add(command("app"), open_app)
    router.add(action(OpenApp), open_app)
    return router
