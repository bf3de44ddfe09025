"""Undo for chat actions: each action records the exact steps that reverse it.

Steps are data (``{"op": "delete", "model": "Activity", "id": 7}`` or ``{"op": "restore",
"model": "Deal", "id": 3, "fields": {...}}``), applied through the record-rule layer so an
undo is audited and can never touch a record the user may no longer see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from store.access import RecordNotFound, Records
from store.bulk import Together, table_of
from store.models import Activity, Company, Contact, Deal, DealStageChange, Owned, Task, UndoAction
from store.riders import Riders

MODELS: dict[str, type[Owned]] = {m.__name__: m for m in (Activity, Company, Contact, Deal, Task)}


class UndoLog:
    """Collects the reversing steps of one action while it runs."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self._pending: list[tuple[dict[str, Any], Owned]] = []

    def created(self, obj: Owned) -> None:
        """``obj`` may still be unflushed: its id is read when the log is saved, so a
        handler can add several records and flush them together."""
        step: dict[str, Any] = {"op": "delete", "model": type(obj).__name__, "id": obj.id}
        self.steps.append(step)
        if obj.id is None:
            self._pending.append((step, obj))

    def changing(self, obj: Owned, *fields: str) -> None:
        """Call *before* changing ``fields`` of ``obj``."""
        before = {f: _jsonable(getattr(obj, f)) for f in fields}
        self.steps.append(
            {"op": "restore", "model": type(obj).__name__, "id": obj.id, "fields": before}
        )

    def reserve(self, together: Together) -> None:
        """Call before ``together``'s first record: on PostgreSQL its INSERT also draws the
        undo row's id, and :meth:`save` leaves the row to ride on the replies' INSERT."""
        together.draw(UndoAction)

    async def save(self, records: Records, together: Together | None = None) -> int:
        """The action's id. Inside :func:`store.bulk.created_together`, pass ``together``:
        on PostgreSQL the INSERT then carries the records' audit rows and what else waits,
        or, its id drawn (:meth:`reserve`), the row waits with them."""
        if self._pending:
            await records.session.flush()
            for step, obj in self._pending:
                step["id"] = obj.id
            self._pending.clear()
        # A plain INSERT: nothing reads the row back in this transaction, and a flush of
        # its own would cost a one-message log more than the statement.
        table = table_of(UndoAction)
        values = {
            "user_id": records.principal.user_id,
            "steps": self.steps,
            "created_at": records.now,
        }
        if together is not None and together.drawn is not None:
            undo_id, together.drawn = together.drawn, None
            await together.riders.insert(table, [{"id": undo_id, **values}])
            return undo_id
        if together is not None:
            ((undo_id,),) = await together.send(table, values, returning=("id",))
        else:
            riders = Riders(records.session)  # nothing waits: a plain INSERT, now
            ((undo_id,),) = await riders.send(table, [values], returning=("id",))
        return int(undo_id)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    return value


async def undo(records: Records, action_id: int) -> bool:
    """Reverse the action; ``False`` if it is not this user's or was already undone."""
    action = await records.session.scalar(
        select(UndoAction).where(UndoAction.id == action_id).with_for_update()
    )
    if action is None or action.user_id != records.principal.user_id or action.undone_at:
        return False
    for step in reversed(action.steps):
        model = MODELS[step["model"]]
        try:
            obj = await records.get(model, step["id"])
        except RecordNotFound:
            continue
        if step["op"] == "delete":
            if isinstance(obj, Deal):
                await records.session.execute(
                    delete(DealStageChange).where(DealStageChange.deal_id == obj.id)
                )
            await records.delete(obj)
        else:
            fields = {k: _restore(v) for k, v in step["fields"].items()}
            if isinstance(obj, Deal) and fields.get("stage", obj.stage) != obj.stage:
                # The move being undone is the newest history row; drop it with the move.
                last = await records.session.scalar(
                    select(DealStageChange)
                    .where(DealStageChange.deal_id == obj.id)
                    .order_by(DealStageChange.id.desc())
                    .limit(1)
                )
                if last is not None:
                    await records.session.delete(last)
            await records.update(obj, **fields)
    action.undone_at = records.now
    await records.session.flush()
    return True


async def last_undoable(records: Records) -> UndoAction | None:
    """The principal's newest action that has not been undone (what a typed ``/undo``
    offers to reverse), or None."""
    stmt = (
        select(UndoAction)
        .where(UndoAction.user_id == records.principal.user_id, UndoAction.undone_at.is_(None))
        .order_by(UndoAction.id.desc())
        .limit(1)
    )
    return await records.session.scalar(stmt)


def created_ids(action: UndoAction, model: str) -> list[int]:
    """The ids of the ``model`` records the action created (its undo deletes them)."""
    return [
        int(step["id"])
        for step in action.steps
        if step["op"] == "delete" and step["model"] == model and step["id"] is not None
    ]
