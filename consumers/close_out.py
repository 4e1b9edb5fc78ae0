"""Close-out of a signed order: attach and archive (报竣/归档), e-mail the copy, start billing."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "delivery.attach_report",
    "email.send",
    "billing.start",
)


def close_out_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
