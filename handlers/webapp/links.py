"""The signed link to the quick-lookup page for the one the bot is answering."""

from __future__ import annotations

from bot.applinks import AppTokens
from bot.context import Context


def app_link(ctx: Context) -> str | None:
    """A fresh single-use sign-in link (``/app?t=…``), or ``None`` without a public URL and
    a secret key. A Telegram Mini App opened from it signs in with ``initData`` instead, so
    there the link's token is never spent and its ten minutes do not matter."""
    assert ctx.user is not None
    secret, public_url = ctx.settings.secret_key, ctx.settings.public_url
    if secret is None or not public_url:
        return None
    return AppTokens(secret.get_secret_value(), ctx.clock).link_url(public_url, ctx.user.id)
