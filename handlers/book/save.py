"""💾 Save under a segment: asks for a name, then keeps the segment under it; ✏️ Rename a
saved one (its creator or an admin) asks for the new name the same way."""

from __future__ import annotations

from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from conversations.base import Expects, Flow, Step
from handlers.book.actions import RenameSegment, SaveSegment
from handlers.book.segments import manageable, save_named
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


class RenameState(StrEnum):
    NAME = "name"


RENAME_KEY = FlowKey("segment_rename", 1, RenameState)


async def on_rename(ctx: Context) -> None:
    assert ctx.flow is not None
    segment = await manageable(ctx, ctx.pressed(RenameSegment).segment)
    ctx.flow.start(RENAME_KEY, RenameState.NAME, {"segment": segment.id})
    ctx.say("book.seg.ask_new_name", name=segment.name)


async def on_new_name(ctx: Context) -> None:
    """The new name: a taken or bad one is refused and asked again; done, old → new."""
    assert ctx.flow is not None
    segment = await manageable(ctx, int(ctx.flow.data["segment"]))
    name = ctx.text.strip().strip("“”\"'「」")
    if not name or len(name) > 80:
        raise UserFacingError("book.seg.bad_name")
    try:
        old = await store.rename(ctx.session, segment, name, ctx.now)
    except store.SegmentExists:
        raise UserFacingError("book.seg.name_taken", name=name) from None
    ctx.flow.end()
    ctx.say("book.seg.renamed", old=old, new=segment.name)


RENAME_FLOW = Flow(RENAME_KEY, {RenameState.NAME: Step(on_new_name, Expects.TEXT)})
