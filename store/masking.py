"""Which sensitive fields each role sees masked: the workspace's masking policy.

The rule (README, "Masking by role"): an admin picks, per role (rep, manager), which classes
of field are masked — ``phone`` (phone and mobile numbers, WeChat ids), ``email``,
``amount`` (deal and contract amounts, report totals). A masked field is masked only on a
record the viewer does not own: the owner always sees their own record in full (a rep must
be able to call their own customer). Admins see everything. Nothing is masked until an admin
says so, so a workspace that never set it behaves as before.

Here lives only the policy (rows in ``mask_rules``); *how* a value is masked, and the group
chat rule, are in :mod:`bot.masking`, applied where each surface shows a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import MaskRule
from store.roles import Role


class FieldClass(StrEnum):
    """A class of sensitive field, masked or shown as one."""

    PHONE = "phone"
    EMAIL = "email"
    AMOUNT = "amount"


MASKABLE_ROLES: tuple[Role, ...] = (Role.REP, Role.MANAGER)
"""Admins always see everything: someone has to be able to correct a number."""


@dataclass(frozen=True, slots=True)
class MaskPolicy:
    """The pairs (role, field class) that are masked on records the viewer does not own."""

    masked: frozenset[tuple[Role, FieldClass]] = frozenset()

    def classes_for(self, role: Role | str) -> frozenset[FieldClass]:
        role = Role(role)
        return frozenset(cls for who, cls in self.masked if who is role)


NOTHING_MASKED = MaskPolicy()
ROLE_NAMES = frozenset(str(r) for r in MASKABLE_ROLES)
FIELD_NAMES = frozenset(str(f) for f in FieldClass)


async def load_policy(session: AsyncSession) -> MaskPolicy:
    """The workspace's policy (one small read; empty table: nothing masked)."""
    rows = (await session.execute(select(MaskRule.role, MaskRule.field, MaskRule.masked))).all()
    pairs = set()
    for role, field, masked in rows:
        if masked and role in ROLE_NAMES and field in FIELD_NAMES:
            pairs.add((Role(role), FieldClass(field)))
    return MaskPolicy(frozenset(pairs)) if pairs else NOTHING_MASKED


async def classes_for(session: AsyncSession, role: Role | str) -> frozenset[FieldClass]:
    """What ``role`` sees masked on others' records; an admin nothing, without a query."""
    if Role(role) not in MASKABLE_ROLES:
        return frozenset()
    rows = await session.scalars(
        select(MaskRule.field).where(MaskRule.role == str(role), MaskRule.masked.is_(True))
    )
    return frozenset(FieldClass(f) for f in rows if f in FIELD_NAMES)


async def set_masked(
    session: AsyncSession,
    role: Role,
    field: FieldClass,
    masked: bool,
    *,
    now: datetime,
    by: int | None,
) -> MaskPolicy:
    """Mask (or show) ``field`` for ``role``; the row is locked so two admins toggling at
    once leave one answer, and the change is audited by the flush hook."""
    if role not in MASKABLE_ROLES:
        raise ValueError(f"{role} always sees every field")
    row = await session.scalar(
        select(MaskRule)
        .where(MaskRule.role == str(role), MaskRule.field == str(field))
        .with_for_update()
    )
    if row is None:
        session.add(
            MaskRule(role=str(role), field=str(field), masked=masked, updated_at=now, updated_by=by)
        )
    else:
        row.masked = masked
        row.updated_at = now
        row.updated_by = by
    await session.flush()
    return await load_policy(session)
