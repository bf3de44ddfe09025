"""The garbage collector set for a long-running server, once it has started.

A started crmbot holds some 230,000 objects it keeps until it stops: modules, classes,
SQLAlchemy's tables and compiled statements, the keyword tables, the platform SDKs. With
CPython's defaults every full collection walks all of them (85-160 ms of CPU at a time,
measured in ``benchmarks.per_message``), stopping every message in flight, and a young
collection runs every 700 new objects — about four times a logged message. So after the
start-up :func:`settle_after_start` collects once and freezes what is left (``gc.freeze``:
the collector ignores those objects from then on; what they still reference stays alive
anyway), and lets the young generation grow to :data:`YOUNG_GENERATION` objects before it
is collected. Measured in BENCHMARKS.md ("Per-message cost", round 10).

Only the long-running commands call it (``crmbot serve``, ``crmbot poll``, and the
benchmark that stands in for ``serve``): a test process starts hundreds of apps and drops
them, and what is frozen is never collected.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

#: New tracked objects (net of those freed) before a young collection; CPython's default
#: is 700. A young collection took about as long at 10,000 as at 700 (0.3-0.5 ms),
#: so a tenth as many of them cost a tenth of the CPU.
YOUNG_GENERATION = 10_000


def settle_after_start() -> Callable[[], None]:
    """Collect once, freeze the survivors and enlarge the young generation. Returns what
    puts the collector back as it was, for a process that starts many apps (the benchmark,
    the tests); a server runs settled until it stops."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *before[1:])

    def undo() -> None:
        gc.unfreeze()
        gc.set_threshold(*before)

    return undo


class CollectionAfterStart:
    """No collection while a one-person command starts (``crmbot chat``), then what it
    made frozen, as a server's is, without the server's full collection first.

    Starting imports and builds most of those 230,000 objects, none of them garbage, and
    CPython's defaults run a full collection each time the old objects grow by a quarter:
    about 90 ms of the console's first answer (0.84 s, median of 9 on a 2 vCPU AMD EPYC,
    against 0.75 s with no collection at all). The objects are frozen when the start is
    over (:meth:`started`), and unfrozen when the command ends, so a process that runs many
    (the tests) can still collect them.
    """

    def __init__(self) -> None:
        self._was_enabled = gc.isenabled()
        self._started = False

    def __enter__(self) -> CollectionAfterStart:
        gc.disable()
        return self

    def started(self) -> None:
        """The start is over: freeze what it made and collect again from here on."""
        if self._started:
            return
        self._started = True
        gc.freeze()
        if self._was_enabled:
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        self.started()
        gc.unfreeze()
