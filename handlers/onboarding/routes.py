"""Linking a chat account to a CRM user with a one-time invite code (``/start CODE``).

Codes are looked up by their HMAC under the server's key (bot.secret_key), and a chat that
sent too many wrong ones waits before trying again (store/start_attempts.py)."""

from __future__ import annotations

from bot.context import Context
from bot.events import command_hint
from bot.linking import point_to_private_chat
from bot.router import Router, command
from bot.secret_key import invite_key
from store import start_attempts
from store.users import DeactivatedUser, identity_user, redeem_invite


async def start(ctx: Context) -> None:
    event = ctx.event
    if not event.chat.is_private:
        # A code is one person's key: never redeemed (or announced) in a group.
        point_to_private_chat(ctx)
        return
    if ctx.user is not None:
        if ctx.args:
            ctx.say("onboarding.already_linked", name=ctx.user.display_name)
        else:
            ctx.say("onboarding.welcome_back", name=ctx.user.display_name)
        return
    if not ctx.args:
        ctx.say("onboarding.code_missing", start=command_hint(event.platform, "start"))
        return
    if await identity_user(ctx.session, event.platform, event.actor.platform_user_id):
        ctx.say("onboarding.not_linked", start=command_hint(event.platform, "start"))
        return
    chat = event.chat.chat_id
    until = await start_attempts.blocked_until(ctx.session, event.platform, chat, ctx.now)
    if until is not None:
        minutes = max(1, -(-int((until - ctx.now).total_seconds()) // 60))
        ctx.say("onboarding.too_many_attempts", minutes=minutes)
        return
    try:
        user = await redeem_invite(
            ctx.session,
            ctx.args,
            platform=event.platform,
            external_id=event.actor.platform_user_id,
            display_name=event.actor.display_name,
            now=ctx.now,
            key=invite_key(ctx.settings),
        )
    except DeactivatedUser:
        ctx.say("onboarding.deactivated")
        return
    if user is None:
        await start_attempts.note_failure(ctx.session, event.platform, chat, ctx.now)
        ctx.say("onboarding.bad_code")
        return
    await start_attempts.forget(ctx.session, event.platform, chat)
    ctx.user = user
    if user.lang:
        ctx.lang = user.lang
    ctx.say("onboarding.linked", name=user.display_name, role=ctx.t(f"roles.{user.role}"))


def routes() -> Router:
    router = Router()
    router.add(command("start"), start)
    return router
