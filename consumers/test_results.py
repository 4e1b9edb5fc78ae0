"""Ping and speed test results from the field app (一键 ping / 一键测速)."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "delivery.record_ping",
    "delivery.record_speed",
)


def results_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
