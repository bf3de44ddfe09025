"""PostgreSQL planner settings for a few statements, not for the whole connection.

asyncpg prepares every statement, and after five runs PostgreSQL may keep a *generic* plan
for it, one made without the parameters' values. For nearly every statement that is what we
want: a message's writes and reads are planned once per connection instead of at every run
(planning them afresh was 1.3 ms of the server's CPU per one-message log, more than running
them). The lookup is the exception: without the values the planner cannot tell a rare
``LIKE '%…%'`` from a common one, and a generic plan for it scanned a million rows (1.2 s
where the trigram index takes 10-80 ms). So the lookup, and only it, plans with its values
(:func:`planned_with_values`).

Settings are changed with ``set_config(…, is_local => true)``, which lasts until the
transaction ends, and put back afterwards by the same statement shape. A statement that fails
inside aborts the transaction, and its local settings go with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

VALUES_PLANNED = {"plan_cache_mode": "force_custom_plan"}
"""Every statement planned with its parameters' values, however often it has run."""


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@asynccontextmanager
async def local_settings(session: AsyncSession, settings: Mapping[str, str]) -> AsyncIterator[None]:
    """``settings`` for the statements run inside, then the values they had: one statement
    before (it reads the old values and sets the new) and one after. Nothing on SQLite."""
    if not _is_postgresql(session):
        yield
        return
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


def planned_with_values(session: AsyncSession) -> AbstractAsyncContextManager[None]:
    """The statements run inside are planned with their values at every run (see the
    module's docstring): for the lookup, whose best plan depends on what is looked up."""
    return local_settings(session, VALUES_PLANNED)
