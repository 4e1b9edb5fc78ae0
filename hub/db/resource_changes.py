"""Resource changes (fiber swaps, box changes) in the database, with optimistic locking.

`active_order_id` is unique and set until the change finishes: at most one change per order is
in flight, whichever worker or web process records it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import resource_changes as changes
from hub.domain.resource_change import (
    BoxTarget,
    ChangeState,
    FiberTarget,
    ResourceChange,
    Target,
)
from hub.errors import ConcurrencyConflict, NotFound
from schemas.v1 import ChangeKind, ResourceAssignment


class ResourceChangeRepository:
    """Loads and saves changes; a save whose version moved raises `ConcurrencyConflict`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def find(self, change_id: str) -> ResourceChange | None:
        row = (
            (await self._conn.execute(select(changes).where(changes.c.change_id == change_id)))
            .mappings()
            .first()
        )
        return _to_domain(row) if row else None

    async def get(self, change_id: str) -> ResourceChange:
        change = await self.find(change_id)
        if change is None:
            raise NotFound(f"change {change_id} does not exist")
        return change

    async def active_for(self, order_id: str) -> ResourceChange | None:
        """The change in flight for an order, if any."""
        row = (
            (await self._conn.execute(select(changes).where(changes.c.active_order_id == order_id)))
            .mappings()
            .first()
        )
        return _to_domain(row) if row else None

    async def add(self, change: ResourceChange) -> None:
        """Insert; a twin insert (same id, or another change in flight for the order) raises
        `ConcurrencyConflict`: the caller's transaction is then void and is run again."""
        try:
            await self._conn.execute(insert(changes).values(**_to_row(change)))
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"change {change.change_id} raced another insert") from exc

    async def save(self, change: ResourceChange, *, expected_version: int) -> None:
        result = await self._conn.execute(
            update(changes)
            .where(changes.c.change_id == change.change_id)
            .where(changes.c.version == expected_version)
            .values(**_to_row(change))
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(
                f"change {change.change_id} changed since version {expected_version}"
            )

    async def list_for_order(self, order_id: str) -> list[ResourceChange]:
        rows = await self._conn.execute(
            select(changes).where(changes.c.order_id == order_id).order_by(changes.c.created_at)
        )
        return [_to_domain(r) for r in rows.mappings()]

    async def count_by_kind_and_state(self, *, since: datetime | None = None) -> dict[str, int]:
        """`"<kind>:<state>"` → count (for the demo summary and ops)."""
        query = select(changes.c.kind, changes.c.state)
        if since is not None:
            query = query.where(changes.c.created_at >= since)
        counts: dict[str, int] = {}
        for kind, state in (await self._conn.execute(query)).all():
            counts[f"{kind}:{state}"] = counts.get(f"{kind}:{state}", 0) + 1
        return counts


def _to_row(change: ResourceChange) -> dict[str, Any]:
    target: dict[str, Any]
    if isinstance(change.target, FiberTarget):
        target = {"fiber_id": change.target.fiber_id, "fiber_no": change.target.fiber_no}
    else:
        target = {"box_id": change.target.box_id, "port": change.target.port}
    return {
        "change_id": change.change_id,
        "kind": change.kind.value,
        "order_id": change.order_id,
        "technician_id": change.technician_id,
        "target": target,
        "new_order_id": change.new_order_id,
        "state": change.state.value,
        "active_order_id": None if change.finished else change.order_id,
        "previous": change.previous.model_dump() if change.previous else None,
        "resources": change.resources.model_dump() if change.resources else None,
        "code": change.code,
        "reason": change.reason,
        "attempts": change.attempts,
        "last_error": change.last_error,
        "version": change.version,
        "created_at": change.created_at,
        "updated_at": change.updated_at,
        "finished_at": change.finished_at,
    }


def _to_domain(row: Any) -> ResourceChange:
    raw = row["target"]
    target: Target = (
        FiberTarget(raw["fiber_id"], raw["fiber_no"])
        if "fiber_id" in raw
        else BoxTarget(raw["box_id"], raw["port"])
    )
    return ResourceChange(
        change_id=row["change_id"],
        kind=ChangeKind(row["kind"]),
        order_id=row["order_id"],
        technician_id=row["technician_id"],
        target=target,
        new_order_id=row["new_order_id"],
        state=ChangeState(row["state"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        previous=_assignment(row["previous"]),
        resources=_assignment(row["resources"]),
        code=row["code"],
        reason=row["reason"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        finished_at=row["finished_at"],
    )


def _assignment(data: dict[str, Any] | None) -> ResourceAssignment | None:
    return None if data is None else ResourceAssignment.model_validate(data)
