"""A fake resource inventory (综资): cables, fibers, boxes, ports and each order's assignment.

It answers as `adapters/inventory/embedded.py` does: a change is validated, then applied at
once (a refusal changes nothing); every change runs once per idempotency key, a repeat gets
the first answer (the same result or the same refusal) and a key reused for another request is
refused; `revert` undoes the change stored under a key. `calls` records every change call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from hub.domain.resources import AppliedChange, BoxPort, Fiber, OpticalBox, RefusalCode
from hub.domain.resources import ResourceState as State
from hub.errors import ResourceRefused, UnknownRemoteRecord
from schemas.v1 import Coordinates, ResourceAssignment
from tests.fakes.systems import Faults


@dataclass
class _Slot:
    """A fiber or a port: its state and the order holding it."""

    state: State = State.FREE
    holder: str | None = None


@dataclass(frozen=True, slots=True)
class _Box:
    box_id: str
    cable_id: str
    lat: float
    lon: float
    port_count: int


@dataclass
class _Operation:
    operation: str
    request: dict[str, Any]
    result: AppliedChange | ResourceAssignment | None = None
    refusal: ResourceRefused | None = None
    reverted: bool = False


class FakeInventory(Faults):
    """`hub.ports.ResourceInventory` in memory; build it with `add_cable`, `add_box`, `assign`."""

    label = "inventory"

    def __init__(self) -> None:
        super().__init__()
        self.cable_of: dict[str, tuple[str, int]] = {}  # fiber id → (cable, number)
        self.fiber_slots: dict[str, _Slot] = {}
        self.boxes: dict[str, _Box] = {}
        self.ports: dict[tuple[str, int], _Slot] = {}
        self.assignments: dict[str, ResourceAssignment] = {}
        self.operations: dict[str, _Operation] = {}
        self.calls: list[tuple[str, str]] = []

    # --- set-up -------------------------------------------------------------------------------
    def add_cable(self, cable_id: str, *, fibers: int = 12) -> None:
        for no in range(1, fibers + 1):
            self.cable_of[f"{cable_id}-F{no:03d}"] = (cable_id, no)
            self.fiber_slots[f"{cable_id}-F{no:03d}"] = _Slot()

    def add_box(self, box_id: str, cable_id: str, *, at: Coordinates, ports: int = 8) -> None:
        self.boxes[box_id] = _Box(box_id, cable_id, at.lat, at.lon, ports)
        for port in range(1, ports + 1):
            self.ports[box_id, port] = _Slot()

    def assign(self, order_id: str, assignment: ResourceAssignment) -> None:
        self.assignments[order_id] = assignment
        self.fiber_slots[assignment.fiber_id] = _Slot(State.IN_USE, order_id)
        self.ports[assignment.box_id, assignment.port] = _Slot(State.IN_USE, order_id)

    def mark(self, fiber_id: str, state: State, holder: str | None = None) -> None:
        self.fiber_slots[fiber_id] = _Slot(state, holder)

    # --- the port -----------------------------------------------------------------------------
    async def assignment(self, order_id: str) -> ResourceAssignment:
        await self.before_call()
        if order_id not in self.assignments:
            raise UnknownRemoteRecord(f"the inventory has no resources for order {order_id}")
        return self.assignments[order_id]

    async def fibers(self, cable_id: str, *, state: State | None = None) -> list[Fiber]:
        await self.before_call()
        found = [
            Fiber(fid, cable, no, self.fiber_slots[fid].state)
            for fid, (cable, no) in self.cable_of.items()
            if cable == cable_id
        ]
        if not found:
            raise UnknownRemoteRecord(f"cable {cable_id} does not exist")
        return sorted(
            (f for f in found if state is None or f.state is state), key=lambda f: f.fiber_no
        )

    async def boxes_near(self, near: Coordinates, *, limit: int = 5) -> list[OpticalBox]:
        await self.before_call()
        by_distance = sorted(
            self.boxes.values(), key=lambda b: (b.lat - near.lat) ** 2 + (b.lon - near.lon) ** 2
        )
        return [self._box(b) for b in by_distance[:limit]]

    async def allocate(
        self, order_id: str, *, near: Coordinates, idempotency_key: str
    ) -> ResourceAssignment:
        def apply() -> ResourceAssignment:
            if order_id in self.assignments:
                return self.assignments[order_id]
            for box in self._boxes_with_free_port(near):
                port = next(p for p in range(1, box.port_count + 1) if self._free_port(box, p))
                fiber = self._first_free_fiber(box.cable_id)
                if fiber is not None:
                    cable, no = self.cable_of[fiber]
                    found = ResourceAssignment(
                        cable_id=cable, fiber_id=fiber, fiber_no=no, box_id=box.box_id, port=port
                    )
                    self.assign(order_id, found)
                    return found
            _refuse(RefusalCode.NO_FREE_RESOURCE, "no free fiber and port near the address")

        result = await self._keyed("allocate", idempotency_key, {"order_id": order_id}, apply)
        assert isinstance(result, ResourceAssignment)
        return result

    async def swap_fiber(
        self,
        order_id: str,
        *,
        fiber_id: str,
        fiber_no: int,
        new_order_id: str,
        idempotency_key: str,
    ) -> AppliedChange:
        def apply() -> AppliedChange:
            current = self._require_assignment(order_id, new_order_id)
            if fiber_id not in self.cable_of:
                _refuse(RefusalCode.UNKNOWN_FIBER, f"fiber {fiber_id} does not exist")
            cable, no = self.cable_of[fiber_id]
            if no != fiber_no:
                _refuse(RefusalCode.FIBER_MISMATCH, f"fiber {fiber_id} is number {no}")
            if cable != current.cable_id:
                _refuse(RefusalCode.OTHER_CABLE, f"fiber {fiber_id} is on cable {cable}")
            if fiber_id == current.fiber_id:
                _refuse(RefusalCode.SAME_FIBER, f"order {order_id} already uses fiber {fiber_id}")
            _require_free(self.fiber_slots[fiber_id], RefusalCode.FIBER_FAULTY, "fiber")
            moved = current.model_copy(update={"fiber_id": fiber_id, "fiber_no": no})
            self.fiber_slots[current.fiber_id] = _Slot(State.FAULTY)
            return self._move(order_id, new_order_id, current, moved)

        request = {"order_id": order_id, "fiber_id": fiber_id, "new_order_id": new_order_id}
        return await self._change("swap_fiber", idempotency_key, request, apply)

    async def change_box(
        self, order_id: str, *, box_id: str, port: int, new_order_id: str, idempotency_key: str
    ) -> AppliedChange:
        def apply() -> AppliedChange:
            current = self._require_assignment(order_id, new_order_id)
            if box_id not in self.boxes:
                _refuse(RefusalCode.UNKNOWN_BOX, f"optical box {box_id} does not exist")
            if (box_id, port) not in self.ports:
                _refuse(RefusalCode.UNKNOWN_PORT, f"optical box {box_id} has no port {port}")
            if (box_id, port) == (current.box_id, current.port):
                _refuse(RefusalCode.SAME_PORT, f"order {order_id} already uses that port")
            _require_free(self.ports[box_id, port], RefusalCode.PORT_FAULTY, "port")
            moved = current.model_copy(update={"box_id": box_id, "port": port})
            self.ports[current.box_id, current.port] = _Slot(State.FAULTY)
            return self._move(order_id, new_order_id, current, moved)

        request = {
            "order_id": order_id,
            "box_id": box_id,
            "port": port,
            "new_order_id": new_order_id,
        }
        return await self._change("change_box", idempotency_key, request, apply)

    async def revert(self, change_key: str, *, idempotency_key: str) -> None:
        def apply() -> None:
            stored = self.operations.get(change_key)
            if stored is None or stored.reverted or not isinstance(stored.result, AppliedChange):
                return
            stored.reverted = True
            order_id, new_order_id = stored.request["order_id"], stored.request["new_order_id"]
            before, after = stored.result.previous, stored.result.current
            self.fiber_slots[after.fiber_id] = _Slot()
            self.ports[after.box_id, after.port] = _Slot()
            del self.assignments[new_order_id]
            self.assign(order_id, before)

        await self._keyed("revert", idempotency_key, {"change_key": change_key}, apply)

    # --- machinery ----------------------------------------------------------------------------
    async def _change(
        self, operation: str, key: str, request: dict[str, Any], apply: Callable[[], Any]
    ) -> AppliedChange:
        result = await self._keyed(operation, key, request, apply)
        assert isinstance(result, AppliedChange)
        return result

    async def _keyed(
        self, operation: str, key: str, request: dict[str, Any], apply: Callable[[], Any]
    ) -> Any:
        """Once per key: the first answer (result or refusal) is replayed."""
        await self.before_call()
        self.calls.append((operation, key))
        stored = self.operations.get(key)
        if stored is None:
            stored = _Operation(operation, request)
            try:
                stored.result = apply()
            except ResourceRefused as refusal:
                stored.refusal = refusal
            self.operations[key] = stored
        elif (stored.operation, stored.request) != (operation, request):
            _refuse(RefusalCode.KEY_REUSED, f"Idempotency-Key {key} was used for another request")
        if stored.refusal is not None:
            raise ResourceRefused(stored.refusal.code, stored.refusal.reason)
        self.after_call()
        return stored.result

    def _require_assignment(self, order_id: str, new_order_id: str) -> ResourceAssignment:
        if new_order_id in self.assignments:
            _refuse(RefusalCode.TARGET_EXISTS, f"order {new_order_id} already has resources")
        if order_id not in self.assignments:
            _refuse(RefusalCode.NO_ASSIGNMENT, f"order {order_id} has no resources")
        return self.assignments[order_id]

    def _move(
        self,
        order_id: str,
        new_order_id: str,
        before: ResourceAssignment,
        after: ResourceAssignment,
    ) -> AppliedChange:
        del self.assignments[order_id]
        self.assign(new_order_id, after)
        return AppliedChange(previous=before, current=after)

    def _box(self, box: _Box) -> OpticalBox:
        ports = tuple(
            BoxPort(p, self.ports[box.box_id, p].state) for p in range(1, box.port_count + 1)
        )
        return OpticalBox(box.box_id, box.box_id, "", box.lat, box.lon, box.cable_id, ports)

    def _boxes_with_free_port(self, near: Coordinates) -> list[_Box]:
        nearest = sorted(
            self.boxes.values(), key=lambda b: (b.lat - near.lat) ** 2 + (b.lon - near.lon) ** 2
        )
        return [
            b for b in nearest if any(self._free_port(b, p) for p in range(1, b.port_count + 1))
        ]

    def _free_port(self, box: _Box, port: int) -> bool:
        return self.ports[box.box_id, port].state is State.FREE

    def _first_free_fiber(self, cable_id: str) -> str | None:
        return next(
            (
                fid
                for fid, (cable, _) in self.cable_of.items()
                if cable == cable_id and self.fiber_slots[fid].state is State.FREE
            ),
            None,
        )


def _refuse(code: RefusalCode, reason: str) -> NoReturn:
    raise ResourceRefused(code.value, reason)


def _require_free(slot: _Slot, faulty: RefusalCode, what: str) -> None:
    if slot.state is State.FAULTY:
        _refuse(faulty, f"that {what} is marked faulty in the inventory")
    if slot.state is not State.FREE:
        taken = RefusalCode.FIBER_TAKEN if what == "fiber" else RefusalCode.PORT_TAKEN
        _refuse(taken, f"that {what} is already in use")
