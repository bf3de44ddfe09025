"""The lead pool's and the assignments' commands and buttons."""

from __future__ import annotations

from bot.router import Router, action, command
from handlers.common.actions import AssignSegment, Claim, ReleaseToPool
from handlers.pool import assign, claims
from handlers.pool.actions import (
    AssignPick,
    AssignTo,
    ConfirmRelease,
    ItemTo,
    Keep,
    PoolPage,
    SegmentGo,
    SegmentTo,
)


def routes() -> Router:
    router = Router()
    router.add(command("pool"), claims.pool_command)
    router.add(command("assign"), assign.assign_command)
    router.add(action(PoolPage), claims.on_page)
    router.add(action(Claim), claims.on_claim)
    router.add(action(ReleaseToPool), claims.on_release)
    router.add(action(ConfirmRelease), claims.on_confirm_release)
    router.add(action(Keep), claims.on_keep)
    router.add(action(AssignPick), assign.on_pick)
    router.add(action(AssignTo), assign.on_assign_to)
    router.add(action(ItemTo), assign.on_item_to)
    router.add(action(AssignSegment), assign.on_segment)
    router.add(action(SegmentTo), assign.on_segment_to)
    router.add(action(SegmentGo), assign.on_segment_go)
    return router
