"""On-site fixes: same-cable fiber swap (同缆改纤), box change (更改光箱), return (退单)."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "onsite.fiber_swap",
    "onsite.box_change",
    "workorder.return",
)


def on_site_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
