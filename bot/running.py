"""Running one handler so that a refusal undoes its writes but keeps the event's."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.router import Handler
from store.access import NotAllowed, ReadOnly, RecordNotFound


async def run_guarded(ctx: Context, handler: Handler) -> None:
    """Run one handler in a savepoint: a refusal undoes its writes but keeps the event's."""
    before = len(ctx.replies)
    try:
        async with ctx.session.begin_nested():
            await handler(ctx)
    except (UserFacingError, RecordNotFound, NotAllowed) as exc:
        del ctx.replies[before:]
        ctx.refused = True
        if ctx.flow is not None:
            await ctx.session.refresh(ctx.flow.row)
        if isinstance(exc, UserFacingError):
            ctx.say(exc.key, **exc.values)
        elif isinstance(exc, ReadOnly):
            ctx.say("errors.read_only")
        elif isinstance(exc, NotAllowed):
            ctx.say("errors.not_allowed")
        else:
            ctx.say("errors.not_found")
