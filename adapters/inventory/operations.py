"""The inventory stand-in's changes, validated as a real inventory would and applied atomically.

Each change runs in one transaction: claim its idempotency key, validate, apply. A refusal rolls
the whole transaction back and is then stored under the key, so a repeated key always gets the
first answer. Taking a fiber or a port is a conditional update (`... WHERE state = 'free'`) and
a holder column is unique, so two racing changes for one fiber can't both win, on SQLite or
PostgreSQL. Assignments move to the reissued order's id; the old order keeps none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.inventory.tables import inventory_assignments as assignments
from adapters.inventory.tables import inventory_boxes as boxes
from adapters.inventory.tables import inventory_fibers as fibers
from adapters.inventory.tables import inventory_ports as ports
from hub.domain.resources import AppliedChange, RefusalCode, ResourceState
from hub.errors import ResourceRefused
from schemas.v1 import ResourceAssignment

ACTIVE, SUPERSEDED, RELEASED = "active", "superseded", "released"
FREE, IN_USE, FAULTY = (s.value for s in ResourceState)


@dataclass(frozen=True, slots=True)
class FiberTarget:
    fiber_id: str
    fiber_no: int


@dataclass(frozen=True, slots=True)
class PortTarget:
    box_id: str
    port: int


async def active_assignment(conn: AsyncConnection, order_id: str) -> ResourceAssignment | None:
    row = (
        await conn.execute(
            select(assignments).where(
                assignments.c.order_id == order_id, assignments.c.status == ACTIVE
            )
        )
    ).first()
    return None if row is None else row_assignment(row._mapping)


async def swap_fiber(
    conn: AsyncConnection, order_id: str, target: FiberTarget, *, new_order_id: str, now: datetime
) -> AppliedChange:
    """Same-cable fiber swap: the chosen free fiber replaces the order's, which turns faulty."""
    current = await _require_assignment(conn, order_id)
    fiber = (await conn.execute(select(fibers).where(fibers.c.fiber_id == target.fiber_id))).first()
    if fiber is None:
        _refuse(RefusalCode.UNKNOWN_FIBER, f"fiber {target.fiber_id} does not exist")
    if fiber.fiber_no != target.fiber_no:
        _refuse(
            RefusalCode.FIBER_MISMATCH,
            f"fiber {target.fiber_id} is number {fiber.fiber_no}, not {target.fiber_no}",
        )
    if fiber.cable_id != current.cable_id:
        _refuse(
            RefusalCode.OTHER_CABLE,
            f"fiber {target.fiber_id} is on cable {fiber.cable_id}; "
            f"order {order_id} runs on cable {current.cable_id}",
        )
    if fiber.fiber_id == current.fiber_id:
        _refuse(RefusalCode.SAME_FIBER, f"order {order_id} already uses fiber {fiber.fiber_id}")
    _require_free(fiber.state, RefusalCode.FIBER_FAULTY, RefusalCode.FIBER_TAKEN, "fiber")
    await _supersede(conn, order_id, new_order_id, now=now)
    taken = await conn.execute(
        update(fibers)
        .where(fibers.c.fiber_id == fiber.fiber_id, fibers.c.state == FREE)
        .where(fibers.c.order_id.is_(None))
        .values(state=IN_USE, order_id=new_order_id)
    )
    if taken.rowcount != 1:
        _refuse(RefusalCode.FIBER_TAKEN, f"fiber {fiber.fiber_id} was taken meanwhile")
    await _set_fiber(conn, current.fiber_id, holder=order_id, state=FAULTY, new_holder=None)
    await _set_port(
        conn,
        current.box_id,
        current.port,
        holder=order_id,
        state=IN_USE,
        new_holder=new_order_id,
    )
    moved = current.model_copy(update={"fiber_id": fiber.fiber_id, "fiber_no": fiber.fiber_no})
    await _insert_assignment(conn, new_order_id, moved, now=now)
    return AppliedChange(previous=current, current=moved)


async def change_box(
    conn: AsyncConnection, order_id: str, target: PortTarget, *, new_order_id: str, now: datetime
) -> AppliedChange:
    """Box change: the reported free port replaces the order's, which turns faulty."""
    current = await _require_assignment(conn, order_id)
    box = (await conn.execute(select(boxes).where(boxes.c.box_id == target.box_id))).first()
    if box is None:
        _refuse(RefusalCode.UNKNOWN_BOX, f"optical box {target.box_id} does not exist")
    if not 1 <= target.port <= box.port_count:
        _refuse(
            RefusalCode.UNKNOWN_PORT,
            f"optical box {target.box_id} has ports 1–{box.port_count}, not {target.port}",
        )
    if (target.box_id, target.port) == (current.box_id, current.port):
        _refuse(RefusalCode.SAME_PORT, f"order {order_id} already uses that port")
    port = (
        await conn.execute(
            select(ports).where(ports.c.box_id == target.box_id, ports.c.port == target.port)
        )
    ).first()
    _require_free(
        port.state if port else FAULTY, RefusalCode.PORT_FAULTY, RefusalCode.PORT_TAKEN, "port"
    )
    await _supersede(conn, order_id, new_order_id, now=now)
    taken = await conn.execute(
        update(ports)
        .where(ports.c.box_id == target.box_id, ports.c.port == target.port)
        .where(ports.c.state == FREE, ports.c.order_id.is_(None))
        .values(state=IN_USE, order_id=new_order_id)
    )
    if taken.rowcount != 1:
        _refuse(
            RefusalCode.PORT_TAKEN, f"port {target.port} of {target.box_id} was taken meanwhile"
        )
    await _set_port(
        conn, current.box_id, current.port, holder=order_id, state=FAULTY, new_holder=None
    )
    await _set_fiber(conn, current.fiber_id, holder=order_id, state=IN_USE, new_holder=new_order_id)
    moved = current.model_copy(update={"box_id": target.box_id, "port": target.port})
    await _insert_assignment(conn, new_order_id, moved, now=now)
    return AppliedChange(previous=current, current=moved)


async def revert(
    conn: AsyncConnection,
    order_id: str,
    new_order_id: str,
    change: AppliedChange,
    *,
    now: datetime,
) -> None:
    """Undo an applied change: the order gets its old resources back, the new ones are freed."""
    before, after = change.previous, change.current
    if before.fiber_id != after.fiber_id:
        await _set_fiber(conn, after.fiber_id, holder=new_order_id, state=FREE, new_holder=None)
        await conn.execute(
            update(fibers)
            .where(fibers.c.fiber_id == before.fiber_id, fibers.c.order_id.is_(None))
            .values(state=IN_USE, order_id=order_id)
        )
    else:
        await _set_fiber(
            conn, after.fiber_id, holder=new_order_id, state=IN_USE, new_holder=order_id
        )
    if (before.box_id, before.port) != (after.box_id, after.port):
        await _set_port(
            conn, after.box_id, after.port, holder=new_order_id, state=FREE, new_holder=None
        )
        await conn.execute(
            update(ports)
            .where(ports.c.box_id == before.box_id, ports.c.port == before.port)
            .where(ports.c.order_id.is_(None))
            .values(state=IN_USE, order_id=order_id)
        )
    else:
        await _set_port(
            conn,
            after.box_id,
            after.port,
            holder=new_order_id,
            state=IN_USE,
            new_holder=order_id,
        )
    await conn.execute(delete(assignments).where(assignments.c.order_id == new_order_id))
    await conn.execute(
        update(assignments)
        .where(assignments.c.order_id == order_id)
        .values(status=ACTIVE, successor=None, updated_at=now)
    )


async def allocate(
    conn: AsyncConnection, order_id: str, *, lat: float, lon: float, now: datetime
) -> ResourceAssignment:
    """A new order's resources: a free port of the nearest box whose cable keeps a spare fiber
    after this one (for a same-cable swap on site), else of the nearest whose cable has one."""
    existing = await active_assignment(conn, order_id)
    if existing is not None:
        return existing
    distance = (boxes.c.lat - lat) * (boxes.c.lat - lat) + (boxes.c.lon - lon) * (boxes.c.lon - lon)
    nearest = (await conn.execute(select(boxes).order_by(distance).limit(30))).all()
    free = await _free_fiber_counts(conn, {box.cable_id for box in nearest})
    spare_first = sorted(nearest, key=lambda box: free.get(box.cable_id, 0) < 2)  # stable sort
    for box in spare_first:
        port = await _take_first_free_port(conn, box.box_id, order_id)
        if port is None:
            continue
        fiber = await _take_first_free_fiber(conn, box.cable_id, order_id)
        if fiber is None:
            await _set_port(conn, box.box_id, port, holder=order_id, state=FREE, new_holder=None)
            continue
        assignment = ResourceAssignment(
            cable_id=box.cable_id,
            fiber_id=fiber[0],
            fiber_no=fiber[1],
            box_id=box.box_id,
            port=port,
        )
        await _insert_assignment(conn, order_id, assignment, now=now)
        return assignment
    _refuse(RefusalCode.NO_FREE_RESOURCE, f"no free fiber and port near ({lat:.4f}, {lon:.4f})")


# --- helpers ----------------------------------------------------------------------------------


def _refuse(code: RefusalCode, reason: str) -> NoReturn:
    raise ResourceRefused(code.value, reason)


def _require_free(state: str, faulty: RefusalCode, taken: RefusalCode, what: str) -> None:
    if state == FAULTY:
        _refuse(faulty, f"that {what} is marked faulty in the inventory")
    if state != FREE:
        _refuse(taken, f"that {what} is already in use")


async def _require_assignment(conn: AsyncConnection, order_id: str) -> ResourceAssignment:
    current = await active_assignment(conn, order_id)
    if current is None:
        _refuse(RefusalCode.NO_ASSIGNMENT, f"order {order_id} has no resources in the inventory")
    return current


async def _supersede(
    conn: AsyncConnection, order_id: str, new_order_id: str, *, now: datetime
) -> None:
    """First write of a change: of two changes racing for one order, only the first gets on."""
    if await active_assignment(conn, new_order_id) is not None:
        _refuse(RefusalCode.TARGET_EXISTS, f"order {new_order_id} already has resources")
    result = await conn.execute(
        update(assignments)
        .where(assignments.c.order_id == order_id, assignments.c.status == ACTIVE)
        .values(status=SUPERSEDED, successor=new_order_id, updated_at=now)
    )
    if result.rowcount != 1:
        _refuse(RefusalCode.NO_ASSIGNMENT, f"order {order_id} was changed meanwhile")
    await conn.execute(
        delete(assignments).where(
            assignments.c.order_id == new_order_id, assignments.c.status != ACTIVE
        )
    )


async def _insert_assignment(
    conn: AsyncConnection, order_id: str, a: ResourceAssignment, *, now: datetime
) -> None:
    await conn.execute(
        assignments.insert().values(
            order_id=order_id, status=ACTIVE, updated_at=now, **a.model_dump()
        )
    )


async def _set_fiber(
    conn: AsyncConnection, fiber_id: str, *, holder: str, state: str, new_holder: str | None
) -> None:
    await conn.execute(
        update(fibers)
        .where(fibers.c.fiber_id == fiber_id, fibers.c.order_id == holder)
        .values(state=state, order_id=new_holder)
    )


async def _set_port(
    conn: AsyncConnection,
    box_id: str,
    port: int,
    *,
    holder: str,
    state: str,
    new_holder: str | None,
) -> None:
    await conn.execute(
        update(ports)
        .where(ports.c.box_id == box_id, ports.c.port == port, ports.c.order_id == holder)
        .values(state=state, order_id=new_holder)
    )


async def _take_first_free_port(conn: AsyncConnection, box_id: str, order_id: str) -> int | None:
    candidates = await conn.scalars(
        select(ports.c.port)
        .where(ports.c.box_id == box_id, ports.c.state == FREE)
        .order_by(ports.c.port)
    )
    for port in candidates.all():
        taken = await conn.execute(
            update(ports)
            .where(ports.c.box_id == box_id, ports.c.port == port, ports.c.state == FREE)
            .values(state=IN_USE, order_id=order_id)
        )
        if taken.rowcount == 1:
            return int(port)
    return None


async def _free_fiber_counts(conn: AsyncConnection, cable_ids: set[str]) -> dict[str, int]:
    rows = await conn.execute(
        select(fibers.c.cable_id, func.count())
        .where(fibers.c.cable_id.in_(cable_ids), fibers.c.state == FREE)
        .group_by(fibers.c.cable_id)
    )
    return {str(cable_id): int(n) for cable_id, n in rows}


async def _take_first_free_fiber(
    conn: AsyncConnection, cable_id: str, order_id: str
) -> tuple[str, int] | None:
    candidates = (
        await conn.execute(
            select(fibers.c.fiber_id, fibers.c.fiber_no)
            .where(fibers.c.cable_id == cable_id, fibers.c.state == FREE)
            .order_by(fibers.c.fiber_no)
        )
    ).all()
    for fiber_id, fiber_no in candidates:
        taken = await conn.execute(
            update(fibers)
            .where(fibers.c.fiber_id == fiber_id, fibers.c.state == FREE)
            .values(state=IN_USE, order_id=order_id)
        )
        if taken.rowcount == 1:
            return str(fiber_id), int(fiber_no)
    return None


def row_assignment(row: Any) -> ResourceAssignment:
    """An assignment row as the value the inventory answers with."""
    return ResourceAssignment(
        cable_id=row["cable_id"],
        fiber_id=row["fiber_id"],
        fiber_no=row["fiber_no"],
        box_id=row["box_id"],
        port=row["port"],
    )
