"""The collector after a start (a server's, the console's): start-up objects frozen, garbage
still collected, the collector as it was when the command ends."""

from __future__ import annotations

import gc
import weakref

from bot.heap import YOUNG_GENERATION, CollectionAfterStart, settle_after_start


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


def test_the_console_starts_without_collecting_then_collects_as_before() -> None:
    assert gc.isenabled()
    with CollectionAfterStart() as start:
        assert not gc.isenabled(), "a collection may run while the console starts"
        dropped_later = _cycle()
        start.started()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        dropped_after = _cycle()
        gc.collect()
        assert dropped_after() is None, "garbage made after the start is not collected"
        assert gc.get_freeze_count() == frozen
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert dropped_later() is None, "what the start froze is never collected"


def test_a_console_that_fails_to_start_leaves_the_collector_as_it_was() -> None:
    try:
        with CollectionAfterStart():
            raise RuntimeError("no database")
    except RuntimeError:
        pass
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
