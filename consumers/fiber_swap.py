"""Same-cable fiber swap (同缆改纤): the change saga calls the inventory and reissues the order."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from hub.handlers.resource_change import ResourceChangeService
from hub.messaging.topology import Topology
from schemas.v1 import SwapFiber


def fiber_swap_router(topology: Topology, changes: ResourceChangeService) -> RabbitRouter:
    router = RabbitRouter()

    @router.subscriber(
        topology.work_queue("onsite.fiber_swap", topology.route(SwapFiber)),
        topology.bus,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        title=f"{topology.queue_name('onsite.fiber_swap')}:SwapFiber",
        description=SwapFiber.__doc__,
    )
    async def swap_fiber(cmd: SwapFiber) -> None:
        await changes.handle(cmd)

    return router
