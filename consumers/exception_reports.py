"""Exception reports (异常上报): report and resolve, each once per message id."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "onsite.exception_report",
    "onsite.exception_resolve",
)


def exception_report_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
