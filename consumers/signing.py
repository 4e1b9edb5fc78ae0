"""Signing: send the SMS link, remind the customer, render an accepted signature's PDF, accept
the signed report."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "signing.send_link",
    "signing.remind",
    "signing.render_signed",
    "delivery.report_signed",
)


def signing_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
