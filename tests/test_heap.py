"""The collector after a server's start: start-up objects frozen, garbage still collected."""

from __future__ import annotations

import gc
import weakref

from bot.heap import YOUNG_GENERATION, settle_after_start


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A dropped reference cycle, and a weak reference that says when it is collected."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_start_up_garbage_is_collected_before_the_rest_is_frozen() -> None:
    threshold = gc.get_threshold()
    gc.disable()  # no collection but the one under test
    try:
        dropped_at_start = _cycle()
        undo = settle_after_start()
        try:
            assert dropped_at_start() is None, "a cycle dropped during start-up was frozen"
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold()[0] == YOUNG_GENERATION
        finally:
            undo()
    finally:
        gc.enable()
    # What the benchmark and the tests rely on: the collector as it was.
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold


def test_garbage_made_after_the_start_is_still_collected() -> None:
    undo = settle_after_start()
    try:
        frozen = gc.get_freeze_count()
        dropped_later = _cycle()
        gc.collect()
        assert dropped_later() is None
        assert gc.get_freeze_count() == frozen
    finally:
        undo()
