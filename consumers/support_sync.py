"""Write-back to the customer-support system (客保): order record, flow log, archive."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "support.orders",
    "support.flow_log",
    "support.archive",
    "support.reissue",
)


def support_sync_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
