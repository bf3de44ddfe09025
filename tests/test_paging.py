"""Long lists go to the database a page at a time (store/paging.py): every page is asked,
so a value past the first page is found as surely as one in it."""

from __future__ import annotations

from sqlalchemy import insert

from store.models import ProcessedEvent
from store.paging import PAGE, existing, pages


def test_pages_cover_every_item_once_in_order():
    items = list(range(2 * PAGE + 1))
    assert [len(p) for p in pages(items)] == [PAGE, PAGE, 1]
    assert [x for p in pages(items) for x in p] == items
    assert list(pages([])) == []


async def test_existing_finds_values_on_every_page(db, clock):
    stored = ["tg:3", f"tg:{PAGE + 7}", f"tg:{2 * PAGE + 1}"]
    async with db.transaction() as session:
        await session.execute(
            insert(ProcessedEvent),
            [{"platform": "telegram", "event_id": e, "processed_at": clock.now()} for e in stored],
        )
    asked = [f"tg:{n}" for n in range(2 * PAGE + 2)]
    async with db.transaction() as session:
        assert await existing(session, ProcessedEvent.event_id, asked) == set(stored)
