"""What the inventory (综资) offers an order on site: free fibers of its cable, boxes nearby."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.resources import Fiber, OpticalBox, ResourceState
from hub.domain.work_order import WorkOrder
from hub.ports import ResourceInventory
from schemas.v1 import ResourceAssignment


@dataclass(frozen=True, slots=True)
class FiberOptions:
    current: ResourceAssignment
    free: list[Fiber]


@dataclass(frozen=True, slots=True)
class BoxOptions:
    current: ResourceAssignment
    boxes: list[OpticalBox]


class InventoryQueries:
    """Candidates for a fiber swap or a box change, straight from the inventory."""

    def __init__(self, inventory: ResourceInventory) -> None:
        self._inventory = inventory

    async def fiber_options(self, order_id: str) -> FiberOptions:
        """Only the free fibers of the order's own cable."""
        current = await self._inventory.assignment(order_id)
        free = await self._inventory.fibers(current.cable_id, state=ResourceState.FREE)
        return FiberOptions(current=current, free=free)

    async def box_options(self, order: WorkOrder) -> BoxOptions:
        """The boxes nearest to the install address, with their ports."""
        current = await self._inventory.assignment(order.order_id)
        boxes = await self._inventory.boxes_near(order.details.install_address.coordinates)
        return BoxOptions(current=current, boxes=boxes)
