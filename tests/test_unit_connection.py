"""A unit's connection asked for again (store/unit_connection.py, issue 20): the same one
the session's transaction holds while it lasts, a new one for the next transaction, and a
fresh one after the kept one was invalidated — never a connection the unit no longer holds."""

from __future__ import annotations

from sqlalchemy import text

from store.unit_connection import unit_connection


async def test_the_same_connection_while_the_transaction_lasts(db):
    async with db.transaction() as session:
        first = await unit_connection(session)
        assert first is await session.connection()
        assert await unit_connection(session) is first
        assert (await first.execute(text("SELECT 1"))).scalar() == 1


async def test_a_new_transaction_gets_its_own_connection(db):
    session = db.session()
    try:
        async with session.begin():
            first = await unit_connection(session)
        async with session.begin():
            second = await unit_connection(session)
            assert second is await session.connection()
            assert second.sync_connection is not None
            assert not second.sync_connection.closed
            assert (await second.execute(text("SELECT 1"))).scalar() == 1
        assert first.sync_connection is None or first.sync_connection.closed
    finally:
        await session.close()


async def test_an_invalidated_connection_is_not_handed_out_again(db):
    session = db.session()
    try:
        await session.begin()
        kept = await unit_connection(session)
        await kept.invalidate()
        await session.rollback()
        async with session.begin():
            fresh = await unit_connection(session)
            assert fresh is not kept
            assert (await fresh.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await session.close()
