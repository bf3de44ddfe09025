"""PostgreSQL planner settings for a few statements, not for the whole connection.

Connections keep PostgreSQL's plan cache: asyncpg prepares every statement, PostgreSQL plans
it with its values for its first five runs and then keeps a generic plan when that costs no
more. Until the seventeenth session every connection forced a plan with the values at every
run (``plan_cache_mode=force_custom_plan``: a generic plan of an early lookup's ``LIKE $1``
had scanned a million rows), and planning a one-message log's statements took 1.3 ms of the
server's CPU, more than running them. Today's lookup statements were measured at a million
contacts with every plan generic and with none (BENCHMARKS.md, per-message round 15): the
generic plans were as fast or faster, rare two-letter queries included.

What still needs a setting changes it for the statements inside :func:`local_settings` only
(the typo stage's similarity floors and its ban on sequential scans).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def local_settings(session: AsyncSession, settings: Mapping[str, str]) -> AsyncIterator[None]:
    """``settings`` for the statements run inside, then the values they had: one statement
    before (it reads the old values and sets the new) and one after, both ``set_config``
    local to the transaction: if a statement inside fails, the transaction is aborted and
    the settings go with it. PostgreSQL only (its callers ask first)."""
    names = sorted(settings)
    before = (
        await session.execute(
            select(
                *(func.current_setting(name, True) for name in names),
                *(func.set_config(name, settings[name], True) for name in names),
            )
        )
    ).one()
    yield
    await session.execute(
        select(*(func.set_config(name, before[i], True) for i, name in enumerate(names)))
    )
