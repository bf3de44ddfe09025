"""What a block of code sent to the database, for tests that count statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Executed:
    statement: str
    parameter_sets: int  # an executemany's sets; 1 for a single execution


@contextmanager
def executed() -> Iterator[list[Executed]]:
    """Every statement any engine runs while the block runs, in order."""
    seen: list[Executed] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        seen.append(Executed(statement, len(params) if many else 1))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)
