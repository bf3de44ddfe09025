"""💾 Save under a segment: asks for a name, then keeps the segment under it."""

from __future__ import annotations

from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from conversations.base import Expects, Flow, Step
from handlers.book.actions import SaveSegment
from handlers.book.segments import save_named
from store import segments as store


class State(StrEnum):
    NAME = "name"


KEY = FlowKey("segment_save", 1, State)


async def on_save(ctx: Context) -> None:
    assert ctx.user is not None
    assert ctx.flow is not None
    segment = await store.find(ctx.session, ctx.pressed(SaveSegment).segment, ctx.user.id)
    if segment is None:
        raise UserFacingError("errors.not_found")
    ctx.flow.start(KEY, State.NAME, {"segment": segment.id})
    ctx.say("book.seg.ask_name")


async def on_name(ctx: Context) -> None:
    assert ctx.user is not None
    assert ctx.flow is not None
    segment = await store.find(ctx.session, int(ctx.flow.data["segment"]), ctx.user.id)
    if segment is None:
        ctx.flow.end()
        raise UserFacingError("errors.not_found")
    await save_named(ctx, segment, ctx.text)
    ctx.flow.end()


FLOW = Flow(KEY, {State.NAME: Step(on_name, Expects.TEXT)})
