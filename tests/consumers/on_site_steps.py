"""On-site steps for the memory hub: an order on real resources of the embedded inventory."""

from __future__ import annotations

from hub.bootstrap import Hub
from hub.domain.resources import ResourceState
from schemas.v1 import ResourceAssignment, SwapFiber
from tests import factories
from tests.delivery_support import checked_in
from tests.helpers import publish


async def on_site_with_resources(hub: Hub, order_id: str) -> ResourceAssignment:
    """Allocate a line in the embedded (Shanghai-seeded) inventory, open the order on it and
    check the technician in, as intake and the field app would."""
    order = factories.create_order(order_id)
    line = await hub.inventory.allocate(
        order_id, near=order.install_address.coordinates, idempotency_key=f"allocate:{order_id}"
    )
    await checked_in(hub, order_id, order.model_copy(update={"resources": line}))
    return line


async def a_free_fiber_swap(hub: Hub, order_id: str, line: ResourceAssignment) -> SwapFiber:
    """A swap to the first free fiber of the order's cable (not yet published)."""
    free = await hub.inventory.fibers(line.cable_id, state=ResourceState.FREE)
    return SwapFiber(
        change_id=f"swap-{order_id}",
        order_id=order_id,
        technician_id=factories.technician().id,
        fiber_id=free[0].fiber_id,
        fiber_no=free[0].fiber_no,
    )


async def swapped(hub: Hub, order_id: str) -> SwapFiber:
    """An order on site whose fiber was swapped through the `onsite.fiber_swap` consumer."""
    line = await on_site_with_resources(hub, order_id)
    swap = await a_free_fiber_swap(hub, order_id, line)
    await publish(hub, swap)
    return swap
