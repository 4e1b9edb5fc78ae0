"""The work-order lifecycle: one quorum queue per command (open, dispatch, check in, ...)."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "workorder.create",
    "workorder.dispatch",
    "workorder.check_in",
    "workorder.complete",
    "workorder.archive",
    "workorder.verify_check_in",
)


def work_order_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
