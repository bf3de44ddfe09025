"""Where an unlinked person is sent to link their account: a private chat with the bot,
never the group they wrote in (an invite code is one person's key). Shared by the engine's
prompt for strangers and ``/start`` sent in a group."""

from __future__ import annotations

from bot.context import Context
from bot.events import command_hint


def point_to_private_chat(ctx: Context) -> None:
    """Say to open a private chat with the bot (its link where the platform gives one) and
    send ``/start CODE`` there."""
    event = ctx.event
    start = command_hint(event.platform, "start")
    if event.private_link:
        ctx.say("onboarding.private_only_link", link=event.private_link, start=start)
    else:
        ctx.say("onboarding.private_only", start=start)
