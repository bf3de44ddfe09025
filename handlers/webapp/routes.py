"""``/app`` (``/小程序``): a signed, single-use link to the quick-lookup page, good for ten
minutes and bound to the one who asked — how Slack, WeChat, WeCom and the console open the
page signed in (Telegram can also open it as a Mini App, which signs in by itself)."""

from __future__ import annotations

from bot.applinks import AppTokens
from bot.context import Context
from bot.router import Router, action, command
from handlers.webapp.actions import OpenApp


async def open_app(ctx: Context) -> None:
    assert ctx.user is not None
    secret, public_url = ctx.settings.secret_key, ctx.settings.public_url
    if secret is None or not public_url:
        ctx.say("webapp.no_public_url")
        return
    url = AppTokens(secret.get_secret_value(), ctx.clock).link_url(public_url, ctx.user.id)
    ctx.say("webapp.link", url=url)


def routes() -> Router:
    router = Router()
    router.add(command("app"), open_app)
    router.add(action(OpenApp), open_app)
    return router
