"""Embedded stand-in for the resource inventory (综资): cables, fibers, boxes, ports, assignments.

It keeps its records in a storage of its own (never the hub's schema), answers as a real
inventory would (see `operations.py` for the rules) and records every change call in its
`standin_ledger`, so tests can tell "called twice" from "applied twice"
(`tests/fakes/standin_oracles.py` reads it). Faults can be injected (`unavailable`, `fail_next`,
`delay_ms`); they apply to the `ResourceInventory` operations, not to loading seed data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.embedded_standin import EmbeddedStandin
from adapters.inventory import operations as ops
from adapters.inventory import tables as own_tables
from adapters.inventory.seed import SeedData
from adapters.inventory.tables import (
    inventory_assignments,
    inventory_boxes,
    inventory_cables,
    inventory_fibers,
    inventory_operations,
    inventory_ports,
)
from adapters.standin_storage import StandinStorage
from hub.domain.resources import (
    AppliedChange,
    BoxPort,
    Fiber,
    OpticalBox,
    RefusalCode,
    ResourceState,
)
from hub.errors import ResourceRefused, TransientAdapterError, UnknownRemoteRecord
from schemas.v1 import Coordinates, ResourceAssignment

SYSTEM = "inventory"
Apply = Callable[[AsyncConnection, datetime], Awaitable[dict[str, Any]]]


class UnknownResource(UnknownRemoteRecord):
    """The inventory has no such order assignment, cable or box (HTTP 404 when served)."""


class EmbeddedInventory(EmbeddedStandin):
    """Implements `hub.ports.ResourceInventory`; seeds itself with `seed` on first use if empty."""

    system = SYSTEM
    storage_name = SYSTEM
    tables = own_tables.metadata
    label = "inventory"

    def __init__(self, storage: StandinStorage, *, seed: SeedData | None = None) -> None:
        super().__init__(storage)
        self._seed = seed
        self._seeded = seed is None
        self._seed_lock = asyncio.Lock()

    # --- the port -----------------------------------------------------------------------------

    async def assignment(self, order_id: str) -> ResourceAssignment:
        await self._ready()
        async with self.storage.read() as conn:
            found = await ops.active_assignment(conn, order_id)
        if found is None:
            raise UnknownResource(f"the inventory has no resources for order {order_id}")
        return found

    async def fibers(self, cable_id: str, *, state: ResourceState | None = None) -> list[Fiber]:
        await self._ready()
        query = select(inventory_fibers).where(inventory_fibers.c.cable_id == cable_id)
        if state is not None:
            query = query.where(inventory_fibers.c.state == state.value)
        async with self.storage.read() as conn:
            known = await conn.scalar(
                select(inventory_cables.c.cable_id).where(inventory_cables.c.cable_id == cable_id)
            )
            rows = (await conn.execute(query.order_by(inventory_fibers.c.fiber_no))).all()
        if known is None:
            raise UnknownResource(f"cable {cable_id} does not exist")
        return [Fiber(r.fiber_id, r.cable_id, r.fiber_no, ResourceState(r.state)) for r in rows]

    async def boxes_near(self, near: Coordinates, *, limit: int = 5) -> list[OpticalBox]:
        await self._ready()
        b = inventory_boxes.c
        distance = (b.lat - near.lat) * (b.lat - near.lat) + (b.lon - near.lon) * (b.lon - near.lon)
        async with self.storage.read() as conn:
            rows = await conn.execute(select(inventory_boxes).order_by(distance).limit(limit))
            found = rows.all()
            ids = [r.box_id for r in found]
            port_rows = (
                await conn.execute(
                    select(inventory_ports)
                    .where(inventory_ports.c.box_id.in_(ids))
                    .order_by(inventory_ports.c.port)
                )
            ).all()
        by_box: dict[str, list[BoxPort]] = {i: [] for i in ids}
        for p in port_rows:
            by_box[p.box_id].append(BoxPort(p.port, ResourceState(p.state)))
        return [
            OpticalBox(
                r.box_id, r.name, r.address, r.lat, r.lon, r.cable_id, tuple(by_box[r.box_id])
            )
            for r in found
        ]

    async def allocate(
        self, order_id: str, *, near: Coordinates, idempotency_key: str
    ) -> ResourceAssignment:
        async def apply(conn: AsyncConnection, now: datetime) -> dict[str, Any]:
            found = await ops.allocate(conn, order_id, lat=near.lat, lon=near.lon, now=now)
            return found.model_dump()

        request = {"order_id": order_id, "lat": near.lat, "lon": near.lon}
        result = await self._keyed("allocate", order_id, idempotency_key, request, apply)
        return ResourceAssignment.model_validate(result)

    async def swap_fiber(
        self,
        order_id: str,
        *,
        fiber_id: str,
        fiber_no: int,
        new_order_id: str,
        idempotency_key: str,
    ) -> AppliedChange:
        target = ops.FiberTarget(fiber_id, fiber_no)

        async def apply(conn: AsyncConnection, now: datetime) -> dict[str, Any]:
            done = await ops.swap_fiber(conn, order_id, target, new_order_id=new_order_id, now=now)
            return _change_dict(done)

        request = {
            "order_id": order_id,
            "fiber_id": fiber_id,
            "fiber_no": fiber_no,
            "new_order_id": new_order_id,
        }
        result = await self._keyed("swap_fiber", order_id, idempotency_key, request, apply)
        return _applied(result)

    async def change_box(
        self, order_id: str, *, box_id: str, port: int, new_order_id: str, idempotency_key: str
    ) -> AppliedChange:
        target = ops.PortTarget(box_id, port)

        async def apply(conn: AsyncConnection, now: datetime) -> dict[str, Any]:
            done = await ops.change_box(conn, order_id, target, new_order_id=new_order_id, now=now)
            return _change_dict(done)

        request = {
            "order_id": order_id,
            "box_id": box_id,
            "port": port,
            "new_order_id": new_order_id,
        }
        result = await self._keyed("change_box", order_id, idempotency_key, request, apply)
        return _applied(result)

    async def revert(self, change_key: str, *, idempotency_key: str) -> None:
        async def apply(conn: AsyncConnection, now: datetime) -> dict[str, Any]:
            return {"reverted": await _revert(conn, change_key, now)}

        request = {"change_key": change_key}
        await self._keyed("revert", change_key[:64], idempotency_key, request, apply)

    # --- set-up (no faults) -------------------------------------------------------------------

    async def load(self, data: SeedData) -> None:
        """Insert seed data; rows that exist already are kept (safe to repeat)."""
        rows_by_table: list[tuple[Any, list[dict[str, object]]]] = [
            (inventory_cables, [_cable_row(c) for c in data.cables]),
            (inventory_fibers, data.fiber_rows()),
            (inventory_boxes, [_box_row(b) for b in data.boxes]),
            (inventory_ports, data.port_rows()),
            (inventory_assignments, [_assignment_row(a, data) for a in data.assignments]),
        ]
        async with self.storage.write() as conn:
            for table, rows in rows_by_table:
                for start in range(0, len(rows), 2000):
                    chunk = rows[start : start + 2000]
                    if chunk:
                        await conn.execute(self.storage.insert_ignoring_conflicts(table), chunk)
        self._seeded = True

    # --- machinery ----------------------------------------------------------------------------

    async def _ready(self) -> None:
        await self._maybe_fail()
        if not self._seeded:
            async with self._seed_lock:
                if not self._seeded and self._seed is not None:
                    async with self.storage.read() as conn:
                        empty = not await conn.scalar(
                            select(func.count()).select_from(inventory_cables)
                        )
                    if empty:
                        await self.load(self._seed)
                    self._seeded = True

    async def _keyed(
        self, operation: str, order_id: str, key: str, request: dict[str, Any], apply: Apply
    ) -> dict[str, Any]:
        """Run a change once per key: the first answer (result or refusal) is replayed."""
        await self._ready()
        now = datetime.now(UTC)
        row = {
            "idempotency_key": key,
            "operation": operation,
            "order_id": order_id,
            "request": request,
            "at": now,
            "updated_at": now,
        }
        try:
            async with self.storage.write() as conn:
                claim = self.storage.insert_ignoring_conflicts(inventory_operations)
                if (await conn.execute(claim.values(**row, status="pending"))).rowcount == 0:
                    replayed = await _replay(conn, key, operation, request)
                    await self._record(conn, operation, key)
                    return replayed
                result = await apply(conn, now)
                await conn.execute(
                    update(inventory_operations)
                    .where(inventory_operations.c.idempotency_key == key)
                    .values(status="applied", result=result)
                )
                await self._record(conn, operation, key)
                return result
        except ResourceRefused as refusal:
            if refusal.code == RefusalCode.KEY_REUSED:
                raise
            return await self._store_refusal(row, refusal)
        except IntegrityError as exc:  # a race the checks above did not foresee
            raise TransientAdapterError(f"inventory conflict on {operation}; retry") from exc

    async def _store_refusal(self, row: dict[str, Any], refusal: ResourceRefused) -> dict[str, Any]:
        """The change was rolled back; keep its refusal under the key (unless a twin won)."""
        async with self.storage.write() as conn:
            await self._record(conn, row["operation"], row["idempotency_key"])
            stored = await conn.execute(
                self.storage.insert_ignoring_conflicts(inventory_operations).values(
                    **row, status="refused", code=refusal.code, detail=refusal.reason[:500]
                )
            )
            if stored.rowcount == 0:
                return await _replay(conn, row["idempotency_key"], row["operation"], row["request"])
        raise refusal


async def _replay(
    conn: AsyncConnection, key: str, operation: str, request: dict[str, Any]
) -> dict[str, Any]:
    stored = (
        await conn.execute(
            select(inventory_operations).where(inventory_operations.c.idempotency_key == key)
        )
    ).first()
    assert stored is not None
    if stored.operation != operation or stored.request != request:
        raise ResourceRefused(
            RefusalCode.KEY_REUSED.value,
            f"Idempotency-Key {key} was used for a different request",
        )
    if stored.status == "refused":
        raise ResourceRefused(stored.code, stored.detail or "refused")
    return dict(stored.result or {})


async def _revert(conn: AsyncConnection, change_key: str, now: datetime) -> bool:
    """Undo the change stored under `change_key` if it is applied; False if nothing to undo."""
    op = inventory_operations.c
    stored = (
        await conn.execute(select(inventory_operations).where(op.idempotency_key == change_key))
    ).first()
    if stored is None or stored.status != "applied" or stored.operation == "revert":
        return False
    marked = await conn.execute(
        update(inventory_operations)
        .where(op.idempotency_key == change_key, op.status == "applied")
        .values(status="reverted", updated_at=now)
    )
    if marked.rowcount != 1:
        return False
    request = stored.request
    await ops.revert(
        conn, request["order_id"], request["new_order_id"], _applied(stored.result), now=now
    )
    return True


def _change_dict(change: AppliedChange) -> dict[str, Any]:
    return {"previous": change.previous.model_dump(), "current": change.current.model_dump()}


def _applied(result: dict[str, Any]) -> AppliedChange:
    return AppliedChange(
        previous=ResourceAssignment.model_validate(result["previous"]),
        current=ResourceAssignment.model_validate(result["current"]),
    )


def _cable_row(c: Any) -> dict[str, object]:
    return {"cable_id": c.cable_id, "name": c.name, "route": c.route, "fiber_count": c.fiber_count}


def _box_row(b: Any) -> dict[str, object]:
    return {
        "box_id": b.box_id,
        "name": b.name,
        "address": b.address,
        "lat": b.lat,
        "lon": b.lon,
        "cable_id": b.cable_id,
        "port_count": b.port_count,
    }


def _assignment_row(a: Any, data: SeedData) -> dict[str, object]:
    cable = next(c for c in data.cables if c.cable_id == a.cable_id)
    return {
        "order_id": a.order_id,
        "cable_id": a.cable_id,
        "fiber_id": cable.fiber_id(a.fiber_no),
        "fiber_no": a.fiber_no,
        "box_id": a.box_id,
        "port": a.port,
        "status": "active",
        "successor": None,
        "updated_at": datetime.now(UTC),
    }
