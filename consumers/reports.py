"""Delivery reports: render the next version when an order's data changed."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = ("report.render",)


def report_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
