"""Running one handler so that a refusal undoes its writes but keeps the event's.

Nearly every handler runs to its end, and a savepoint around it is then two statements
(two round-trips on PostgreSQL) spent for nothing. So the engine first runs an event
without one (``Context.savepoint`` False): a refusal then raises :class:`Replay`, the
event's whole transaction rolls back, and the engine runs the event again from the start
with the savepoint, which refuses the way it always did. Nothing is half-written either
way: the first attempt's writes are all rolled back with its transaction."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.router import Handler
from store.access import NotAllowed, ReadOnly, RecordNotFound

REFUSALS = (UserFacingError, RecordNotFound, NotAllowed)


class Replay(Exception):
    """A handler run without its savepoint refused: roll the event's transaction back and
    run the event again with the savepoint."""


async def run_guarded(ctx: Context, handler: Handler) -> None:
    """Run one handler in a savepoint: a refusal undoes its writes but keeps the event's.
    Without one (``ctx.savepoint`` False) a refusal raises :class:`Replay` instead."""
    if not ctx.savepoint:
        try:
            await handler(ctx)
        except REFUSALS as exc:
            raise Replay from exc
        return
    before = len(ctx.replies)
    waiting = ctx.riders.mark() if ctx.riders is not None else 0
    try:
        async with ctx.session.begin_nested():
            await handler(ctx)
    except REFUSALS as exc:
        del ctx.replies[before:]
        if ctx.riders is not None:
            ctx.riders.drop_since(waiting)  # rolled back with the savepoint: none to send
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
