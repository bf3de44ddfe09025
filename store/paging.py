"""Long lists of ids or keys sent a page at a time.

A statement's parameters are capped (SQLite 32,766, PostgreSQL's protocol 65,535), and an
``IN`` list of tens of thousands plans and binds slowly; every writer or reader that may
get an unbounded list (an import's undo, a rule's firings, a tier export of every customer)
goes through these pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")

PAGE = 500


def pages(items: Sequence[T], size: int = PAGE) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size`` (the last one shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def existing(
    session: AsyncSession, column: InstrumentedAttribute[Any], values: Iterable[T]
) -> set[T]:
    """Which of ``values`` the column already holds."""
    found: set[T] = set()
    for page in pages(list(values)):
        found.update(await session.scalars(select(column).where(column.in_(page))))
    return found


__all__ = ["PAGE", "existing", "pages"]
